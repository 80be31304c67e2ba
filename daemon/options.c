/* Profile settings onto a SANE backend. Names come from saneopts.h where a
 * standard exists, and from the spellings of the common ADF backends
 * (fujitsu, canon_dr, avision, epsonds, kodakaio, kvs1025, pixma, airscan)
 * where not. Values are matched case-insensitively against the option's
 * own list, so nothing is set that the backend did not offer; every change
 * is noted in an OptSave first, so that it can be set back. */
#include <errno.h>
#include <regex.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <sane/saneopts.h>

#include "config.h"
#include "device.h"
#include "options.h"

int options_find(SANE_Handle h, const char *name, const SANE_Option_Descriptor **ret_desc)
{
        const SANE_Option_Descriptor *d;

        for (int i = 1; (d = sane_get_option_descriptor(h, i)); i++)
                if (d->name && strcasecmp(d->name, name) == 0) {
                        if (ret_desc)
                                *ret_desc = d;
                        return i;
                }
        return -ENOENT;
}

int options_get_int(SANE_Handle h, int index, int *ret)
{
        const SANE_Option_Descriptor *d = sane_get_option_descriptor(h, index);
        SANE_Word w = 0;
        SANE_Status st;

        if (!d || (d->type != SANE_TYPE_BOOL && d->type != SANE_TYPE_INT) || d->size < (SANE_Int) sizeof(w))
                return -EINVAL;
        st = sane_control_option(h, index, SANE_ACTION_GET_VALUE, &w, NULL);
        if (st != SANE_STATUS_GOOD)
                return device_errno(st);
        *ret = w;
        return 0;
}

static bool matches(const char *s, const char *pattern)
{
        regex_t rx;
        bool m;

        if (!s || regcomp(&rx, pattern, REG_EXTENDED | REG_NOSUB | REG_ICASE) != 0)
                return false;
        m = regexec(&rx, s, 0, NULL, 0) == 0;
        regfree(&rx);
        return m;
}

/* The first entry of a string option's list that matches pattern. */
static const char *string_pick(const SANE_Option_Descriptor *d, const char *pattern, const char *unless)
{
        if (!d || d->type != SANE_TYPE_STRING || d->constraint_type != SANE_CONSTRAINT_STRING_LIST)
                return NULL;
        for (const SANE_String_Const *s = d->constraint.string_list; s && *s; s++)
                if (matches(*s, pattern) && !(unless && matches(*s, unless)))
                        return *s;
        return NULL;
}

#define FEEDER "adf|feeder|automatic document|duplex"

bool options_has_feeder(SANE_Handle h)
{
        const SANE_Option_Descriptor *d;

        return options_find(h, SANE_NAME_SCAN_SOURCE, &d) > 0 && string_pick(d, FEEDER, NULL);
}

static int set_string(SANE_Handle h, OptSave *saved, const char *name, const char *value)
{
        const SANE_Option_Descriptor *d;
        char *buf;
        SANE_Status st;
        int i = options_find(h, name, &d), r;

        if (i < 0)
                return i;
        if (d->type != SANE_TYPE_STRING || !SANE_OPTION_IS_SETTABLE(d->cap) ||
            !SANE_OPTION_IS_ACTIVE(d->cap))
                return -EOPNOTSUPP;
        r = optsave_note(saved, h, i);
        if (r < 0)
                return r;
        buf = calloc(1, (size_t) MAX(d->size, (SANE_Int) strlen(value) + 1));
        if (!buf)
                return -ENOMEM;
        strcpy(buf, value);
        st = sane_control_option(h, i, SANE_ACTION_SET_VALUE, buf, NULL);
        free(buf);
        return device_errno(st);
}

static int set_word(SANE_Handle h, OptSave *saved, const char *name, SANE_Word w)
{
        const SANE_Option_Descriptor *d;
        int i = options_find(h, name, &d), r;

        if (i < 0)
                return i;
        if (!SANE_OPTION_IS_SETTABLE(d->cap) || !SANE_OPTION_IS_ACTIVE(d->cap) ||
            d->size != sizeof(SANE_Word))
                return -EOPNOTSUPP;
        r = optsave_note(saved, h, i);
        if (r < 0)
                return r;
        return device_errno(sane_control_option(h, i, SANE_ACTION_SET_VALUE, &w, NULL));
}

/* A source option the backend does not let us set (kvs1025's is fixed to
 * "adf"): fine when it already says a feeder, or what the profile asks. */
static int source_fixed(SANE_Handle h, const SANE_Option_Descriptor *d, const char *want, OptionsApplied *a,
                        char *why, size_t why_len)
{
        char *cur = calloc(1, (size_t) d->size + 1);
        int i = options_find(h, SANE_NAME_SCAN_SOURCE, NULL), r = 0;

        if (!cur)
                return -ENOMEM;
        if (i < 0 || sane_control_option(h, i, SANE_ACTION_GET_VALUE, cur, NULL) != SANE_STATUS_GOOD)
                r = -EIO;
        else if (want ? strcasecmp(cur, want) != 0 : !matches(cur, FEEDER))
                r = -EOPNOTSUPP;
        if (r < 0)
                snprintf(why, why_len, "the scanner's source is fixed to \"%s\"%s", cur,
                         want ? ", not the profile's" : ", which is no feeder");
        else
                snprintf(a->source, sizeof(a->source), "%s", cur);
        free(cur);
        return r;
}

/* Simplex: a duplex switch left on by an earlier batch or by the scanner
 * itself would send backs that would be labelled fronts. */
static int apply_simplex(SANE_Handle h, OptSave *saved)
{
        const SANE_Option_Descriptor *m;
        const char *simplex;
        int r = 0;

        if (options_find(h, "adf-mode", &m) > 0 && (simplex = string_pick(m, "simplex", NULL)) &&
            SANE_OPTION_IS_ACTIVE(m->cap))
                r = set_string(h, saved, "adf-mode", simplex);
        if (r == 0 && options_find(h, "duplex", &m) > 0 && m->type == SANE_TYPE_BOOL &&
            SANE_OPTION_IS_SETTABLE(m->cap) && SANE_OPTION_IS_ACTIVE(m->cap))
                r = set_word(h, saved, "duplex", SANE_FALSE);
        return r;
}

/* Source and duplex. The order of preference: the profile's own source;
 * a duplex source ("ADF Duplex"); a feeder source plus an adf-mode or a
 * duplex option; for simplex, a feeder source that is not the back. */
static int apply_source(SANE_Handle h, OptSave *saved, const Profile *p, OptionsApplied *a, char *why,
                        size_t why_len)
{
        const SANE_Option_Descriptor *d = NULL, *m;
        const char *src = p->source;
        int r;

        if (options_find(h, SANE_NAME_SCAN_SOURCE, &d) < 0)
                d = NULL;
        if (d && !SANE_OPTION_IS_SETTABLE(d->cap)) {
                r = source_fixed(h, d, p->source, a, why, why_len);
                if (r < 0)
                        return r;
                src = NULL;
        }
        if (!src && d && SANE_OPTION_IS_SETTABLE(d->cap))
                src = p->duplex ? string_pick(d, "duplex", NULL) : NULL;
        if (!src && d && SANE_OPTION_IS_SETTABLE(d->cap))
                src = string_pick(d, "adf|feeder|automatic document", "duplex|back");
        if (src) {
                r = set_string(h, saved, SANE_NAME_SCAN_SOURCE, src);
                if (r < 0) {
                        snprintf(why, why_len, "the scanner refused source \"%s\"", src);
                        return r;
                }
                snprintf(a->source, sizeof(a->source), "%s", src);
        }
        if (!p->duplex) {
                r = apply_simplex(h, saved);
                if (r < 0)
                        snprintf(why, why_len, "the scanner refused to be set to simplex");
                return r;
        }
        if (matches(a->source, "duplex")) {
                a->duplex_by = "source";
        } else if (options_find(h, "adf-mode", &m) > 0 && string_pick(m, "duplex", NULL)) {
                r = set_string(h, saved, "adf-mode", string_pick(m, "duplex", NULL));
                if (r < 0)
                        return r;
                a->duplex_by = "adf-mode";
        } else if (set_word(h, saved, "duplex", SANE_TRUE) == 0) {
                a->duplex_by = "duplex";
        } else {
                snprintf(why, why_len, "the profile asks for duplex, and this scanner offers none");
                return -EOPNOTSUPP;
        }
        a->duplex = true;
        return 0;
}

static int apply_mode(SANE_Handle h, OptSave *saved, const Profile *p, OptionsApplied *a, char *why,
                      size_t why_len)
{
        const SANE_Option_Descriptor *d;
        const char *pattern, *v;

        if (options_find(h, SANE_NAME_SCAN_MODE, &d) < 0)
                return 0; /* a fixed-mode device: the frame format tells */
        if (strcmp(p->mode, "gray") == 0)
                pattern = "^(gr[ae]y|grayscale|8 ?bit gray)";
        else if (strcmp(p->mode, "lineart") == 0)
                pattern = "^(lineart|binary|black ?& ?white|bw|1 ?bit)";
        else
                pattern = "^(colou?r|24 ?bit colou?r|rgb)";
        v = string_pick(d, pattern, NULL);
        /* sane-airscan names eSCL's one-bit mode "Halftone"; where a real
         * Lineart exists (fujitsu, canon_dr) Halftone is dithered, and the
         * first pattern has already found Lineart. */
        if (!v && strcmp(p->mode, "lineart") == 0)
                v = string_pick(d, "^halftone$", NULL);
        if (v)
                snprintf(a->mode, sizeof(a->mode), "%s", v);
        if (!v || set_string(h, saved, SANE_NAME_SCAN_MODE, v) < 0) {
                snprintf(why, why_len, "the scanner offers no %s mode", p->mode);
                return -EOPNOTSUPP;
        }
        return 0;
}

/* Resolution is INT on most backends, FIXED on some: the nearest offered
 * value at or above the profile's (never below: 200 dpi is a floor). */
static int apply_resolution(SANE_Handle h, OptSave *saved, const Profile *p, OptionsApplied *a, char *why,
                            size_t why_len)
{
        const SANE_Option_Descriptor *d;
        SANE_Word want, best = 0, w;
        bool fixed;
        int i = options_find(h, SANE_NAME_SCAN_RESOLUTION, &d);

        if (i < 0 || !SANE_OPTION_IS_SETTABLE(d->cap)) {
                a->dpi = p->resolution;
                return 0;
        }
        fixed = d->type == SANE_TYPE_FIXED;
        want = fixed ? SANE_FIX((double) p->resolution) : (SANE_Word) p->resolution;
        if (d->constraint_type == SANE_CONSTRAINT_WORD_LIST) {
                for (SANE_Int k = 1; k <= d->constraint.word_list[0]; k++) {
                        w = d->constraint.word_list[k];
                        if (w >= want && (best == 0 || w < best))
                                best = w;
                }
        } else if (d->constraint_type == SANE_CONSTRAINT_RANGE) {
                const SANE_Range *rg = d->constraint.range;

                best = want < rg->min ? rg->min : want;
                if (rg->quant > 0 && (best - rg->min) % rg->quant)
                        best += rg->quant - (best - rg->min) % rg->quant;
                if (best > rg->max)
                        best = 0;
        } else
                best = want;
        if (best == 0) {
                snprintf(why, why_len, "the scanner offers no resolution of %u dpi or more", p->resolution);
                return -EOPNOTSUPP;
        }
        w = best;
        if (optsave_note(saved, h, i) < 0 ||
            sane_control_option(h, i, SANE_ACTION_SET_VALUE, &w, NULL) != SANE_STATUS_GOOD ||
            sane_control_option(h, i, SANE_ACTION_GET_VALUE, &w, NULL) != SANE_STATUS_GOOD) {
                snprintf(why, why_len, "the scanner refused %u dpi", p->resolution);
                return -EIO;
        }
        a->dpi = fixed ? (unsigned) (SANE_UNFIX(w) + 0.5) : (unsigned) w;
        return 0;
}

/* Double feed on, blank skip off, by every spelling known. fujitsu's
 * df-action goes first: until it is set, its methods (df-thickness,
 * df-length) are inactive and would refuse. avision's paper-length lets
 * newer models detect a double feed by length. */
static void apply_safety(SANE_Handle h, OptSave *saved, OptionsApplied *a)
{
        static const char *const df_on[] = { "double-feed-detection", "double-feed",
                                             "df-thickness",          "df-length",
                                             "df-ultrasonic",         "dfeed",
                                             "multifeed-detection",   "paper-length" };
        static const char *const skip_off[] = { "blank-page-skip", "skip-blank-pages", "blank-skip",
                                                "swskip",          "blank-page",       "skip-blank" };
        const SANE_Option_Descriptor *d;
        const char *stop;
        size_t n = 0;

        if (options_find(h, "df-action", &d) > 0 && (stop = string_pick(d, "^stop", NULL)) &&
            set_string(h, saved, "df-action", stop) == 0)
                n += (size_t) snprintf(a->df_methods + n, sizeof(a->df_methods) - n, "df-action=%s", stop);
        for (size_t i = 0; i < ELEMENTSOF(df_on) && n < sizeof(a->df_methods); i++)
                if (options_find(h, df_on[i], &d) > 0 && d->type == SANE_TYPE_BOOL &&
                    set_word(h, saved, df_on[i], SANE_TRUE) == 0) {
                        n += (size_t) snprintf(a->df_methods + n, sizeof(a->df_methods) - n, "%s%s",
                                               n ? ", " : "", df_on[i]);
                        a->double_feed = true;
                }
        for (size_t i = 0; i < ELEMENTSOF(skip_off); i++)
                if (options_find(h, skip_off[i], &d) > 0 &&
                    (d->type == SANE_TYPE_BOOL || d->type == SANE_TYPE_INT || d->type == SANE_TYPE_FIXED) &&
                    set_word(h, saved, skip_off[i], 0) == 0)
                        a->blank_skip_off = true;
}

/* The profile's own backend options ("three-pass=yes;test-picture=Grid"),
 * by the option's type. */
static int apply_extra(SANE_Handle h, OptSave *saved, const char *list, char *why, size_t why_len)
{
        char *copy, *save = NULL, *item, *eq;
        const SANE_Option_Descriptor *d;
        int r = 0;

        if (!list)
                return 0;
        copy = strdup(list);
        if (!copy)
                return -ENOMEM;
        for (item = strtok_r(copy, ";", &save); item && r == 0; item = strtok_r(NULL, ";", &save)) {
                bool b;

                eq = strchr(item, '=');
                if (!eq || options_find(h, (*eq = '\0', item), &d) < 0) {
                        snprintf(why, why_len, "the scanner has no option \"%s\"", item);
                        r = -EOPNOTSUPP;
                } else if (d->type == SANE_TYPE_STRING)
                        r = set_string(h, saved, item, eq + 1);
                else if (d->type == SANE_TYPE_BOOL)
                        r = config_parse_bool(eq + 1, &b) < 0 ? -EINVAL : set_word(h, saved, item, b);
                else if (d->type == SANE_TYPE_FIXED)
                        r = set_word(h, saved, item, SANE_FIX(strtod(eq + 1, NULL)));
                else
                        r = set_word(h, saved, item, (SANE_Word) strtol(eq + 1, NULL, 10));
                if (r < 0 && !why[0])
                        snprintf(why, why_len, "the scanner refused %s=%s", item, eq + 1);
        }
        free(copy);
        return r;
}

int options_apply(SANE_Handle h, OptSave *saved, const Profile *p, OptionsApplied *ret, char *why,
                  size_t why_len)
{
        OptionsApplied a = {};
        int r;

        /* Mode first: on several backends it changes the sources offered. */
        r = apply_mode(h, saved, p, &a, why, why_len);
        if (r < 0)
                return r;
        r = apply_source(h, saved, p, &a, why, why_len);
        if (r < 0)
                return r;
        r = apply_resolution(h, saved, p, &a, why, why_len);
        if (r < 0)
                return r;
        apply_safety(h, saved, &a);
        why[0] = '\0';
        r = apply_extra(h, saved, p->sane_options, why, why_len);
        if (r < 0)
                return r;
        *ret = a;
        return 0;
}

int options_read_sensors(SANE_Handle h)
{
        const SANE_Option_Descriptor *d;
        int v, r;

        for (int i = 1; (d = sane_get_option_descriptor(h, i)); i++) {
                if (!d->name || SANE_OPTION_IS_SETTABLE(d->cap) || !SANE_OPTION_IS_ACTIVE(d->cap) ||
                    (d->type != SANE_TYPE_BOOL && d->type != SANE_TYPE_INT) || d->size != sizeof(SANE_Word))
                        continue;
                r = options_get_int(h, i, &v);
                if (r < 0 && r != -EINVAL && r != -EOPNOTSUPP)
                        return r;
        }
        return 0;
}

bool options_double_feed_sensed(SANE_Handle h, const char *sensors)
{
        const SANE_Option_Descriptor *d;
        int v = 0;

        for (int i = 1; (d = sane_get_option_descriptor(h, i)); i++)
                if (d->name && !SANE_OPTION_IS_SETTABLE(d->cap) && matches(d->name, sensors) &&
                    options_get_int(h, i, &v) == 0 && v)
                        return true;
        return false;
}
