/* What the daemon knows of SANE backends that it cannot ask them: which of
 * their options are buttons and how those behave, how they tell of a
 * double feed, and how they end a feeder batch. Looked up by the
 * backend's name, which libsane's dll backend puts before the first ':' of
 * every device name ("fujitsu:fi-7160:123456"). Each entry is read from
 * that backend's source; docs/STATION.md lists the facts and the files. */
#pragma once

#include <stdbool.h>

typedef enum ButtonStyle {
        BUTTON_EDGE, /* bool/int back to 0 after the press (or cleared by the read): 0 to non-zero is a press
                      */
        BUTTON_STICKY, /* bool/int that stays non-zero from a press until the device is opened again */
        BUTTON_STRING, /* string naming the pressed button (tokens joined by ':'), "" when none */
        _BUTTON_STYLE_MAX,
        _BUTTON_STYLE_INVALID = -22,
} ButtonStyle;

typedef struct BackendButton {
        const char *option;
        ButtonStyle style;
} BackendButton;

enum {
        /* A double feed is SANE_STATUS_JAMMED like a jam, and no sensor option
         * tells them apart (canon_dr, kvs1025, avision). */
        QUIRK_JAM_MAY_BE_DOUBLE_FEED = 1 << 0,
        /* A double feed is SANE_STATUS_IO_ERROR; the scanner is still there (epsonds). */
        QUIRK_IO_ERROR_MAY_BE_DOUBLE_FEED = 1 << 1,
        /* sane_start answers an empty feeder with CANCELLED, not NO_DOCS (kodakaio). */
        QUIRK_CANCELLED_IS_EMPTY = 1 << 2,
        /* Its devices are network devices: listed only when local_only is false (airscan, escl, net). */
        QUIRK_NETWORK = 1 << 3,
};

typedef struct Backend {
        const char *name;
        const BackendButton *buttons; /* ended by { NULL } */
        const char *df_sensors;       /* regex: read-only options that read true after a double feed */
        unsigned quirks;
} Backend;

/* The entry for the backend of that device name; never NULL (the generic
 * entry when the backend is not known). */
const Backend *backends_lookup(const char *device_name);
/* The style of a known button option of b; -ENOENT when not one. */
int backends_button_style(const Backend *b, const char *option);
