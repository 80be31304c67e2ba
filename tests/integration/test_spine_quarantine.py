"""A page whose workers die holding it three times is quarantined: handed
out in store-only mode and stored raw, never dropped; the other pages are
unaffected."""

import harness as h
from spine import Stack


def main():
    s = Stack()
    src = s.source("station", 10)
    deaths = 0
    w = s.worker("w0", "--crash-sequence", "7")
    while src.running and deaths < 6:
        try:
            w.wait(0.2)
        except h.TestFailure:
            continue
        deaths += 1
        w = s.worker("w%d" % deaths, "--crash-sequence", "7")
    src.expect_exit(0, timeout=60)
    h.check_eq(deaths, 3, "workers that died on page 7")
    page7 = [j for j in s.jobs() if j[1] == 7]
    h.check_eq([j[2] for j in page7], [0, 1, 2, 3], "attempts counted per hand-out of page 7")
    h.check_eq([j[3] for j in page7], [False, False, False, True], "store-only on the last hand-out")
    h.check_eq(s.status()["counters"]["quarantined"], 1, "pages quarantined")
    s.check_delivered(["station"], 10)


h.run_test(main)
