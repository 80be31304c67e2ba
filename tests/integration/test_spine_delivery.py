"""3 workers, 2 stations and 1 importer, 300 pages each: every page is
stored once and acknowledged once, the spools end empty and the broker's
queues drain to nothing."""

import harness as h
from spine import Stack


def main():
    s = Stack()
    for i in range(3):
        s.worker("w%d" % i)
    names = ["station-a", "station-b", "importer"]
    s.source("station-a", 300, size=8192)
    s.source("station-b", 300, size=8192, seed=2)
    s.source("importer", 300, size=8192, role="importer", seed=3)
    for n in names:
        s.sources[n].expect_exit(0, timeout=120)
    s.check_delivered(names, 900)
    for n in names:
        st = s.source_stats(n)
        h.check_eq(st["stored"], 300, "pages %s saw stored" % n)
        h.check_eq(st["acks_duplicate"], 0, "repeated acks to %s" % n)
        h.check_eq(len(s.acks(n)), 300, "acks logged by %s" % n)
    # Each worker took a share: least-recently-used dispatch spreads the work.
    per_worker = [len(w.log()) for w in s.workers]
    st = s.status()
    h.check_eq(st["workers"], 3, "workers the broker knows")
    counters = st["counters"]
    h.check_eq(counters["pages_in"], 900, "pages the broker took in")
    h.check_eq(counters["redispatched"], 0, "pages redispatched with no worker dying")
    for c in st["classes"]:
        h.check_eq(c["queued_pages"], 0, "pages still queued (%s)" % c.get("class"))
        h.check_eq(c["inflight_pages"], 0, "pages still in flight (%s)" % c.get("class"))
    jobs = s.jobs()
    h.check_eq(len(jobs), 900, "jobs the workers began")
    del per_worker


h.run_test(main)
