/* Turning import paths and manifests into batches (see importsrc.h). Only
 * names are gathered here; files are opened later, one at a time. */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "dossier.h"
#include "hashmap.h"
#include "importfile.h"
#include "importsrc.h"

/* Folders deeper than this are not walked (each is walked once, so a
 * symlink loop ends before; this bounds the recursion). */
#define IMPORTSRC_DEPTH_MAX 32

typedef struct StrList {
        char **v;
        size_t n, cap;
} StrList;

static int strlist_add(StrList *l, const char *s)
{
        char *d;

        if (l->n == l->cap) {
                size_t cap = l->cap ? l->cap * 2 : 16;
                char **v = realloc(l->v, cap * sizeof(*v));

                if (!v)
                        return -ENOMEM;
                l->v = v;
                l->cap = cap;
        }
        d = strdup(s);
        if (!d)
                return -ENOMEM;
        l->v[l->n++] = d;
        return 0;
}

static void strlist_done(StrList *l)
{
        for (size_t i = 0; i < l->n; i++)
                free(l->v[i]);
        free(l->v);
        *l = (StrList) {};
}

/* Appends (path, text) to the pair of lists *paths, *texts of *n. */
static int importsrc_pair_add(char ***paths, char ***texts, size_t *n, const char *path, const char *text)
{
        char **p = realloc(*paths, (*n + 1) * sizeof(*p));
        char **r;

        if (!p)
                return -ENOMEM;
        *paths = p;
        r = realloc(*texts, (*n + 1) * sizeof(*r));
        if (!r)
                return -ENOMEM;
        *texts = r;
        p[*n] = strdup(path);
        r[*n] = strdup(text);
        if (!p[*n] || !r[*n]) {
                free(p[*n]);
                free(r[*n]);
                return -ENOMEM;
        }
        (*n)++;
        return 0;
}

static int importsrc_bad(ImportSrc *s, const char *path, const char *reason)
{
        return importsrc_pair_add(&s->bad_paths, &s->bad_reasons, &s->n_bad, path, reason);
}

/* Appends a batch; takes the files of l (l is emptied). */
static int importsrc_add_batch(ImportSrc *s, const char *label, const char *dossier, const char *component,
                               StrList *l)
{
        ImportBatch *b = realloc(s->batches, (s->n_batches + 1) * sizeof(*b));

        if (!b)
                return -ENOMEM;
        s->batches = b;
        b = &s->batches[s->n_batches];
        *b = (ImportBatch) { .label = strdup(label),
                             .dossier = dossier ? strdup(dossier) : NULL,
                             .component = component ? strdup(component) : NULL };
        if (!b->label || (dossier && !b->dossier) || (component && !b->component)) {
                free(b->label);
                free(b->dossier);
                free(b->component);
                return -ENOMEM;
        }
        b->files = l->v;
        b->n_files = l->n;
        *l = (StrList) {};
        s->n_batches++;
        return 0;
}

static int importsrc_namecmp(const struct dirent **a, const struct dirent **b)
{
        return strverscmp((*a)->d_name, (*b)->d_name);
}

static int importsrc_visible(const struct dirent *e)
{
        return e->d_name[0] != '.';
}

/* 1 the first time the folder st describes is met below this root (it is
 * remembered under path), 0 after that (noted: the folder is not walked
 * again), or -ENOMEM. */
static int importsrc_first_visit(ImportSrc *s, Hashmap *walked, const char *path, const struct stat *st)
{
        uint64_t key[2] = { (uint64_t) st->st_dev, (uint64_t) st->st_ino };
        const char *first = hashmap_get(walked, key, sizeof(key));
        char note[PATH_MAX + 64], *copy;

        if (first) {
                snprintf(note, sizeof(note), "a folder already walked as %s: not walked again", first);
                return importsrc_pair_add(&s->note_paths, &s->note_texts, &s->n_notes, path, note) < 0
                               ? -ENOMEM
                               : 0;
        }
        copy = strdup(path);
        if (!copy || hashmap_put(walked, key, sizeof(key), copy, NULL) < 0) {
                free(copy);
                return -ENOMEM;
        }
        return 1;
}

/* A FIFO, a socket, a device: reported, never opened (a FIFO would block). */
static int importsrc_not_file(ImportSrc *s, const char *path, mode_t mode)
{
        char reason[96];

        snprintf(reason, sizeof(reason), "not a regular file (%s): skipped, not read",
                 importfile_type_name(mode));
        return importsrc_bad(s, path, reason);
}

/* Sorts one entry of a folder: a folder to walk, a file of the batch, or
 * something that is no file (reported, left out of the batch: the same
 * on every run, like a file that is not an image). */
static int importsrc_entry(ImportSrc *s, const char *p, StrList *files, StrList *dirs)
{
        struct stat st;

        /* An entry that cannot be looked at (a dangling link, no
         * permission) stays one of the folder's files: opening it
         * fails and holds the batch back (importer.c), rather than
         * the batch being sent without it under another UUID. */
        if (stat(p, &st) < 0 || S_ISREG(st.st_mode))
                return strlist_add(files, p);
        if (S_ISDIR(st.st_mode))
                return strlist_add(dirs, p);
        return importsrc_not_file(s, p, st.st_mode);
}

/* Walks dir, each folder once below the root that walked holds. With flat
 * == NULL, each folder holding files becomes a batch (files of dir first,
 * then its subfolders'); otherwise every file below dir is appended to
 * flat. -EINTR once s->stop is set. */
static int importsrc_walk(ImportSrc *s, Hashmap *walked, const char *dir, const char *dossier, StrList *flat,
                          unsigned depth)
{
        struct dirent **names = NULL;
        StrList files = {}, dirs = {};
        struct stat st;
        int n, r = 0;

        if (s->stop && *s->stop)
                return -EINTR;
        if (depth > IMPORTSRC_DEPTH_MAX)
                return importsrc_bad(s, dir, "folders nested too deep");
        if (stat(dir, &st) < 0)
                return importsrc_bad(s, dir, strerror(errno));
        r = importsrc_first_visit(s, walked, dir, &st);
        if (r <= 0)
                return r;
        r = 0;
        n = scandir(dir, &names, importsrc_visible, importsrc_namecmp);
        if (n < 0)
                return importsrc_bad(s, dir, strerror(errno));
        for (int i = 0; i < n && r >= 0; i++) {
                char *p;

                if (asprintf(&p, "%s/%s", dir, names[i]->d_name) < 0) {
                        r = -ENOMEM;
                        break;
                }
                r = importsrc_entry(s, p, flat ? flat : &files, &dirs);
                free(p);
        }
        for (int i = 0; i < n; i++)
                free(names[i]);
        free(names);
        if (r >= 0 && files.n > 0)
                r = importsrc_add_batch(s, dir, dossier, NULL, &files);
        for (size_t i = 0; i < dirs.n && r >= 0; i++)
                r = importsrc_walk(s, walked, dirs.v[i], dossier, flat, depth + 1);
        strlist_done(&files);
        strlist_done(&dirs);
        return r;
}

/* A folder of the command line or the manifest: walked with a memory of
 * its own, so that two paths naming one folder still bring it twice, as
 * they say, and a loop below either is walked once. */
static int importsrc_walk_root(ImportSrc *s, const char *dir, const char *dossier, StrList *flat)
{
        Hashmap *walked = hashmap_new();
        size_t state = 0;
        void *first;
        int r;

        if (!walked)
                return -ENOMEM;
        r = importsrc_walk(s, walked, dir, dossier, flat, 0);
        while (hashmap_iterate(walked, &state, NULL, NULL, &first))
                free(first);
        hashmap_free(walked);
        return r;
}

/* One path of the command line or the manifest: a file, or a folder. */
static int importsrc_path(ImportSrc *s, const char *path, const char *dossier, StrList *flat)
{
        struct stat st;
        StrList one = {};
        int r;

        if (stat(path, &st) < 0)
                return importsrc_bad(s, path, strerror(errno));
        if (S_ISDIR(st.st_mode))
                return importsrc_walk_root(s, path, dossier, flat);
        if (!S_ISREG(st.st_mode))
                return importsrc_not_file(s, path, st.st_mode);
        if (flat)
                return strlist_add(flat, path);
        r = strlist_add(&one, path);
        if (r >= 0)
                r = importsrc_add_batch(s, path, dossier, NULL, &one);
        strlist_done(&one);
        return r;
}

int importsrc_from_paths(char *const *paths, size_t n, const char *dossier,
                         const volatile sig_atomic_t *stop, ImportSrc **ret)
{
        ImportSrc *s = calloc(1, sizeof(*s));
        int r = 0;

        if (!s)
                return -ENOMEM;
        s->stop = stop;
        for (size_t i = 0; i < n && r >= 0; i++)
                r = importsrc_path(s, paths[i], dossier, NULL);
        if (r < 0) {
                importsrc_free(s);
                return r;
        }
        *ret = s;
        return 0;
}

/* Splits one CSV line into at most max fields in place ("" quotes, ""
 * inside them for a quote). Returns the field count, -EINVAL on a bad quote. */
static int importsrc_csv_split(char *line, char **fields, int max)
{
        int n = 0;
        char *in = line, *out = line;

        while (n < max) {
                fields[n++] = out;
                if (*in == '"') {
                        for (in++;; in++) {
                                if (*in == '\0')
                                        return -EINVAL;
                                if (*in == '"' && in[1] == '"')
                                        *out++ = *in++;
                                else if (*in == '"') {
                                        in++;
                                        break;
                                } else
                                        *out++ = *in;
                        }
                } else
                        while (*in && *in != ',')
                                *out++ = *in++;
                if (*in != ',') {
                        *out = '\0';
                        return *in == '\0' ? n : -EINVAL;
                }
                in++;
                *out++ = '\0';
        }
        return -EINVAL;
}

static char *importsrc_trim(char *s)
{
        char *e;

        while (isspace((unsigned char) *s))
                s++;
        e = s + strlen(s);
        while (e > s && isspace((unsigned char) e[-1]))
                *--e = '\0';
        return s;
}

/* Rows that share (dossier, component) gather into one batch. */
static ImportBatch *importsrc_find(ImportSrc *s, const char *dossier, const char *component)
{
        for (size_t i = 0; i < s->n_batches; i++) {
                ImportBatch *b = &s->batches[i];

                if (b->component && strcmp(b->component, component) == 0 &&
                    strcmp(b->dossier ? b->dossier : "", dossier) == 0)
                        return b;
        }
        return NULL;
}

static int importsrc_row(ImportSrc *s, const char *base, char **f, int nf)
{
        char *path = importsrc_trim(f[0]), *dossier = nf > 1 ? importsrc_trim(f[1]) : (char *) "";
        char *component = nf > 2 ? importsrc_trim(f[2]) : (char *) "", *full, *label;
        StrList files = {};
        ImportBatch *b;
        int r;

        if (asprintf(&full, "%s%s%s", path[0] == '/' ? "" : base, path[0] == '/' ? "" : "/", path) < 0)
                return -ENOMEM;
        if (component[0] == '\0') {
                r = importsrc_path(s, full, dossier[0] ? dossier : NULL, NULL);
                free(full);
                return r;
        }
        r = importsrc_path(s, full, dossier, &files);
        free(full);
        b = importsrc_find(s, dossier, component);
        if (r >= 0 && !b && files.n > 0) {
                if (asprintf(&label, "%s/%s", dossier[0] ? dossier : "-", component) < 0)
                        r = -ENOMEM;
                else {
                        r = importsrc_add_batch(s, label, dossier[0] ? dossier : NULL, component, &files);
                        free(label);
                }
        }
        for (size_t i = 0; b && r >= 0 && i < files.n; i++) {
                char **v = realloc(b->files, (b->n_files + 1) * sizeof(*v));

                if (!v) {
                        r = -ENOMEM;
                        break;
                }
                b->files = v;
                b->files[b->n_files++] = files.v[i];
                files.v[i] = NULL;
        }
        strlist_done(&files);
        return r;
}

int importsrc_manifest_line(char *line, size_t len, bool first, char *ret_fields[IMPORTSRC_FIELDS],
                            int *ret_nf, const char **ret_why, const char **ret_what)
{
        char *f[IMPORTSRC_FIELDS + 1], *l;
        int nf;

        *ret_what = NULL;
        /* A NUL would end the line early and drop its dossier code unseen
         * (a UTF-16 manifest has one after every character). */
        if (memchr(line, '\0', len)) {
                *ret_why = "a NUL byte: not a text file (UTF-16?)";
                return -EINVAL;
        }
        line[strcspn(line, "\r\n")] = '\0';
        l = importsrc_trim(line);
        if (l[0] == '\0' || l[0] == '#')
                return 1;
        nf = importsrc_csv_split(l, f, IMPORTSRC_FIELDS + 1);
        if (nf < 0 || nf > IMPORTSRC_FIELDS || importsrc_trim(f[0])[0] == '\0') {
                *ret_why = "expected path,dossier_code,component";
                return -EINVAL;
        }
        for (int i = 0; i < nf; i++)
                f[i] = importsrc_trim(f[i]);
        if (first && strcmp(f[0], "path") == 0)
                return 1; /* the header row */
        if (nf > 1 && f[1][0] && !dossier_valid(f[1])) {
                *ret_why = "not a dossier code (" DOSSIER_CODE_FORM ")";
                *ret_what = f[1];
                return -EINVAL;
        }
        memcpy(ret_fields, f, sizeof(*f) * (size_t) nf);
        *ret_nf = nf;
        return 0;
}

int importsrc_from_manifest(const char *manifest, const volatile sig_atomic_t *stop, ImportSrc **ret)
{
        char *line = NULL, *copy = strdup(manifest), *base, *f[IMPORTSRC_FIELDS];
        const char *why, *what;
        ImportSrc *s = calloc(1, sizeof(*s));
        unsigned lineno = 0;
        size_t cap = 0;
        ssize_t len;
        FILE *in = NULL;
        int r = -ENOMEM, nf;

        if (!s || !copy)
                goto out;
        s->stop = stop;
        base = dirname(copy);
        in = fopen(manifest, "re");
        if (!in) {
                r = -errno;
                fprintf(stderr, "sohoactl import: %s: %s\n", manifest, strerror(errno));
                goto out;
        }
        r = 0;
        /* getline: a line cut at a fixed size would read on as a row of
         * its own. */
        while (r >= 0 && (len = getline(&line, &cap, in)) >= 0) {
                lineno++;
                r = importsrc_manifest_line(line, (size_t) len, lineno == 1, f, &nf, &why, &what);
                if (r < 0)
                        fprintf(stderr, "sohoactl import: %s:%u: %s%s%s\n", manifest, lineno, why,
                                what ? ": " : "", what ? what : "");
                else if (r == 0)
                        r = importsrc_row(s, base, f, nf);
        }
out:
        if (in)
                fclose(in);
        free(line);
        free(copy);
        if (r < 0) {
                importsrc_free(s);
                return r;
        }
        *ret = s;
        return 0;
}

ImportSrc *importsrc_free(ImportSrc *s)
{
        if (!s)
                return NULL;
        for (size_t i = 0; i < s->n_batches; i++) {
                ImportBatch *b = &s->batches[i];

                for (size_t k = 0; k < b->n_files; k++)
                        free(b->files[k]);
                free(b->files);
                free(b->label);
                free(b->dossier);
                free(b->component);
        }
        for (size_t i = 0; i < s->n_bad; i++) {
                free(s->bad_paths[i]);
                free(s->bad_reasons[i]);
        }
        for (size_t i = 0; i < s->n_notes; i++) {
                free(s->note_paths[i]);
                free(s->note_texts[i]);
        }
        free(s->batches);
        free(s->bad_paths);
        free(s->bad_reasons);
        free(s->note_paths);
        free(s->note_texts);
        free(s);
        return NULL;
}
