"""The schema's upgrades and roles (docs/OPERATIONS.md, "Database"):
`sohoactl db status` lists migrations applied and pending; a worker refuses
to start on a database not migrated or migrated to less than it needs; the
roles of `sohoactl db roles` work with least privilege: sohoa_worker stores
pages but may not delete or change anything else, sohoa_search finds them
and may not write."""

import shutil

import harness as h
from workerstack import WorkerStack, render


def psql_as(pg, user, db, sql):
    """psql as user (the cluster trusts local connections); returns the CompletedProcess."""
    return pg._script("psql", pg.dir, "-U", user, "-d", db, "-v", "ON_ERROR_STOP=1", "-q", "-A", "-t",
                      "-c", sql, check=False)


def refused(pg, user, db, sql):
    cp = psql_as(pg, user, db, sql)
    h.check(cp.returncode != 0 and ("permission denied" in cp.stderr or "must be owner" in cp.stderr),
            "%s could run %r (exit %d): %s%s" % (user, sql, cp.returncode, cp.stdout, cp.stderr))


def worker_refuses(st, conn, want):
    cp = h.run(["sohoa-worker", "--set", "worker.endpoint=" + st.workers_ep, "--set", "worker.id=old",
                "--set", "worker.database=" + conn], check=False, timeout=120, env={"OMP_THREAD_LIMIT": "1"})
    h.check(cp.returncode != 0, "a worker started on an old schema:\n" + cp.stderr)
    h.check(want in cp.stderr, "the worker did not say %r:\n%s" % (want, cp.stderr))


def main():
    pages = render("clean")
    st = WorkerStack()
    pg = st.pg

    # Status of a database migrated by WorkerStack: nothing pending.
    cp = h.run(["sohoactl", "db", "status", "--db", st.conn])
    h.check("0 pending" in cp.stdout and "pending " not in cp.stdout.split("\n0 pending")[0].replace("0 pending", ""),
            "db status of a migrated database:\n" + cp.stdout)
    h.check("applied    004-verdict-bounds.sql" in cp.stdout, "004 listed as applied:\n" + cp.stdout)

    # A database migrated to 003 only: status exits 1 naming 004; a worker refuses to start.
    old_sql = h.path("sql-003")
    old_sql.mkdir()
    for f in ["001-core.sql", "002-verdict.sql", "003-search.sql"]:
        shutil.copy(h.SOURCE_DIR / "sql" / f, old_sql / f)
    old = pg.createdb("old")
    old_conn = pg.connstring(old)
    h.run(["sohoactl", "db", "migrate", "--db", old_conn, "--sql-dir", old_sql])
    cp = h.run(["sohoactl", "db", "status", "--db", old_conn], check=False)
    h.check_eq(cp.returncode, 1, "db status exit with a migration pending")
    h.check("pending    004-verdict-bounds.sql" in cp.stdout and "3 applied, " in cp.stdout,
            "db status with 004 pending:\n" + cp.stdout)
    worker_refuses(st, old_conn, "the database schema is at migration 003; this worker needs 004")
    worker_refuses(st, pg.connstring(pg.createdb("empty")), "not migrated")
    h.run(["sohoactl", "db", "migrate", "--db", old_conn])
    h.check_eq(h.run(["sohoactl", "db", "status", "--db", old_conn]).returncode, 0, "db status after migrate")

    # Roles: made, then used by a worker and by search.
    h.run(["sohoactl", "db", "roles", "--db", st.conn])
    h.run(["sohoactl", "db", "roles", "--db", st.conn])  # again: no error, nothing changes
    worker_conn = "host=%s port=%d user=sohoa_worker dbname=%s" % (pg.host, pg.port, st.db)
    search_conn = "host=%s port=%d user=sohoa_search dbname=%s" % (pg.host, pg.port, st.db)
    st.worker("w1", sets=["worker.database=" + worker_conn])
    spooled, events, stats = st.send([pages["clean"]], "desk", "--last")
    h.check_eq(stats["stored"], 1, "pages stored by a worker as sohoa_worker")
    uuid = spooled[0]
    h.check_eq(st.page(uuid, "status, worker_id"), ["stored", "w1"], "the page row")
    hits = h.run(["sohoactl", "search", "--json", "--db", search_conn, "uy ban nhan dan"]).stdout
    h.check(uuid in hits, "sohoa_search does not find the stored page:\n" + hits)

    # Least privilege: the worker writes pages and nothing else; search reads only.
    for sql in ["DELETE FROM page", "TRUNCATE page_blob", "DELETE FROM audit_log",
                "INSERT INTO agency (agency_code, name) VALUES ('000.00.53.H48', 'x')",
                "UPDATE dossier SET title = 'x'", "CREATE TABLE t (x int)", "DROP TABLE page_blob",
                "SELECT count(*) FROM page_blob"]:
        refused(pg, "sohoa_worker", st.db, sql)
    for sql in ["DELETE FROM page", "UPDATE page SET status = 'failed'", "CREATE TABLE t (x int)",
                "INSERT INTO audit_log (actor, action, object_kind, object_id) VALUES ('a', 'b', 'c', 'd')"]:
        refused(pg, "sohoa_search", st.db, sql)
    h.check_eq(pg.value("SELECT count(*) FROM page", st.db), "1", "pages after the refused statements")
    # db migrate grants tables again once the roles exist.
    cp = h.run(["sohoactl", "db", "migrate", "--db", st.conn])
    h.check("grants of sohoa_worker and sohoa_search applied" in cp.stdout, "migrate with roles:\n" + cp.stdout)


h.run_test(main)
