/* The config table: defaults, an INI file with every type, errors with the
 * right line and reason, bounds, --set, the byte/duration/bool parsers, the
 * dump read back, and config_parse_argv's options and return values. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdarg.h>
#include <unistd.h>

#include "check.h"
#include "config.h"

typedef struct Settings {
        char *endpoint;
        char *name;
        int nice;
        unsigned workers;
        uint64_t max_page;
        uint64_t heartbeat;
        bool verbose;
        uint64_t spool_max;
} Settings;

static const ConfigKey keys[] = {
        { "broker", "endpoint", CONFIG_STRING, offsetof(Settings, endpoint), "tcp://*:5555", false,
          "where stations connect", 0, 0 },
        { "broker", "name", CONFIG_STRING, offsetof(Settings, name), NULL, true, "display name", 0, 0 },
        { "broker", "nice", CONFIG_INT, offsetof(Settings, nice), "-5", false, "scheduling niceness", -20,
          19 },
        { "broker.limits", "workers", CONFIG_UINT, offsetof(Settings, workers), "4", true, "worker count", 1,
          64 },
        { "broker.limits", "max_page_size", CONFIG_BYTES, offsetof(Settings, max_page), "64M", true,
          "largest page accepted", 1024, 1LL << 32 },
        { "broker.limits", "heartbeat", CONFIG_MSEC, offsetof(Settings, heartbeat), "5s", true,
          "heartbeat interval", 100, 600000 },
        { "station", "verbose", CONFIG_BOOL, offsetof(Settings, verbose), "no", true, "say more", 0, 0 },
        { "station", "spool_max", CONFIG_BYTES, offsetof(Settings, spool_max), NULL, false, "spool cap", 0,
          0 },
        {}
};

static char dir[] = "/tmp/test-config-XXXXXX";

/* Write content to dir/name; returns a static path (one at a time). */
static const char *write_conf(const char *name, const char *content)
{
        static char path[512];
        FILE *f;

        snprintf(path, sizeof(path), "%s/%s", dir, name);
        f = fopen(path, "w");
        CHECK(f);
        fputs(content, f);
        CHECK(fclose(f) == 0);
        return path;
}

static void test_parsers(void)
{
        uint64_t v = 12345;
        bool b;

        CHECK_INT(config_parse_bytes("1048576", &v), 0);
        CHECK_U64(v, 1048576);
        CHECK_INT(config_parse_bytes("512K", &v), 0);
        CHECK_U64(v, 524288);
        CHECK_INT(config_parse_bytes("64M", &v), 0);
        CHECK_U64(v, 67108864);
        CHECK_INT(config_parse_bytes("2G", &v), 0);
        CHECK_U64(v, 2147483648ULL);
        CHECK_INT(config_parse_bytes("1T", &v), 0);
        CHECK_U64(v, 1ULL << 40);
        CHECK_INT(config_parse_bytes("64MiB", &v), 0);
        CHECK_U64(v, 67108864);
        CHECK_INT(config_parse_bytes("8 k", &v), 0);
        CHECK_U64(v, 8192);
        CHECK_INT(config_parse_bytes("0", &v), 0);
        CHECK_U64(v, 0);
        CHECK_INT(config_parse_bytes("1.5K", &v), 0);
        CHECK_U64(v, 1536);
        v = 777;
        CHECK_INT(config_parse_bytes("0.3K", &v), -EINVAL); /* 307.2 bytes */
        CHECK_INT(config_parse_bytes("12x", &v), -EINVAL);
        CHECK_INT(config_parse_bytes("", &v), -EINVAL);
        CHECK_INT(config_parse_bytes("M", &v), -EINVAL);
        CHECK_INT(config_parse_bytes("-1", &v), -EINVAL);
        CHECK_INT(config_parse_bytes(" 1", &v), -EINVAL);
        CHECK_INT(config_parse_bytes("1.", &v), -EINVAL);
        CHECK_INT(config_parse_bytes("16777216T", &v), -ERANGE); /* 2^64 */
        CHECK_INT(config_parse_bytes("18446744073709551616", &v), -ERANGE);
        CHECK_U64(v, 777); /* untouched on failure */
        CHECK_INT(config_parse_bytes("18446744073709551615", &v), 0);
        CHECK_U64(v, UINT64_MAX);

        CHECK_INT(config_parse_msec("2min", &v), 0);
        CHECK_U64(v, 120000);
        CHECK_INT(config_parse_msec("250ms", &v), 0);
        CHECK_U64(v, 250);
        CHECK_INT(config_parse_msec("5s", &v), 0);
        CHECK_U64(v, 5000);
        CHECK_INT(config_parse_msec("1h", &v), 0);
        CHECK_U64(v, 3600000);
        CHECK_INT(config_parse_msec("100", &v), 0);
        CHECK_U64(v, 100);
        CHECK_INT(config_parse_msec("1.5s", &v), 0);
        CHECK_U64(v, 1500);
        CHECK_INT(config_parse_msec("0.25min", &v), 0);
        CHECK_U64(v, 15000);
        CHECK_INT(config_parse_msec("2 sec", &v), 0);
        CHECK_U64(v, 2000);
        v = 777;
        CHECK_INT(config_parse_msec("1.5ms", &v), -EINVAL); /* no sub-millisecond */
        CHECK_INT(config_parse_msec("5m", &v), -EINVAL);    /* minutes or ms? */
        CHECK_INT(config_parse_msec("s", &v), -EINVAL);
        CHECK_INT(config_parse_msec("5 s x", &v), -EINVAL);
        CHECK_INT(config_parse_msec("0.0000000001s", &v), -EINVAL);
        CHECK_U64(v, 777);

        b = true;
        CHECK_INT(config_parse_bool("no", &b), 0);
        CHECK(!b);
        CHECK_INT(config_parse_bool("Yes", &b), 0);
        CHECK(b);
        CHECK_INT(config_parse_bool("off", &b), 0);
        CHECK(!b);
        CHECK_INT(config_parse_bool("on", &b), 0);
        CHECK(b);
        CHECK_INT(config_parse_bool("0", &b), 0);
        CHECK(!b);
        CHECK_INT(config_parse_bool("TRUE", &b), 0);
        CHECK(b);
        CHECK_INT(config_parse_bool("false", &b), 0);
        CHECK(!b);
        CHECK_INT(config_parse_bool("1", &b), 0);
        CHECK(b);
        CHECK_INT(config_parse_bool("maybe", &b), -EINVAL);
        CHECK_INT(config_parse_bool("", &b), -EINVAL);
        CHECK(b);
}

static void test_defaults(void)
{
        Settings s = {};
        ConfigError err = {};

        CHECK_INT(config_defaults(keys, &s, &err), 0);
        CHECK_STR(s.endpoint, "tcp://*:5555");
        CHECK(s.name == NULL);
        CHECK_INT(s.nice, -5);
        CHECK_INT(s.workers, 4);
        CHECK_U64(s.max_page, 64ULL << 20);
        CHECK_U64(s.heartbeat, 5000);
        CHECK(!s.verbose);
        CHECK_U64(s.spool_max, 0);
        config_free(keys, &s);
        CHECK(s.endpoint == NULL);
        config_free(keys, &s); /* twice is harmless */

        /* A bad default is reported, and what was filled can still be freed. */
        const ConfigKey bad[] = {
                { "a", "s", CONFIG_STRING, offsetof(Settings, endpoint), "x", false, "", 0, 0 },
                { "a", "n", CONFIG_UINT, offsetof(Settings, workers), "lots", false, "", 0, 0 },
                { "a", "t", CONFIG_STRING, offsetof(Settings, name), "y", false, "", 0, 0 },
                {}
        };
        memset(&s, 0xff, sizeof(s)); /* garbage, as an uninitialised struct */
        CHECK_INT(config_defaults(bad, &s, &err), -EINVAL);
        CHECK_CONTAINS(err.reason, "default of a.n");
        CHECK_CONTAINS(err.reason, "\"lots\" is not a non-negative integer");
        CHECK(s.name == NULL);
        config_free(bad, &s);
}

static void test_load_all_types(void)
{
        Settings s = {};
        ConfigError err = {};
        const char *path = write_conf("good.conf",
                                      "# a comment\n"
                                      "; another\n"
                                      "[broker]\n"
                                      "endpoint = ipc:///run/sohoa/broker.sock\n"
                                      "name = Kho lưu trữ ; inline comment\n"
                                      "nice = 10\n"
                                      "\n"
                                      "[broker.limits]\n"
                                      "workers = 16\n"
                                      "max_page_size = 128M\n"
                                      "heartbeat = 2min\n"
                                      "[station]\n"
                                      "verbose = yes\n"
                                      "spool_max = 2G\n"
                                      "[broker]\n"
                                      "nice = -20\n"); /* a section may reopen; the last value wins */

        CHECK_INT(config_defaults(keys, &s, &err), 0);
        CHECK_INT(config_load(keys, &s, path, &err), 0);
        CHECK_STR(s.endpoint, "ipc:///run/sohoa/broker.sock");
        CHECK_STR(s.name, "Kho lưu trữ");
        CHECK_INT(s.nice, -20);
        CHECK_INT(s.workers, 16);
        CHECK_U64(s.max_page, 128ULL << 20);
        CHECK_U64(s.heartbeat, 120000);
        CHECK(s.verbose);
        CHECK_U64(s.spool_max, 2ULL << 30);

        /* Empty string means unset. */
        path = write_conf("empty.conf", "[broker]\nname =\nendpoint=\n");
        CHECK_INT(config_load(keys, &s, path, &err), 0);
        CHECK(s.name == NULL);
        CHECK(s.endpoint == NULL);
        config_free(keys, &s);
}

/* Load content and expect failure r at line with reason containing want. */
static void check_load_error(const char *content, int r, unsigned line, const char *want)
{
        Settings s = {};
        ConfigError err = {};
        char expect[600], got[600];
        const char *path = write_conf("bad.conf", content);
        FILE *f;

        CHECK_INT(config_defaults(keys, &s, &err), 0);
        CHECK_INT(config_load(keys, &s, path, &err), r);
        CHECK_STR(err.file, path);
        CHECK_INT(err.line, line);
        CHECK_CONTAINS(err.reason, want);

        /* And printed as "file:line: reason". */
        f = fmemopen(got, sizeof(got), "w");
        CHECK(f);
        config_error_print(&err, f);
        fclose(f);
        snprintf(expect, sizeof(expect), "%s:%u: %s\n", path, line, err.reason);
        CHECK_STR(got, expect);
        config_free(keys, &s);
}

static void test_load_errors(void)
{
        char longline[400];

        check_load_error("[broker]\nnice = 1\n\nfoo = 1\n", -EINVAL, 4,
                         "unknown key \"foo\" in section [broker]");
        check_load_error("[broker]\nnice = 1\n[nope]\n", -EINVAL, 3, "unknown section [nope]");
        check_load_error("[broker]\n[nope]\nx = 1\n", -EINVAL, 2, "unknown section [nope]");
        check_load_error("nice = 1\n", -EINVAL, 1, "key \"nice\" outside of any [section]");
        /* A key of another section is unknown here. */
        check_load_error("[broker]\nworkers = 3\n", -EINVAL, 2,
                         "unknown key \"workers\" in section [broker]");
        check_load_error("[broker.limits]\n# c\nmax_page_size = 12x\n", -EINVAL, 3,
                         "\"12x\" is not a size (broker.limits.max_page_size)");
        check_load_error("[broker.limits]\nheartbeat = 5m\n", -EINVAL, 2, "\"5m\" is not a duration");
        check_load_error("[station]\nverbose = maybe\n", -EINVAL, 2, "\"maybe\" is not a boolean");
        check_load_error("[broker]\nnice = 3.5\n", -EINVAL, 2, "\"3.5\" is not an integer");
        check_load_error("[broker]\nnice = 0x10\n", -EINVAL, 2, "\"0x10\" is not an integer");
        check_load_error("[broker.limits]\nworkers = -1\n", -EINVAL, 2,
                         "\"-1\" is not a non-negative integer");
        check_load_error("[station]\nspool_max = 99999999T\n", -ERANGE, 2, "\"99999999T\" is too large");
        check_load_error("[broker]\nnice = 99999999999\n", -ERANGE, 2, "is too large");

        /* Bounds, at both ends, for each numeric type. */
        check_load_error("[broker]\nnice = 20\n", -ERANGE, 2,
                         "\"20\" is out of range -20..19 (broker.nice)");
        check_load_error("[broker]\nnice = -21\n", -ERANGE, 2, "out of range");
        check_load_error("[broker.limits]\nworkers = 0\n", -ERANGE, 2, "\"0\" is out of range 1..64");
        check_load_error("[broker.limits]\nworkers = 65\n", -ERANGE, 2, "out of range");
        check_load_error("[broker.limits]\nmax_page_size = 1023\n", -ERANGE, 2, "out of range");
        check_load_error("[broker.limits]\nmax_page_size = 5G\n", -ERANGE, 2, "out of range");
        check_load_error("[broker.limits]\nheartbeat = 50ms\n", -ERANGE, 2, "out of range");
        check_load_error("[broker.limits]\nheartbeat = 11min\n", -ERANGE, 2, "out of range");

        /* inih's own syntax errors keep their line; the first error wins. */
        check_load_error("[broker]\nnice = 1\njust words\nfoo = 2\n", -EINVAL, 3, "syntax error");
        check_load_error("[broker]\nfoo = 2\njust words\n", -EINVAL, 2, "unknown key");

        memset(longline, 'a', sizeof(longline));
        memcpy(longline, "[broker]\nendpoint = ", 20);
        strcpy(longline + sizeof(longline) - 2, "\n");
        check_load_error(longline, -EINVAL, 2, "line longer than");

        /* Bounds hold within range edges. */
        Settings s = {};
        ConfigError err = {};
        CHECK_INT(config_defaults(keys, &s, &err), 0);
        CHECK_INT(config_load(keys, &s,
                              write_conf("edge.conf", "[broker]\nnice = 19\n[broker.limits]\n"
                                                      "workers = 64\nmax_page_size = 4G\nheartbeat=100\n"),
                              &err),
                  0);
        CHECK_INT(s.nice, 19);
        CHECK_U64(s.max_page, 4ULL << 30);

        char missing[600];
        snprintf(missing, sizeof(missing), "%s/missing.conf", dir);
        CHECK_INT(config_load(keys, &s, missing, &err), -ENOENT);
        CHECK_STR(err.file, missing);
        config_free(keys, &s);
}

static void test_set(void)
{
        Settings s = {};
        ConfigError err = {};

        CHECK_INT(config_defaults(keys, &s, &err), 0);
        CHECK_INT(config_set(keys, &s, "broker.nice=7", &err), 0);
        CHECK_INT(s.nice, 7);
        CHECK_INT(config_set(keys, &s, "broker.limits.workers=8", &err), 0);
        CHECK_INT(s.workers, 8);
        CHECK_INT(config_set(keys, &s, "broker.endpoint=tcp://a=b:1", &err), 0);
        CHECK_STR(s.endpoint, "tcp://a=b:1"); /* only the first '=' splits */
        CHECK_INT(config_set(keys, &s, "station.verbose=on", &err), 0);
        CHECK(s.verbose);

        CHECK_INT(config_set(keys, &s, "broker.foo=1", &err), -EINVAL);
        CHECK_STR(err.reason, "unknown key \"foo\" in section [broker]");
        CHECK_INT(err.line, 0);
        CHECK_INT(config_set(keys, &s, "broker.limits.foo=1", &err), -EINVAL);
        CHECK_STR(err.reason, "unknown key \"foo\" in section [broker.limits]");
        CHECK_INT(config_set(keys, &s, "nope.nice=1", &err), -EINVAL);
        CHECK_STR(err.reason, "unknown section [nope]");
        CHECK_INT(config_set(keys, &s, "nice=1", &err), -EINVAL);
        CHECK_INT(config_set(keys, &s, "broker.nice", &err), -EINVAL);
        CHECK_INT(config_set(keys, &s, "=1", &err), -EINVAL);
        CHECK_INT(config_set(keys, &s, "broker.limits.workers=100", &err), -ERANGE);
        CHECK_INT(config_set(keys, &s, "broker.limits.max_page_size=12x", &err), -EINVAL);
        CHECK_CONTAINS(err.reason, "\"12x\" is not a size");
        CHECK_INT(s.workers, 8); /* failures leave the value */
        config_free(keys, &s);
}

static void test_dump_round_trip(void)
{
        Settings a = {}, b = {};
        ConfigError err = {};
        char buf[4096];
        FILE *f;

        CHECK_INT(config_defaults(keys, &a, &err), 0);
        CHECK_INT(config_set(keys, &a, "broker.name=sohoa-1", &err), 0);
        CHECK_INT(config_set(keys, &a, "broker.limits.heartbeat=1500", &err), 0);
        CHECK_INT(config_set(keys, &a, "station.spool_max=12345", &err), 0);
        f = fmemopen(buf, sizeof(buf), "w");
        CHECK(f);
        config_dump(keys, &a, f);
        fclose(f);
        CHECK_CONTAINS(buf, "[broker]\nendpoint = tcp://*:5555\nname = sohoa-1\nnice = -5\n");
        CHECK_CONTAINS(buf, "[broker.limits]\nworkers = 4\nmax_page_size = 64M\nheartbeat = 1500ms\n");
        CHECK_CONTAINS(buf, "[station]\nverbose = no\nspool_max = 12345\n");

        CHECK_INT(config_defaults(keys, &b, &err), 0);
        CHECK_INT(config_load(keys, &b, write_conf("dump.conf", buf), &err), 0);
        CHECK_STR(b.name, a.name);
        CHECK_STR(b.endpoint, a.endpoint);
        CHECK_INT(b.nice, a.nice);
        CHECK_INT(b.workers, a.workers);
        CHECK_U64(b.max_page, a.max_page);
        CHECK_U64(b.heartbeat, a.heartbeat);
        CHECK_U64(b.spool_max, a.spool_max);
        CHECK_INT(b.verbose, a.verbose);
        config_free(keys, &a);
        config_free(keys, &b);
}

/* Run config_parse_argv with stdout and stderr captured. */
typedef struct Run {
        int r;
        char out[8192], err[8192];
} Run;

static void slurp(int fd, char *buf, size_t size)
{
        ssize_t n = pread(fd, buf, size - 1, 0);

        buf[n > 0 ? n : 0] = '\0';
        close(fd);
}

/* The check run_prog's program makes: broker.name may not be "bad". */
static void check_name(const void *target, ConfigReport *r)
{
        const Settings *s = target;

        if (s->name && strcmp(s->name, "bad") == 0)
                config_report_key(r, "broker", "name", "\"bad\" is not a name");
}

static ConfigProgram run_prog;

static Run *run(const char *default_path, Settings *s, int argc, ...)
{
        static Run res;
        /* Static: config_reload() reads the command line again. */
        static char *argv[16];
        char opath[600], epath[600];
        int ofd, efd, save_out = dup(1), save_err = dup(2);
        va_list ap;

        CHECK(argc < 15);
        run_prog = (ConfigProgram) { .name = "sohoa-test",
                                     .summary = "Test program.",
                                     .default_path = default_path,
                                     .keys = keys,
                                     .size = sizeof(Settings),
                                     .check = check_name };
        memset(argv, 0, sizeof(argv));
        argv[0] = (char *) "sohoa-test";
        va_start(ap, argc);
        for (int i = 1; i < argc; i++)
                argv[i] = va_arg(ap, char *);
        va_end(ap);

        snprintf(opath, sizeof(opath), "%s/out", dir);
        snprintf(epath, sizeof(epath), "%s/err", dir);
        ofd = open(opath, O_RDWR | O_CREAT | O_TRUNC, 0600);
        efd = open(epath, O_RDWR | O_CREAT | O_TRUNC, 0600);
        CHECK(ofd >= 0 && efd >= 0);
        fflush(stdout);
        fflush(stderr);
        dup2(ofd, 1);
        dup2(efd, 2);
        res.r = config_parse_argv(&run_prog, s, argc, argv);
        fflush(stdout);
        fflush(stderr);
        dup2(save_out, 1);
        dup2(save_err, 2);
        close(save_out);
        close(save_err);
        slurp(ofd, res.out, sizeof(res.out));
        slurp(efd, res.err, sizeof(res.err));
        return &res;
}

static void test_argv(void)
{
        char good[600], bad[600], missing[600], expect[700];
        Settings s = {};
        Run *r;

        snprintf(good, sizeof(good), "%s", write_conf("argv-good.conf", "[broker.limits]\nworkers = 10\n"));
        snprintf(bad, sizeof(bad), "%s", write_conf("argv-bad.conf", "[broker]\n\nfoo = 1\n"));
        snprintf(missing, sizeof(missing), "%s/missing.conf", dir);

        /* Plain start: default file read, --set applied after it, in order. */
        r = run(good, &s, 4, "--set", "broker.limits.workers=12", "--set=broker.nice=3");
        CHECK_INT(r->r, 0);
        CHECK_INT(s.workers, 12);
        CHECK_INT(s.nice, 3);
        CHECK_STR(s.endpoint, "tcp://*:5555");
        CHECK_STR(r->out, "");
        CHECK_STR(r->err, "");
        config_free(keys, &s);

        r = run(NULL, &s, 3, "--config", good);
        CHECK_INT(r->r, 0);
        CHECK_INT(s.workers, 10);
        config_free(keys, &s);

        /* A missing default file is fine, a missing explicit one is not. */
        r = run(missing, &s, 1);
        CHECK_INT(r->r, 0);
        CHECK_INT(s.workers, 4);
        config_free(keys, &s);
        r = run(NULL, &s, 3, "-c", missing);
        CHECK_INT(r->r, -ENOENT);
        CHECK_CONTAINS(r->err, missing);
        CHECK(s.endpoint == NULL); /* freed on failure */

        r = run(NULL, &s, 4, "--config", good, "--check-config");
        CHECK_INT(r->r, 1);
        snprintf(expect, sizeof(expect), "%s: configuration is valid\n", good);
        CHECK_STR(r->out, expect);
        CHECK(s.endpoint == NULL);

        r = run(good, &s, 2, "--check-config");
        CHECK_INT(r->r, 1);
        CHECK_STR(r->out, expect);

        r = run(NULL, &s, 4, "--config", bad, "--check-config");
        CHECK(r->r < 0);
        snprintf(expect, sizeof(expect),
                 "%s:3: unknown key \"foo\" in section [broker]\nsohoa-test: 1 error in the configuration\n",
                 bad);
        CHECK_STR(r->err, expect);
        CHECK_STR(r->out, "");

        r = run(good, &s, 4, "--check-config", "--set", "broker.limits.workers=0");
        CHECK_INT(r->r, -ERANGE);
        CHECK_CONTAINS(r->err, "--set: \"0\" is out of range 1..64");

        r = run(good, &s, 4, "--show-config", "--set", "station.verbose=yes");
        CHECK_INT(r->r, 1);
        CHECK_CONTAINS(r->out, "[broker.limits]\nworkers = 10\n");
        CHECK_CONTAINS(r->out, "verbose = yes\n");

        r = run(bad, &s, 2, "--help");
        CHECK_INT(r->r, 1); /* --help does not read the (bad) file */
        CHECK_CONTAINS(r->out, "Usage: sohoa-test");
        CHECK_CONTAINS(r->out, "Test program.");
        CHECK_CONTAINS(r->out, "--check-config");
        CHECK_CONTAINS(r->out, "broker.limits.max_page_size");
        CHECK_CONTAINS(r->out, "64M");
        CHECK_CONTAINS(r->out, "largest page accepted");
        CHECK_CONTAINS(r->out, "station.spool_max");
        CHECK_STR(r->err, "");

        r = run(NULL, &s, 2, "--version");
        CHECK_INT(r->r, 1);
        CHECK_STR(r->out, "sohoa-test " SOHOA_VERSION "\n");

        r = run(NULL, &s, 2, "--bogus");
        CHECK_INT(r->r, -EINVAL);
        CHECK_CONTAINS(r->err, "unknown option '--bogus'");
        CHECK_CONTAINS(r->err, "sohoa-test --help");
        r = run(NULL, &s, 2, "-x");
        CHECK_INT(r->r, -EINVAL);
        CHECK_CONTAINS(r->err, "unknown option '-x'");
        r = run(NULL, &s, 2, "--set");
        CHECK_INT(r->r, -EINVAL);
        CHECK_CONTAINS(r->err, "'--set' needs an argument");
        r = run(NULL, &s, 2, "--check-config=yes");
        CHECK_INT(r->r, -EINVAL);
        CHECK_CONTAINS(r->err, "option '--check-config=yes' takes no value");

        /* Positional arguments are left for the caller at argv[optind]. */
        r = run(NULL, &s, 3, "extra", "--set=broker.nice=1");
        CHECK_INT(r->r, 0);
        CHECK_INT(s.nice, 1);
        CHECK_INT(optind, 2);
        config_free(keys, &s);
}

/* Every error of a file is said, each at its line, and the program's own
 * checks name the line (or the --set) that gave the value. */
static void test_report(void)
{
        char bad[600], expect[4096];
        Settings s = {};
        Run *r;

        snprintf(bad, sizeof(bad), "%s",
                 write_conf("many.conf", "[broker]\n"
                                         "foo = 1\n"     /* 2: unknown key */
                                         "name = bad\n"  /* 3: the check refuses it */
                                         "nice = loud\n" /* 4: not an integer */
                                         "[nope]\n"      /* 5: unknown section */
                                         "x = 1\n"       /* 6: skipped with its section */
                                         "[station]\n"
                                         "just words\n"         /* 8: syntax */
                                         "verbose = maybe\n")); /* 9: not a boolean */
        r = run(NULL, &s, 4, "--config", bad, "--check-config");
        CHECK(r->r < 0);
        snprintf(expect, sizeof(expect),
                 "%s:2: unknown key \"foo\" in section [broker]\n"
                 "%s:4: \"loud\" is not an integer (broker.nice)\n"
                 "%s:5: unknown section [nope]\n"
                 "%s:8: syntax error: expected [section] or key = value\n"
                 "%s:9: \"maybe\" is not a boolean (yes/no) (station.verbose)\n"
                 "%s:3: broker.name: \"bad\" is not a name\n"
                 "sohoa-test: 6 errors in the configuration\n",
                 bad, bad, bad, bad, bad, bad);
        CHECK_STR(r->err, expect);

        /* A start (no --check-config) is refused with the same errors. */
        r = run(NULL, &s, 3, "--config", bad);
        CHECK(r->r < 0);
        CHECK_CONTAINS(r->err, ":3: broker.name: \"bad\" is not a name");

        r = run(NULL, &s, 4, "--set", "broker.name=bad", "--check-config");
        CHECK(r->r < 0);
        CHECK_CONTAINS(r->err, "--set: broker.name=bad: \"bad\" is not a name\n");
}

/* A reload takes the reloadable keys that changed, names the others, and
 * changes nothing when the file has an error. */
static void test_reload(void)
{
        char path[600];
        Settings s = {};
        Run *r;

        snprintf(path, sizeof(path), "%s", write_conf("reload.conf", "[broker]\nname = a\nnice = 1\n"));
        r = run(NULL, &s, 3, "--config", path);
        CHECK_INT(r->r, 0);
        CHECK_STR(s.name, "a");

        write_conf("reload.conf", "[broker]\nname = b\nnice = 2\n[station]\nverbose = yes\n");
        CHECK_INT(config_reload(&run_prog, &s), 2);
        CHECK_STR(s.name, "b"); /* reloadable */
        CHECK_INT(s.nice, 1);   /* not: waits for a restart */
        CHECK(s.verbose);

        write_conf("reload.conf", "[broker]\nname = c\nnice = 2\nfoo = 1\n");
        CHECK(config_reload(&run_prog, &s) < 0);
        CHECK_STR(s.name, "b");
        write_conf("reload.conf", "[broker]\nname = bad\n");
        CHECK(config_reload(&run_prog, &s) < 0);
        CHECK_STR(s.name, "b");
        config_free(keys, &s);
}

int main(void)
{
        CHECK(mkdtemp(dir));

        test_parsers();
        test_report();
        test_reload();
        test_defaults();
        test_load_all_types();
        test_load_errors();
        test_set();
        test_dump_round_trip();
        test_argv();

        /* Best effort: the directory holds only our files. */
        char cmd[600];
        snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
        return system(cmd) == 0 ? 0 : 1;
}
