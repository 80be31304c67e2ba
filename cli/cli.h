/* sohoactl's map: every subcommand is one row of CLI_COMMANDS (name, the
 * function in its own file, one line of help). Adding a command is a new
 * file cli/<name>.c exporting <name>_main(), one row here and its file in
 * cli/meson.build. A command gets argv with argv[0] = its name and returns
 * the process exit status. */
#pragma once

/* clang-format off */
#define CLI_COMMANDS(X) \
        X("status", status_main, "show the broker's queues, workers, stations and counters")     \
        X("scan", scan_main, "scan a station's feeder until it is empty (through its daemon)")      \
        X("batch", batch_main, "`batch list|show|rescan`: captured batches and the store's verdict on each") \
        X("sheets", sheets_main, "a dossier's cover and separator sheets with QR codes, as a PDF to print") \
        X("failed", failed_main, "`failed list|show|retry`: pages stored failed or quarantined, sent again") \
        X("search", search_main, "find stored pages by their text (accents optional)")             \
        X("import", import_main, "import existing scans (TIFF, PNG, JPEG, scanned PDF) as bulk pages") \
        X("export", export_main, "one searchable PDF of a batch or dossier, with a manifest of hashes") \
        X("verify", verify_main, "check an exported PDF against its manifest")                        \
        X("agency", agency_main, "`agency add|list`: the agencies that receive dossiers")                     \
        X("dossier", dossier_main, "`dossier add|resolve|show|list`: the desk's dossiers, coded without gaps") \
        X("component", component_main, "`component add|link`: a dossier's documents, scanned or reused")     \
        X("result", result_main, "`result add`: a dossier's digitized result, with its digitization code")    \
        X("store", store_main, "`store lookup`: the owner's store of digitized documents and results")        \
        X("report", report_main, "the monthly digitization report per agency (CSV, Markdown, HTML)")          \
        X("db", db_main, "`db migrate|status|roles`: the schema's migrations and roles")              \
        X("keygen", keygen_main, "make a CURVE key pair for the broker or a client")
/* clang-format on */

#define CLI_DECLARE(name, fn, help) int fn(int argc, char **argv);
CLI_COMMANDS(CLI_DECLARE)
#undef CLI_DECLARE

/* The broker's station endpoint: $SOHOA_BROKER, else the default. Static
 * or environment string. */
const char *cli_default_broker(void);
