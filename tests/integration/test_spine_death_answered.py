"""A worker counted dead may only have been slow: its RESULT can come
while the broker still judges whether its death counts toward the page's
quarantine (proto/PROTOCOL.md §7.4), with the page parked, neither queued
nor sent. The page is then acknowledged once, and nothing else happens to
it. Raw workers, every frame sent by the test: one takes the page and
falls silent; a witness, live when the first is counted dead, says
nothing afterwards (its last frame comes 5 s after the first's, with
liveness 10 s), so the death cannot be decided until the witness too is
counted dead; within those 5 s the first answers."""

import time

import harness as h
import rawwire as w
from spine import Stack


def worker_state(s, name):
    for p in s.status().get("peers", []):
        if p["peer_id"] == name and p["role"] == "worker":
            return p["state"]
    return None


def main():
    s = Stack(broker_sets=["broker.liveness=40"])
    ctx = w.context()
    slow = w.dealer(ctx, s.workers_ep, "slow", w.WORKER_ROLE)
    witness = w.dealer(ctx, s.workers_ep, "witness", w.WORKER_ROLE)
    h.check(slow is not None and witness is not None, "WELCOME to both raw workers")
    slow.send_multipart([w.HDR, bytes([w.READY]), w.field_varint(1, 1)])
    src = s.source("station", 1, extra=["--resend-ms", "300000"])
    # The recovery window lasts liveness: both keep alive meanwhile.
    job = None
    for _ in range(600):
        witness.send_multipart([w.HDR, bytes([w.HEARTBEAT]), b""])
        job = w.recv_command(slow, w.JOB, 100, keepalive=True)
        if job is not None:
            break
    h.check(job is not None, "the JOB to the slow worker")
    page = w.fields(w.fields(job)[2])

    # From now on the slow worker says nothing; the witness once, 5 s on.
    time.sleep(5)
    witness.send_multipart([w.HDR, bytes([w.HEARTBEAT]), b""])
    h.wait_for(lambda: worker_state(s, "slow") == "dead", 60, "the slow worker counted dead",
               retry_on=(h.TestFailure,))
    slow.send_multipart([w.HDR, bytes([w.RESULT]), w.result(page[1], w.STORED, page[6], page[12], page[2])])
    src.expect_exit(0, timeout=60)
    s.broker.wait_log("answered while the death of the worker that held it was judged", timeout=10)
    h.check_eq(len(s.acks("station")), 1, "ACKs to the station")
    h.check_eq(s.spooled("station"), [], "the station's spool")
    st = s.status()
    h.check_eq(sum(c["queued_pages"] + c["inflight_pages"] for c in st["classes"]), 0, "pages held")
    h.check_eq(st["counters"]["jobs_out"], 1, "JOBs sent")
    h.check(s.broker.running, "the broker still serves")
    slow.close()
    witness.close()
    ctx.term()


h.run_test(main)
