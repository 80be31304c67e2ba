/* The scanner's buttons, read as scanbd reads them, polled every
 * scand.button_poll (500 ms by default). A read-only bool or int option
 * whose name matches a [button.NAME] regex is a button; so are the options
 * that backends.c knows as buttons for this backend, in the style that
 * backend gives them: a value that returns to 0 (a press is its change
 * from 0), a value that sticks until the device is opened again (pixma:
 * the daemon re-opens it after the press's batch), or a string that names
 * the pressed button (avision's "message": its tokens are matched against
 * the [button.NAME] regexes). */
#pragma once

#include <sane/sane.h>
#include <stdbool.h>

#include "macro.h"
#include "settings.h"

typedef struct Buttons Buttons;

typedef struct ButtonPress {
        const Button *button; /* NULL: nothing pressed */
        char what[96];        /* "scan", "message=scan": for the log */
        bool reopen;          /* the value sticks: open the device again before the next poll */
} ButtonPress;

/* Find the button options of the open device h, named device_name (its
 * backend decides the conventions). The result refers to s's buttons (s
 * must outlive it). Caller frees with buttons_free(). */
MUST_CHECK int buttons_new(SANE_Handle h, const char *device_name, const Settings *s, Buttons **ret);
Buttons *buttons_free(Buttons *b);

/* Read every button once. 0 with ret->button NULL when nothing was
 * pressed, or 0 with the press; a negative errno when the device failed.
 * The first read of each option only records its value, so a button held
 * at start-up is not a press. */
MUST_CHECK int buttons_poll(Buttons *b, ButtonPress *ret);
/* How many button options were found. */
size_t buttons_count(const Buttons *b);
