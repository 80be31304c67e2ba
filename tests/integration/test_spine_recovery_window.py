"""For liveness after it starts, the broker sends no JOB (proto/PROTOCOL.md
§5.4): the workers that held pages when a previous broker stopped need that
long to say so, and a page sent to another worker meanwhile would be
processed twice. A worker is idle and a page is queued, and nothing is
dispatched; the window here is 60 s (heartbeat 1 s, liveness 60), far more
than the start-up of a worker and a source takes."""

import harness as h
from spine import Stack


def main():
    s = Stack(heartbeat_ms=1000, broker_sets=["broker.liveness=60"])
    s.worker("w")
    s.source("station", 1)

    def ready():
        st = s.status()
        return st["workers_idle"] == 1 and st["classes"][0]["queued_pages"] == 1 and st
    st = h.wait_for(ready, 30, "an idle worker and a queued page", retry_on=(h.TestFailure,))
    h.check_eq(st["counters"]["jobs_out"], 0, "JOBs sent in the recovery window")
    h.check_le(st["uptime_ms"], 60000, "the broker's uptime (still in its window)")


h.run_test(main)
