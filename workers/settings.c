/* sohoa-worker's configuration table. Defaults suit one machine running
 * everything; production sets the broker endpoint and the database in
 * /etc/sohoa/worker.conf. */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <libpq-fe.h>

#include "curvekey.h"
#include "log.h"
#include "settings.h"

#define KEY_AS(n, f, t, d, lo, hi, h)                                                                      \
        {                                                                                                  \
                .section = "worker", .name = #n, .type = (t), .offset = offsetof(Settings, f), .def = (d), \
                .reloadable = false, .help = (h), .min = (lo), .max = (hi)                                 \
        }
#define KEY(n, t, d, lo, hi, h) KEY_AS(n, n, t, d, lo, hi, h)

static const ConfigKey settings_keys[] = {
        KEY(endpoint, CONFIG_STRING, "ipc:///run/sohoa/workers.sock", 0, 0, "the broker's worker endpoint"),
        KEY(id, CONFIG_STRING, NULL, 0, 0, "name the broker knows this worker by (default: hostname-pid)"),
        KEY(database, CONFIG_STRING, NULL, 0, 0,
            "libpq conninfo of the dossier store (default: $SOHOA_DB, else \"" SETTINGS_DATABASE_DEFAULT
            "\")"),
        KEY(languages, CONFIG_STRING, "vie+eng", 0, 0, "Tesseract languages"),
        KEY(tessdata, CONFIG_STRING, NULL, 0, 0, "Tesseract's model directory (default: its own)"),
        KEY(default_dpi, CONFIG_UINT, "300", 50, 2400, "resolution of images that state none"),
        KEY_AS(page_timeout, page_timeout_ms, CONFIG_MSEC, "120s", 0, 86400000,
               "time for one page, store included; past it the page is stored failed or resent (0: none)"),
        KEY_AS(page_grace, page_grace_ms, CONFIG_MSEC, "10s", 1000, 3600000,
               "past page_timeout, a page still running makes the worker exit (another takes the page)"),
        KEY_AS(ocr_time_limit, ocr_time_limit_ms, CONFIG_MSEC, "60s", 0, 86400000,
               "Tesseract's CPU time for one page; past it the page is stored failed (0: none)"),
        KEY(max_side, CONFIG_UINT, "30000", 100, 1000000, "widest or tallest image decoded, in pixels"),
        KEY(max_pixels, CONFIG_UINT, "200000000", 10000, 4000000000, "largest image decoded, in pixels"),
        KEY_AS(database_check, database_check_ms, CONFIG_MSEC, "2s", 0, 3600000,
               "how often to check the database answers; while it does not, the worker takes no pages (0: "
               "never)"),
        KEY_AS(store_retry_deadline, store_retry_deadline_ms, CONFIG_MSEC, "60s", 0, 86400000,
               "how long to retry storing a page while PostgreSQL is away; then it is resent"),
        /* 50: text stays crisp at 300 dpi (diacritics included), about the
         * bytes of OCRmyPDF's PDF; 85 is twice that. A page that arrived as a
         * baseline JPEG and was not turned keeps its own JPEG whatever this is. */
        KEY(jpeg_quality, CONFIG_UINT, "50", 1, 100,
            "JPEG quality of the stored PDF's grey and colour page image"),
        /* Rendered and born-digital pages (no sensor noise) take less room
         * lossless; scans are never tried. */
        KEY(lossless, CONFIG_BOOL, "yes", 0, 0,
            "store a noise-free page (rendered, born digital) lossless when that is smaller than JPEG"),
        /* The PDF shows the page as scanned (colour or grey, its dpi, 100%);
         * the capture's SHA-256 is stored either way. */
        KEY(keep_original, CONFIG_BOOL, "no", 0, 0,
            "also store the image as received with pages processed well (failed pages always keep it)"),
        {
                .section = "worker",
                .name = "log_level",
                .type = CONFIG_STRING,
                .offset = offsetof(Settings, log_level),
                .reloadable = true,
                .help = "debug, info, notice, warning or err (default: info)",
        },
        {},
};

/* Where Tesseract looks for models when tessdata is unset: $TESSDATA_PREFIX,
 * else where Debian's packages put them. NULL when none is a directory. */
static const char *settings_tessdata_dir(const char *tessdata)
{
        static const char *const dirs[] = { "/usr/share/tesseract-ocr/5/tessdata",
                                            "/usr/share/tesseract-ocr/4.00/tessdata",
                                            "/usr/share/tessdata" };
        const char *e = getenv("TESSDATA_PREFIX");
        struct stat st;

        if (tessdata)
                return tessdata;
        if (e && *e)
                return e;
        for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++)
                if (stat(dirs[i], &st) == 0 && S_ISDIR(st.st_mode))
                        return dirs[i];
        return NULL;
}

/* Every language of "vie+eng" has its LANG.traineddata in the model directory. */
static void settings_check_languages(const Settings *s, ConfigReport *r)
{
        const char *dir = settings_tessdata_dir(s->tessdata);
        char *langs, *save = NULL, path[4096];

        if (!s->languages) {
                config_report_key(r, "worker", "languages", "no language given (vie+eng)");
                return;
        }
        if (!dir) {
                config_report_key(
                        r, "worker", "languages",
                        "no Tesseract model directory found (install tesseract-ocr-vie, or set tessdata)");
                return;
        }
        langs = strdup(s->languages);
        if (!langs)
                return;
        for (char *l = strtok_r(langs, "+", &save); l; l = strtok_r(NULL, "+", &save)) {
                snprintf(path, sizeof(path), "%s/%s.traineddata", dir, l);
                if (strchr(l, '/') || access(path, R_OK) < 0)
                        config_report_key(r, "worker", "languages",
                                          "language \"%s\" is not installed: no %s (Debian: apt install "
                                          "tesseract-ocr-%s)",
                                          l, path, l);
        }
        free(langs);
}

/* The log level (settings_check() refused an unknown one). */
static void settings_apply(const void *target)
{
        const Settings *s = target;

        (void) log_set_max_level_from(s->log_level);
}

/* What start-up would refuse, said by --check-config at the line that set it. */
static void settings_check(const void *target, ConfigReport *r)
{
        const Settings *s = target;
        const char *db = s->database ? s->database : getenv("SOHOA_DB");
        PQconninfoOption *opts;
        char *err = NULL;

        config_check_log_level(r, "worker", "log_level", s->log_level);
        settings_check_languages(s, r);
        if (db && *db) {
                opts = PQconninfoParse(db, &err);
                if (!opts) {
                        size_t n = err ? strlen(err) : 0;

                        while (n > 0 && err[n - 1] == '\n')
                                err[--n] = '\0';
                        if (s->database)
                                config_report_key(r, "worker", "database", "not a libpq conninfo: %s",
                                                  err ? err : "out of memory");
                        else
                                config_report_add(r, -EINVAL, "", 0, "$SOHOA_DB: not a libpq conninfo: %s",
                                                  err ? err : "out of memory");
                }
                PQconninfoFree(opts);
                PQfreemem(err);
        }
        curvekey_check_env(r);
}

static const ConfigProgram settings_prog = {
        .name = "sohoa-worker",
        .summary = "OCR pages from the broker and store them in PostgreSQL, each exactly once.",
        .default_path = "/etc/sohoa/worker.conf",
        .keys = settings_keys,
        .size = sizeof(Settings),
        .check = settings_check,
        .apply = settings_apply,
};

const ConfigProgram *settings_program(void)
{
        return &settings_prog;
}

int settings_resolve(Settings *s)
{
        char host[256] = "worker", buf[300];
        const char *db;

        if (!s->id) {
                if (gethostname(host, sizeof(host) - 1) < 0)
                        snprintf(host, sizeof(host), "worker");
                host[sizeof(host) - 1] = '\0';
                /* Hello.peer_id is at most 64 characters. */
                snprintf(buf, sizeof(buf), "%.50s-%d", host, (int) getpid());
                s->id = strdup(buf);
                if (!s->id)
                        return -ENOMEM;
        }
        if (!s->database) {
                db = getenv("SOHOA_DB");
                s->database = strdup(db && *db ? db : SETTINGS_DATABASE_DEFAULT);
                if (!s->database)
                        return -ENOMEM;
        }
        return 0;
}

void settings_done(Settings *s)
{
        config_free(settings_keys, s);
}
