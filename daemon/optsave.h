/* The values a scanner's options had before the daemon changed them on
 * this open handle, so that every batch starts from the same state: a
 * profile's settings (duplex, sane_options) never carry over into the next
 * batch's profile. SANE keeps option values on the open handle for as
 * long as it is open. */
#pragma once

#include <sane/sane.h>

#include "macro.h"

typedef struct OptSave OptSave;

MUST_CHECK int optsave_new(OptSave **ret);
OptSave *optsave_free(OptSave *s);
/* Option index of h is about to be changed: remember its value, unless it
 * was remembered since the last restore. 0 or a negative errno. */
MUST_CHECK int optsave_note(OptSave *s, SANE_Handle h, int index);
/* Set back every remembered option, the latest changed first (an option
 * that another one activates is set back while still active), and forget
 * them. Options that refuse now are skipped. Returns how many were set. */
unsigned optsave_restore(OptSave *s, SANE_Handle h);
