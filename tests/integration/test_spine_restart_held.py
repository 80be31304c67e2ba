"""After a broker restart, a page a worker still holds goes to no second
worker (proto/PROTOCOL.md §5.4): the worker's HELLO to the new broker names
it, and when its station resends it, it is in flight with that worker
instead of queued for the idle one. The worker's RESULT then acknowledges
it; the page was processed once. Order, not timers: the station is stopped
while the broker restarts and resumed once the new broker knows the page
in hand; the worker holds the page until the test lets it go."""

import signal

import harness as h
from spine import Stack


def worker_entry(s, name):
    for p in s.status().get("peers", []):
        if p["peer_id"] == name and p["role"] == "worker":
            return p
    return None


def main():
    s = Stack()
    release = h.path("release")
    s.worker("w1", "--hold-file", release)
    src = s.source("station", 1, extra=["--resend-ms", "300000"])
    h.wait_for(lambda: len(s.jobs()) == 1, 30, "w1 holds the page")
    page = s.jobs()[0][0]
    s.worker("w2")
    h.wait_for(lambda: s.status()["workers_idle"] == 1, 30, "w2 idle", retry_on=(h.TestFailure,))

    src.signal(signal.SIGSTOP)
    epoch = s.status()["epoch"]
    s.broker.kill()
    s.broker.start()
    h.wait_for(lambda: s.status()["epoch"] != epoch, 15, "the new broker", retry_on=(h.TestFailure,))
    h.wait_for(lambda: (worker_entry(s, "w1") or {}).get("page_uuid") == page, 30,
               "the new broker knows w1 holds the page", retry_on=(h.TestFailure,))
    h.wait_for(lambda: s.status()["workers_idle"] == 1, 30, "w2 idle at the new broker",
               retry_on=(h.TestFailure,))

    src.signal(signal.SIGCONT)
    h.wait_for(lambda: s.status()["classes"][0]["inflight_pages"] == 1, 30,
               "the resent page in flight with w1", retry_on=(h.TestFailure,))
    st = s.status()
    h.check_eq(st["counters"]["jobs_out"], 0, "JOBs the new broker sent")
    h.check_eq(st["workers_idle"], 1, "w2 still idle")
    h.check_eq((worker_entry(s, "w1") or {}).get("state"), "busy", "w1's state")

    release.write_text("")
    src.expect_exit(0, timeout=60)
    h.check_eq([j[0] for j in s.jobs()], [page], "JOBs begun for the page (one: w1's)")
    s.check_delivered(["station"], 1)


h.run_test(main)
