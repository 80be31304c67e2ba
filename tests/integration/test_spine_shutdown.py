"""Two-stage shutdown: the first SIGTERM drains (the page in hand is finished
and its ack forwarded, then the broker exits 0); a second SIGTERM quits at
once.

Ordered, not timed: the first page goes to a suspended worker, so it is in
hand when the broker takes its SIGTERM; the drain time limit (600 s) and the
second case's page (10 min) are far beyond the test, so an exit can only
come from the page being done or from the second signal, and the second
signal is sent only once the process has taken the first (it is no longer
pending). That the
worker keeps serving after its first SIGTERM is vouched for by the broker:
it hears from the worker, still busy, after the signal was taken."""

import re
import signal
import time

import harness as h
from spine import Stack

DRAINING = "draining: no new pages or jobs; waiting up to 600000 ms for 1 page(s) in flight"


def main():
    # Liveness far beyond the time a worker spends suspended here.
    # The recovery window after a start (PROTOCOL.md 5.4) would last that
    # long too: make it short.
    s = Stack(heartbeat_ms=1000, broker_sets=["broker.drain_timeout=600s", "broker.liveness=100",
                                                 "broker.recovery_window=100ms"])
    w = s.worker("w")
    h.wait_for(lambda: s.status()["workers_idle"] == 1, 30, "the worker ready at the broker",
               retry_on=(h.TestFailure, KeyError))
    # The page goes to a suspended worker: it is in hand until the worker resumes.
    w.suspend()
    src = s.source("station", 1)
    h.wait_for(lambda: s.status()["counters"]["jobs_out"] == 1, 30, "the page handed to the worker",
               retry_on=(h.TestFailure, KeyError))
    s.broker.signal_taken(signal.SIGTERM)
    s.broker.wait_log(re.escape(DRAINING), 30)
    h.check(s.broker.running, "the broker waits for the page in hand")
    w.resume()
    s.broker.expect_exit(0, timeout=60)
    h.check("drained: no page in flight" in s.broker.log(), "the broker drained:\n" + s.broker.tail())
    h.check_eq(len(s.acks("station")), 1, "ack forwarded while draining")
    h.check_eq(len(s.stored()), 1, "pages stored")
    src.expect_exit(0, timeout=30)
    h.check_eq(w.term(timeout=30), 0, "exit code of the idle worker on SIGTERM")

    # Second case: a page in hand for a long time, two signals: out at once.
    # The worker first, while the broker can still vouch for it.
    s.broker.start()
    w2 = s.worker("w2", "--delay-ms", "600000")
    src2 = s.source("station2", 1, seed=4)
    h.wait_for(lambda: len(s.jobs()) >= 2, 30, "the second page handed to w2")
    w2.signal_taken(signal.SIGTERM)
    entry = h.wait_for(s.heard_after("w2", time.monotonic()), 30,
                       "the broker hearing from w2 after it took the first SIGTERM", retry_on=(h.TestFailure,))
    h.check_eq(entry["state"], "busy", "w2's state at the broker while it drains")

    s.broker.signal_taken(signal.SIGTERM)
    h.wait_for(lambda: s.broker.log().count(DRAINING) == 2, 30, "the broker draining again")
    h.check(s.broker.running, "broker drains after the first SIGTERM")
    s.broker.signal(signal.SIGTERM)
    s.broker.expect_exit(0, timeout=60)
    h.check("quitting at once: 1 page(s) in flight stay with their senders" in s.broker.log(),
            "the broker quits at once on the second SIGTERM:\n" + s.broker.tail())
    h.check_eq(len(s.stored()), 1, "pages stored (the second is still in w2's hands)")
    h.check_eq(len(s.spooled("station2")), 1, "the unfinished page is still in the station's spool")
    src2.kill()

    # The worker's second SIGTERM: it quits at once, cleanly, with the page
    # thread still running.
    w2.signal(signal.SIGTERM)
    h.check_eq(w2.wait(60), 0, "worker's exit code after the second SIGTERM")
    h.check_eq(len(s.stored()), 1, "pages stored (w2 left its page unfinished)")


h.run_test(main)
