/* libsane-sohoatest: the project's own SANE backend, for the capture
 * daemon's tests. It is loaded by libsane's dll backend like any driver
 * (list it in the test's dll.conf, put its directory first in
 * LD_LIBRARY_PATH) and does what SANE's own `test` backend cannot: a
 * duplex feeder of fixture images, buttons, a jam, a double feed or an open
 * cover at a chosen sheet, and devices that are unplugged, renumbered and
 * plugged back. Built once as "sohoatest" and once per personality
 * (persona.h) under the name of the real backend it imitates.
 * It is driven by a scenario file named in $SOHOATEST_SCENARIO ("key =
 * value" lines, see scenario_load) and appends what it serves to a log the
 * tests read. Its options are in opts.c, its devices in bus.c. */
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sane/sane.h>
#include <sane/saneopts.h>

#include "bus.h"
#include "opts.h"
#include "sohoatest.h"

#define EXPORT __attribute__((visibility("default")))
#ifndef SOHOATEST_BACKEND
#define SOHOATEST_BACKEND sohoatest
#endif
#define ENTRY_(b, f) sane_##b##_##f
#define ENTRY(b, f) ENTRY_(b, f)

/* The entry points libsane's dll backend looks up by the backend's name. */
EXPORT SANE_Status ENTRY(SOHOATEST_BACKEND, init)(SANE_Int *version, SANE_Auth_Callback auth);
EXPORT void ENTRY(SOHOATEST_BACKEND, exit)(void);
EXPORT SANE_Status ENTRY(SOHOATEST_BACKEND, get_devices)(const SANE_Device ***list, SANE_Bool local);
EXPORT SANE_Status ENTRY(SOHOATEST_BACKEND, open)(SANE_String_Const name, SANE_Handle *h);
EXPORT void ENTRY(SOHOATEST_BACKEND, close)(SANE_Handle h);
EXPORT const SANE_Option_Descriptor *ENTRY(SOHOATEST_BACKEND, get_option_descriptor)(SANE_Handle h,
                                                                                     SANE_Int i);
EXPORT SANE_Status ENTRY(SOHOATEST_BACKEND, control_option)(SANE_Handle h, SANE_Int i, SANE_Action a,
                                                            void *v, SANE_Int *info);
EXPORT SANE_Status ENTRY(SOHOATEST_BACKEND, get_parameters)(SANE_Handle h, SANE_Parameters *p);
EXPORT SANE_Status ENTRY(SOHOATEST_BACKEND, start)(SANE_Handle h);
EXPORT SANE_Status ENTRY(SOHOATEST_BACKEND, read)(SANE_Handle h, SANE_Byte *buf, SANE_Int max,
                                                  SANE_Int *len);
EXPORT void ENTRY(SOHOATEST_BACKEND, cancel)(SANE_Handle h);
EXPORT SANE_Status ENTRY(SOHOATEST_BACKEND, set_io_mode)(SANE_Handle h, SANE_Bool non_blocking);
EXPORT SANE_Status ENTRY(SOHOATEST_BACKEND, get_select_fd)(SANE_Handle h, SANE_Int *fd);

Scenario sc;
const Persona *persona;

static bool open_now;
static char open_name[128];
static int lock_fd = -1;
/* The feeder: next sheet and side; the frame being read. */
static int sheet, side; /* side 0 front, 1 back */
static int skip_after;  /* a sheet that went through stuck to the one before it */
static int starts;
static unsigned char *frame;
static size_t frame_len, frame_pos;
static SANE_Parameters params;
static bool scanning;
static enum {
        FAULT_NONE,
        FAULT_JAM,
        FAULT_DOUBLE_FEED,
        FAULT_CUT_OFF
} fault;
static BusDevice listed[BUS_MAX];
static SANE_Device devs[BUS_MAX];
static const SANE_Device *devlist[BUS_MAX + 1];

void blog(const char *fmt, ...)
{
        va_list ap;
        FILE *f;

        if (!sc.log[0] || !(f = fopen(sc.log, "a")))
                return;
        va_start(ap, fmt);
        vfprintf(f, fmt, ap);
        va_end(ap);
        fputc('\n', f);
        fclose(f);
}

static void presses_parse(const char *v)
{
        char *end;

        sc.n_presses = 0;
        while (*v && sc.n_presses < (int) (sizeof(sc.presses) / sizeof(sc.presses[0]))) {
                long n = strtol(v, &end, 10);

                if (end == v)
                        break;
                sc.presses[sc.n_presses++] = (int) n;
                v = *end == ',' ? end + 1 : end;
        }
}

static void scenario_load(void)
{
        const char *path = getenv("SOHOATEST_SCENARIO");
        char line[1024], k[64], v[512];
        FILE *f;

        sc = (Scenario) { .sheets = 3, .width = 400, .height = 560 };
        snprintf(sc.button_token, sizeof(sc.button_token), "scan");
        if (!path || !(f = fopen(path, "r")))
                return;
        while (fgets(line, sizeof(line), f)) {
                v[0] = '\0';
                if (sscanf(line, " %63[a-z_] = %511[^\n]", k, v) < 1)
                        continue;
                int n = atoi(v);
                if (!strcmp(k, "sheets"))
                        sc.sheets = n;
                else if (!strcmp(k, "duplex_style"))
                        sc.adf_mode_style = !strcmp(v, "adf-mode");
                else if (!strcmp(k, "fixtures"))
                        snprintf(sc.fixtures, sizeof(sc.fixtures), "%s", v);
                else if (!strcmp(k, "width"))
                        sc.width = n;
                else if (!strcmp(k, "height"))
                        sc.height = n;
                else if (!strcmp(k, "jam_at"))
                        sc.jam_at = n;
                else if (!strcmp(k, "double_feed_at"))
                        sc.double_feed_at = n;
                else if (!strcmp(k, "cover_open_at"))
                        sc.cover_open_at = n;
                else if (!strcmp(k, "cut_off_at"))
                        sc.cut_off_at = n;
                else if (!strcmp(k, "back_missing_at"))
                        sc.back_missing_at = n;
                else if (!strcmp(k, "button"))
                        snprintf(sc.button, sizeof(sc.button), "%s", v);
                else if (!strcmp(k, "button_token"))
                        snprintf(sc.button_token, sizeof(sc.button_token), "%s", v);
                else if (!strcmp(k, "button_after") || !strcmp(k, "button_presses"))
                        presses_parse(v);
                else if (!strcmp(k, "unplug_file"))
                        snprintf(sc.unplug_file, sizeof(sc.unplug_file), "%s", v);
                else if (!strcmp(k, "devices"))
                        snprintf(sc.devices, sizeof(sc.devices), "%s", v);
                else if (!strcmp(k, "lock_dir"))
                        snprintf(sc.lock_dir, sizeof(sc.lock_dir), "%s", v);
                else if (!strcmp(k, "unknown_lines"))
                        sc.unknown_lines = !strcmp(v, "yes");
                else if (!strcmp(k, "warming_up"))
                        sc.warming_up = n;
                else if (!strcmp(k, "frame_delay_ms"))
                        sc.frame_delay_ms = n;
                else if (!strcmp(k, "empty_delay_ms"))
                        sc.empty_delay_ms = n;
                else if (!strcmp(k, "log"))
                        snprintf(sc.log, sizeof(sc.log), "%s", v);
        }
        fclose(f);
}

/* Is the open device still there? (Unplugged, or renumbered by a power
 * cycle: its old name is gone.) */
static bool unplugged(void)
{
        if (sc.unplug_file[0] && access(sc.unplug_file, F_OK) == 0)
                return true;
        return open_now && !bus_find(sc.devices, persona, open_name, NULL);
}

bool device_unplugged(void)
{
        return unplugged();
}

EXPORT SANE_Status ENTRY(SOHOATEST_BACKEND, init)(SANE_Int *version, SANE_Auth_Callback auth)
{
        scenario_load();
        persona = persona_get(sc.adf_mode_style);
        opts_init(persona);
        starts = 0;
        if (version)
                *version = SANE_VERSION_CODE(1, 0, 0);
        return SANE_STATUS_GOOD;
}

EXPORT void ENTRY(SOHOATEST_BACKEND, exit)(void)
{
        free(frame);
        frame = NULL;
}

EXPORT SANE_Status ENTRY(SOHOATEST_BACKEND, get_devices)(const SANE_Device ***list, SANE_Bool local)
{
        int n = 0;

        scenario_load();
        if (!(persona->network_only && local) && !(sc.unplug_file[0] && access(sc.unplug_file, F_OK) == 0))
                n = bus_list(sc.devices, persona, listed);
        for (int i = 0; i < n; i++) {
                devs[i] = (SANE_Device) { listed[i].name, listed[i].vendor, listed[i].model,
                                          persona->network_only ? "eSCL network scanner"
                                                                : "sheetfed scanner" };
                devlist[i] = &devs[i];
        }
        devlist[n] = NULL;
        blog("get_devices local_only=%d: %d", local, n);
        *list = devlist;
        return SANE_STATUS_GOOD;
}

EXPORT SANE_Status ENTRY(SOHOATEST_BACKEND, open)(SANE_String_Const name, SANE_Handle *h)
{
        BusDevice d, list[BUS_MAX];

        scenario_load();
        if (sc.unplug_file[0] && access(sc.unplug_file, F_OK) == 0)
                return SANE_STATUS_IO_ERROR;
        if (!name[0] && bus_list(sc.devices, persona, list) > 0)
                name = list[0].name;
        if (!bus_find(sc.devices, persona, name, &d))
                return SANE_STATUS_INVAL;
        if (open_now)
                return SANE_STATUS_DEVICE_BUSY;
        lock_fd = bus_lock(sc.lock_dir, d.serial);
        if (lock_fd == -1) {
                blog("open %s: busy", name);
                return SANE_STATUS_DEVICE_BUSY;
        }
        open_now = true;
        snprintf(open_name, sizeof(open_name), "%s", name);
        persona = persona_get(sc.adf_mode_style);
        opts_init(persona); /* as a backend that reads its defaults at open */
        sheet = 1;
        side = 0;
        skip_after = 0;
        *h = (SANE_Handle) &sc;
        blog("open %s", name);
        return SANE_STATUS_GOOD;
}

EXPORT void ENTRY(SOHOATEST_BACKEND, close)(SANE_Handle h)
{
        open_now = false;
        bus_unlock(lock_fd);
        lock_fd = -1;
        blog("close");
}

EXPORT const SANE_Option_Descriptor *ENTRY(SOHOATEST_BACKEND, get_option_descriptor)(SANE_Handle h,
                                                                                     SANE_Int i)
{
        return opts_descriptor(i);
}

EXPORT SANE_Status ENTRY(SOHOATEST_BACKEND, control_option)(SANE_Handle h, SANE_Int i, SANE_Action a,
                                                            void *v, SANE_Int *info)
{
        if (info)
                *info = 0;
        if (unplugged())
                return SANE_STATUS_IO_ERROR;
        if (scanning)
                return SANE_STATUS_INVAL;
        return opts_control(i, a, v, info);
}

/* The page for (sheet, side): the fixture, else a generated grey level. */
static unsigned char *page_rgb(int *w, int *hgt)
{
        char path[700];
        unsigned char *rgb = NULL;
        int maxval;
        FILE *f;

        snprintf(path, sizeof(path), "%s/sheet-%03d-%s.ppm", sc.fixtures, sheet, side ? "back" : "front");
        if (sc.fixtures[0] && (f = fopen(path, "rb"))) {
                if (fscanf(f, "P6 %d %d %d", w, hgt, &maxval) == 3 && fgetc(f) != EOF && maxval == 255 &&
                    (rgb = malloc((size_t) *w * *hgt * 3)) &&
                    fread(rgb, 3, (size_t) *w * *hgt, f) != (size_t) *w * *hgt) {
                        free(rgb);
                        rgb = NULL;
                }
                fclose(f);
                if (rgb)
                        return rgb;
        }
        *w = sc.width;
        *hgt = sc.height;
        rgb = malloc((size_t) *w * *hgt * 3);
        for (size_t k = 0; rgb && k < (size_t) *w * *hgt * 3; k++)
                rgb[k] = (unsigned char) ((sheet * 37 + side * 101 + (int) (k / 3 / (size_t) *w) / 8) &
                                          0xff);
        return rgb;
}

/* Convert to the mode set: RGB, grey or 1-bit (1 = black, as SANE sends). */
static SANE_Status frame_make(void)
{
        int w, hgt;
        unsigned char *rgb = page_rgb(&w, &hgt);
        char kind = opts_mode_kind();
        bool color = kind == 'c', line = kind == 'l';
        size_t bpl = line ? (size_t) (w + 7) / 8 : (size_t) w * (color ? 3 : 1);

        if (!rgb)
                return SANE_STATUS_NO_MEM;
        free(frame);
        frame = calloc(1, bpl * hgt);
        if (!frame) {
                free(rgb);
                return SANE_STATUS_NO_MEM;
        }
        for (int y = 0; y < hgt; y++)
                for (int x = 0; x < w; x++) {
                        const unsigned char *p = rgb + ((size_t) y * w + x) * 3;
                        unsigned g = (p[0] * 30u + p[1] * 59u + p[2] * 11u) / 100u;

                        if (color)
                                memcpy(frame + y * bpl + (size_t) x * 3, p, 3);
                        else if (!line)
                                frame[y * bpl + x] = (unsigned char) g;
                        else if (g < 128)
                                frame[y * bpl + x / 8] |= (unsigned char) (0x80 >> (x % 8));
                }
        free(rgb);
        frame_len = bpl * hgt;
        frame_pos = 0;
        params = (SANE_Parameters) { .format = color ? SANE_FRAME_RGB : SANE_FRAME_GRAY,
                                     .last_frame = SANE_TRUE,
                                     .bytes_per_line = (SANE_Int) bpl,
                                     .pixels_per_line = w,
                                     .lines = sc.unknown_lines ? -1 : hgt,
                                     .depth = line ? 1 : 8 };
        return SANE_STATUS_GOOD;
}

/* The feeder is empty (or the source is the flatbed): what the backend says. */
static SANE_Status empty_feeder(void)
{
        if (sc.empty_delay_ms) {
                blog("feeder-check");
                usleep((useconds_t) sc.empty_delay_ms * 1000);
        }
        blog(persona->empty_is_cancelled ? "no-docs (cancelled)" : "no-docs");
        return persona->empty_is_cancelled ? SANE_STATUS_CANCELLED : SANE_STATUS_NO_DOCS;
}

EXPORT SANE_Status ENTRY(SOHOATEST_BACKEND, start)(SANE_Handle h)
{
        if (unplugged())
                return SANE_STATUS_IO_ERROR;
        /* A fresh feeder: the test may have changed the scenario. */
        if (sheet == 1 && side == 0 && !scanning) {
                scenario_load();
                skip_after = 0;
        }
        if (starts++ < sc.warming_up)
                return (SANE_Status) 12; /* SANE_STATUS_WARMING_UP */
        if (!opts_feeder())
                return SANE_STATUS_NO_DOCS;
        if (opts_back_only() && side == 0)
                side = 1;
        if (sheet > sc.sheets)
                return empty_feeder();
        if (sheet == sc.back_missing_at && side == 1) {
                blog("no-docs back sheet=%d", sheet);
                return SANE_STATUS_NO_DOCS;
        }
        if (sheet == sc.cover_open_at && side == 0) {
                blog("cover-open sheet=%d", sheet);
                return SANE_STATUS_COVER_OPEN;
        }
        if (frame_make() != SANE_STATUS_GOOD)
                return SANE_STATUS_NO_MEM;
        fault = FAULT_NONE;
        if (side == 0 && sheet == sc.jam_at)
                fault = FAULT_JAM;
        else if (side == 0 && sheet == sc.cut_off_at)
                fault = FAULT_CUT_OFF;
        else if (side == 0 && sheet == sc.double_feed_at && opts_double_feed_detected())
                fault = FAULT_DOUBLE_FEED;
        else if (side == 0 && sheet == sc.double_feed_at) {
                /* Undetected: the next sheet goes through stuck to this one. */
                blog("double-feed-undetected sheet=%d", sheet);
                skip_after = sheet;
        }
        scanning = true;
        if (sc.frame_delay_ms)
                usleep((useconds_t) sc.frame_delay_ms * 1000);
        blog("frame sheet=%d side=%s mode=%s dpi=%d double_feed_detection=%d blank_skip=%d duplex=%d", sheet,
             side ? "back" : "front", opts_mode(), opts_resolution(), opts_double_feed_on(),
             opts_blank_skip(), opts_duplex());
        return SANE_STATUS_GOOD;
}

EXPORT SANE_Status ENTRY(SOHOATEST_BACKEND, get_parameters)(SANE_Handle h, SANE_Parameters *p)
{
        *p = params;
        return SANE_STATUS_GOOD;
}

static void advance(void)
{
        scanning = false;
        if (opts_duplex() && side == 0) {
                side = 1;
                return;
        }
        side = opts_back_only() ? 1 : 0;
        sheet += sheet == skip_after ? 2 : 1;
}

/* The fault of this frame, half-way through it. */
static SANE_Status fault_status(void)
{
        SANE_Status st;

        scanning = false;
        switch (fault) {
        case FAULT_JAM:
                blog("jam sheet=%d", sheet);
                return SANE_STATUS_JAMMED;
        case FAULT_CUT_OFF:
                blog("cut-off sheet=%d", sheet);
                return SANE_STATUS_NO_DOCS;
        default:
                st = opts_double_feed_raise();
                blog("double-feed sheet=%d status=%s", sheet, sane_strstatus(st));
                return st;
        }
}

EXPORT SANE_Status ENTRY(SOHOATEST_BACKEND, read)(SANE_Handle h, SANE_Byte *buf, SANE_Int max, SANE_Int *len)
{
        size_t n;

        *len = 0;
        if (unplugged())
                return SANE_STATUS_IO_ERROR;
        if (!scanning)
                return SANE_STATUS_EOF;
        if (fault != FAULT_NONE && frame_pos >= frame_len / 2)
                return fault_status();
        if (frame_pos >= frame_len) {
                /* The whole image has left the scanner: the tests' "scanned". */
                blog("eof sheet=%d side=%s", sheet, side ? "back" : "front");
                advance();
                return SANE_STATUS_EOF;
        }
        n = frame_len - frame_pos;
        if (n > (size_t) max)
                n = (size_t) max;
        if (n > 32768)
                n = 32768;
        memcpy(buf, frame + frame_pos, n);
        frame_pos += n;
        *len = (SANE_Int) n;
        return SANE_STATUS_GOOD;
}

EXPORT void ENTRY(SOHOATEST_BACKEND, cancel)(SANE_Handle h)
{
        /* The end of a batch: the officer reloads the feeder. */
        scanning = false;
        sheet = 1;
        side = 0;
        opts_double_feed_clear();
        blog("cancel");
}

EXPORT SANE_Status ENTRY(SOHOATEST_BACKEND, set_io_mode)(SANE_Handle h, SANE_Bool non_blocking)
{
        return non_blocking ? SANE_STATUS_UNSUPPORTED : SANE_STATUS_GOOD;
}

EXPORT SANE_Status ENTRY(SOHOATEST_BACKEND, get_select_fd)(SANE_Handle h, SANE_Int *fd)
{
        return SANE_STATUS_UNSUPPORTED;
}
