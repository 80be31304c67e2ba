/* Button polling (buttons.h). Only read-only options are buttons: a
 * settable "scan" option would be a setting, not a sensor. */
#include <ctype.h>
#include <errno.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backends.h"
#include "buttons.h"
#include "device.h"
#include "options.h"

typedef struct ButtonOption {
        int index;
        const char *name;     /* the backend's, valid while the handle is open */
        const Button *button; /* word options: the [button.NAME] that maps it; string options: by token */
        ButtonStyle style;
        SANE_Int size; /* of a string option's value */
        int last;      /* word: last value; string: 1 when it last read non-empty */
        bool seen;
} ButtonOption;

struct Buttons {
        SANE_Handle handle;
        const Settings *settings;
        ButtonOption *opts;
        size_t n;
        char *buf; /* for string options' values */
};

static const Button *match_button(const Settings *s, const char *name)
{
        for (size_t k = 0; k < s->n_buttons; k++)
                if (regexec(&s->buttons[k].rx, name, 0, NULL, 0) == 0)
                        return &s->buttons[k];
        return NULL;
}

/* The configuration's own default button, when it wrote none. */
static const Button *builtin_button(const Settings *s)
{
        for (size_t k = 0; k < s->n_buttons; k++)
                if (s->buttons[k].builtin)
                        return &s->buttons[k];
        return NULL;
}

static int buttons_add(Buttons *b, const ButtonOption *o)
{
        ButtonOption *n = realloc(b->opts, (b->n + 1) * sizeof(ButtonOption));

        if (!n)
                return -ENOMEM;
        b->opts = n;
        b->opts[b->n++] = *o;
        return 0;
}

int buttons_new(SANE_Handle h, const char *device_name, const Settings *s, Buttons **ret)
{
        const Backend *backend = backends_lookup(device_name);
        const SANE_Option_Descriptor *d;
        SANE_Int buf_size = 0;
        Buttons *b = calloc(1, sizeof(Buttons));
        int r = 0;

        if (!b)
                return -ENOMEM;
        b->handle = h;
        b->settings = s;
        for (int i = 1; r == 0 && (d = sane_get_option_descriptor(h, i)); i++) {
                ButtonOption o = { .index = i };
                int style;

                if (!d->name || SANE_OPTION_IS_SETTABLE(d->cap))
                        continue;
                o.name = d->name;
                style = backends_button_style(backend, d->name);
                if (d->type == SANE_TYPE_STRING && d->size > 0) {
                        /* A string the backend fills with the pressed button's name. */
                        if (style != BUTTON_STRING && !match_button(s, d->name))
                                continue;
                        o.style = BUTTON_STRING;
                        o.size = d->size;
                        buf_size = MAX(buf_size, d->size);
                } else if ((d->type == SANE_TYPE_BOOL || d->type == SANE_TYPE_INT) &&
                           d->size == sizeof(SANE_Word)) {
                        o.button = match_button(s, d->name);
                        if (!o.button && style >= 0)
                                o.button = builtin_button(s); /* a button this backend is known to have */
                        if (!o.button)
                                continue;
                        o.style = style >= 0 && style != BUTTON_STRING ? (ButtonStyle) style : BUTTON_EDGE;
                } else
                        continue;
                r = buttons_add(b, &o);
        }
        if (r == 0 && buf_size > 0 && !(b->buf = calloc(1, (size_t) buf_size + 1)))
                r = -ENOMEM;
        if (r < 0) {
                buttons_free(b);
                return r;
        }
        *ret = b;
        return 0;
}

Buttons *buttons_free(Buttons *b)
{
        if (!b)
                return NULL;
        free(b->opts);
        free(b->buf);
        free(b);
        return NULL;
}

size_t buttons_count(const Buttons *b)
{
        return b ? b->n : 0;
}

static bool all_digits(const char *s)
{
        for (; *s; s++)
                if (!isdigit((unsigned char) *s))
                        return false;
        return true;
}

/* A string button's value: its tokens (a display number aside) name the
 * press; the first that a [button.NAME] matches decides, then the option's
 * own name, then the default button. */
static void string_press(const Buttons *b, const ButtonOption *o, char *value, ButtonPress *ret)
{
        const Button *found = NULL;
        char *save = NULL, *token;

        snprintf(ret->what, sizeof(ret->what), "%s=%s", o->name, value);
        for (token = strtok_r(value, ":", &save); token && !found; token = strtok_r(NULL, ":", &save))
                if (!all_digits(token))
                        found = match_button(b->settings, token);
        if (!found)
                found = match_button(b->settings, o->name);
        if (!found)
                found = builtin_button(b->settings);
        ret->button = found;
}

static int poll_string(Buttons *b, ButtonOption *o, ButtonPress *ret)
{
        SANE_Status st;
        bool full;

        memset(b->buf, 0, (size_t) o->size + 1);
        st = sane_control_option(b->handle, o->index, SANE_ACTION_GET_VALUE, b->buf, NULL);
        if (st == SANE_STATUS_INVAL || st == SANE_STATUS_UNSUPPORTED)
                return 0; /* inactive now: not a failure of the device */
        if (st != SANE_STATUS_GOOD)
                return device_errno(st);
        full = b->buf[0] != '\0';
        if (o->seen && !o->last && full && !ret->what[0])
                string_press(b, o, b->buf, ret);
        o->last = full;
        o->seen = true;
        return 0;
}

int buttons_poll(Buttons *b, ButtonPress *ret)
{
        *ret = (ButtonPress) {};
        for (size_t i = 0; b && i < b->n; i++) {
                ButtonOption *o = &b->opts[i];
                int v, r;

                if (o->style == BUTTON_STRING) {
                        r = poll_string(b, o, ret);
                        if (r < 0)
                                return r;
                        continue;
                }
                r = options_get_int(b->handle, o->index, &v);
                if (r == -EINVAL || r == -EOPNOTSUPP)
                        continue;
                if (r < 0)
                        return r;
                if (o->seen && o->last == 0 && v != 0 && !ret->what[0]) {
                        ret->button = o->button;
                        ret->reopen = o->style == BUTTON_STICKY;
                        snprintf(ret->what, sizeof(ret->what), "%s", o->name);
                }
                o->last = v;
                o->seen = true;
        }
        return 0;
}
