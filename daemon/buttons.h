/* The scanner's buttons, read as scanbd reads them: every read-only BOOL or
 * INT option whose name matches a [button.NAME] regex is polled (every
 * scand.button_poll, 500 ms by default); a change from 0 to non-zero is a
 * press, and starts that button's profile. */
#pragma once

#include <sane/sane.h>

#include "macro.h"
#include "settings.h"

typedef struct Buttons Buttons;

/* Find the button options of the open device h. The result refers to
 * s's buttons (s must outlive it). Caller frees with buttons_free(). */
MUST_CHECK int buttons_new(SANE_Handle h, const Settings *s, Buttons **ret);
Buttons *buttons_free(Buttons *b);

/* Read every button once. 0 with *ret_pressed NULL when nothing was
 * pressed, or 0 with the pressed button (its option name in *ret_option,
 * both static for b's life); a negative errno when the device failed. */
MUST_CHECK int buttons_poll(Buttons *b, const Button **ret_pressed, const char **ret_option);
/* How many button options were found. */
size_t buttons_count(const Buttons *b);
