/* What `sohoactl import` was asked to import, as a list of batches: each
 * file named on the command line is a batch; each folder is walked, and
 * every folder (itself or below) that holds files is one batch of those
 * files, in natural name order ("p2" before "p10"); hidden entries are
 * skipped, and so are entries that are no regular file (a FIFO, a socket, a
 * device: reported); a folder reached again below the same path (through
 * a symlink: by device and inode) is walked once. With a manifest (CSV, see docs/IMPORT.md), its rows say
 * which files or folders go to which dossier and component: rows that share a dossier and a component form
 * one batch, in row order; a row without a component is a batch of its own; a folder row brings every file
 * below it. */
#pragma once

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>

#include "macro.h"

typedef struct ImportBatch {
        char *label;     /* the file or folder, or "DOSSIER/COMPONENT" */
        char *dossier;   /* NULL: none */
        char *component; /* NULL: none */
        char **files;
        size_t n_files;
} ImportBatch;

typedef struct ImportSrc {
        ImportBatch *batches;
        size_t n_batches;
        /* Inputs that could not be listed, with the reason, for the report. */
        char **bad_paths;
        char **bad_reasons;
        size_t n_bad;
        /* Remarks on what was walked (a folder reached twice), for the report. */
        char **note_paths;
        char **note_texts;
        size_t n_notes;
        /* The walk stops once *stop is set (NULL: never). */
        const volatile sig_atomic_t *stop;
} ImportSrc;

/* The batches of the given paths, all with dossier (NULL: none). 0 or
 * negative errno (-ENOMEM, -EINTR once *stop is set); unreadable inputs go
 * to bad_paths. The caller frees with importsrc_free(). */
MUST_CHECK int importsrc_from_paths(char *const *paths, size_t n, const char *dossier,
                                    const volatile sig_atomic_t *stop, ImportSrc **ret);
#define IMPORTSRC_FIELDS 3 /* path, dossier code, component */

/* One line of a manifest (len bytes and a NUL, as getline() gives; its line
 * end included or not), split in place into its fields, trimmed:
 * ret_fields[0..*ret_nf) (1 to 3). 0 for a row; 1 for a line without one
 * (blank, a '#' comment, the header row when first); -EINVAL for a
 * malformed line, with the reason (static) and the text at fault (within
 * line) or NULL in *ret_why and *ret_what. No I/O: the manifest's parser
 * proper, also for tests/fuzz. */
MUST_CHECK int importsrc_manifest_line(char *line, size_t len, bool first,
                                       char *ret_fields[IMPORTSRC_FIELDS], int *ret_nf, const char **ret_why,
                                       const char **ret_what);
/* The batches a manifest names. 0, -EINTR once *stop is set, or -EINVAL
 * after printing the file, line and reason to stderr (a malformed manifest
 * imports nothing). */
MUST_CHECK int importsrc_from_manifest(const char *manifest, const volatile sig_atomic_t *stop,
                                       ImportSrc **ret);
ImportSrc *importsrc_free(ImportSrc *s);
