/* libFuzzer target for the importer's PNG and JPEG header probe
 * (import/imgprobe.c, libpng and libjpeg underneath): the input is a file
 * named for import, probed as both. Each probe gives a mode and a
 * believable resolution (at most IMGPROBE_DPI_MAX, 0 for none), or a
 * reason; a resolution given is one that a pHYs chunk or a JFIF header in
 * the input states, computed here independently. PNGs are mutated as
 * fuzz-png.h says. */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz-png.h"
#include "fuzz.h"
#include "imgprobe.h"
#include "importfile.h"

static uint32_t be(const uint8_t *p, int n)
{
        uint32_t v = 0;

        for (int i = 0; i < n; i++)
                v = v << 8 | p[i];
        return v;
}

static unsigned believed(uint64_t dpi)
{
        return dpi <= IMGPROBE_DPI_MAX ? (unsigned) dpi : 0;
}

/* Whether some pHYs chunk (in metres) or JFIF header of data states dpi. */
static bool stated(const uint8_t *data, size_t size, unsigned dpi)
{
        for (size_t i = 4; i + 13 <= size; i++) {
                if (memcmp(data + i, "pHYs", 4) == 0 && be(data + i - 4, 4) == 9 && data[i + 12] == 1 &&
                    believed((be(data + i + 4, 4) * UINT64_C(254) + 5000) / 10000) == dpi)
                        return true;
                if (memcmp(data + i, "JFIF", 5) == 0 &&
                    ((data[i + 7] == 1 && believed(be(data + i + 8, 2)) == dpi) ||
                     (data[i + 7] == 2 && believed((be(data + i + 8, 2) * 254u + 50) / 100) == dpi)))
                        return true;
        }
        return false;
}

typedef int (*Probe)(const uint8_t *data, size_t len, unsigned *ret_dpi, const char **ret_mode,
                     char *reason);

static void check(Probe probe, const uint8_t *data, size_t size)
{
        char reason[IMPORT_REASON_MAX] = "";
        const char *mode = NULL;
        unsigned dpi = 0;
        int r;

        r = probe(data, size, &dpi, &mode, reason);
        if (r == -EBADMSG) {
                if (!reason[0])
                        abort();
        } else if (r == 0) {
                if (!mode ||
                    (strcmp(mode, "color") != 0 && strcmp(mode, "gray") != 0 &&
                     strcmp(mode, "lineart") != 0) ||
                    dpi > IMGPROBE_DPI_MAX || (dpi > 0 && !stated(data, size, dpi)))
                        abort();
        } else if (r != -ENOMEM) {
                abort();
        }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        check(imgprobe_png, data, size);
        check(imgprobe_jpeg, data, size);
        return 0;
}

const FuzzTarget fuzz_target = {
        .name = "fuzz-imgprobe",
        .header = 8,
        .mutate = fuzz_png_mutate,
};
