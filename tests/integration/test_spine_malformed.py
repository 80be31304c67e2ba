"""Malformed frames from one peer (garbage, a wrong signature, another major
version, an unknown command, an oversized body, a page whose image does not
match its header, messages before HELLO) are dropped and counted; the broker
keeps serving every other peer, and no page is lost. Only another major
version is answered, with one BYE; junk gets no answer."""

import os

import harness as h
from rawwire import BYE, HDR, answers_before_status, field_bytes, field_varint, hello
from spine import Stack

try:
    import zmq
except ImportError:  # python3-zmq is installed by ./run setup
    zmq = None

def garbage_sequences():
    page = (field_bytes(1, os.urandom(16)) + field_bytes(2, os.urandom(16)) +
            field_bytes(6, os.urandom(32)) + field_varint(7, 999))
    return [
        [os.urandom(40)],
        [b"XXXX\x01\x00", bytes([1]), b""],
        [b"SOHA\x02\x00", bytes([1]), hello("evil", 1)],
        [HDR, bytes([99]), b""],
        [HDR, bytes([4]), page, b"short image"],
        [HDR, bytes([4]), os.urandom(200), b"x"],
        [HDR, bytes([1]), b"\xff" * 70000],
        [HDR],
        [HDR, bytes([1]), hello("evil", 1), b"extra", b"frames", b"too many"],
        [HDR, bytes([3]), b""],
    ]


def bye_only_for_another_major(ctx, endpoint):
    """Junk without the SOHA signature is dropped unanswered; the signature
    with another major is refused with one BYE that says why."""
    junk = ctx.socket(zmq.DEALER)
    major2 = ctx.socket(zmq.DEALER)
    for sock in (junk, major2):
        sock.setsockopt(zmq.LINGER, 0)
        sock.connect(endpoint)
    for _ in range(3):
        junk.send_multipart([b"XXXX\x01\x00", bytes([1]), hello("junk", 1)])
        junk.send_multipart([os.urandom(40)])
        major2.send_multipart([b"SOHA\x02\x00", bytes([1]), hello("future", 1)])
    h.check(major2.poll(30000), "BYE to a peer of another major version")
    frames = major2.recv_multipart()
    h.check_eq(frames[1], bytes([BYE]), "command of the answer to another major (BYE)")
    h.check(b"unsupported protocol major version" in frames[2], "BYE says why")
    # Once per peer, not once per message: every answer to the three is in
    # once the broker has answered a STATUS sent after them.
    h.check_eq(answers_before_status(major2), [], "answers after the one BYE for three messages of another major")
    h.check_eq(answers_before_status(junk), [], "answers to junk without the SOHA signature")
    junk.close()
    major2.close()


def main():
    if zmq is None:
        h.fail("python3-zmq is missing: ./run setup installs it")
    s = Stack()
    s.worker("w")
    src = s.source("station", 200)
    ctx = zmq.Context()
    socks = []
    for ep in (s.stations, s.workers_ep):
        sock = ctx.socket(zmq.DEALER)
        sock.setsockopt(zmq.LINGER, 0)
        sock.connect(ep)
        socks.append(sock)
    for round_ in range(5):
        for sock in socks:
            for frames in garbage_sequences():
                sock.send_multipart(frames)
    # A peer that says HELLO properly and then sends garbage is also survived.
    socks[0].send_multipart([HDR, bytes([1]), hello("evil-station", 1)])
    for frames in garbage_sequences():
        socks[0].send_multipart(frames)
    src.expect_exit(0, timeout=60)
    s.check_delivered(["station"], 200)
    h.check(s.broker.running, "broker still running")

    def dropped():
        c = s.status()["counters"]
        return c["dropped_malformed"] + c["dropped_unknown_peer"]

    # The garbage goes out asynchronously on connections of its own: wait
    # until the broker has taken it rather than read the counters once.
    h.wait_for(lambda: dropped() >= 50, 30, "malformed messages dropped and counted (at least 50)",
               retry_on=(h.TestFailure,))
    # Logged once per peer, not once per message.
    lines = [l for l in s.broker.log().splitlines() if "malformed" in l.lower()]
    h.check_le(len(lines), 10, "log lines about malformed messages")
    bye_only_for_another_major(ctx, s.stations)
    for sock in socks:
        sock.close()
    ctx.term()


h.run_test(main)
