"""§5, §7.3: a HELLO on a connection that has a session begins a new one,
and what the broker holds for the peer stays:

- a worker idle before it is not idle after its new WELCOME: it gets no JOB
  (the page stays queued) until it says READY again, then the JOB;
- a worker whose HELLO names its page in hand keeps it: its RESULT (no
  READY before it) is acknowledged to the page's sender, and the worker is
  idle again;
- a station's page in flight stays through its HELLO: the ACK reaches it.

The broker dispatches after each batch of messages it reads, so a STATUS
sent after the answer to a first one shows what the dispatch did."""

import conform as c
import wire as w
from wire import pb


def result(job):
    pg = job.body.page
    return pb.Result(page_uuid=pg.page_uuid, status=pb.RESULT_STORED, origin_id=pg.origin_id,
                     batch_uuid=pg.batch_uuid, sha256=pg.sha256)


def after_dispatch(st):
    """The StatusReply once the broker has dispatched what st sent so far."""
    st.probe()
    return st.probe(with_peers=True)[0]


def inter(reply):
    return [(k.queued_pages, k.inflight_pages) for k in reply.classes if k.page_class == pb.CLASS_INTERACTIVE][0]


def worker_state(reply, pid):
    return [p.state for p in reply.peers if p.peer_id == pid]


def main():
    chk = c.Checks()
    b = c.Broker()
    wk, _ = b.hello("w1", pb.ROLE_WORKER, endpoint="workers", auto_heartbeat=True)
    wk.send(w.READY, pb.Ready(capacity=1))
    st, _ = b.hello("desk-1", pb.ROLE_STATION, auto_heartbeat=True)

    def page(seed):
        img = c.image(1000, seed)
        pg = w.new_page(img)
        st.send(w.PAGE, pg, img)
        return pg

    def ack(pg):
        return st.wait_cmd(w.ACK, pred=lambda m: m.body.page_uuid == pg.page_uuid).body.status

    p1 = page(1)
    j = wk.wait_cmd(w.JOB)
    chk.eq(j.body.page.page_uuid, p1.page_uuid, "the first JOB")
    wk.send(w.RESULT, result(j))
    chk.eq(ack(p1), pb.RESULT_STORED, "the first page's ACK")
    reply = after_dispatch(st)
    chk.eq((reply.workers_idle, worker_state(reply, "w1")), (1, ["idle"]), "the worker after its RESULT")

    # An idle worker's HELLO: no JOB until its READY.
    wk.send(w.HELLO, pb.Hello(peer_id="w1", role=pb.ROLE_WORKER, software="conformance"))
    wk.wait_cmd(w.WELCOME)
    mark = wk.mark()
    p2 = page(2)
    reply = after_dispatch(st)
    chk.eq((reply.workers_idle, inter(reply)), (0, (1, 0)),
           "after an idle worker's new HELLO and a PAGE: idle workers, (queued, in flight)")
    chk.eq([m.cmd for m in wk.since(mark) if isinstance(m, w.Msg) and m.cmd == w.JOB], [],
           "JOBs to the worker before its READY")
    wk.send(w.READY, pb.Ready(capacity=1))
    j = wk.wait_cmd(w.JOB)
    chk.eq(j.body.page.page_uuid, p2.page_uuid, "the JOB after its READY")

    # A busy worker's HELLO naming its page: it keeps the page; its RESULT
    # is taken without a READY. The station says HELLO too meanwhile.
    wk.send(w.HELLO, pb.Hello(peer_id="w1", role=pb.ROLE_WORKER, software="conformance",
                              page_uuid=p2.page_uuid))
    wk.wait_cmd(w.WELCOME)
    st.send(w.HELLO, pb.Hello(peer_id="desk-1", role=pb.ROLE_STATION, software="conformance"))
    st.wait_cmd(w.WELCOME)
    reply = after_dispatch(st)
    chk.eq((inter(reply), worker_state(reply, "w1")), ((0, 1), ["busy"]),
           "after the busy worker's and the station's new HELLOs: (queued, in flight), the worker")
    wk.send(w.RESULT, result(j))
    chk.eq(ack(p2), pb.RESULT_STORED, "the ACK after both new HELLOs, to the station's connection")
    reply = after_dispatch(st)
    chk.eq((reply.workers_idle, worker_state(reply, "w1")), (1, ["idle"]), "the worker after its RESULT")
    chk.done()


c.run(main)
