/* libsane-sohoatest: a small SANE backend of the project's own, for the
 * capture daemon's tests. It is loaded by libsane's dll backend like any
 * driver (list "sohoatest" in the test's dll.conf, put this directory first
 * in LD_LIBRARY_PATH) and does what SANE's own `test` backend cannot: a
 * duplex feeder of fixture images, buttons, a jam, a double feed or an
 * open cover at a chosen sheet, and a device that is unplugged and back.
 * It is driven by a scenario file named in $SOHOATEST_SCENARIO ("key =
 * value" lines, see scenario_load) and appends what it serves to a log the
 * tests read. */
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sane/sane.h>
#include <sane/saneopts.h>

#define EXPORT __attribute__((visibility("default")))

/* The entry points libsane's dll backend looks up by name. */
EXPORT SANE_Status sane_sohoatest_init(SANE_Int *version, SANE_Auth_Callback auth);
EXPORT void sane_sohoatest_exit(void);
EXPORT SANE_Status sane_sohoatest_get_devices(const SANE_Device ***list, SANE_Bool local);
EXPORT SANE_Status sane_sohoatest_open(SANE_String_Const name, SANE_Handle *h);
EXPORT void sane_sohoatest_close(SANE_Handle h);
EXPORT const SANE_Option_Descriptor *sane_sohoatest_get_option_descriptor(SANE_Handle h, SANE_Int i);
EXPORT SANE_Status sane_sohoatest_control_option(SANE_Handle h, SANE_Int i, SANE_Action a, void *v, SANE_Int *info);
EXPORT SANE_Status sane_sohoatest_get_parameters(SANE_Handle h, SANE_Parameters *p);
EXPORT SANE_Status sane_sohoatest_start(SANE_Handle h);
EXPORT SANE_Status sane_sohoatest_read(SANE_Handle h, SANE_Byte *buf, SANE_Int max, SANE_Int *len);
EXPORT void sane_sohoatest_cancel(SANE_Handle h);
EXPORT SANE_Status sane_sohoatest_set_io_mode(SANE_Handle h, SANE_Bool non_blocking);
EXPORT SANE_Status sane_sohoatest_get_select_fd(SANE_Handle h, SANE_Int *fd);

typedef struct Scenario {
        int sheets;              /* sheets in the feeder per batch */
        bool adf_mode_style;     /* duplex by an adf-mode option, not by the source */
        char fixtures[512];      /* dir of sheet-NNN-front.ppm / sheet-NNN-back.ppm */
        int width, height;       /* of generated pages */
        int jam_at, double_feed_at, cover_open_at;
        char button[32];
        int button_after;        /* reads of the button option before it reads true once */
        char unplug_file[512];   /* while it exists the device is gone */
        bool unknown_lines;
        int warming_up;          /* sane_start answers WARMING_UP this often first */
        int frame_delay_ms;
        int empty_delay_ms;      /* the feeder takes this long to report itself empty */
        char log[512];
} Scenario;

enum { OPT_COUNT, OPT_SOURCE, OPT_ADF_MODE, OPT_MODE, OPT_RESOLUTION, OPT_DF_DETECT, OPT_BLANK_SKIP,
       OPT_SCAN, OPT_EMAIL, OPT_DF_SENSOR, OPT_MAX };

static const SANE_String_Const sources_duplex[] = { "Flatbed", "ADF Front", "ADF Back", "ADF Duplex", NULL };
static const SANE_String_Const sources_plain[] = { "Flatbed", "ADF", NULL };
static const SANE_String_Const adf_modes[] = { "Simplex", "Duplex", NULL };
static const SANE_String_Const modes[] = { "Color", "Gray", "Lineart", NULL };
static const SANE_Range res_range = { 100, 600, 1 };

static Scenario sc;
static SANE_Option_Descriptor desc[OPT_MAX];
static char source[32], adf_mode[32], mode[32];
static SANE_Word resolution, df_detect, blank_skip, df_sensor;
static int button_reads, starts;
static bool open_now;
/* The feeder: next sheet and side; the frame being read. */
static int sheet, side; /* side 0 front, 1 back */
static unsigned char *frame;
static size_t frame_len, frame_pos;
static SANE_Parameters params;
static bool jam_this_frame, scanning;
static const SANE_Device dev = { "adf", "sohoa", "test ADF", "sheetfed scanner" };
static const SANE_Device *devlist[] = { &dev, NULL };
static const SANE_Device *nodevs[] = { NULL };

static void blog(const char *fmt, ...)
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

static void scenario_load(void)
{
        const char *path = getenv("SOHOATEST_SCENARIO");
        char line[1024], k[64], v[512];
        FILE *f;

        sc = (Scenario) { .sheets = 3, .width = 400, .height = 560 };
        if (!path || !(f = fopen(path, "r")))
                return;
        while (fgets(line, sizeof(line), f)) {
                v[0] = '\0';
                if (sscanf(line, " %63[a-z_] = %511[^\n]", k, v) < 1)
                        continue;
                int n = atoi(v);
                if (!strcmp(k, "sheets")) sc.sheets = n;
                else if (!strcmp(k, "duplex_style")) sc.adf_mode_style = !strcmp(v, "adf-mode");
                else if (!strcmp(k, "fixtures")) snprintf(sc.fixtures, sizeof(sc.fixtures), "%s", v);
                else if (!strcmp(k, "width")) sc.width = n;
                else if (!strcmp(k, "height")) sc.height = n;
                else if (!strcmp(k, "jam_at")) sc.jam_at = n;
                else if (!strcmp(k, "double_feed_at")) sc.double_feed_at = n;
                else if (!strcmp(k, "cover_open_at")) sc.cover_open_at = n;
                else if (!strcmp(k, "button")) snprintf(sc.button, sizeof(sc.button), "%s", v);
                else if (!strcmp(k, "button_after")) sc.button_after = n;
                else if (!strcmp(k, "unplug_file")) snprintf(sc.unplug_file, sizeof(sc.unplug_file), "%s", v);
                else if (!strcmp(k, "unknown_lines")) sc.unknown_lines = !strcmp(v, "yes");
                else if (!strcmp(k, "warming_up")) sc.warming_up = n;
                else if (!strcmp(k, "frame_delay_ms")) sc.frame_delay_ms = n;
                else if (!strcmp(k, "empty_delay_ms")) sc.empty_delay_ms = n;
                else if (!strcmp(k, "log")) snprintf(sc.log, sizeof(sc.log), "%s", v);
        }
        fclose(f);
}

static bool unplugged(void)
{
        return sc.unplug_file[0] && access(sc.unplug_file, F_OK) == 0;
}

static void opt(int i, const char *name, SANE_Value_Type type, SANE_Int cap, SANE_Int size)
{
        desc[i] = (SANE_Option_Descriptor) { .name = name, .title = name, .desc = name, .type = type,
                                              .unit = SANE_UNIT_NONE, .size = size, .cap = cap };
}

static void options_init(void)
{
        const SANE_Int rw = SANE_CAP_SOFT_SELECT | SANE_CAP_SOFT_DETECT, ro = SANE_CAP_SOFT_DETECT;

        opt(OPT_COUNT, "", SANE_TYPE_INT, ro, sizeof(SANE_Word));
        desc[OPT_COUNT].name = SANE_NAME_NUM_OPTIONS;
        opt(OPT_SOURCE, SANE_NAME_SCAN_SOURCE, SANE_TYPE_STRING, rw, 32);
        desc[OPT_SOURCE].constraint_type = SANE_CONSTRAINT_STRING_LIST;
        desc[OPT_SOURCE].constraint.string_list = sc.adf_mode_style ? sources_plain : sources_duplex;
        opt(OPT_ADF_MODE, "adf-mode", SANE_TYPE_STRING, rw | (sc.adf_mode_style ? 0 : SANE_CAP_INACTIVE), 32);
        desc[OPT_ADF_MODE].constraint_type = SANE_CONSTRAINT_STRING_LIST;
        desc[OPT_ADF_MODE].constraint.string_list = adf_modes;
        opt(OPT_MODE, SANE_NAME_SCAN_MODE, SANE_TYPE_STRING, rw, 32);
        desc[OPT_MODE].constraint_type = SANE_CONSTRAINT_STRING_LIST;
        desc[OPT_MODE].constraint.string_list = modes;
        opt(OPT_RESOLUTION, SANE_NAME_SCAN_RESOLUTION, SANE_TYPE_INT, rw, sizeof(SANE_Word));
        desc[OPT_RESOLUTION].unit = SANE_UNIT_DPI;
        desc[OPT_RESOLUTION].constraint_type = SANE_CONSTRAINT_RANGE;
        desc[OPT_RESOLUTION].constraint.range = &res_range;
        opt(OPT_DF_DETECT, "double-feed-detection", SANE_TYPE_BOOL, rw, sizeof(SANE_Word));
        opt(OPT_BLANK_SKIP, "blank-page-skip", SANE_TYPE_BOOL, rw, sizeof(SANE_Word));
        opt(OPT_SCAN, SANE_NAME_SCAN, SANE_TYPE_BOOL, ro, sizeof(SANE_Word));
        opt(OPT_EMAIL, SANE_NAME_EMAIL, SANE_TYPE_BOOL, ro, sizeof(SANE_Word));
        opt(OPT_DF_SENSOR, "double-feed", SANE_TYPE_BOOL, ro, sizeof(SANE_Word));
        snprintf(source, sizeof(source), "Flatbed");
        snprintf(adf_mode, sizeof(adf_mode), "Simplex");
        snprintf(mode, sizeof(mode), "Gray");
        resolution = 150;
        df_detect = SANE_FALSE;
        blank_skip = SANE_TRUE; /* on by default, like many drivers: the daemon must turn it off */
        df_sensor = SANE_FALSE;
}

EXPORT SANE_Status sane_sohoatest_init(SANE_Int *version, SANE_Auth_Callback auth)
{
        scenario_load();
        options_init();
        button_reads = starts = 0;
        if (version)
                *version = SANE_VERSION_CODE(1, 0, 0);
        return SANE_STATUS_GOOD;
}

EXPORT void sane_sohoatest_exit(void)
{
        free(frame);
        frame = NULL;
}

EXPORT SANE_Status sane_sohoatest_get_devices(const SANE_Device ***list, SANE_Bool local)
{
        *list = unplugged() ? nodevs : devlist;
        return SANE_STATUS_GOOD;
}

EXPORT SANE_Status sane_sohoatest_open(SANE_String_Const name, SANE_Handle *h)
{
        if (unplugged())
                return SANE_STATUS_IO_ERROR;
        if (name[0] && strcmp(name, "adf") != 0)
                return SANE_STATUS_INVAL;
        if (open_now)
                return SANE_STATUS_DEVICE_BUSY;
        scenario_load();
        open_now = true;
        sheet = 1;
        side = 0;
        *h = (SANE_Handle) &sc;
        blog("open");
        return SANE_STATUS_GOOD;
}

EXPORT void sane_sohoatest_close(SANE_Handle h)
{
        open_now = false;
        blog("close");
}

EXPORT const SANE_Option_Descriptor *sane_sohoatest_get_option_descriptor(SANE_Handle h, SANE_Int i)
{
        return i >= 0 && i < OPT_MAX ? &desc[i] : NULL;
}

static char *string_of(int i)
{
        return i == OPT_SOURCE ? source : i == OPT_ADF_MODE ? adf_mode : mode;
}

static SANE_Word *word_of(int i)
{
        static SANE_Word count = OPT_MAX, button_value;

        switch (i) {
        case OPT_COUNT: return &count;
        case OPT_RESOLUTION: return &resolution;
        case OPT_DF_DETECT: return &df_detect;
        case OPT_BLANK_SKIP: return &blank_skip;
        case OPT_DF_SENSOR: return &df_sensor;
        default:
                /* A button reads true once, at its button_after-th read. */
                button_value = !strcmp(desc[i].name, sc.button) && ++button_reads == sc.button_after;
                if (button_value)
                        blog("button %s pressed", sc.button);
                return &button_value;
        }
}

EXPORT SANE_Status sane_sohoatest_control_option(SANE_Handle h, SANE_Int i, SANE_Action a, void *v, SANE_Int *info)
{
        if (unplugged())
                return SANE_STATUS_IO_ERROR;
        if (i < 0 || i >= OPT_MAX || scanning)
                return SANE_STATUS_INVAL;
        if (info)
                *info = 0;
        if (desc[i].type == SANE_TYPE_STRING) {
                if (a == SANE_ACTION_GET_VALUE) {
                        strcpy(v, string_of(i));
                        return SANE_STATUS_GOOD;
                }
                if (a != SANE_ACTION_SET_VALUE || (desc[i].cap & SANE_CAP_INACTIVE))
                        return SANE_STATUS_INVAL;
                for (const SANE_String_Const *s = desc[i].constraint.string_list; *s; s++)
                        if (!strcmp(*s, v)) {
                                snprintf(string_of(i), 32, "%s", *s);
                                blog("set %s=%s", desc[i].name, *s);
                                return SANE_STATUS_GOOD;
                        }
                return SANE_STATUS_INVAL;
        }
        if (a == SANE_ACTION_GET_VALUE) {
                *(SANE_Word *) v = *word_of(i);
                return SANE_STATUS_GOOD;
        }
        if (a != SANE_ACTION_SET_VALUE || !(desc[i].cap & SANE_CAP_SOFT_SELECT))
                return SANE_STATUS_INVAL;
        if (i == OPT_RESOLUTION && (*(SANE_Word *) v < res_range.min || *(SANE_Word *) v > res_range.max))
                return SANE_STATUS_INVAL;
        *word_of(i) = *(SANE_Word *) v;
        blog("set %s=%d", desc[i].name, *(SANE_Word *) v);
        return SANE_STATUS_GOOD;
}

static bool duplex(void)
{
        return sc.adf_mode_style ? !strcmp(adf_mode, "Duplex") : !strcmp(source, "ADF Duplex");
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
                    (rgb = malloc((size_t) *w * *hgt * 3)) && fread(rgb, 3, (size_t) *w * *hgt, f) != (size_t) *w * *hgt) {
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
                rgb[k] = (unsigned char) ((sheet * 37 + side * 101 + (int) (k / 3 / (size_t) *w) / 8) & 0xff);
        return rgb;
}

/* Convert to the mode set: RGB, grey or 1-bit (1 = black, as SANE sends). */
static SANE_Status frame_make(void)
{
        int w, hgt;
        unsigned char *rgb = page_rgb(&w, &hgt);
        bool color = !strcmp(mode, "Color"), line = !strcmp(mode, "Lineart");
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
        params = (SANE_Parameters) { .format = color ? SANE_FRAME_RGB : SANE_FRAME_GRAY, .last_frame = SANE_TRUE,
                                     .bytes_per_line = (SANE_Int) bpl, .pixels_per_line = w,
                                     .lines = sc.unknown_lines ? -1 : hgt, .depth = line ? 1 : 8 };
        return SANE_STATUS_GOOD;
}

EXPORT SANE_Status sane_sohoatest_start(SANE_Handle h)
{
        if (unplugged())
                return SANE_STATUS_IO_ERROR;
        /* A fresh feeder: the test may have changed the scenario. */
        if (sheet == 1 && side == 0 && !scanning)
                scenario_load();
        if (starts++ < sc.warming_up)
                return (SANE_Status) 12; /* SANE_STATUS_WARMING_UP */
        if (!strcmp(source, "Flatbed"))
                return SANE_STATUS_NO_DOCS;
        if (!strcmp(source, "ADF Back") && side == 0)
                side = 1;
        if (sheet > sc.sheets) {
                if (sc.empty_delay_ms) {
                        blog("feeder-check");
                        usleep((useconds_t) sc.empty_delay_ms * 1000);
                }
                blog("no-docs");
                return SANE_STATUS_NO_DOCS;
        }
        if (sheet == sc.cover_open_at && side == 0) {
                blog("cover-open sheet=%d", sheet);
                return SANE_STATUS_COVER_OPEN;
        }
        if (frame_make() != SANE_STATUS_GOOD)
                return SANE_STATUS_NO_MEM;
        jam_this_frame = side == 0 && (sheet == sc.jam_at || sheet == sc.double_feed_at);
        scanning = true;
        if (sc.frame_delay_ms)
                usleep((useconds_t) sc.frame_delay_ms * 1000);
        blog("frame sheet=%d side=%s mode=%s dpi=%d double_feed_detection=%d blank_skip=%d", sheet,
             side ? "back" : "front", mode, resolution, df_detect, blank_skip);
        return SANE_STATUS_GOOD;
}

EXPORT SANE_Status sane_sohoatest_get_parameters(SANE_Handle h, SANE_Parameters *p)
{
        *p = params;
        return SANE_STATUS_GOOD;
}

static void advance(void)
{
        scanning = false;
        if (duplex() && side == 0) {
                side = 1;
                return;
        }
        side = !strcmp(source, "ADF Back") ? 1 : 0;
        sheet++;
}

EXPORT SANE_Status sane_sohoatest_read(SANE_Handle h, SANE_Byte *buf, SANE_Int max, SANE_Int *len)
{
        size_t n;

        *len = 0;
        if (unplugged())
                return SANE_STATUS_IO_ERROR;
        if (!scanning)
                return SANE_STATUS_EOF;
        if (jam_this_frame && frame_pos >= frame_len / 2) {
                scanning = false;
                df_sensor = sheet == sc.double_feed_at;
                blog("%s sheet=%d", df_sensor ? "double-feed" : "jam", sheet);
                return SANE_STATUS_JAMMED;
        }
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

EXPORT void sane_sohoatest_cancel(SANE_Handle h)
{
        /* The end of a batch: the officer reloads the feeder. */
        scanning = false;
        sheet = 1;
        side = 0;
        df_sensor = SANE_FALSE;
        blog("cancel");
}

EXPORT SANE_Status sane_sohoatest_set_io_mode(SANE_Handle h, SANE_Bool non_blocking)
{
        return non_blocking ? SANE_STATUS_UNSUPPORTED : SANE_STATUS_GOOD;
}

EXPORT SANE_Status sane_sohoatest_get_select_fd(SANE_Handle h, SANE_Int *fd)
{
        return SANE_STATUS_UNSUPPORTED;
}
