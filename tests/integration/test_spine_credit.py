"""A station without credit sends nothing more, and the broker's queue stays
within its byte bound; once a worker drains the queue, everything flows.

With no worker yet, the station's window is the whole interactive pool
(4 MB, one station): exactly four pages of 1 MB less 4 KB fit, so it sends
four and keeps 36 spooled. The test waits for that state (every page
spooled, no room for a fifth, the broker holding all that was sent) rather
than for a time, then checks the figures exactly."""

import time

import harness as h
from spine import HEARTBEAT_MS, Stack

MB = 1024 * 1024
POOL = 4 * MB
SIZE = MB - 4096
PAGES = 40
WINDOW = POOL // SIZE  # pages that fit the station's window: 4


def main():
    s = Stack(broker_sets=["broker.interactive_pool_bytes=4M", "broker.max_frame_bytes=1M"])
    src = s.source("station", PAGES, size=SIZE)

    def out_of_credit():
        st = s.source_stats("station")
        if st.get("spooled") != PAGES or not st.get("sent") or st["inflight_bytes"] + SIZE <= st["credit_bytes"]:
            return None  # still spooling, or room left in its window
        return st if s.status()["counters"]["pages_in"] == st["sent"] else None

    st1 = h.wait_for(out_of_credit, 60, "the station spooled every page and out of credit",
                     retry_on=(h.TestFailure, KeyError))
    h.check_eq(st1["credit_bytes"], POOL, "the station's window (the whole pool)")
    h.check_eq((st1["sent"], st1["inflight_pages"], st1["inflight_bytes"]), (WINDOW, WINDOW, WINDOW * SIZE),
               "pages sent and in flight")
    h.check_eq(st1["spool_pages"], PAGES, "pages kept in the spool (none stored yet)")
    # Nothing can give the station more credit now; a few heartbeats (each
    # restates it) must change nothing. A slow machine only widens this
    # window: it can miss a bug, never fail a correct build.
    time.sleep(4 * HEARTBEAT_MS / 1000.0)
    st2 = s.source_stats("station")
    h.check_eq((st2["sent"], st2["inflight_bytes"]), (WINDOW, WINDOW * SIZE), "pages sent while out of credit")
    broker = s.status()
    interactive = next(c for c in broker["classes"] if c["class"] == "interactive")
    h.check_eq((interactive["queued_pages"], interactive["held_bytes"]), (WINDOW, WINDOW * SIZE),
               "pages and bytes the broker holds")
    h.check_eq(broker["counters"]["dropped_over_credit"], 0, "pages the broker dropped over credit")
    s.worker("w")
    src.expect_exit(0, timeout=60)
    s.check_delivered(["station"], PAGES)


h.run_test(main)
