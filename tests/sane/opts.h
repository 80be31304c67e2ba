/* The test backend's options: built from its personality's table
 * (persona.h) at every open, read and set as the real backend would
 * (inactive options refuse, read-only ones cannot be set, buttons read as
 * their backend's do), and asked by the feeder what was set. */
#pragma once

#include <stdbool.h>

#include <sane/sane.h>

#include "persona.h"

/* Every option to its value at open; a stuck button is released. */
void opts_init(const Persona *p);
const SANE_Option_Descriptor *opts_descriptor(int i);
SANE_Status opts_control(int i, SANE_Action a, void *v, SANE_Int *info);

/* 'c' colour, 'g' grey, 'l' one bit, by the mode set. */
char opts_mode_kind(void);
const char *opts_mode(void);
int opts_resolution(void);
/* The source set is a feeder (not the flatbed). */
bool opts_feeder(void);
bool opts_back_only(void);
bool opts_duplex(void);
int opts_blank_skip(void);
/* Double-feed detection as the frontend switched it on (1) or not (0). */
int opts_double_feed_on(void);
/* Will the scanner notice a double feed now? */
bool opts_double_feed_detected(void);
/* A double feed was detected: raise the sensors; the status to answer. */
SANE_Status opts_double_feed_raise(void);
void opts_double_feed_clear(void);
