"""The restore drill of docs/OPERATIONS.md ("Backup and restore"), on a
throwaway cluster: pages stored by a real worker survive both backups the
guide prescribes. A pg_dump (custom format) restores into a new database
with every page, its hash and text; a base backup (pg_basebackup) plus the
archived WAL restores a new cluster up to the last archived segment, with
the page stored after the base backup too. Each restored database is
up to date (sohoactl db status) and searchable."""

import os
import pwd

import harness as h
from workerstack import WorkerStack, render


def pg_bin(name):
    d = os.environ.get("SOHOA_PG_BINDIR")
    if not d:
        newest = sorted(os.listdir("/usr/lib/postgresql"), key=lambda v: int(v.split(".")[0]))[-1]
        d = "/usr/lib/postgresql/%s/bin" % newest
    return os.path.join(d, name)


def as_owner(argv, timeout=300):
    """A PostgreSQL tool as the clusters' owner (postgres when we are root)."""
    pre = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
    return h.run(pre + [str(a) for a in argv], timeout=timeout)


def owned_dir(name):
    d = h.path(name)
    d.mkdir()
    if os.geteuid() == 0:
        pw = pwd.getpwnam("postgres")
        os.chown(d, pw.pw_uid, pw.pw_gid)
    d.chmod(0o700)
    return d


def pages_of(pg, db):
    return pg.query("SELECT page_uuid, encode(sha256, 'hex'), length(ocr_text) FROM page ORDER BY page_uuid", db)


def main():
    pages = render("clean", "one_line")
    archive = owned_dir("archive")
    backups = owned_dir("backups")
    st = WorkerStack(pg_opts="-c wal_level=replica -c archive_mode=on -c archive_command='cp %%p %s/%%f'" % archive)
    pg = st.pg
    st.worker("w1")
    first, _, stats = st.send([pages["clean"]], "desk", "--last")
    h.check_eq(stats["stored"], 1, "first page stored")

    # Nightly: a logical dump; weekly: a base backup (WAL archived all along).
    dump = backups / "sohoa.dump"
    as_owner([pg_bin("pg_dump"), "-h", pg.host, "-p", pg.port, "-U", pg.user, "-Fc", "-f", dump, st.db])
    base = backups / "base"
    as_owner([pg_bin("pg_basebackup"), "-h", pg.host, "-p", pg.port, "-U", pg.user, "-D", base,
              "-X", "stream", "-c", "fast"])

    # A page stored after both backups, its WAL segment switched and archived.
    second, _, stats = st.send([pages["one_line"]], "desk2", "--last")
    h.check_eq(stats["stored"], 1, "second page stored")
    before = pages_of(pg, st.db)
    h.check_eq(len(before), 2, "pages in the live database")
    segment = pg.value("SELECT pg_walfile_name(pg_current_wal_lsn())")
    pg.psql("SELECT pg_switch_wal()")
    h.wait_for(lambda: os.path.exists(archive / segment), timeout=60, what="WAL segment %s archived" % segment)

    # Drill 1: the dump into a new database: the first page, whole.
    restored = pg.createdb("restored")
    as_owner([pg_bin("pg_restore"), "-h", pg.host, "-p", pg.port, "-U", pg.user, "-d", restored, dump])
    h.check_eq(pages_of(pg, restored), [r for r in before if r[0] == first[0]], "pages restored from the dump")
    h.run(["sohoactl", "db", "status", "--db", pg.connstring(restored)])
    hits = h.run(["sohoactl", "search", "--json", "--db", pg.connstring(restored), "uy ban nhan dan"]).stdout
    h.check(first[0] in hits, "search in the restored dump does not find the first page:\n" + hits)

    # Drill 2: the base backup and the archive into a new cluster: both pages.
    st.broker.term()
    pg.stop()
    pg2dir = owned_dir("pg2")
    as_owner(["cp", "-a", str(base), str(pg2dir / "data")])
    as_owner(["sh", "-c", "echo \"restore_command = 'cp %s/%%f %%p'\" >>%s/postgresql.auto.conf"
              " && touch %s/recovery.signal" % (archive, pg2dir / "data", pg2dir / "data")])
    pg2 = h.PgCluster("pg2", port=5434).start()
    h.wait_for(lambda: pg2.value("SELECT pg_is_in_recovery()") == "f", timeout=120, what="recovery to end")
    h.check_eq(pages_of(pg2, st.db), before, "pages of the cluster restored from base backup and WAL")
    h.run(["sohoactl", "db", "status", "--db", pg2.connstring(st.db)])
    hits = h.run(["sohoactl", "search", "--json", "--db", pg2.connstring(st.db), "uy ban nhan dan"]).stdout
    h.check(first[0] in hits, "search in the restored cluster does not find the first page:\n" + hits)


h.run_test(main)
