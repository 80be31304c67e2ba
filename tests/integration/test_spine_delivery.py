"""3 workers, 2 stations and 1 importer, 300 pages each: every page is
stored once and acknowledged once, the spools end empty and the broker's
queues drain to nothing. The sources start once the broker has all three
workers idle, so least-recently-used dispatch hands the first three pages to
three different workers: each worker takes work, and each page is begun by
exactly one of them."""

import harness as h
from spine import Stack

WORKERS = ["w0", "w1", "w2"]


def main():
    s = Stack()
    for name in WORKERS:
        s.worker(name)
    h.wait_for(lambda: s.status()["workers_idle"] == len(WORKERS), 30, "every worker ready at the broker",
               retry_on=(h.TestFailure, KeyError))
    names = ["station-a", "station-b", "importer"]
    s.source("station-a", 300, size=8192)
    s.source("station-b", 300, size=8192, seed=2)
    s.source("importer", 300, size=8192, role="importer", seed=3)
    for n in names:
        s.sources[n].expect_exit(0, timeout=120)
    stored = s.check_delivered(names, 900)
    for n in names:
        st = s.source_stats(n)
        h.check_eq(st["stored"], 300, "pages %s saw stored" % n)
        h.check_eq(st["acks_duplicate"], 0, "repeated acks to %s" % n)
        h.check_eq(len(s.acks(n)), 300, "acks logged by %s" % n)
    st = s.status()
    h.check_eq(st["workers"], 3, "workers the broker knows")
    counters = st["counters"]
    h.check_eq(counters["pages_in"], 900, "pages the broker took in")
    h.check_eq(counters["jobs_out"], 900, "jobs the broker sent")
    h.check_eq(counters["redispatched"], 0, "pages redispatched with no worker dying")
    for c in st["classes"]:
        h.check_eq(c["queued_pages"], 0, "pages still queued (%s)" % c["class"])
        h.check_eq(c["inflight_pages"], 0, "pages still in flight (%s)" % c["class"])
    h.check_eq(len(s.jobs()), 900, "jobs the workers began")
    # Each worker took a share, and the shares add up to every page once.
    per_worker = {name: s.worker_jobs(name) for name in WORKERS}
    for name, jobs in per_worker.items():
        h.check_ge(len(jobs), 1, "jobs %s began (of %s)" % (name, {n: len(j) for n, j in per_worker.items()}))
    h.check_eq(sum(len(j) for j in per_worker.values()), 900, "jobs the workers began, added up")
    h.check_eq(sorted(u for j in per_worker.values() for u in j), stored, "pages begun, worker by worker")


h.run_test(main)
