"""Two stations configured with the same peer id: the one connected first
keeps the id and is served without a hiccup (no session lost, nothing
resent); the second is refused with one BYE that says why, sends nothing
and keeps its pages spooled. Once the first has gone, the second is served
too, and every page of both is stored once."""

import time

import harness as h
from spine import Stack


def main():
    s = Stack()
    # Slow enough that the first station is still busy when the second comes.
    s.worker("w", "--delay-ms", "100")
    first = s.source("twin-a", 30, seed=1, extra=("--id", "twin"))
    h.wait_for(lambda: len(s.acks("twin-a")) >= 2, 20, "the first station served")
    second = s.source("twin-b", 10, seed=2, extra=("--id", "twin"))
    s.broker.wait_log("HELLO as twin from a second connection refused", timeout=10)
    h.check("in use by a live connection" in s.broker.log(), "the broker says why it refuses")
    # A few heartbeat intervals with both up: nothing changes hands.
    time.sleep(1.5)
    h.check(first.running, "the first station still at work")
    b = s.source_stats("twin-b")
    h.check_eq(b.get("connected"), False, "the second station connected")
    h.check_eq(b.get("sent"), 0, "pages the refused station sent")
    h.check_eq(b.get("spool_pages"), 10, "pages the refused station keeps spooled")
    h.check_eq(s.acks("twin-b"), [], "acks to the refused station")
    refusals = [l for l in s.broker.log().splitlines() if "from a second connection refused" in l]
    h.check_eq(len(refusals), 1, "log lines about the refused connection")

    first.expect_exit(0, timeout=60)
    a = s.source_stats("twin-a")
    h.check_eq(a.get("resent"), 0, "pages the first station had to resend")
    # The first station's connection is closed: the second takes the id over.
    second.expect_exit(0, timeout=30)
    s.check_delivered(["twin-a", "twin-b"], 40)


h.run_test(main)
