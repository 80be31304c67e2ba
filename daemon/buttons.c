/* Button polling. Only read-only options are buttons: a settable "scan"
 * option would be a setting, not a sensor. The first read of each option
 * only records its value, so a button held at start-up is not a press. */
#include <errno.h>
#include <regex.h>
#include <stdlib.h>

#include "buttons.h"
#include "options.h"

typedef struct ButtonOption {
        int index;
        const char *name;     /* the backend's, valid while the handle is open */
        const Button *button;
        int last;
        bool seen;
} ButtonOption;

struct Buttons {
        SANE_Handle handle;
        ButtonOption *opts;
        size_t n;
};

int buttons_new(SANE_Handle h, const Settings *s, Buttons **ret)
{
        const SANE_Option_Descriptor *d;
        Buttons *b = calloc(1, sizeof(Buttons));

        if (!b)
                return -ENOMEM;
        b->handle = h;
        for (int i = 1; (d = sane_get_option_descriptor(h, i)); i++) {
                ButtonOption *n;

                if (!d->name || SANE_OPTION_IS_SETTABLE(d->cap) ||
                    (d->type != SANE_TYPE_BOOL && d->type != SANE_TYPE_INT) || d->size != sizeof(SANE_Word))
                        continue;
                for (size_t k = 0; k < s->n_buttons; k++) {
                        if (regexec(&s->buttons[k].rx, d->name, 0, NULL, 0) != 0)
                                continue;
                        n = realloc(b->opts, (b->n + 1) * sizeof(ButtonOption));
                        if (!n) {
                                buttons_free(b);
                                return -ENOMEM;
                        }
                        b->opts = n;
                        b->opts[b->n++] = (ButtonOption) { .index = i, .name = d->name, .button = &s->buttons[k] };
                        break;
                }
        }
        *ret = b;
        return 0;
}

Buttons *buttons_free(Buttons *b)
{
        if (!b)
                return NULL;
        free(b->opts);
        free(b);
        return NULL;
}

size_t buttons_count(const Buttons *b)
{
        return b ? b->n : 0;
}

int buttons_poll(Buttons *b, const Button **ret_pressed, const char **ret_option)
{
        *ret_pressed = NULL;
        *ret_option = NULL;
        for (size_t i = 0; b && i < b->n; i++) {
                ButtonOption *o = &b->opts[i];
                int v, r = options_get_int(b->handle, o->index, &v);

                if (r == -EINVAL || r == -EOPNOTSUPP)
                        continue; /* inactive now: not a failure of the device */
                if (r < 0)
                        return r;
                if (o->seen && o->last == 0 && v != 0 && !*ret_pressed) {
                        *ret_pressed = o->button;
                        *ret_option = o->name;
                }
                o->last = v;
                o->seen = true;
        }
        return 0;
}
