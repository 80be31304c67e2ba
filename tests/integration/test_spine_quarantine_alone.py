"""A page that kills every worker it is given is quarantined even while
other workers live (proto/PROTOCOL.md §7.4): each worker dies alone, its
siblings heard from after its death, so each death counts. Three workers
that all die on page 2; each one dead is replaced. Page 2 is handed out
with attempts 0, 1, 2, then stored raw (store-only); the other pages are
processed normally."""

import harness as h
from spine import Stack


def main():
    s = Stack()
    src = s.source("station", 6)
    procs = [s.worker("w%d" % k, "--crash-sequence", "2") for k in range(3)]
    deaths = 0
    while src.running and deaths < 6:
        for k, p in enumerate(procs):
            if p.running:
                continue
            deaths += 1
            procs[k] = s.worker("w%d-%d" % (k, deaths), "--crash-sequence", "2")
        src.popen.poll()
        h.wait_for(lambda: not src.running or not all(p.running for p in procs), 60,
                   "a worker dying or the station done")
    src.expect_exit(0, timeout=60)
    h.check_eq(deaths, 3, "workers that died on page 2")
    page2 = [j for j in s.jobs() if j[1] == 2]
    h.check_eq([j[2] for j in page2], [0, 1, 2, 3], "attempts per hand-out of page 2")
    h.check_eq([j[3] for j in page2], [False, False, False, True], "store-only on the last hand-out")
    h.check_eq([j[2] for j in s.jobs() if j[1] != 2], [0] * 5, "attempts of the other pages")
    h.check_eq(s.status()["counters"]["quarantined"], 1, "pages quarantined")
    s.check_delivered(["station"], 6)


h.run_test(main)
