"""workers/store.c against a real PostgreSQL, through sohoa-storetool: a page
is stored once, a repeat with the same hash is "already", one with another
hash is rejected and changes nothing, a failed page keeps its original bytes,
the batch verdict comes from the rows, and store_put_backoff() survives
PostgreSQL going away and coming back (reconnecting and preparing again).
Counts of 2^31 - 1 make a verdict that says "count out of range" at once
(sql/004), and a batch row locked by another session makes the store fail
after the session's lock time limit (ours, or the conninfo's options), a
transient error that is retried, never a store blocked past its deadline."""

import json
import time

import harness as h

STORETOOL = "tests/helpers/sohoa-storetool"


def migrate(pg, db):
    """The migrations, straight through psql (test_search.py goes through
    sohoactl), each recorded in schema_migrations as sohoactl does: the
    store refuses a database without them."""
    for f in sorted((h.SOURCE_DIR / "sql").glob("[0-9][0-9][0-9]-*.sql")):
        pg.psql("BEGIN;\n" + f.read_text() + "\nINSERT INTO schema_migrations (version, name) VALUES (%d, '%s')"
                " ON CONFLICT DO NOTHING;\nCOMMIT;\n" % (int(f.name[:3]), f.name), dbname=db)


def tool(conn, *cmds, check=True):
    """Run sohoa-storetool with commands (lists of words); returns (exit, JSON lines)."""
    argv = [STORETOOL, "--db", conn]
    for i, c in enumerate(cmds):
        if i:
            argv.append(";")
        argv += c
    cp = h.run(argv, check=check)
    return cp.returncode, [json.loads(line) for line in cp.stdout.splitlines() if line.strip()]


def uuid(n, kind="page"):
    return ("%08x-0000-4000-8000-%012x" % (0xba7c0000 if kind == "batch" else 0x9a9e0000, n))


def put(page, batch, seq, *extra, sheet=None, side="front", image=None):
    args = ["put", "--page", uuid(page), "--batch", uuid(batch, "batch"), "--seq", seq, "--side", side,
            "--image-data", image if image is not None else "image-%d" % page]
    if sheet is not None:
        args += ["--sheet", sheet]
    return [str(a) for a in args + list(extra)]


def verdict(pg, db, batch):
    rows = pg.query("SELECT pages_present, missing_sequences, duplicate_sequences, out_of_order_sequences,"
                    " sheets_missing_front, sheets_missing_back, duplex, count_ok, order_ok, duplex_ok, ok"
                    " FROM batch_verdict WHERE batch_uuid = '%s'" % uuid(batch, "batch"), dbname=db)
    if not rows:
        return None
    keys = ["present", "missing", "dups", "order", "no_front", "no_back", "duplex", "count_ok", "order_ok",
            "duplex_ok", "ok"]
    return dict(zip(keys, rows[0]))


def check_idempotence(pg, db, conn):
    _, out = tool(conn, put(1, 1, 1, "--text", "hồ sơ", "--pdf-data", "%PDF-1.4 one", sheet=1),
                  put(1, 1, 1, "--text", "hồ sơ", "--pdf-data", "%PDF-1.4 one", sheet=1),
                  put(1, 1, 1, "--text", "other", sheet=1, image="another image"),
                  ["lookup", "--page", uuid(1)], ["lookup", "--page", uuid(999)])
    h.check_eq([o.get("result") for o in out[:3]], ["stored", "already", "rejected"], "put, repeat, other hash")
    h.check_eq(out[3]["found"], True, "lookup of a stored page")
    h.check_eq(out[3]["status"], "stored", "status of a stored page")
    h.check_eq(out[4]["found"], False, "lookup of a page never stored")
    h.check_eq(pg.value("SELECT count(*) FROM page WHERE page_uuid = '%s'" % uuid(1), db), "1", "page rows")
    h.check_eq(pg.value("SELECT ocr_text FROM page WHERE page_uuid = '%s'" % uuid(1), db), "hồ sơ",
               "text of the first store kept after the rejected one")
    h.check_eq(pg.value("SELECT encode(sha256, 'hex') FROM page WHERE page_uuid = '%s'" % uuid(1), db),
               out[3]["sha256"], "hash in the row and from lookup")
    h.check_eq(pg.query("SELECT kind, convert_from(bytes, 'UTF8') FROM page_blob WHERE page_uuid = '%s'"
                        % uuid(1), db), [["pdf", "%PDF-1.4 one"]], "blobs of the page")
    h.check_eq(pg.query("SELECT action FROM audit_log WHERE object_id = '%s' ORDER BY audit_id" % uuid(1), db),
               [["page.stored"], ["page.rejected"]], "audit rows (one store, one rejection)")


def check_failed(pg, db, conn):
    _, out = tool(conn, put(2, 2, 1, "--failed", "decode: not a TIFF", image="\x01raw bytes"),
                  ["lookup", "--page", uuid(2)])
    h.check_eq(out[0]["result"], "stored", "a failed page is stored")
    h.check_eq(out[1]["status"], "failed", "lookup of a failed page")
    h.check_eq(pg.query("SELECT status, failure_reason, ocr_text FROM page WHERE page_uuid = '%s'" % uuid(2), db),
               [["failed", "decode: not a TIFF", ""]], "failed page row")
    h.check_eq(pg.query("SELECT kind, convert_from(bytes, 'UTF8'), sha256 = (SELECT sha256 FROM page"
                        " WHERE page_uuid = '%s') FROM page_blob WHERE page_uuid = '%s'" % (uuid(2), uuid(2)), db),
               [["original", "\x01raw bytes", "t"]], "original kept as blob, with its hash")


def check_verdicts(pg, db, conn):
    # Duplex, 2 sheets, the last page arrives before sheet 2's back.
    tool(conn, put(10, 10, 1, sheet=1), put(11, 10, 2, sheet=1, side="back"),
         put(12, 10, 3, "--last", "--batch-pages", "4", "--declared-sheets", "2", sheet=2))
    v = verdict(pg, db, 10)
    h.check(v is not None, "verdict once the last page is stored")
    h.check_eq((v["present"], v["missing"], v["no_back"], v["duplex"], v["count_ok"], v["duplex_ok"], v["ok"]),
               ("3", "{4}", "{2}", "t", "f", "f", "f"), "verdict with sheet 2's back missing")
    tool(conn, put(13, 10, 4, sheet=2, side="back"))
    v = verdict(pg, db, 10)
    h.check_eq((v["present"], v["missing"], v["no_back"], v["count_ok"], v["duplex_ok"], v["ok"]),
               ("4", "{}", "{}", "t", "t", "t"), "verdict recomputed when the late page arrives")

    # No verdict before the end of a batch is known.
    tool(conn, put(20, 20, 1, sheet=1))
    h.check_eq(verdict(pg, db, 20), None, "no verdict before the last page")
    # Simplex: fronts only, none missing.
    tool(conn, put(21, 20, 2, "--last", sheet=2))
    v = verdict(pg, db, 20)
    h.check_eq((v["duplex"], v["no_back"], v["ok"]), ("f", "{}", "t"), "simplex batch verdict")

    # Out of order, and a sequence used twice.
    tool(conn, put(30, 30, 1, sheet=2), put(31, 30, 2, sheet=1), put(32, 30, 2, sheet=1),
         put(33, 30, 3, "--last", sheet=3))
    v = verdict(pg, db, 30)
    h.check_eq((v["order"], v["dups"], v["order_ok"], v["count_ok"], v["ok"]), ("{2}", "{2}", "f", "f", "f"),
               "out-of-order and duplicate verdict")
    h.check_eq(pg.value("SELECT count(*) FROM batch_verdict", db), "3", "verdict rows (one per ended batch)")


def check_restart(pg, db, conn):
    go = h.path("go")
    p = h.Proc("storetool", [STORETOOL, "--db", conn] + put(40, 40, 1) + [";", "wait-file", go, ";"]
               + put(41, 40, 2, "--retry-ms", "60000") + [";", "lookup", "--page", uuid(40), ";"] + put(42, 40, 3))
    h.wait_for(lambda: '"stored"' in p.out(), what="first page stored before the restart")
    pg.stop()
    go.write_text("")
    # Past wait-file: put 41 has begun on a connection PostgreSQL closed.
    h.wait_for(lambda: '"wait-file"' in p.out(), what="the tool past wait-file, PostgreSQL down")
    # A window for its retries (100 ms doubling): a slow machine only widens
    # it; nothing in it can fail a correct build.
    time.sleep(1.5)
    h.check(p.running, "store_put_backoff still retrying while PostgreSQL is down")
    h.check_eq(len(p.out().splitlines()), 2, "lines before PostgreSQL is back")
    pg.start()
    p.expect_exit(0, timeout=30)
    out = [json.loads(line) for line in p.out().splitlines()]
    h.check_eq([o.get("result", o.get("found")) for o in out], ["stored", None, "stored", True, "stored"],
               "results across the restart")
    h.check_eq(pg.value("SELECT count(*) FROM page WHERE batch_uuid = '%s'" % uuid(40, "batch"), db), "3",
               "pages stored across the restart, once each")

    # Down for longer than the deadline: an error, nothing stored. A retry
    # that ignored its deadline would hang until the run's time limit; how
    # soon after the deadline it gives up is a figure for bench/, not a test.
    pg.stop()
    t0 = time.monotonic()
    rc, out = tool(conn, put(43, 40, 4, "--retry-ms", "1500"), check=False)
    elapsed = time.monotonic() - t0
    pg.start()
    h.check_eq(rc, 1, "exit status when the deadline passes")
    h.check_eq(out[0]["error"], "Connection timed out", "error at the deadline")
    # A lower bound: load only adds time.
    h.check_ge(elapsed, 1.4, "seconds retried")
    h.check_eq(pg.value("SELECT count(*) FROM page WHERE page_uuid = '%s'" % uuid(43), db), "0",
               "nothing stored after giving up")


def check_bounds(pg, db, conn):
    # A verdict that enumerated 2^31 - 1 sequences would not end within the
    # run's time limit (tool() fails then); "count out of range" says it
    # enumerated nothing.
    _, out = tool(conn, put(50, 50, 1, "--last", "--batch-pages", 2147483647, "--declared-sheets", 2147483647,
                            sheet=2147483647))
    h.check_eq(out[0]["result"], "stored", "a page with counts of 2^31 - 1")
    row = pg.query("SELECT note, count_ok, duplex_ok, ok, missing_sequences, sheets_missing_front"
                   " FROM batch_verdict WHERE batch_uuid = '%s'" % uuid(50, "batch"), dbname=db)
    h.check_eq(row, [["count out of range", "f", "f", "f", "{}", "{}"]], "verdict on counts out of range")
    h.check_eq(verdict(pg, db, 10)["ok"], "t", "a verdict within the bounds still enumerates (batch 10)")
    h.check_eq(pg.value("SELECT note IS NULL FROM batch_verdict WHERE batch_uuid = '%s'" % uuid(10, "batch"), db),
               "t", "no note on a verdict within the bounds")


LOCKERS = ("SELECT count(*) FROM pg_stat_activity WHERE query LIKE '%%pg_sleep(3600)%%'"
           " AND state = 'active' AND pid <> pg_backend_pid()")


def locked_put(pg, db, conn, page, *opts):
    """A put while another session holds the batch row: (exit, error, stderr, seconds).

    The lock is held until the put has returned (the session sleeps an hour
    and is ended here), so a put that waited for the lock instead of its
    time limit would never return: the run's time limit fails it."""
    locker = h.Proc("locker", ["/bin/bash", h.PGCLUSTER, "psql", pg.dir, "-d", db, "-c",
                               "BEGIN; SELECT 1 FROM batch WHERE batch_uuid = '%s' FOR UPDATE;"
                               " SELECT pg_sleep(3600); COMMIT;" % uuid(60, "batch")])
    h.wait_for(lambda: pg.value(LOCKERS, db) == "1", what="the locking session")
    t0 = time.monotonic()
    cp = h.run([STORETOOL, "--db", conn] + list(opts) + put(page, 60, page - 59, "--retry-ms", "1500"),
               check=False)
    elapsed = time.monotonic() - t0
    h.check_eq(pg.value(LOCKERS, db), "1", "sessions still holding the lock when the put returned")
    pg.value("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE query LIKE '%%pg_sleep(3600)%%'"
             " AND pid <> pg_backend_pid()", db)
    locker.wait(timeout=30)
    out = [json.loads(line) for line in cp.stdout.splitlines() if line.strip()]
    return cp.returncode, out[0].get("error"), cp.stderr, elapsed


def check_lock_timeout(pg, db, conn):
    tool(conn, put(60, 60, 1))
    rc, err, stderr, elapsed = locked_put(pg, db, conn, 61, "--lock-timeout-ms", "300")
    h.check_eq((rc, err), (1, "Connection timed out"), "a store behind a lock, with ours set to 300 ms")
    h.check("55P03" in stderr, "SQLSTATE of the lock time limit in: %s" % stderr)
    # A lower bound (load only adds time); that it did not wait for the lock
    # is shown by the lock still held when it returned.
    h.check_ge(elapsed, 1.4, "seconds retried behind the lock")
    # The conninfo's own setting stands over ours (60 s here).
    rc, err, stderr, _ = locked_put(pg, db, conn + " options='-c lock_timeout=300'", 62,
                                    "--lock-timeout-ms", "60000")
    h.check_eq((rc, err), (1, "Connection timed out"), "a store behind a lock, the conninfo's 300 ms")
    # The lock time limit ended each try (ours, 60 s, would have run into
    # the statement time limit, 57014, first).
    h.check("55P03" in stderr and "57014" not in stderr,
            "SQLSTATE of the conninfo's lock time limit in: %s" % stderr)
    _, out = tool(conn, put(61, 60, 2))
    h.check_eq(out[0]["result"], "stored", "the page once the lock is gone")


def main():
    pg = h.PgCluster().start()
    db = pg.createdb("sohoa_store")
    migrate(pg, db)
    migrate(pg, db)  # idempotent
    conn = pg.connstring(db)
    check_idempotence(pg, db, conn)
    check_failed(pg, db, conn)
    check_verdicts(pg, db, conn)
    check_bounds(pg, db, conn)
    check_lock_timeout(pg, db, conn)
    check_restart(pg, db, conn)


h.run_test(main)
