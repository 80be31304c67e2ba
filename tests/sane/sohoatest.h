/* What the test backend's files share: the scenario the test wrote, the
 * personality, and the log of what was served (sohoatest.c). */
#pragma once

#include <stdbool.h>

#include "persona.h"

typedef struct Scenario {
        int sheets;          /* sheets in the feeder per batch */
        bool adf_mode_style; /* the plain backend asks duplex by an adf-mode option, not by the source */
        char fixtures[512];  /* dir of sheet-NNN-front.ppm / sheet-NNN-back.ppm */
        int width, height;   /* of generated pages */
        int jam_at, double_feed_at, cover_open_at;
        int cut_off_at;        /* NO_DOCS half-way through the front of this sheet */
        int back_missing_at;   /* NO_DOCS at the start of this sheet's back */
        char button[32];       /* the button option that is pressed */
        char button_token[32]; /* what a string button reads when pressed */
        int presses[16];       /* reads of the button option that fall on a press */
        int n_presses;
        char unplug_file[512]; /* while it exists every device is gone */
        char devices[512];     /* the bus file (bus.h); empty: the personality's one device */
        char lock_dir[512];    /* where opening takes its lock across processes; empty: none */
        bool unknown_lines;
        int warming_up; /* sane_start answers WARMING_UP this often first */
        int frame_delay_ms;
        int empty_delay_ms; /* the feeder takes this long to report itself empty */
        char log[512];
} Scenario;

extern Scenario sc;
extern const Persona *persona;

/* Append one line to the scenario's log. */
void blog(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Is the open device gone (unplugged, or renumbered)? */
bool device_unplugged(void);
