/* The test backend's personalities (persona.h). Every name and value here
 * is the real backend's, from its source: fujitsu.c, canon_dr.c,
 * avision.c, pixma/pixma.c, epsonds.c and epsonds-cmd.c, kodakaio.c,
 * kvs1025_opt.c and kvs1025_low.c, epjitsu.c, and sane-airscan's
 * airscan.c and airscan-opt.c (docs/STATION.md lists them per family). */
#include <string.h>

#include <sane/saneopts.h>

#include "persona.h"

#ifndef SOHOATEST_PERSONA
#define SOHOATEST_PERSONA "sohoatest"
#endif

#define W(n, r, t, d)                                             \
        {                                                         \
                .name = (n), .role = (r), .type = (t), .def = (d) \
        }
#define S(n, r, l, d, ...)                                                                                 \
        {                                                                                                  \
                .name = (n), .role = (r), .type = SANE_TYPE_STRING, .list = (l), .def_s = (d), __VA_ARGS__ \
        }
#define LIST(...) ((const SANE_String_Const[]) { __VA_ARGS__, NULL })
#define COUNT W(SANE_NAME_NUM_OPTIONS, ROLE_COUNT, SANE_TYPE_INT, 0)
#define RESOLUTION W(SANE_NAME_SCAN_RESOLUTION, ROLE_RESOLUTION, SANE_TYPE_INT, 150)
#define BRIGHTNESS W(SANE_NAME_BRIGHTNESS, ROLE_SETTING, SANE_TYPE_INT, 0)
#define END                  \
        {                    \
                .name = NULL \
        }

static const PersonaOption plain_source[] = {
        COUNT,
        S(SANE_NAME_SCAN_SOURCE, ROLE_SOURCE, LIST("Flatbed", "ADF Front", "ADF Back", "ADF Duplex"),
          "Flatbed"),
        S(SANE_NAME_SCAN_MODE, ROLE_MODE, LIST("Color", "Gray", "Lineart"), "Gray"),
        RESOLUTION,
        W("double-feed-detection", ROLE_DF_SWITCH, SANE_TYPE_BOOL, SANE_FALSE),
        /* On by default, like many drivers: the daemon must turn it off. */
        W("blank-page-skip", ROLE_BLANK_SKIP, SANE_TYPE_BOOL, SANE_TRUE),
        W(SANE_NAME_SCAN, ROLE_BUTTON, SANE_TYPE_BOOL, 0),
        W(SANE_NAME_EMAIL, ROLE_BUTTON, SANE_TYPE_BOOL, 0),
        W("double-feed", ROLE_DF_SENSOR, SANE_TYPE_BOOL, 0),
        BRIGHTNESS,
        END,
};

static const PersonaOption plain_adf_mode[] = {
        COUNT,
        S(SANE_NAME_SCAN_SOURCE, ROLE_SOURCE, LIST("Flatbed", "ADF"), "Flatbed"),
        S("adf-mode", ROLE_ADF_MODE, LIST("Simplex", "Duplex"), "Simplex"),
        S(SANE_NAME_SCAN_MODE, ROLE_MODE, LIST("Color", "Gray", "Lineart"), "Gray"),
        RESOLUTION,
        W("double-feed-detection", ROLE_DF_SWITCH, SANE_TYPE_BOOL, SANE_FALSE),
        W("blank-page-skip", ROLE_BLANK_SKIP, SANE_TYPE_BOOL, SANE_TRUE),
        W(SANE_NAME_SCAN, ROLE_BUTTON, SANE_TYPE_BOOL, 0),
        W(SANE_NAME_EMAIL, ROLE_BUTTON, SANE_TYPE_BOOL, 0),
        W("double-feed", ROLE_DF_SENSOR, SANE_TYPE_BOOL, 0),
        BRIGHTNESS,
        END,
};

/* fujitsu.c: df-skew, df-thickness and df-length are SANE_CAP_INACTIVE
 * while df-action is "Default"; buttons and sensors come from the
 * hardware status; a double feed is sense 3/0x80/0x07: JAMMED. */
static const PersonaOption fujitsu[] = {
        COUNT,
        S(SANE_NAME_SCAN_SOURCE, ROLE_SOURCE, LIST("ADF Front", "ADF Back", "ADF Duplex"), "ADF Front"),
        S(SANE_NAME_SCAN_MODE, ROLE_MODE, LIST("Lineart", "Halftone", "Gray", "Color"), "Lineart"),
        RESOLUTION,
        BRIGHTNESS,
        S("df-action", ROLE_DF_ACTION, LIST("Default", "Continue", "Stop"), "Default"),
        W("df-skew", ROLE_DF_METHOD, SANE_TYPE_BOOL, 0),
        W("df-thickness", ROLE_DF_METHOD, SANE_TYPE_BOOL, 0),
        W("df-length", ROLE_DF_METHOD, SANE_TYPE_BOOL, 0),
        W(SANE_NAME_PAGE_LOADED, ROLE_SENSOR, SANE_TYPE_BOOL, 0),
        W("omr-df", ROLE_DF_SENSOR, SANE_TYPE_BOOL, 0),
        W(SANE_NAME_EMAIL, ROLE_BUTTON, SANE_TYPE_BOOL, 0),
        W(SANE_NAME_SCAN, ROLE_BUTTON, SANE_TYPE_BOOL, 0),
        W("double-feed", ROLE_DF_SENSOR, SANE_TYPE_BOOL, 0),
        END,
};

/* canon_dr.c: the big green button is "start"; a double feed is sense
 * 3/0x81/0x01, JAMMED like a jam; no double-feed sensor. */
static const PersonaOption canon_dr[] = {
        COUNT,
        S(SANE_NAME_SCAN_SOURCE, ROLE_SOURCE, LIST("Flatbed", "ADF Front", "ADF Back", "ADF Duplex"),
          "ADF Front"),
        S(SANE_NAME_SCAN_MODE, ROLE_MODE, LIST("Lineart", "Halftone", "Gray", "Color"), "Lineart"),
        RESOLUTION,
        BRIGHTNESS,
        W("df-length", ROLE_DF_SWITCH, SANE_TYPE_BOOL, 0),
        W("df-thickness", ROLE_DF_SWITCH, SANE_TYPE_BOOL, 0),
        W("start", ROLE_BUTTON, SANE_TYPE_BOOL, 0),
        W("stop", ROLE_BUTTON, SANE_TYPE_BOOL, 0),
        W("button-3", ROLE_BUTTON, SANE_TYPE_BOOL, 0),
        W("adf-loaded", ROLE_SENSOR, SANE_TYPE_BOOL, 0),
        END,
};

/* avision.c: buttons arrive in the read-only string "message" (tokens
 * joined by ':', cleared once read); "paper-length" lets newer models
 * detect double feeds by length, off by default. */
static const PersonaOption avision[] = {
        COUNT,
        S(SANE_NAME_SCAN_SOURCE, ROLE_SOURCE, LIST("Normal", "ADF Front", "ADF Back", "ADF Duplex"),
          "Normal"),
        S(SANE_NAME_SCAN_MODE, ROLE_MODE,
          LIST("Lineart", "Dithered", "Gray", "12bit Gray", "Color", "12bit Color"), "Color"),
        RESOLUTION,
        W("message", ROLE_BUTTON_STRING, SANE_TYPE_STRING, 0),
        W("paper-length", ROLE_DF_SWITCH, SANE_TYPE_BOOL, 0),
        W("adf-installed", ROLE_SENSOR, SANE_TYPE_BOOL, 0),
        END,
};

/* pixma.c: button-1 and button-2 are set to 1 by a press and only the
 * opening of the device sets them back. */
static const PersonaOption pixma[] = {
        COUNT,
        S(SANE_NAME_SCAN_SOURCE, ROLE_SOURCE, LIST("Flatbed", "Automatic Document Feeder", "ADF Duplex"),
          "Flatbed"),
        S(SANE_NAME_SCAN_MODE, ROLE_MODE, LIST("Color", "Gray", "Lineart"), "Color"),
        RESOLUTION,
        W("button-1", ROLE_BUTTON_STICKY, SANE_TYPE_INT, 0),
        W("button-2", ROLE_BUTTON_STICKY, SANE_TYPE_INT, 0),
        END,
};

/* epsonds-cmd.c: an "err" block whose cause is not PJ, PE or OPN (a
 * double feed is DFED) is SANE_STATUS_IO_ERROR; no buttons. */
static const PersonaOption epsonds[] = {
        COUNT,
        S(SANE_NAME_SCAN_SOURCE, ROLE_SOURCE, LIST("Flatbed", "ADF Front", "ADF Duplex"), "Flatbed"),
        S(SANE_NAME_SCAN_MODE, ROLE_MODE, LIST("Lineart", "Gray", "Color"), "Color"),
        RESOLUTION,
        END,
};

/* kodakaio.c: duplex is the adf-mode option; sane_start answers an empty
 * feeder with CANCELLED, not NO_DOCS; no buttons. */
static const PersonaOption kodakaio[] = {
        COUNT,
        S(SANE_NAME_SCAN_SOURCE, ROLE_SOURCE, LIST("Flatbed", "ADF"), "Flatbed"),
        S("adf-mode", ROLE_ADF_MODE, LIST("Simplex", "Duplex"), "Simplex"),
        S(SANE_NAME_SCAN_MODE, ROLE_MODE, LIST("Color", "Gray", "Lineart"), "Color"),
        RESOLUTION,
        END,
};

/* kvs1025_opt.c: the source is fixed to "adf" (SANE_CAP_SOFT_SELECT
 * removed), duplex is a bool, modes are lower-case; kvs1025_low.c makes
 * every medium error but an empty feeder JAMMED. */
static const PersonaOption kvs1025[] = {
        COUNT,
        S(SANE_NAME_SCAN_MODE, ROLE_MODE, LIST("bw", "halftone", "gray", "color"), "bw"),
        RESOLUTION,
        W("duplex", ROLE_DUPLEX, SANE_TYPE_BOOL, 0),
        S(SANE_NAME_SCAN_SOURCE, ROLE_SOURCE, LIST("adf", "fb"), "adf", .fixed = true),
        W("double-feed", ROLE_DF_SWITCH, SANE_TYPE_BOOL, 0),
        END,
};

/* epjitsu.c: names are sanei_usb's libusb:BBB:DDD; one "scan" button. */
static const PersonaOption epjitsu[] = {
        COUNT,
        S(SANE_NAME_SCAN_SOURCE, ROLE_SOURCE, LIST("ADF Front", "ADF Back", "ADF Duplex"), "ADF Front"),
        S(SANE_NAME_SCAN_MODE, ROLE_MODE, LIST("Lineart", "Gray", "Color"), "Lineart"),
        RESOLUTION,
        W(SANE_NAME_SCAN, ROLE_BUTTON, SANE_TYPE_BOOL, 0),
        W(SANE_NAME_PAGE_LOADED, ROLE_SENSOR, SANE_TYPE_BOOL, 0),
        END,
};

/* sane-airscan: eSCL's 1-bit mode is called "Halftone"; every device is
 * a network device, so local_only lists none. */
static const PersonaOption airscan[] = {
        COUNT,
        S(SANE_NAME_SCAN_SOURCE, ROLE_SOURCE, LIST("Flatbed", "ADF", "ADF Duplex"), "Flatbed"),
        S(SANE_NAME_SCAN_MODE, ROLE_MODE, LIST("Color", "Gray", "Halftone"), "Color"),
        RESOLUTION,
        END,
};

static const Persona personas[] = {
        { .name = "sohoatest",
          .vendor = "sohoa",
          .model = "test ADF",
          .default_device = "adf",
          .options = plain_source,
          .double_feed = DF_ALWAYS_SENSOR },
        { .name = "fujitsu",
          .vendor = "FUJITSU",
          .model = "fi-7160",
          .default_device = "fi-7160:0001",
          .options = fujitsu,
          .double_feed = DF_ACTION_METHOD },
        { .name = "canon_dr",
          .vendor = "CANON",
          .model = "DR-C225",
          .default_device = "libusb:001:002",
          .options = canon_dr,
          .double_feed = DF_SWITCH_JAMMED },
        { .name = "avision",
          .vendor = "Avision",
          .model = "AV176U",
          .default_device = "libusb:001:002",
          .options = avision,
          .double_feed = DF_SWITCH_JAMMED },
        { .name = "pixma",
          .vendor = "CANON",
          .model = "MX920",
          .default_device = "04A90113_0001",
          .options = pixma,
          .double_feed = DF_NEVER },
        { .name = "epsonds",
          .vendor = "Epson",
          .model = "DS-530",
          .default_device = "libusb:001:002",
          .options = epsonds,
          .double_feed = DF_ALWAYS_IO },
        { .name = "kodakaio",
          .vendor = "Kodak",
          .model = "ESP 7250",
          .default_device = "libusb:001:002",
          .options = kodakaio,
          .double_feed = DF_NEVER,
          .empty_is_cancelled = true },
        { .name = "kvs1025",
          .vendor = "Panasonic",
          .model = "KV-S1025C",
          .default_device = "libusb:001:002",
          .options = kvs1025,
          .double_feed = DF_SWITCH_JAMMED },
        { .name = "epjitsu",
          .vendor = "FUJITSU",
          .model = "ScanSnap S1300i",
          .default_device = "libusb:001:002",
          .options = epjitsu,
          .double_feed = DF_NEVER },
        { .name = "airscan",
          .vendor = "HP",
          .model = "LaserJet MFP",
          .default_device = "HP LaserJet MFP (eSCL)",
          .options = airscan,
          .double_feed = DF_NEVER,
          .network_only = true },
};

const Persona *persona_get(bool adf_mode_style)
{
        static Persona plain_adf;

        for (size_t i = 0; i < sizeof(personas) / sizeof(personas[0]); i++) {
                if (strcmp(personas[i].name, SOHOATEST_PERSONA) != 0)
                        continue;
                if (i == 0 && adf_mode_style) {
                        plain_adf = personas[0];
                        plain_adf.options = plain_adf_mode;
                        return &plain_adf;
                }
                return &personas[i];
        }
        return &personas[0];
}
