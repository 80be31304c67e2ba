"""Restarting every worker while they hold pages is no fault of the pages
(proto/PROTOCOL.md §7.4): the workers died together, not alone, so no
death counts toward quarantine. Two workers each hold a page (until the
test lets them go) and are killed together, four times over, restarted
under the same ids or new ones; the pages are then processed normally,
every JOB with attempts 0, nothing quarantined."""

import harness as h
from spine import Stack

ROUNDS = 4


def main():
    s = Stack()
    release = h.path("release")
    src = s.source("station", 2, extra=["--resend-ms", "300000"])
    ids = ["w1", "w2"]
    procs = [s.worker(i, "--hold-file", release) for i in ids]
    for n in range(ROUNDS):
        h.wait_for(lambda: len(s.jobs()) == 2 * (n + 1), 30, "both workers holding a page (round %d)" % n)
        for p in procs:
            p.kill()
        # Same ids on even rounds (the id is rebound), new ones on odd rounds.
        ids = ids if n % 2 else ["w%d-%d" % (k + 1, n) for k in range(2)]
        procs = [s.worker(i, "--hold-file", release) for i in ids]
    h.wait_for(lambda: len(s.jobs()) == 2 * (ROUNDS + 1), 30, "both pages handed out once more")
    release.write_text("")
    src.expect_exit(0, timeout=60)
    jobs = s.jobs()
    h.check_eq(sorted(set(j[2] for j in jobs)), [0], "attempts counted on the JOBs")
    h.check_eq([j for j in jobs if j[3]], [], "store-only JOBs")
    st = s.status()["counters"]
    h.check_eq(st["quarantined"], 0, "pages quarantined")
    h.check_ge(st["redispatched"], 2 * ROUNDS, "pages taken back from dead workers")
    s.check_delivered(["station"], 2)


h.run_test(main)
