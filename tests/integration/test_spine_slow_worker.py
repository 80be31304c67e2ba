"""A worker busy for 30 s on one page keeps heartbeating from its main
thread: the broker never declares it dead, never gives the page to another
worker, and the page is stored once."""

import harness as h
from spine import Stack


def main():
    s = Stack(heartbeat_ms=1000)
    s.worker("slow", "--delay-ms", "30000", "--delay-sequence", "1")
    src = s.source("station", 1)
    h.wait_for(lambda: s.jobs(), 10, "the page handed to the worker")
    h.wait_for(lambda: s.status()["workers_idle"] == 0, 5, "worker busy", retry_on=(h.TestFailure,))
    src.expect_exit(0, timeout=60)
    st = s.status()
    h.check_eq(st["counters"]["redispatched"], 0, "pages taken from the slow worker")
    h.check_eq(st["workers"], 1, "workers the broker knows")
    h.check_eq(len(s.jobs()), 1, "times the page was handed out")
    h.check_eq(len(s.stored()), 1, "pages stored")


h.run_test(main)
