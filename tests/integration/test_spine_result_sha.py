"""A worker whose STORED names another sha256 than the page it was sent is
not believed: no ACK reaches the station (which would delete its copy), the
page is counted and sent to a worker again with one more attempt, and a
RESULT that names the right sha256 is forwarded once."""

import hashlib

import harness as h
import rawwire as w
from spine import Stack

try:
    import zmq
except ImportError:  # python3-zmq is installed by ./run setup
    zmq = None


def next_job(sock):
    body = w.recv_command(sock, w.JOB, 10000, keepalive=True)
    h.check(body is not None, "a JOB for the raw worker")
    job = w.fields(body)
    return job, w.fields(job[2])


def main():
    if zmq is None:
        h.fail("python3-zmq is missing: ./run setup installs it")
    # Liveness of 3 s: the raw worker heartbeats only while it waits.
    s = Stack(heartbeat_ms=1000)
    ctx = zmq.Context()
    sock = ctx.socket(zmq.DEALER)
    sock.setsockopt(zmq.LINGER, 0)
    sock.connect(s.workers_ep)
    sock.send_multipart([w.HDR, bytes([w.HELLO]), w.hello("raw-worker", w.WORKER_ROLE)])
    h.check(w.recv_command(sock, w.WELCOME, 5000) is not None, "WELCOME to the raw worker")
    sock.send_multipart([w.HDR, bytes([w.READY]), w.field_varint(1, 1)])
    src = s.source("station", 1)

    job, page = next_job(sock)
    h.check_eq(job.get(4, 0), 0, "attempts of the first JOB")
    wrong = hashlib.sha256(b"some other content").digest()
    h.check(wrong != page[6], "a sha256 that is not the page's")
    sock.send_multipart([w.HDR, bytes([w.RESULT]),
                         w.result(page[1], w.STORED, wrong, page[12], page[2])])

    # Not forwarded: the page comes back to a worker (the only one) instead.
    again, page2 = next_job(sock)
    h.check_eq(page2[1], page[1], "the same page sent again")
    h.check_eq(again.get(4, 0), 1, "attempts after a RESULT for other content")
    h.check_eq(s.acks("station"), [], "acks to the station after the wrong RESULT")
    st = s.status()["counters"]
    h.check_ge(st["dropped_malformed"], 1, "the wrong RESULT counted")
    h.check_eq(st["acks_out"], 0, "ACKs sent")
    h.check_eq(len(s.spooled("station")), 1, "the page still in the station's spool")

    sock.send_multipart([w.HDR, bytes([w.RESULT]),
                         w.result(page[1], w.STORED, page[6], page[12], page[2])])
    src.expect_exit(0, timeout=30)
    h.check_eq(len(s.acks("station")), 1, "one ACK once the RESULT names the page's sha256")
    h.check_eq(s.spooled("station"), [], "the station's spool once stored")
    lines = [l for l in s.broker.log().splitlines() if "another sha256" in l]
    h.check_eq(len(lines), 1, "log lines about the wrong RESULT")
    sock.close()
    ctx.term()


h.run_test(main)
