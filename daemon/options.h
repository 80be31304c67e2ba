/* Setting a profile on whatever backend the station has: source, mode,
 * resolution and duplex are spelled differently across backends ("ADF
 * Duplex", "ADF Front"/"ADF Back", an adf-mode option, a duplex bool;
 * "Color"/"Colour"/"24bit Color"; one-bit "Lineart", "Binary", "bw" or
 * sane-airscan's "Halftone"). Where offered, double-feed detection is
 * switched on (fujitsu's df-action first: its methods are inactive until
 * it is set) and the driver's own blank-page skipping off: sohoa flags
 * blank pages, a driver must never drop them. Every option a batch
 * changes is set back before the next one, which therefore starts from
 * the values the scanner had when it was opened: a simplex batch never
 * inherits a duplex one's adf-mode. */
#pragma once

#include <sane/sane.h>
#include <stdbool.h>

#include "macro.h"
#include "optsave.h"
#include "settings.h"

typedef struct OptionsApplied {
        char source[64];       /* as the backend names it; "" when it has no source option */
        char mode[32];         /* as the backend names it; "" when it has no mode option */
        bool duplex;           /* both sides of each sheet will come, front first */
        const char *duplex_by; /* "source", "adf-mode", "duplex"; NULL in simplex */
        unsigned dpi;          /* what the backend took */
        bool double_feed;      /* a detection method is switched on */
        char df_methods[128];  /* which: "df-action=Stop, df-thickness, df-length" */
        bool blank_skip_off;   /* a blank-skip option was found and switched off */
} OptionsApplied;

/* Does the device's source option offer a document feeder? */
bool options_has_feeder(SANE_Handle h);

/* Apply profile p, noting in saved (may be NULL) what each option was
 * before. 0 and *ret, or a negative errno with why (for the officer's log)
 * filled: -EOPNOTSUPP when duplex is asked of a device that has none, -EIO
 * from the backend. */
MUST_CHECK int options_apply(SANE_Handle h, OptSave *saved, const Profile *p, OptionsApplied *ret, char *why,
                             size_t why_len);

/* Index of the option named name (0 is the count, never a name), or -ENOENT. */
int options_find(SANE_Handle h, const char *name, const SANE_Option_Descriptor **ret_desc);

/* Read a BOOL or INT option as an int. 0 or a negative errno. */
MUST_CHECK int options_get_int(SANE_Handle h, int index, int *ret);

/* Read every read-only bool or int option (the sensors) once, as an idle
 * check that the scanner still answers. 0, or the first failure of the
 * device (an inactive option is none). */
MUST_CHECK int options_read_sensors(SANE_Handle h);

/* After SANE_STATUS_JAMMED: does a double-feed sensor (a read-only option
 * whose name matches sensors, a regex) read true? */
bool options_double_feed_sensed(SANE_Handle h, const char *sensors);
