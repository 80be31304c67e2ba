"""A BYE ends the session of the connection it travels on, on both sides
(proto/PROTOCOL.md §5.2, §10): a station's connection welcomed as one peer
that then says HELLO as another whose id a live connection holds is told
BYE, and is bound to neither afterwards: its next PAGE is not taken but
answered with a HEARTBEAT of credit 0 (say HELLO). The same for a worker's
connection: it gets no JOB afterwards."""

import os

import harness as h
import rawwire as w
from spine import Stack


def main():
    s = Stack(heartbeat_ms=1000)
    ctx = w.context()
    first = w.dealer(ctx, s.stations, "desk-a")
    other = w.dealer(ctx, s.stations, "desk-b")
    h.check(first is not None and other is not None, "WELCOME to both raw stations")

    # desk-a's connection now claims desk-b's id, which desk-b holds live.
    first.send_multipart([w.HDR, bytes([w.HELLO]), w.hello("desk-b")])
    bye = w.recv_command(first, w.BYE, 5000)
    h.check(bye is not None, "BYE to the refused HELLO")
    h.check_eq(w.fields(bye).get(2), b"peer id desk-b is in use by a live connection", "its reason")
    st = s.status()
    image = b"a page"
    first.send_multipart([w.HDR, bytes([w.PAGE]), w.page(os.urandom(16), os.urandom(16), image), image])
    hb = w.recv_command(first, w.HEARTBEAT, 5000)
    h.check(hb is not None, "an answer to the PAGE")
    h.check_eq(w.fields(hb).get(2, 0), 0, "its credit (0: no session, say HELLO)")
    after = s.status()
    h.check_eq(after["counters"]["pages_in"], st["counters"]["pages_in"], "pages taken after the BYE")
    h.check_eq(after["counters"]["dropped_unknown_peer"], st["counters"]["dropped_unknown_peer"] + 1,
               "the PAGE counted as from a connection without a session")

    # A worker's connection likewise: after its refused HELLO it gets no JOB.
    w1 = w.dealer(ctx, s.workers_ep, "w1", w.WORKER_ROLE)
    w2 = w.dealer(ctx, s.workers_ep, "w2", w.WORKER_ROLE)
    h.check(w1 is not None and w2 is not None, "WELCOME to both raw workers")
    w1.send_multipart([w.HDR, bytes([w.HELLO]), w.hello("w2", w.WORKER_ROLE)])
    h.check(w.recv_command(w1, w.BYE, 5000) is not None, "BYE to the worker's refused HELLO")
    w1.send_multipart([w.HDR, bytes([w.READY]), w.field_varint(1, 1)])
    hb = w.recv_command(w1, w.HEARTBEAT, 5000)
    h.check(hb is not None and w.fields(hb).get(2, 0) == 0, "READY after the BYE answered with credit 0")
    h.check_eq(s.status()["workers"], 1, "workers with a session (w2)")
    for sock in (first, other, w1, w2):
        sock.close()
    ctx.term()


h.run_test(main)
