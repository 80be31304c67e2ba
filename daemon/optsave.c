/* Remembered option values (optsave.h), by option name: indexes are the
 * backend's and stay put on an open handle, names make the log readable. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "optsave.h"

typedef struct Saved {
        char *name;
        int index;
        void *value; /* the option's size in bytes */
} Saved;

struct OptSave {
        Saved *v;
        size_t n;
};

int optsave_new(OptSave **ret)
{
        OptSave *s = calloc(1, sizeof(OptSave));

        if (!s)
                return -ENOMEM;
        *ret = s;
        return 0;
}

static void optsave_clear(OptSave *s)
{
        for (size_t i = 0; i < s->n; i++) {
                free(s->v[i].name);
                free(s->v[i].value);
        }
        s->n = 0;
}

OptSave *optsave_free(OptSave *s)
{
        if (!s)
                return NULL;
        optsave_clear(s);
        free(s->v);
        free(s);
        return NULL;
}

int optsave_note(OptSave *s, SANE_Handle h, int index)
{
        const SANE_Option_Descriptor *d = sane_get_option_descriptor(h, index);
        Saved *n, e = { .index = index };

        if (!s)
                return 0;
        if (!d || !d->name || d->size <= 0)
                return -EINVAL;
        for (size_t i = 0; i < s->n; i++)
                if (s->v[i].index == index)
                        return 0;
        e.value = calloc(1, (size_t) d->size + 1);
        e.name = strdup(d->name);
        n = realloc(s->v, (s->n + 1) * sizeof(Saved));
        if (!e.value || !e.name || !n) {
                free(e.value);
                free(e.name);
                if (n)
                        s->v = n;
                return -ENOMEM;
        }
        s->v = n;
        if (sane_control_option(h, index, SANE_ACTION_GET_VALUE, e.value, NULL) != SANE_STATUS_GOOD) {
                free(e.value);
                free(e.name);
                return 0; /* unreadable: nothing to set back */
        }
        s->v[s->n++] = e;
        return 0;
}

unsigned optsave_restore(OptSave *s, SANE_Handle h)
{
        unsigned set = 0;

        for (size_t i = s ? s->n : 0; i-- > 0;) {
                const SANE_Option_Descriptor *d = sane_get_option_descriptor(h, s->v[i].index);

                if (!d || !d->name || strcmp(d->name, s->v[i].name) != 0 || !SANE_OPTION_IS_ACTIVE(d->cap) ||
                    !SANE_OPTION_IS_SETTABLE(d->cap))
                        continue;
                if (sane_control_option(h, s->v[i].index, SANE_ACTION_SET_VALUE, s->v[i].value, NULL) ==
                    SANE_STATUS_GOOD)
                        set++;
        }
        if (s)
                optsave_clear(s);
        return set;
}
