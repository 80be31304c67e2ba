/* The test backend's options (opts.h). */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <sane/saneopts.h>

#include "opts.h"
#include "sohoatest.h"

#define OPTS_MAX 24

static const Persona *pp;
static const PersonaOption *po[OPTS_MAX];
static SANE_Option_Descriptor desc[OPTS_MAX];
static SANE_Word words[OPTS_MAX];
static char strings[OPTS_MAX][130];
static bool stuck[OPTS_MAX];
static int n_opts;
static int button_reads; /* of the scenario's button, over the process's life */
static const SANE_Range res_range = { 100, 600, 1 };

static int find_role(Role r)
{
        for (int i = 0; i < n_opts; i++)
                if (po[i]->role == r)
                        return i;
        return -1;
}

static const char *string_role(Role r)
{
        int i = find_role(r);

        return i >= 0 ? strings[i] : "";
}

static bool word_named(const char *name)
{
        for (int i = 0; i < n_opts; i++)
                if (!strcmp(po[i]->name, name))
                        return words[i];
        return false;
}

static bool any_true(Role r)
{
        for (int i = 0; i < n_opts; i++)
                if (po[i]->role == r && words[i])
                        return true;
        return false;
}

/* fujitsu: the methods are inactive while df-action is "Default". */
static bool gate_methods(void)
{
        bool off = !strcmp(string_role(ROLE_DF_ACTION), "Default"), changed = false;

        for (int i = 0; i < n_opts; i++) {
                SANE_Int cap;

                if (po[i]->role != ROLE_DF_METHOD)
                        continue;
                cap = off ? desc[i].cap | SANE_CAP_INACTIVE : desc[i].cap & ~SANE_CAP_INACTIVE;
                changed = changed || cap != desc[i].cap;
                desc[i].cap = cap;
        }
        return changed;
}

static bool read_only(Role r)
{
        return r == ROLE_COUNT || r == ROLE_BUTTON || r == ROLE_BUTTON_STICKY || r == ROLE_BUTTON_STRING ||
               r == ROLE_DF_SENSOR || r == ROLE_SENSOR;
}

static SANE_Int string_size(const PersonaOption *o)
{
        size_t max = o->role == ROLE_BUTTON_STRING ? 129 : 32;

        for (const SANE_String_Const *s = o->list; s && *s; s++)
                if (strlen(*s) + 1 > max)
                        max = strlen(*s) + 1;
        return (SANE_Int) max;
}

void opts_init(const Persona *p)
{
        pp = p;
        for (n_opts = 0; n_opts < OPTS_MAX && p->options[n_opts].name; n_opts++) {
                const PersonaOption *o = &p->options[n_opts];
                SANE_Option_Descriptor *d = &desc[n_opts];

                po[n_opts] = o;
                *d = (SANE_Option_Descriptor) { .name = o->name,
                                                .title = o->name,
                                                .desc = o->name,
                                                .type = o->type,
                                                .unit = SANE_UNIT_NONE,
                                                .size = sizeof(SANE_Word) };
                if (read_only(o->role))
                        d->cap = SANE_CAP_SOFT_DETECT | (o->role == ROLE_COUNT ? 0 : SANE_CAP_HARD_SELECT);
                else
                        d->cap = SANE_CAP_SOFT_DETECT | (o->fixed ? 0 : SANE_CAP_SOFT_SELECT);
                if (o->type == SANE_TYPE_STRING) {
                        d->size = string_size(o);
                        d->constraint_type = o->list ? SANE_CONSTRAINT_STRING_LIST : SANE_CONSTRAINT_NONE;
                        d->constraint.string_list = o->list;
                        snprintf(strings[n_opts], sizeof(strings[n_opts]), "%s", o->def_s ? o->def_s : "");
                }
                if (o->role == ROLE_RESOLUTION) {
                        d->unit = SANE_UNIT_DPI;
                        d->constraint_type = SANE_CONSTRAINT_RANGE;
                        d->constraint.range = &res_range;
                }
                words[n_opts] = o->def;
                stuck[n_opts] = false;
        }
        words[0] = n_opts;
        gate_methods();
}

const SANE_Option_Descriptor *opts_descriptor(int i)
{
        return i >= 0 && i < n_opts ? &desc[i] : NULL;
}

/* Is this read of option i the one a press falls on? */
static bool press_now(int i)
{
        if (strcmp(po[i]->name, sc.button) != 0)
                return false;
        button_reads++;
        for (int k = 0; k < sc.n_presses; k++)
                if (sc.presses[k] == button_reads) {
                        blog("button %s pressed", po[i]->name);
                        return true;
                }
        return false;
}

static void get_value(int i, void *v)
{
        switch (po[i]->role) {
        case ROLE_BUTTON:
                *(SANE_Word *) v = press_now(i);
                break;
        case ROLE_BUTTON_STICKY:
                /* pixma: set by a press, back to 0 only at the next open. */
                stuck[i] = press_now(i) || stuck[i];
                *(SANE_Word *) v = stuck[i];
                break;
        case ROLE_BUTTON_STRING:
                /* avision: the press's token once, cleared by the read. */
                strcpy(v, press_now(i) ? sc.button_token : "");
                break;
        default:
                if (po[i]->type == SANE_TYPE_STRING)
                        strcpy(v, strings[i]);
                else
                        *(SANE_Word *) v = words[i];
        }
}

SANE_Status opts_control(int i, SANE_Action a, void *v, SANE_Int *info)
{
        SANE_Option_Descriptor *d;

        if (i < 0 || i >= n_opts)
                return SANE_STATUS_INVAL;
        d = &desc[i];
        if (!SANE_OPTION_IS_ACTIVE(d->cap))
                return SANE_STATUS_INVAL;
        if (a == SANE_ACTION_GET_VALUE) {
                get_value(i, v);
                return SANE_STATUS_GOOD;
        }
        if (a != SANE_ACTION_SET_VALUE || !(d->cap & SANE_CAP_SOFT_SELECT))
                return SANE_STATUS_INVAL;
        if (d->type == SANE_TYPE_STRING) {
                for (const SANE_String_Const *s = po[i]->list; s && *s; s++)
                        if (!strcmp(*s, v)) {
                                snprintf(strings[i], sizeof(strings[i]), "%s", *s);
                                blog("set %s=%s", d->name, *s);
                                if (po[i]->role == ROLE_DF_ACTION && gate_methods() && info)
                                        *info |= SANE_INFO_RELOAD_OPTIONS;
                                return SANE_STATUS_GOOD;
                        }
                return SANE_STATUS_INVAL;
        }
        if (d->type == SANE_TYPE_BOOL && *(SANE_Word *) v != SANE_TRUE && *(SANE_Word *) v != SANE_FALSE)
                return SANE_STATUS_INVAL;
        if (po[i]->role == ROLE_RESOLUTION &&
            (*(SANE_Word *) v < res_range.min || *(SANE_Word *) v > res_range.max))
                return SANE_STATUS_INVAL;
        words[i] = *(SANE_Word *) v;
        blog("set %s=%d", d->name, words[i]);
        return SANE_STATUS_GOOD;
}

char opts_mode_kind(void)
{
        const char *m = string_role(ROLE_MODE);

        if (find_role(ROLE_MODE) < 0 || strcasestr(m, "gray"))
                return 'g';
        return strcasestr(m, "color") ? 'c' : 'l';
}

const char *opts_mode(void)
{
        return string_role(ROLE_MODE);
}

int opts_resolution(void)
{
        int i = find_role(ROLE_RESOLUTION);

        return i >= 0 ? words[i] : 300;
}

bool opts_feeder(void)
{
        const char *s = string_role(ROLE_SOURCE);

        return find_role(ROLE_SOURCE) < 0 ||
               !(!strcmp(s, "Flatbed") || !strcmp(s, "Normal") || !strcmp(s, "fb"));
}

bool opts_back_only(void)
{
        return !strcmp(string_role(ROLE_SOURCE), "ADF Back");
}

bool opts_duplex(void)
{
        return strstr(string_role(ROLE_SOURCE), "Duplex") || !strcmp(string_role(ROLE_ADF_MODE), "Duplex") ||
               any_true(ROLE_DUPLEX);
}

int opts_blank_skip(void)
{
        int i = find_role(ROLE_BLANK_SKIP);

        return i >= 0 ? words[i] : 0;
}

int opts_double_feed_on(void)
{
        switch (pp->double_feed) {
        case DF_ACTION_METHOD:
                /* df-skew is a skew error, not a double feed. */
                return !strcmp(string_role(ROLE_DF_ACTION), "Stop") &&
                       (word_named("df-thickness") || word_named("df-length"));
        case DF_ALWAYS_SENSOR:
        case DF_SWITCH_JAMMED:
                return any_true(ROLE_DF_SWITCH);
        case DF_ALWAYS_IO:
                return 1;
        default:
                return 0;
        }
}

bool opts_double_feed_detected(void)
{
        return pp->double_feed == DF_ALWAYS_SENSOR || pp->double_feed == DF_ALWAYS_IO ||
               opts_double_feed_on();
}

SANE_Status opts_double_feed_raise(void)
{
        for (int i = 0; i < n_opts; i++)
                if (po[i]->role == ROLE_DF_SENSOR)
                        words[i] = SANE_TRUE;
        return pp->double_feed == DF_ALWAYS_IO ? SANE_STATUS_IO_ERROR : SANE_STATUS_JAMMED;
}

void opts_double_feed_clear(void)
{
        for (int i = 0; i < n_opts; i++)
                if (po[i]->role == ROLE_DF_SENSOR)
                        words[i] = SANE_FALSE;
}
