"""PostgreSQL stopped while a worker takes a page: the worker keeps the page
and retries (its look-up, before any OCR, then the whole transaction) while
its main thread keeps heartbeating; when
PostgreSQL is back the page is stored once and acknowledged, and the broker
never lost the worker (no redispatch, its peer entry kept throughout)."""

import time

import harness as h
from workerstack import HEARTBEAT_MS, SENDFILE, WorkerStack, parse_send, render


def worker_peer(s, name):
    peers = [p for p in s.status().get("peers", []) if p["peer_id"] == name]
    return peers[0] if peers else None


def main():
    pages = render("clean")
    # Liveness 8 x 250 ms: a loaded machine may hold a process up for a
    # second; a worker that stopped heartbeating while it retries would
    # still be found silent within 2 s.
    s = WorkerStack(broker_sets=["broker.liveness=8"])
    # database_check=0: the worker takes the page with the database away, as
    # one that took it just before the database went would.
    w = s.worker("w1", sets=["worker.store_retry_deadline=90s", "worker.page_timeout=150s", "worker.database_check=0"])
    # Logging that it serves comes before its HELLO reaches the broker.
    h.wait_for(lambda: worker_peer(s, "w1"), 30, "the worker known to the broker", retry_on=(h.TestFailure,))

    s.pg.stop()
    sender = h.Proc("desk", [SENDFILE, "--endpoint", s.stations, "--id", "desk", "--spool", h.path("spool-desk"),
                             "--wait", pages["clean"]])
    w.wait_log(r"database unavailable .*retrying", timeout=60)
    # Three liveness periods with the database away: the broker must hear
    # from the worker after them, busy with the page all along.
    retrying = time.monotonic()
    p = h.wait_for(h.heard_after(s.stations, "w1", retrying + 3 * 8 * HEARTBEAT_MS / 1000.0), 60,
                   "the broker hearing from the worker three liveness periods into its retries",
                   retry_on=(h.TestFailure,))
    h.check_eq(p["state"], "busy", "worker state while it retries")
    h.check(sender.running, "the sender still waits for its page")
    s.pg.start()

    sender.expect_exit(0, timeout=90)
    spooled, events, stats = parse_send(sender.out())
    u = spooled[0]
    h.check_eq([e[0] for e in events.get(u, [])], ["stored"], "outcome once PostgreSQL is back")
    h.check_eq((stats["stored"], stats["spool_pages"]), (1, 0), "pages the sender saw stored, and left spooled")
    h.check_eq(s.pg.value("SELECT count(*) FROM page WHERE page_uuid = '%s'" % u, s.db), "1", "rows of the page")
    h.check_eq(s.pg.value("SELECT status FROM page WHERE page_uuid = '%s'" % u, s.db), "stored", "status")
    h.check("page %s: database back after" % u in w.log(), "the worker logged its retries:\n" + w.tail())
    st = s.status()
    h.check_eq(st["counters"]["redispatched"], 0, "pages redispatched")
    h.check_eq(st["counters"]["jobs_out"], 1, "jobs sent (the page went to a worker once)")
    h.check_eq(worker_peer(s, "w1")["state"], "idle", "worker idle again")
    # Only the worker's silence counts: a sender on a loaded machine may be
    # slow to heartbeat, which is not what this test is about.
    h.check("worker w1 silent" not in s.broker.log(), "broker never found the worker silent:\n" + s.broker.tail())
    h.check_eq(s.broker.log().count("worker w1 connected"), 1, "worker connections the broker saw")
    h.check(w.running, "worker still serving")


h.run_test(main)
