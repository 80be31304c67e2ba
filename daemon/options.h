/* Setting a profile on whatever backend the station has: source, mode,
 * resolution and duplex are spelled differently across backends ("ADF
 * Duplex", "ADF Front"/"ADF Back", an adf-mode option, a duplex bool;
 * "Color"/"Colour"/"24bit Color"). Where offered, double-feed detection is
 * switched on and the driver's own blank-page skipping off: sohoa flags
 * blank pages, a driver must never drop them. */
#pragma once

#include <sane/sane.h>
#include <stdbool.h>

#include "macro.h"
#include "settings.h"

typedef struct OptionsApplied {
        char source[64];      /* as the backend names it; "" when it has no source option */
        bool duplex;          /* both sides of each sheet will come, front first */
        const char *duplex_by; /* "source", "adf-mode", "duplex"; NULL in simplex */
        unsigned dpi;         /* what the backend took */
        bool double_feed;     /* detection switched on */
        bool blank_skip_off;  /* a blank-skip option was found and switched off */
} OptionsApplied;

/* Does the device's source option offer a document feeder? */
bool options_has_feeder(SANE_Handle h);

/* Apply profile p. 0 and *ret, or a negative errno with why (for the
 * officer's log) filled: -EOPNOTSUPP when duplex is asked of a device that
 * has none, -EIO from the backend. */
MUST_CHECK int options_apply(SANE_Handle h, const Profile *p, OptionsApplied *ret, char *why, size_t why_len);

/* Index of the option named name (0 is the count, never a name), or -ENOENT. */
int options_find(SANE_Handle h, const char *name, const SANE_Option_Descriptor **ret_desc);

/* Read a BOOL or INT option as an int. 0 or a negative errno. */
MUST_CHECK int options_get_int(SANE_Handle h, int index, int *ret);

/* After SANE_STATUS_JAMMED: does a double-feed sensor read true? */
bool options_double_feed_sensed(SANE_Handle h);
