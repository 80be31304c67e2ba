"""A worker that gives up storing a page after its retry window says so,
every time, in one line: the page, the SQLSTATE and the error, and what
happens next ("resend": the sender keeps the page and sends it again).
A session holds an EXCLUSIVE lock on the page table: the look-up reads,
the insert waits past the worker's lock time limit (55P03, a transient
error, retried until worker.store_retry_deadline). Once the lock goes,
the page comes back and is stored once."""

import re
import threading

import harness as h
from workerstack import SENDFILE, WorkerStack, parse_send, render

# On a loaded machine the page's own time limit may end the retries first:
# that is said the same way.
GAVE_UP = (r'page %s: not stored: (gave up after the store\'s retry window \(worker.store_retry_deadline\)|'
           r'the page\'s time limit ended the retries) \(SQLSTATE 55P03: [^)]*lock timeout[^)]*\); answering '
           r'"resend": the sender keeps the page and sends it again')


def main():
    pages = render("clean")
    s = WorkerStack()
    w = s.worker("w1", sets=["worker.store_retry_deadline=1s", "worker.page_timeout=40s"])

    locker = threading.Thread(target=s.pg.psql, daemon=True, kwargs={"check": False, "dbname": s.db, "sql":
                              "SET application_name = 'locker';\nBEGIN;\nLOCK TABLE page IN EXCLUSIVE MODE;\n"
                              "SELECT pg_sleep(100);\n"})
    locker.start()
    h.wait_for(lambda: s.pg.value("SELECT count(*) FROM pg_locks l JOIN pg_stat_activity a USING (pid) "
                                  "WHERE a.application_name = 'locker' AND l.mode = 'ExclusiveLock' "
                                  "AND l.relation = 'page'::regclass", s.db) == "1", 30, "the page table locked")
    sender = h.Proc("desk", [SENDFILE, "--endpoint", s.stations, "--id", "desk", "--spool", h.path("spool-desk"),
                             "--wait", pages["clean"]])
    u = h.wait_for(lambda: parse_send(sender.out())[0], 30, "the page spooled")[0]
    w.wait_log(GAVE_UP % u, timeout=120)
    # Every give-up is said, not only the first of its SQLSTATE.
    h.wait_for(lambda: len(re.findall(GAVE_UP % u, w.log())) >= 2, 120, "a second give-up logged")
    h.check(sender.running, "the sender still holds its page")
    h.check_eq(s.pg.value("SELECT count(*) FROM page WHERE page_uuid = '%s'" % u, s.db), "0", "rows while locked")

    s.pg.psql("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'locker'")
    locker.join(30)
    sender.expect_exit(0, timeout=120)
    _, events, _ = parse_send(sender.out())
    h.check_eq([e[0] for e in events.get(u, [])], ["stored"], "outcome once the lock is gone")
    h.check_eq(s.pg.value("SELECT count(*) FROM page WHERE page_uuid = '%s'" % u, s.db), "1", "rows of the page")
    h.check(w.running, "worker still serving")


h.run_test(main)
