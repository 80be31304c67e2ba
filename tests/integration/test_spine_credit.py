"""A station without credit sends nothing more, and the broker's queue stays
within its byte bound; once a worker drains the queue, everything flows."""

import time

import harness as h
from spine import Stack

MB = 1024 * 1024


def main():
    s = Stack(broker_sets=["broker.interactive_pool_bytes=4M", "broker.max_frame_bytes=1M"])
    src = s.source("station", 40, size=MB - 4096)
    h.wait_for(lambda: s.source_stats("station").get("inflight_pages", 0) > 0, 20, "pages in flight")
    time.sleep(2)
    st1 = s.source_stats("station")
    time.sleep(2)
    st2 = s.source_stats("station")
    h.check_eq(st2["sent"], st1["sent"], "pages sent while out of credit")
    h.check_le(st2["inflight_bytes"], max(st2["credit_bytes"], MB), "bytes in flight vs the window")
    h.check_ge(st2["spool_pages"], 35, "pages waiting in the spool")
    held = sum(c["held_bytes"] for c in s.status()["classes"])
    h.check_le(held, 4 * MB + MB, "bytes the broker holds (pool + one frame)")
    s.worker("w")
    src.expect_exit(0, timeout=60)
    s.check_delivered(["station"], 40)


h.run_test(main)
