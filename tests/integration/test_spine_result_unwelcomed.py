"""A worker may finish its page after the broker restarted and send the
RESULT before it has said HELLO to the new broker (proto/PROTOCOL.md §5.4):
the broker takes it, acknowledges the page to its sender (by the broker's
own record when the sender resent the page, by Result.origin_id when it
holds none), and answers the worker with a HEARTBEAT of credit 0 so that it
says HELLO. A stored outcome with another hash than the held page's is
still not forwarded. Raw peers: a station that says HELLO, a worker that
never does."""

import hashlib
import os

import harness as h
import rawwire as w
from spine import Stack


def ack_of(sock):
    body = w.recv_command(sock, w.ACK, 10000, keepalive=True)
    return w.fields(body) if body is not None else None


def main():
    # Liveness 3 s: the raw station heartbeats only while it waits.
    s = Stack(heartbeat_ms=1000)
    ctx = w.context()
    desk = w.dealer(ctx, s.stations, "desk")
    h.check(desk is not None, "WELCOME to the raw station")
    worker = w.dealer(ctx, s.workers_ep)
    batch = os.urandom(16)

    # A page the broker does not hold: routed by origin_id.
    u1, sha1 = os.urandom(16), hashlib.sha256(b"page one").digest()
    worker.send_multipart([w.HDR, bytes([w.RESULT]), w.result(u1, w.STORED, sha1, b"desk", batch)])
    ack = ack_of(desk)
    h.check(ack is not None, "an ACK for the RESULT of a worker without a session")
    h.check_eq((ack.get(2), ack.get(3)), (u1, w.STORED), "the ACK's page and status")
    hb = w.recv_command(worker, w.HEARTBEAT, 5000)
    h.check(hb is not None, "the worker is answered with a HEARTBEAT")
    h.check_eq(w.fields(hb).get(2, 0), 0, "its credit (0: say HELLO)")

    # A page the broker holds (queued: no worker said HELLO).
    image = b"page two"
    u2 = os.urandom(16)
    desk.send_multipart([w.HDR, bytes([w.PAGE]), w.page(u2, batch, image), image])
    h.wait_for(lambda: s.status()["classes"][0]["queued_pages"] == 1, 10, "the page queued",
               retry_on=(h.TestFailure,))
    wrong = hashlib.sha256(b"other content").digest()
    worker.send_multipart([w.HDR, bytes([w.RESULT]), w.result(u2, w.STORED, wrong, b"desk", batch)])
    worker.send_multipart([w.HDR, bytes([w.RESULT]),
                           w.result(u2, w.STORED, hashlib.sha256(image).digest(), b"someone-else", batch)])
    ack = ack_of(desk)
    h.check(ack is not None, "an ACK for the held page")
    h.check_eq((ack.get(2), ack.get(3)), (u2, w.STORED), "the held page's ACK (the right hash)")
    st = s.status()
    h.check_eq(st["classes"][0]["queued_pages"], 0, "pages queued once acknowledged")
    h.check_eq(st["counters"]["acks_out"], 2, "ACKs sent (none for the wrong hash)")
    h.check_eq(st["counters"]["dropped_unknown_peer"], 0, "RESULTs counted as from an unknown peer")
    h.check_eq(st["counters"]["dropped_malformed"], 1, "the RESULT with another hash")
    desk.close()
    worker.close()
    ctx.term()


h.run_test(main)
