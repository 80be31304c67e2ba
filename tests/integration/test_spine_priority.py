"""A bulk importer with 1,000 pages queued does not delay an interactive
page: the station's page is handed to the next free worker, ahead of the
whole bulk queue."""

import harness as h
from spine import Stack


def main():
    s = Stack()
    s.worker("w", "--delay-ms", "20")
    imp = s.source("importer", 1000, size=2048, role="importer", seed=5)
    # A backlog of hundreds is the point; how many of the 1,000 pile up before
    # the worker drains them depends on how fast the importer's fsyncs go on
    # a loaded machine (900 was missed with four tests at once).
    h.wait_for(lambda: sum(c["queued_pages"] for c in s.status()["classes"]) >= 500, 60,
               "bulk pages queued at the broker", retry_on=(h.TestFailure, KeyError))
    bulk_done_before = len(s.jobs())
    st = s.source("station", 1, seed=9)
    st.expect_exit(0, timeout=30)
    jobs = s.jobs()
    pos = next(i for i, j in enumerate(jobs) if j[0] == s.acks("station")[0])
    # Handed out at most two jobs after it arrived (the one in hand, maybe one more in flight).
    h.check_le(pos - bulk_done_before, 2, "bulk jobs handed out before the station's page")
    h.check(imp.running, "the importer is still busy with its backlog")
    imp.expect_exit(0, timeout=120)
    s.check_delivered(["importer", "station"], 1001)


h.run_test(main)
