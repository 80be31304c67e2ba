"""A PAGE whose body fits in a message but whose JOB would not (the broker
adds the epoch, attempts, store_only and its own origin_id) is answered
REJECTED at once, with a reason: it never enters the queue, so it can
neither stall the queue nor get the idle worker counted dead. The same
worker then serves an ordinary station."""

import hashlib
import os

import harness as h
import rawwire as w
from spine import Stack

try:
    import zmq
except ImportError:  # python3-zmq is installed by ./run setup
    zmq = None

BODY_MAX = 65536


def big_page(image):
    """A Page body of BODY_MAX - 8 bytes: a PAGE the broker can receive."""
    head = (w.field_bytes(1, os.urandom(16)) + w.field_bytes(2, os.urandom(16)) +
            w.field_varint(3, 1) + w.field_varint(4, 1) +
            w.field_bytes(6, hashlib.sha256(image).digest()) + w.field_varint(7, len(image)))
    n = BODY_MAX - 8 - len(head) - 4  # 4: the tag and 3-byte length of field 15
    body = head + w.field_bytes(15, b"n" * n)
    assert len(body) == BODY_MAX - 8, len(body)
    return body


def main():
    if zmq is None:
        h.fail("python3-zmq is missing: ./run setup installs it")
    s = Stack()
    s.worker("w")
    h.wait_for(lambda: s.status()["workers_idle"] == 1, 10, "the worker idle", retry_on=(h.TestFailure,))

    ctx = zmq.Context()
    sock = ctx.socket(zmq.DEALER)
    sock.setsockopt(zmq.LINGER, 0)
    sock.connect(s.stations)
    sock.send_multipart([w.HDR, bytes([w.HELLO]), w.hello("big-header")])
    h.check(w.recv_command(sock, w.WELCOME, 5000) is not None, "WELCOME to the raw station")
    image = b"tiny image"
    body = big_page(image)
    sock.send_multipart([w.HDR, bytes([w.PAGE]), body, image])
    ack = w.recv_command(sock, w.ACK, 5000)
    h.check(ack is not None, "an ACK for the page whose JOB would not fit")
    f = w.fields(ack)
    h.check_eq(f.get(3), w.REJECTED, "its status (REJECTED: set it aside, never resend)")
    h.check(b"too large" in f.get(4, b""), "the ACK says why: %r" % f.get(4))
    h.check_eq(f.get(2), body[2:18], "the ACK names the page")

    st = s.status()
    h.check_eq(st["workers_idle"], 1, "the worker is still idle, not counted dead")
    h.check_eq(st["counters"]["jobs_out"], 0, "JOBs sent")
    h.check_ge(st["counters"]["dropped_malformed"], 1, "the page counted as dropped")

    # The same worker serves everyone else.
    src = s.source("station", 20)
    src.expect_exit(0, timeout=60)
    s.check_delivered(["station"], 20)
    h.check("JOB to worker" not in s.broker.log(), "no JOB failed")
    sock.close()
    ctx.term()


h.run_test(main)
