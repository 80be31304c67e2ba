/* The problems found while building a program's settings, all of them, each
 * at the file and line that caused it: --check-config prints every one, so
 * an administrator fixes a file in one round. Also the checks several
 * programs share for values that parse but would stop the start (a log
 * level, a key file it cannot read). */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "log.h"

int config_report_init(ConfigReport *r, const ConfigKey *keys)
{
        size_t n = 0;

        while (keys[n].name)
                n++;
        r->keys = keys;
        r->origins = calloc(n + 1, sizeof(ConfigError));
        return r->origins ? 0 : -ENOMEM;
}

void config_report_done(ConfigReport *r)
{
        r->origins = mfree(r->origins);
        r->errors = mfree(r->errors);
        r->n_errors = 0;
        r->first_r = 0;
}

static void report_vadd(ConfigReport *r, int error, const char *file, unsigned line, const char *fmt,
                        va_list ap)
{
        ConfigError *e = reallocarray(r->errors, r->n_errors + 1, sizeof(ConfigError));

        if (error >= 0)
                error = -EINVAL;
        if (r->first_r == 0)
                r->first_r = error;
        if (!e)
                return; /* first_r still says it failed */
        r->errors = e;
        e = &r->errors[r->n_errors++];
        memset(e, 0, sizeof(*e));
        snprintf(e->file, sizeof(e->file), "%s", file ? file : "");
        e->line = line;
        e->error = error;
        vsnprintf(e->reason, sizeof(e->reason), fmt, ap);
}

void config_report_add(ConfigReport *r, int error, const char *file, unsigned line, const char *fmt, ...)
{
        va_list ap;

        va_start(ap, fmt);
        report_vadd(r, error, file, line, fmt, ap);
        va_end(ap);
}

void config_report_key(ConfigReport *r, const char *section, const char *name, const char *fmt, ...)
{
        const ConfigError *o = NULL;
        char reason[sizeof(r->errors[0].reason)];
        va_list ap;

        va_start(ap, fmt);
        vsnprintf(reason, sizeof(reason), fmt, ap);
        va_end(ap);
        for (size_t i = 0; r->origins && r->keys[i].name; i++)
                if (strcmp(r->keys[i].section, section) == 0 && strcmp(r->keys[i].name, name) == 0)
                        o = &r->origins[i];
        if (o && o->line > 0)
                config_report_add(r, -EINVAL, o->file, o->line, "%s.%s: %s", section, name, reason);
        else if (o && strcmp(o->file, "--set") == 0)
                config_report_add(r, -EINVAL, "--set", 0, "%s: %s", o->reason, reason);
        else
                config_report_add(r, -EINVAL, "", 0, "%s.%s: %s", section, name, reason);
}

void config_report_print(const ConfigReport *r, FILE *f)
{
        for (size_t i = 0; i < r->n_errors; i++)
                config_error_print(&r->errors[i], f);
}

void config_check_log_level(ConfigReport *r, const char *section, const char *name, const char *value)
{
        if (value && log_level_from_string(value) < 0)
                config_report_key(r, section, name,
                                  "unknown log level \"%s\" (debug, info, notice, warning, err)", value);
}

void config_readable_reason(const char *path, int error, char *buf, size_t size)
{
        if (error == -EACCES)
                snprintf(buf, size,
                         "%s: not readable by this user (uid %u): make it readable by the service, e.g. "
                         "chgrp sohoa %s && chmod 0640 %s",
                         path, (unsigned) geteuid(), path, path);
        else
                snprintf(buf, size, "%s: %s", path, strerror(-error));
}

void config_check_readable(ConfigReport *r, const char *section, const char *name, const char *path)
{
        char reason[200];

        if (!path || access(path, R_OK) == 0)
                return;
        config_readable_reason(path, -errno, reason, sizeof(reason));
        config_report_key(r, section, name, "%s", reason);
}
