"""Two-stage shutdown: the first SIGTERM drains (the page in hand is finished
and its ack forwarded, then the broker exits 0); a second SIGTERM quits at
once."""

import signal
import time

import harness as h
from spine import Stack


def main():
    s = Stack()
    s.worker("w", "--delay-ms", "3000")
    src = s.source("station", 1)
    h.wait_for(lambda: s.jobs(), 10, "the page handed to the worker")
    s.broker.signal(signal.SIGTERM)
    s.broker.expect_exit(0, timeout=15)
    h.check_eq(len(s.acks("station")), 1, "ack forwarded while draining")
    h.check_eq(len(s.stored()), 1, "pages stored")
    src.expect_exit(0, timeout=10)

    # Second case: a page in hand for a long time, two signals: out at once.
    s.broker.start()
    w2 = s.worker("w2", "--delay-ms", "60000")
    src2 = s.source("station2", 1, seed=4)
    h.wait_for(lambda: len(s.jobs()) >= 2, 10, "the second page handed out")
    s.broker.signal(signal.SIGTERM)
    time.sleep(0.3)
    h.check(s.broker.running, "broker drains after the first SIGTERM")
    t0 = time.monotonic()
    s.broker.signal(signal.SIGTERM)
    s.broker.wait(5)
    h.check_le(time.monotonic() - t0, 2.0, "seconds to quit after the second SIGTERM")
    h.check_eq(len(s.spooled("station2")), 1, "the unfinished page is still in the station's spool")
    src2.kill()

    # A worker: the first SIGTERM waits for the page in hand, a second quits
    # at once, cleanly, with the page thread still running.
    w2.signal(signal.SIGTERM)
    time.sleep(0.3)
    h.check(w2.running, "worker drains after the first SIGTERM")
    t0 = time.monotonic()
    w2.signal(signal.SIGTERM)
    h.check_eq(w2.wait(5), 0, "worker's exit code after the second SIGTERM")
    h.check_le(time.monotonic() - t0, 2.0, "seconds for the worker to quit after the second SIGTERM")


h.run_test(main)
