/* sohoactl import: the command line of the importer (import/, existing
 * scans in as bulk pages, a page source on a par with daemon/). What is
 * decided once per run is here: options and their environment defaults,
 * the spool's place (found, created; session/spool locks it), the peer id,
 * the CURVE keys, the outbox's configuration, the report file and the exit
 * status. The component does the work and speaks while it works:
 * import/importer.c walks the inputs, spools the pages through
 * session/outbox (role IMPORTER), waits for them to be stored, and writes
 * the progress line and its warnings to stderr as the walk and the
 * outbox's thread meet them. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "clispool.h"
#include "clock.h"
#include "config.h"
#include "dossier.h"
#include "importer.h"
#include "spool.h"

static void import_summary(Importer *im, const ImportSrc *src, const char *outcome, char *buf, size_t len)
{
        char when[64];
        time_t now = time(NULL);
        size_t files = 0;

        for (size_t i = 0; i < src->n_batches; i++)
                files += src->batches[i].n_files;
        strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S %z", localtime(&now));
        pthread_mutex_lock(&im->lock);
        snprintf(buf, len,
                 "sohoactl import report, %s\n"
                 "spool: %s\nbroker: %s\n"
                 "batches: %zu, files: %zu\n"
                 "pages spooled: %" PRIu64 ", already in the spool: %" PRIu64
                 ", left by an earlier run: %" PRIu64 "\npages stored: %" PRIu64
                 ", stored raw with a failure: %zu, flagged: %zu\n"
                 "failed (files and pages): %" PRIu64 ", held back (run again): %" PRIu64 "\nresult: %s\n",
                 when, im->args.spool, im->args.endpoint, src->n_batches, files, im->spooled, im->existing,
                 im->replayed, im->stored, importreport_count(im->report, IMPORT_ENTRY_STORED_FAILED),
                 importreport_count(im->report, IMPORT_ENTRY_FLAGGED), im->failed, im->held, outcome);
        pthread_mutex_unlock(&im->lock);
}

/* Prints the report and writes it to --report, else to
 * import-report-<time>.txt in the current directory (the spool directory
 * when that is not writable). */
static int import_write_report(Importer *im, const ImportSrc *src, const char *outcome)
{
        char summary[2048], name[64], path[PATH_MAX];
        time_t now = time(NULL);
        FILE *f = NULL;

        import_summary(im, src, outcome, summary, sizeof(summary));
        if (im->tty && im->args.progress)
                fputc('\n', stderr);
        importreport_write(im->report, stdout, summary);
        strftime(name, sizeof(name), "import-report-%Y%m%d-%H%M%S.txt", localtime(&now));
        if (im->args.report)
                snprintf(path, sizeof(path), "%s", im->args.report);
        else
                snprintf(path, sizeof(path), "%s", name);
        f = fopen(path, "we");
        if (!f && !im->args.report) {
                snprintf(path, sizeof(path), "%s/%s", im->args.spool, name);
                f = fopen(path, "we");
        }
        if (!f) {
                fprintf(stderr, "sohoactl import: cannot write the report to %s: %m\n", path);
                return -EIO;
        }
        importreport_write(im->report, f, summary);
        if (fclose(f) != 0) {
                fprintf(stderr, "sohoactl import: cannot write the report to %s: %m\n", path);
                return -EIO;
        }
        printf("report written to %s\n", path);
        return 0;
}

static void import_usage(FILE *f)
{
        fprintf(f,
                "Usage: sohoactl import PATH... [--dossier CODE] [--dpi N] [--manifest FILE.csv]\n"
                "                       [--broker EP] [--spool DIR] [--report FILE] [--wait|--no-wait]\n"
                "Import existing scans (TIFF, multi-page TIFF, PNG, JPEG, scanned PDF) as bulk pages.\n"
                "Each file is a batch; each folder holding files is a batch of them, in name order.\n"
                "Importing the same files again stores nothing twice; an interrupted import resumes\n"
                "when run again with the same spool. With no PATH, only the spool is delivered.\n\n"
                "  --dossier CODE    dossier of every batch (NNN.NN.NN.XNN-yymmdd-NNNN)\n"
                "  --manifest FILE   CSV rows path,dossier_code,component (see docs/IMPORT.md)\n"
                "  --dpi N           resolution of files that state none (default $SOHOA_IMPORT_DPI, else "
                "%d)\n"
                "  --broker EP       broker's station endpoint (default $SOHOA_BROKER, else %s)\n"
                "  --spool DIR       spool (default $SOHOA_SPOOL, else $XDG_STATE_HOME/sohoa/import)\n"
                "  --max-spool SIZE  pause spooling beyond this (default %s)\n"
                "  --report FILE     write the report there (default ./import-report-<time>.txt)\n"
                "  --id NAME         peer id (default import-<host>-<spool hash>)\n"
                "  --timeout SEC     stop waiting after SEC seconds (default: wait until done)\n"
                "  --wait            wait until every page is stored (default)\n"
                "  --no-wait         return once every page is in the spool\n"
                "  --quiet           no progress\n",
                IMPORTER_DPI_DEFAULT, cli_default_broker(), IMPORTER_SPOOL_MAX_DEFAULT);
}

static int import_parse_uint(const char *opt, const char *s, uint64_t min, uint64_t max, uint64_t *ret)
{
        char *end;
        unsigned long long v;

        errno = 0;
        v = strtoull(s, &end, 10);
        if (errno || end == s || *end || v < min || v > max) {
                fprintf(stderr, "sohoactl import: %s: not a number from %" PRIu64 " to %" PRIu64 ": %s\n",
                        opt, min, max, s);
                return -EINVAL;
        }
        *ret = v;
        return 0;
}

static int import_parse_args(int argc, char **argv, ImportArgs *a)
{
        static const struct option opts[] = {
                { "dossier", required_argument, NULL, 'D' },
                { "manifest", required_argument, NULL, 'm' },
                { "dpi", required_argument, NULL, 'd' },
                { "broker", required_argument, NULL, 'b' },
                { "spool", required_argument, NULL, 's' },
                { "report", required_argument, NULL, 'r' },
                { "max-spool", required_argument, NULL, 'M' },
                { "id", required_argument, NULL, 'i' },
                { "timeout", required_argument, NULL, 't' },
                { "wait", no_argument, NULL, 'w' },
                { "no-wait", no_argument, NULL, 'W' },
                { "quiet", no_argument, NULL, 'q' },
                { "help", no_argument, NULL, 'h' },
                {},
        };
        const char *e = getenv("SOHOA_IMPORT_DPI");
        uint64_t v;
        int c;

        *a = (ImportArgs) {
                .endpoint = cli_default_broker(), .dpi = IMPORTER_DPI_DEFAULT, .wait = true, .progress = true
        };
        if (e && *e && import_parse_uint("$SOHOA_IMPORT_DPI", e, 1, 10000, &v) == 0)
                a->dpi = (unsigned) v;
        if (config_parse_bytes(IMPORTER_SPOOL_MAX_DEFAULT, &a->max_spool) < 0)
                return -EINVAL;
        optind = 0;
        while ((c = getopt_long(argc, argv, "h", opts, NULL)) >= 0) {
                switch (c) {
                case 'D':
                        a->dossier = optarg;
                        break;
                case 'm':
                        a->manifest = optarg;
                        break;
                case 'b':
                        a->endpoint = optarg;
                        break;
                case 's':
                        a->spool = optarg;
                        break;
                case 'r':
                        a->report = optarg;
                        break;
                case 'i':
                        a->peer_id = optarg;
                        break;
                case 'w':
                        a->wait = true;
                        break;
                case 'W':
                        a->wait = false;
                        break;
                case 'q':
                        a->progress = false;
                        break;
                case 'd':
                        if (import_parse_uint("--dpi", optarg, 1, 10000, &v) < 0)
                                return -EINVAL;
                        a->dpi = (unsigned) v;
                        break;
                case 't':
                        if (import_parse_uint("--timeout", optarg, 1, UINT32_MAX, &a->timeout_s) < 0)
                                return -EINVAL;
                        break;
                case 'M':
                        if (config_parse_bytes(optarg, &a->max_spool) < 0) {
                                fprintf(stderr, "sohoactl import: --max-spool: not a size: %s\n", optarg);
                                return -EINVAL;
                        }
                        break;
                case 'h':
                        import_usage(stdout);
                        return 1;
                default:
                        import_usage(stderr);
                        return -EINVAL;
                }
        }
        if (a->dossier && !dossier_valid(a->dossier)) {
                fprintf(stderr,
                        "sohoactl import: --dossier: not a dossier code (NNN.NN.NN.XNN-yymmdd-NNNN): %s\n",
                        a->dossier);
                return -EINVAL;
        }
        if (a->manifest && (a->dossier || optind < argc)) {
                fprintf(stderr, "sohoactl import: --manifest names the paths and dossiers itself\n");
                return -EINVAL;
        }
        return 0;
}

static int import_start(Importer *im, OutboxConfig *cfg, char *spool, size_t spool_len, char *peer,
                        size_t peer_len)
{
        const char *tmp = getenv("TMPDIR");
        int r;

        r = clispool_dir(im->args.spool, "SOHOA_SPOOL", "import", spool, spool_len);
        if (r == -ENOENT) {
                fprintf(stderr,
                        "sohoactl import: no spool given and no home for one ($XDG_STATE_HOME and $HOME "
                        "unset): give --spool DIR or $SOHOA_SPOOL\n");
                return r;
        }
        if (r >= 0)
                r = clispool_mkdirs(spool);
        if (r < 0) {
                fprintf(stderr, "sohoactl import: spool %s: %s\n", spool, strerror(-r));
                return r;
        }
        im->args.spool = spool;
        if (!im->args.peer_id)
                clispool_peer_id("import", spool, peer, peer_len);
        snprintf(im->tmpdir, sizeof(im->tmpdir), "%s", tmp && *tmp == '/' ? tmp : "/tmp");
        *cfg = (OutboxConfig) { .spool_dir = spool,
                                .endpoint = im->args.endpoint,
                                .peer_id = im->args.peer_id ? im->args.peer_id : peer,
                                .software = "sohoactl-import " SOHOA_VERSION,
                                .role = SOHOA__ROLE__ROLE_IMPORTER,
                                .max_spool_bytes = im->args.max_spool };
        r = clispool_curve("sohoactl import", im->curve_server, im->curve_public, im->curve_secret, cfg);
        if (r < 0)
                return r;
        r = importer_open_outbox(im, cfg);
        if (r == -EBUSY) {
                pid_t holder;

                /* One sender per spool: two would each delete what the other still waits for. */
                if (spool_holder(spool, &holder) == 0)
                        fprintf(stderr,
                                "sohoactl import: spool %s is in use by process %d (another import, or a "
                                "sohoa-scand, on the same spool)\n",
                                spool, (int) holder);
                else
                        fprintf(stderr,
                                "sohoactl import: spool %s is in use by another process (another import, "
                                "or a sohoa-scand, on the same spool)\n",
                                spool);
        } else if (r < 0)
                fprintf(stderr, "sohoactl import: cannot open the outbox on %s: %s\n", spool, strerror(-r));
        return r;
}

int import_main(int argc, char **argv)
{
        char spool[PATH_MAX], peer[128];
        const char *outcome = "complete";
        Importer im = { 0 };
        ImportSrc *src = NULL;
        OutboxConfig cfg;
        int r, rw = 0, exit_code = EXIT_FAILURE;

        r = import_parse_args(argc, argv, &im.args);
        if (r != 0)
                return r > 0 ? EXIT_SUCCESS : EXIT_FAILURE;
        pthread_mutex_init(&im.lock, NULL);
        im.refs = hashmap_new();
        im.report = importreport_new();
        im.tty = isatty(STDERR_FILENO);
        im.start_ms = clock_mono_ms();
        if (!im.refs || !im.report)
                goto out;
        /* Before the walk: a tree can be large, and a signal must end it. */
        r = importer_setup_signals();
        if (r < 0)
                goto out;
        if (im.args.manifest)
                r = importsrc_from_manifest(im.args.manifest, importer_stop_flag(), &src);
        else
                r = importsrc_from_paths(argv + optind, (size_t) (argc - optind), im.args.dossier,
                                         importer_stop_flag(), &src);
        if (r == -EINTR) {
                fprintf(stderr,
                        "sohoactl import: interrupted while listing the inputs: nothing was spooled\n");
                exit_code = 128 + importer_interrupted();
        }
        if (r < 0)
                goto out;
        r = import_start(&im, &cfg, spool, sizeof(spool), peer, sizeof(peer));
        if (r < 0)
                goto out;
        r = importer_run(&im, src);
        if (r < 0 && !importer_interrupted())
                fprintf(stderr, "sohoactl import: stopped: %s\n", strerror(-r));
        if (r >= 0 && !importer_interrupted() && im.args.wait)
                rw = importer_wait(&im);
        importer_show(&im, true);
        if (importer_interrupted() || rw == -EINTR)
                outcome = "interrupted: the rest is in the spool; run the same command again to finish";
        else if (r < 0)
                outcome = "stopped by an error: run the same command again to finish";
        else if (rw == -ETIMEDOUT)
                outcome =
                        "timed out waiting: the rest is in the spool; run the same command again to finish";
        else if (rw == -EMSGSIZE)
                outcome = "pages larger than the broker accepts are held in the spool";
        else if (im.held > 0)
                outcome = "files held back (see below): run the same command again to import them";
        else if (!im.args.wait)
                outcome = "spooled, not waited for: run `sohoactl import` with the same spool to deliver";
        im.outbox = outbox_free(im.outbox);
        if (import_write_report(&im, src, outcome) < 0)
                r = -EIO;
        if (importer_interrupted())
                exit_code = 128 + importer_interrupted();
        else if (r >= 0 && rw == 0 && im.failed == 0 && im.held == 0)
                exit_code = EXIT_SUCCESS;
out:
        outbox_free(im.outbox);
        importsrc_free(src);
        if (im.refs) {
                size_t state = 0;
                void *v;

                while (hashmap_iterate(im.refs, &state, NULL, NULL, &v))
                        free(v);
                hashmap_free(im.refs);
        }
        importreport_free(im.report);
        pthread_mutex_destroy(&im.lock);
        return exit_code;
}
