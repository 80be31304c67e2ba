/* sohoa-worker's settings: one struct, filled from one table of keys
 * (section [worker]) by lib/config, which also prints --help and answers
 * --check-config and --show-config. */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "config.h"
#include "macro.h"

#define SETTINGS_DATABASE_DEFAULT "dbname=sohoa"

typedef struct Settings {
        char *endpoint;           /* the broker's worker endpoint */
        char *id;                 /* Hello.peer_id; NULL: hostname-pid (settings_resolve()) */
        char *database;           /* libpq conninfo; NULL: $SOHOA_DB or "dbname=sohoa" */
        char *languages;          /* Tesseract's "vie+eng" */
        char *tessdata;           /* NULL: Tesseract's default */
        unsigned default_dpi;     /* for images that state none */
        uint64_t page_timeout_ms; /* whole page, store included: then the job is asked to stop */
        uint64_t page_grace_ms;   /* past page_timeout, a job still running ends the process */
        uint64_t ocr_time_limit_ms;
        unsigned max_side;   /* widest or tallest image decoded, pixels */
        unsigned max_pixels; /* width * height decoded */
        uint64_t store_retry_deadline_ms;
        uint64_t database_check_ms; /* how often to check the database is reachable; 0: never */
        unsigned jpeg_quality;      /* of the stored PDF's grey and colour image, 1-100 */
        bool lossless;              /* a noise-free page lossless where smaller than JPEG */
        bool keep_original;         /* also store the image as received with a page processed well */
        char *log_level;            /* NULL: $SOHOA_LOG_LEVEL or info */
} Settings;

/* The program description handed to config_parse_argv(). Static. */
const ConfigProgram *settings_program(void);

/* Fill what the table leaves to the environment: id (hostname-pid) and
 * database ($SOHOA_DB, else SETTINGS_DATABASE_DEFAULT). 0 or -ENOMEM. */
MUST_CHECK int settings_resolve(Settings *s);

/* Free the strings of s (not s). */
void settings_done(Settings *s);
