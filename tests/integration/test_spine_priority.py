"""A bulk importer with 1,000 pages queued does not delay an interactive
page: the station's page is the very next job the busy worker is handed,
ahead of the whole bulk queue.

Ordered, not timed: the only worker is ready at the broker, then suspended;
the importer's 1,000 pages reach the broker, which hands the first to the
worker (busy now, as far as the broker can tell) and queues 999; then the
station's page comes. Resumed, the worker must begin the station's page as
its second job, whatever the machine's speed."""

import harness as h
from spine import Stack

BULK = 1000


def klass(st, name):
    """The status reply's entry for a page class ("interactive" or "bulk")."""
    return next(c for c in st["classes"] if c["class"] == name)


def main():
    # Liveness far beyond the time the worker spends suspended: the broker
    # must not count it dead and take its page back meanwhile.
    # The recovery window after a start (PROTOCOL.md 5.4) would last that
    # long too: make it short.
    s = Stack(heartbeat_ms=1000, broker_sets=["broker.liveness=100", "broker.recovery_window=100ms"])
    w = s.worker("w")
    h.wait_for(lambda: s.status()["workers_idle"] == 1, 30, "the worker ready at the broker",
               retry_on=(h.TestFailure, KeyError))
    w.suspend()
    imp = s.source("importer", BULK, size=2048, role="importer", seed=5)
    h.wait_for(lambda: s.status()["counters"].get("pages_in", 0) == BULK, 60,
               "all %d bulk pages at the broker" % BULK, retry_on=(h.TestFailure, KeyError))
    st = s.source("station", 1, seed=9)

    def station_page_queued():
        r = s.status()
        return r if klass(r, "interactive")["queued_pages"] == 1 else None

    queued = h.wait_for(station_page_queued, 60, "the station's page queued at the broker",
                        retry_on=(h.TestFailure, KeyError))
    h.check_eq(queued["counters"]["jobs_out"], 1, "jobs sent to the suspended worker")
    h.check_eq(queued["workers_idle"], 0, "idle workers while the station's page waits")
    h.check_eq(klass(queued, "bulk")["inflight_pages"], 1, "bulk pages in the suspended worker's hands")
    h.check_eq(klass(queued, "bulk")["queued_pages"], BULK - 1, "bulk pages queued ahead of the station's page")
    w.resume()

    st.expect_exit(0, timeout=60)
    imp.expect_exit(0, timeout=120)
    s.check_delivered(["importer", "station"], BULK + 1)
    jobs = [j[0] for j in s.jobs()]
    h.check_eq(len(jobs), BULK + 1, "jobs the worker began")
    station_page = s.acks("station")[0]
    h.check_eq(jobs.index(station_page), 1, "bulk jobs the worker began before the station's page")
    end = s.status()["counters"]
    h.check_eq((end["jobs_out"], end["redispatched"]), (BULK + 1, 0), "jobs sent and redispatched")


h.run_test(main)
