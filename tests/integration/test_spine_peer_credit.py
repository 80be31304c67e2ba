"""The broker enforces each peer's credit, not only its class's pool
(proto/PROTOCOL.md §6): a raw station that ignores its window gets BUSY
for the page that would bring what the broker holds for it over its
credit, though the pool would still have room, and the page is not
taken. Its first page is always taken, whatever its size."""

import os

import harness as h
import rawwire as w
from spine import Stack

MB = 1024 * 1024


def main():
    # No worker: what the station sends stays held. Credit: max(4M / 1, 1M).
    s = Stack(heartbeat_ms=1000, broker_sets=["broker.interactive_pool_bytes=4M", "broker.max_frame_bytes=1M"])
    ctx = w.context()
    desk = w.dealer(ctx, s.stations, "greedy")
    h.check(desk is not None, "WELCOME to the raw station")
    batch = os.urandom(16)
    uuids = []
    for i in range(5):
        image = os.urandom(MB - 65536)
        uuids.append(os.urandom(16))
        desk.send_multipart([w.HDR, bytes([w.PAGE]), w.page(uuids[-1], batch, image, i + 1), image])
    ack = w.recv_command(desk, w.ACK, 10000, keepalive=True)
    h.check(ack is not None, "an answer to the page over the window")
    f = w.fields(ack)
    h.check_eq((f.get(2), f.get(3)), (uuids[4], w.BUSY), "the fifth page, BUSY")
    h.check_eq(f.get(4), b"over the peer's credit", "the reason")
    st = s.status()
    h.check_eq(st["classes"][0]["queued_pages"], 4, "pages held for the station")
    h.check_eq(st["counters"]["dropped_over_credit"], 1, "pages not taken")
    h.check_le(st["classes"][0]["held_bytes"], 4 * MB, "bytes held (its credit)")
    desk.close()
    ctx.term()


h.run_test(main)
