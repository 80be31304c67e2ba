/* libFuzzer target for the importer's TIFF page splitter (import/tiffpage.c,
 * libtiff underneath): the input is a file named for import. It has pages
 * or a reason; each of its first pages is extracted or refused with a
 * reason; a page extracted is a TIFF of one page, whose resolution and mode
 * read as the original page's, and not much larger than the file. The
 * file sits in a memfd, as tiffpage.c reads any file: through its
 * descriptor. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <tiffio.h>

#include "fuzz.h"
#include "importfile.h"
#include "tiffpage.h"

#define PAGES_MAX 4 /* pages of one input looked at */

static int fd_with(int fd, const uint8_t *data, size_t size)
{
        size_t done = 0;

        if (ftruncate(fd, 0) < 0)
                abort();
        while (done < size) {
                ssize_t n = pwrite(fd, data + done, size - done, (off_t) done);

                if (n <= 0)
                        abort();
                done += (size_t) n;
        }
        return fd;
}

static void check_page(int fd, int out_fd, unsigned i, size_t size)
{
        char reason[IMPORT_REASON_MAX], again_reason[IMPORT_REASON_MAX];
        unsigned dpi = 0, info_dpi = 0, again_dpi = 0, pages = 0;
        const char *mode = NULL, *info_mode = NULL, *again_mode = NULL;
        uint8_t *page = NULL;
        size_t len = 0;
        int r, info;

        info = tiffpage_info(fd, i, &info_dpi, &info_mode, reason);
        if (info < 0 && (info != -EBADMSG || !reason[0]))
                abort();
        r = tiffpage_extract(fd, i, &page, &len, &dpi, &mode, reason);
        if (r < 0) {
                if ((r != -EBADMSG && r != -EOPNOTSUPP && r != -EIO && r != -ENOMEM) || !reason[0] || page)
                        abort();
                return;
        }
        if (!page || !mode || (info == 0 && (dpi != info_dpi || strcmp(mode, info_mode) != 0)))
                abort();
        /* The page's data comes from the file: no larger than the file,
         * but for its directory (up to 128 KiB of BitsPerSample for 65535
         * samples, 384 KiB of 16-bit colour map) and strip tables. */
        if (len > 2 * size + (1u << 20))
                abort();
        fd_with(out_fd, page, len);
        if (tiffpage_count(out_fd, &pages, again_reason) < 0 || pages != 1 ||
            tiffpage_info(out_fd, 0, &again_dpi, &again_mode, again_reason) < 0 || again_dpi != dpi ||
            strcmp(again_mode, mode) != 0)
                abort();
        free(page);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        static int fd = -1, out_fd = -1;
        char reason[IMPORT_REASON_MAX];
        unsigned pages = 0;
        int r;

        if (fd < 0) {
                /* libtiff's process-wide handlers print; tiffpage.c sets
                 * its own on each file. */
                TIFFSetErrorHandler(NULL);
                TIFFSetWarningHandler(NULL);
                fd = memfd_create("fuzz-tiffpage-in", MFD_CLOEXEC);
                out_fd = memfd_create("fuzz-tiffpage-out", MFD_CLOEXEC);
                if (fd < 0 || out_fd < 0)
                        abort();
        }
        fd_with(fd, data, size);
        r = tiffpage_count(fd, &pages, reason);
        if (r < 0) {
                if (r != -EBADMSG || !reason[0])
                        abort();
                return 0;
        }
        if (pages == 0)
                abort();
        for (unsigned i = 0; i < pages && i < PAGES_MAX; i++)
                check_page(fd, out_fd, i, size);
        return 0;
}

const FuzzTarget fuzz_target = {
        .name = "fuzz-tiffpage",
        .header = 8,
};
