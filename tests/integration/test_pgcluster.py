"""The throwaway PostgreSQL cluster every database test stands on: it starts
as an unprivileged user (also when the test runs as root), is UTF-8, has the
extensions search needs (unaccent, pg_trgm), and is gone after stop()."""

import os

import harness as h


def main():
    pg = h.PgCluster().start()
    h.check(pg.running, "cluster running after start()")
    h.check(os.path.exists(os.path.join(pg.host, ".s.PGSQL.%d" % pg.port)), "socket in %s" % pg.host)
    h.check_eq(pg.value("SELECT 1"), "1", "SELECT 1")
    h.check_eq(pg.value("SHOW server_encoding"), "UTF8", "server encoding")
    h.check_eq(pg.value("SHOW lc_collate"), "C.UTF-8", "collation")
    h.check_eq(pg.value("SHOW listen_addresses"), "", "listen_addresses (socket only)")

    db = pg.createdb("sohoa_test")
    pg.psql("CREATE EXTENSION unaccent; CREATE EXTENSION pg_trgm;", dbname=db)
    exts = {row[0] for row in pg.query("SELECT extname FROM pg_extension", dbname=db)}
    h.check({"unaccent", "pg_trgm"} <= exts, "extensions installed, got %s" % sorted(exts))
    # Vietnamese text round-trips and unaccent strips its marks: search relies on both.
    h.check_eq(pg.value("SELECT unaccent('Bộ phận Một cửa số hóa')", dbname=db), "Bo phan Mot cua so hoa",
               "unaccent of Vietnamese")
    h.check_eq(pg.value("SELECT similarity('hồ sơ', 'hồ so') > 0.3", dbname=db), "t", "pg_trgm similarity")

    # A failing statement is reported, not swallowed.
    try:
        pg.psql("SELECT no_such_column FROM pg_database")
    except h.TestFailure:
        pass
    else:
        h.fail("psql() did not fail on a bad statement")

    pid_file = pg.dir / "data" / "postmaster.pid"
    h.check(pid_file.exists(), "postmaster.pid while running")
    pid = int(pid_file.read_text().split()[0])
    pg.stop()
    h.check(not pg.running, "cluster not running after stop()")
    h.check(not pid_file.exists(), "postmaster.pid removed by stop()")
    h.check(not os.path.exists("/proc/%d" % pid) or b"postgres" not in open("/proc/%d/cmdline" % pid, "rb").read(),
            "postmaster (pid %d) gone after stop()" % pid)
    h.check(not os.path.exists(os.path.join(pg.host, ".s.PGSQL.%d" % pg.port)), "socket removed by stop()")

    # Started again on the same directory, it keeps its data (./run demo relies on it).
    pg.start()
    h.check_eq(pg.value("SELECT count(*) FROM pg_database WHERE datname = 'sohoa_test'"), "1",
               "database kept across restart")
    pg.stop()


h.run_test(main)
