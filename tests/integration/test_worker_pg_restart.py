"""PostgreSQL stopped while a worker takes a page: the worker keeps the page
and retries (its look-up, before any OCR, then the whole transaction) while
its main thread keeps heartbeating; when
PostgreSQL is back the page is stored once and acknowledged, and the broker
never lost the worker (no redispatch, its peer entry kept throughout)."""

import time

import harness as h
from workerstack import SENDFILE, WorkerStack, parse_send, render


def worker_peer(s, name):
    peers = [p for p in s.status().get("peers", []) if p["peer_id"] == name]
    return peers[0] if peers else None


def main():
    pages = render("clean")
    s = WorkerStack()
    w = s.worker("w1", sets=["worker.store_retry_deadline=90s", "worker.page_timeout=150s"])
    h.check(worker_peer(s, "w1") is not None, "worker known to the broker")

    s.pg.stop()
    sender = h.Proc("desk", [SENDFILE, "--endpoint", s.stations, "--id", "desk", "--spool", h.path("spool-desk"),
                             "--wait", pages["clean"]])
    w.wait_log(r"database unavailable .*retrying", timeout=60)
    # Several liveness periods (3 x 250 ms) with the database away: the
    # broker must still see the worker, busy with the page.
    for _ in range(6):
        time.sleep(0.5)
        p = worker_peer(s, "w1")
        h.check(p is not None, "worker still known to the broker while PostgreSQL is down")
        h.check_eq(p["state"], "busy", "worker state while it retries")
    h.check(sender.running, "the sender still waits for its page")
    s.pg.start()

    sender.expect_exit(0, timeout=90)
    spooled, events, stats = parse_send(sender.out())
    u = spooled[0]
    h.check_eq([e[0] for e in events.get(u, [])], ["stored"], "outcome once PostgreSQL is back")
    h.check_eq(s.pg.value("SELECT count(*) FROM page WHERE page_uuid = '%s'" % u, s.db), "1", "rows of the page")
    h.check_eq(s.pg.value("SELECT status FROM page WHERE page_uuid = '%s'" % u, s.db), "stored", "status")
    h.check("page %s: database back after" % u in w.log(), "the worker logged its retries:\n" + w.tail())
    st = s.status()
    h.check_eq(st["counters"]["redispatched"], 0, "pages redispatched")
    h.check_eq(st["counters"]["jobs_out"], 1, "jobs sent (the page went to a worker once)")
    h.check_eq(worker_peer(s, "w1")["state"], "idle", "worker idle again")
    h.check("silent" not in s.broker.log(), "broker never found the worker silent:\n" + s.broker.tail())
    h.check_eq(s.broker.log().count("worker w1 connected"), 1, "worker connections the broker saw")
    h.check(w.running, "worker still serving")


h.run_test(main)
