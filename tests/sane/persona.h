/* The personalities of the project's test backend: each copies the
 * conventions of one family of real SANE backends (their option names,
 * source and mode values, how duplex is asked for, how double-feed
 * detection is switched on and reported, their buttons, their device names
 * and their status quirks), as read in sane-backends' own sources and
 * recorded in docs/STATION.md. A personality is chosen when the backend is
 * built (-DSOHOATEST_PERSONA=...), so that libsane's dll backend loads it
 * under the real backend's name and the daemon sees "fujitsu:..." names. */
#pragma once

#include <stdbool.h>

#include <sane/sane.h>

typedef enum Role {
        ROLE_COUNT, /* option 0 */
        ROLE_SOURCE,
        ROLE_ADF_MODE, /* "Simplex"/"Duplex" (kodakaio, the plain backend's adf-mode style) */
        ROLE_DUPLEX,   /* a settable duplex bool (kvs1025) */
        ROLE_MODE,
        ROLE_RESOLUTION,
        ROLE_DF_SWITCH, /* a settable bool that turns double-feed detection on */
        ROLE_DF_ACTION, /* fujitsu's df-action: the methods are inactive while it is "Default" */
        ROLE_DF_METHOD, /* fujitsu's df-thickness, df-length, df-skew: gated by df-action */
        ROLE_BLANK_SKIP,
        ROLE_BUTTON,        /* read-only bool or int: true at the read the press falls on */
        ROLE_BUTTON_STICKY, /* read-only int that stays 1 from its press until the device is opened again
                               (pixma) */
        ROLE_BUTTON_STRING, /* read-only string: the pressed button's name once, then "" (avision's message)
                             */
        ROLE_DF_SENSOR,     /* read-only bool raised by a detected double feed */
        ROLE_SENSOR,        /* read-only bool: paper in the feeder */
        ROLE_SETTING,       /* a plain settable int (brightness): for profiles' sane_options */
} Role;

typedef struct PersonaOption {
        const char *name;
        Role role;
        SANE_Value_Type type;
        const SANE_String_Const *list; /* string options: the values offered */
        SANE_Word def;                 /* word options' value at open */
        const char *def_s;             /* string options' value at open */
        bool fixed;                    /* offered but not settable (kvs1025's source) */
} PersonaOption;

/* How a double feed is seen. */
typedef enum DoubleFeed {
        DF_ALWAYS_SENSOR, /* detected whatever is set; JAMMED with the sensor raised (the plain backend) */
        DF_ACTION_METHOD, /* detected when df-action is Stop and a method is on; JAMMED + sensors (fujitsu)
                           */
        DF_SWITCH_JAMMED, /* detected when a switch option is on; plain JAMMED (canon_dr, avision, kvs1025)
                           */
        DF_ALWAYS_IO,     /* detected by the scanner itself, reported as an I/O error (epsonds) */
        DF_NEVER,         /* not detected: the two sheets go through as one */
} DoubleFeed;

typedef struct Persona {
        const char *name;
        const char *vendor, *model;
        const char *default_device; /* the device's name when no bus file lists any */
        const PersonaOption *options;
        DoubleFeed double_feed;
        bool empty_is_cancelled; /* an empty feeder at sane_start answers CANCELLED (kodakaio) */
        bool network_only;       /* listed only when local_only is false (sane-airscan) */
} Persona;

/* The personality this build was made as. The plain one (the sohoatest
 * backend) asks for duplex by its source, or by an adf-mode option when
 * the scenario says duplex_style = adf-mode. */
const Persona *persona_get(bool adf_mode_style);
