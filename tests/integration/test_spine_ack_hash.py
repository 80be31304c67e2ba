"""A source deletes a page only on a stored ACK that names the page's own
SHA-256 (proto/PROTOCOL.md §7.5, the end-to-end hash): a hostile process
on the worker endpoint answers STORED for a page the broker does not hold
(the broker can then only pass the answer on by origin_id), first with no
hash, then with another one; the station keeps the page, counts both
ACKs, and deletes it only when an answer names its hash. The page is
larger than the broker's largest frame, so the station holds it and never
sends it: the broker never has it to check."""

import hashlib
import os
import uuid

import harness as h
import rawwire as w
from spine import Stack

# tests/helpers/testsource.c: its namespace, page names and content.
TEST_NS = uuid.UUID("6f3a510e-8c4d-4b7e-9a11-2b5c7d0e3142")
MASK = (1 << 64) - 1


def testsource_image(seed, index, size):
    x, out = seed * 1000003 + index + 1, bytearray(size)
    for i in range(size):
        x ^= (x << 13) & MASK
        x ^= x >> 7
        x ^= (x << 17) & MASK
        out[i] = x & 0xFF
    return bytes(out)


def main():
    s = Stack(heartbeat_ms=1000, broker_sets=["broker.max_frame_bytes=64K"])
    size = 100000
    src = s.source("station", 1, size=size, extra=["--resend-ms", "300000"])
    h.wait_for(lambda: s.source_stats("station").get("held_pages") == 1 and
               s.source_stats("station").get("connected"), 30, "the page held by the connected station")
    page = uuid.uuid5(TEST_NS, "station:1:0")
    h.check_eq(s.spooled("station"), [str(page) + ".page"], "the station's spool")
    sha = hashlib.sha256(testsource_image(1, 0, size)).digest()

    ctx = w.context()
    hostile = w.dealer(ctx, s.workers_ep)
    batch = os.urandom(16)
    answers = [(b"", "no hash"), (hashlib.sha256(b"another page").digest(), "another hash")]
    for n, (claimed, what) in enumerate(answers, 1):
        hostile.send_multipart([w.HDR, bytes([w.RESULT]), w.result(page.bytes, w.STORED, claimed, b"station", batch)])
        h.wait_for(lambda: s.source_stats("station").get("acks_mismatch") == n, 30,
                   "the ACK with %s counted by the station" % what)
        st = s.source_stats("station")
        h.check_eq((st["spool_pages"], st["stored"]), (1, 0), "the page kept after an ACK with %s" % what)
        h.check_eq(s.spooled("station"), [str(page) + ".page"], "the spool after an ACK with %s" % what)
    h.check(src.running, "the station still waits for its page")

    # The page's own hash: believed, deleted.
    hostile.send_multipart([w.HDR, bytes([w.RESULT]), w.result(page.bytes, w.STORED, sha, b"station", batch)])
    src.expect_exit(0, timeout=30)
    h.check_eq(s.spooled("station"), [], "the spool once an ACK names the page's hash")
    hostile.close()
    ctx.term()


h.run_test(main)
