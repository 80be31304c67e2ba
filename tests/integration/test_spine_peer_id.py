"""Two stations configured with the same peer id: the one connected first
keeps the id and is served without a hiccup (no session lost, nothing
resent); the second is refused with one BYE that says why, sends nothing
and keeps its pages spooled. Once the first has gone, the second is served
too, and every page of both is stored once. The same holds for workers: a
second process saying HELLO with a live worker's id is refused with one
BYE, gets no job, and the first keeps its binding and its pages."""

import time

import harness as h
from rawwire import BYE, HDR, HEARTBEAT, HELLO, JOB, READY, WELCOME, WORKER_ROLE, fields, field_varint, hello
from spine import HEARTBEAT_MS, Stack

try:
    import zmq
except ImportError:  # python3-zmq is installed by ./run setup
    zmq = None


def twin_worker(s):
    """A raw worker that says HELLO as "w" while the real "w" is at work;
    what it hears: [(command, body)], and a barrier() that returns once
    everything the broker sent it so far has been heard."""
    ctx = zmq.Context()
    sock = ctx.socket(zmq.DEALER)
    sock.setsockopt(zmq.LINGER, 0)
    sock.connect(s.workers_ep)
    heard = []

    def listen_until(done, what):
        deadline = time.monotonic() + 30
        while not done():
            left = int((deadline - time.monotonic()) * 1000)
            if left <= 0:
                h.fail("the raw worker heard no %s in 30 s (heard %r)" % (what, heard))
            if sock.poll(left):
                frames = sock.recv_multipart()
                heard.append((frames[1][0], frames[2] if len(frames) > 2 else b""))

    def barrier():
        # A connection that has not said HELLO is answered with a HEARTBEAT
        # for each message, in order on that connection: once the answer to
        # this one is in, so is everything the broker sent before it.
        n = sum(1 for cmd, _ in heard if cmd == HEARTBEAT)
        sock.send_multipart([HDR, bytes([HEARTBEAT]), b""])
        listen_until(lambda: sum(1 for cmd, _ in heard if cmd == HEARTBEAT) > n, "answer to the barrier")

    sock.send_multipart([HDR, bytes([HELLO]), hello("w", WORKER_ROLE)])
    listen_until(lambda: any(cmd == BYE for cmd, _ in heard), "BYE")
    # Were it bound, READY would make it the idle worker that gets the next JOB.
    sock.send_multipart([HDR, bytes([READY]), field_varint(1, 1)])
    sock.send_multipart([HDR, bytes([HELLO]), hello("w", WORKER_ROLE)])
    barrier()
    return ctx, sock, heard, barrier


def workers_twin(s):
    ctx, sock, heard, barrier = twin_worker(s)
    byes = [fields(body) for cmd, body in heard if cmd == BYE]
    h.check_eq(len(byes), 1, "BYEs to the second worker saying HELLO as w (one per connection)")
    h.check_eq(byes[0].get(2), b"peer id w is in use by a live connection", "reason of the BYE")
    h.check_eq([cmd for cmd, _ in heard if cmd == WELCOME], [], "WELCOMEs to the second worker")
    s.broker.wait_log("HELLO as w from a second connection refused", timeout=5)

    # The first worker still holds the id: the next pages are its to store.
    after = s.source("after", 5, seed=3)
    after.expect_exit(0, timeout=30)
    barrier()
    h.check_eq([cmd for cmd, _ in heard if cmd == JOB], [], "JOBs to the refused worker")
    refusals = [l for l in s.broker.log().splitlines() if "HELLO as w from a second connection refused" in l]
    h.check_eq(len(refusals), 1, "log lines about the refused worker connection")
    h.check(s.workers[0].running, "the first worker still at work")
    sock.close()
    ctx.term()


def main():
    if zmq is None:
        h.fail("python3-zmq is missing: ./run setup installs it")
    # Liveness (100 x 250 ms) far beyond the time the worker spends suspended.
    s = Stack(broker_sets=["broker.liveness=100"])
    w = s.worker("w")
    first = s.source("twin-a", 30, seed=1, extra=("--id", "twin"))
    h.wait_for(lambda: len(s.acks("twin-a")) >= 2, 30, "the first station served")
    # Its worker suspended, the first station cannot finish: it stays, holding the id.
    w.suspend()
    second = s.source("twin-b", 10, seed=2, extra=("--id", "twin"))
    s.broker.wait_log("HELLO as twin from a second connection refused", timeout=30)
    refused = time.monotonic()
    h.check("in use by a live connection" in s.broker.log(), "the broker says why it refuses")
    h.wait_for(lambda: s.source_stats("twin-b").get("spooled") == 10, 30, "the second station's pages spooled")
    # A few heartbeat intervals with both up (the second says HELLO again at
    # each): the broker still hears from the first, and nothing changes hands.
    h.wait_for(s.heard_after("twin", refused + 4 * HEARTBEAT_MS / 1000.0), 30,
               "the first station heard from 4 heartbeat intervals after the refusal", retry_on=(h.TestFailure,))
    h.check(first.running, "the first station still at work")
    h.check(second.running, "the second station still waiting")
    b = s.source_stats("twin-b")
    h.check_eq(b.get("connected"), False, "the second station connected")
    h.check_eq(b.get("sent"), 0, "pages the refused station sent")
    h.check_eq(b.get("spool_pages"), 10, "pages the refused station keeps spooled")
    h.check_eq(s.acks("twin-b"), [], "acks to the refused station")
    refusals = [l for l in s.broker.log().splitlines() if "from a second connection refused" in l]
    h.check_eq(len(refusals), 1, "log lines about the refused connection")
    w.resume()

    first.expect_exit(0, timeout=60)
    a = s.source_stats("twin-a")
    h.check_eq(a.get("resent"), 0, "pages the first station had to resend")
    # The first station's connection is closed: the second takes the id over.
    second.expect_exit(0, timeout=30)
    s.check_delivered(["twin-a", "twin-b"], 40)

    workers_twin(s)
    s.check_delivered(["twin-a", "twin-b", "after"], 45)


h.run_test(main)
