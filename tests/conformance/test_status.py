"""§8 STATUS: on the station endpoint, without HELLO, StatusRequest is
answered with a StatusReply: epoch, per class queued pages and bytes, in
flight, held bytes and pool; workers, idle workers, stations, draining, the
counters, and with_peers one PeerStatus per peer (a busy worker shows its
page_uuid). The reply fits in 65536 bytes: with more peers than fit, the
peer list is truncated."""

import conform as c
import harness as h
import sohoaclient as sc
import wire as w
import zmq
from wire import pb

POOL_I, POOL_B = 3 << 20, 5 << 20


def fields(chk):
    b = c.Broker(sets=["broker.interactive_pool_bytes=%d" % POOL_I, "broker.bulk_pool_bytes=%d" % POOL_B])
    st = b.status(with_peers=True)
    chk.check(st.epoch != 0, "the epoch")
    chk.eq(sorted((x.page_class, x.pool_bytes) for x in st.classes),
           [(pb.CLASS_INTERACTIVE, POOL_I), (pb.CLASS_BULK, POOL_B)], "classes and pools")
    chk.eq((st.workers, st.workers_idle, st.stations, st.draining, len(st.peers)), (0, 0, 0, False, 0), "empty")
    store = sc.Store()
    src = b.source("desk-1")
    sizes = [1000, 3000]
    us = [src.add(c.image(n, n)) for n in sizes]
    src.until(lambda x: all(p.state == "in flight" for p in x.pages.values()), what="pages sent")
    src.probe()
    st = b.status(with_peers=True)
    inter = [x for x in st.classes if x.page_class == pb.CLASS_INTERACTIVE][0]
    chk.eq((inter.queued_pages, inter.queued_bytes, inter.inflight_pages, inter.held_bytes),
           (2, sum(sizes), 0, sum(sizes)), "the interactive class with two pages queued")
    chk.eq([(p.peer_id, p.role, p.queued_pages, p.held_bytes) for p in st.peers],
           [("desk-1", pb.ROLE_STATION, 2, sum(sizes))], "the peers")
    wk = b.worker("w1", store, hold=True)
    j = wk.wait_job()
    st = b.status(with_peers=True)
    chk.eq((st.workers, st.workers_idle, st.stations), (1, 0, 1), "workers, idle, stations")
    ws = [p for p in st.peers if p.peer_id == "w1"]
    chk.eq([(p.role, p.state, p.page_uuid) for p in ws], [(pb.ROLE_WORKER, "busy", j.page.page_uuid)],
           "the busy worker in the peers")
    inter = [x for x in st.classes if x.page_class == pb.CLASS_INTERACTIVE][0]
    chk.eq((inter.queued_pages, inter.inflight_pages), (1, 1), "the interactive class, one page in flight")
    wk.call(lambda x: setattr(x, "hold", False))
    wk.finish()
    src.wait_gone(us)
    st = b.status()
    chk.eq(c.pick(c.counters(st), "pages_in", "acks_out", "jobs_out"), {"pages_in": 2, "acks_out": 2, "jobs_out": 2},
           "the counters")
    chk.eq(len(st.peers), 0, "no peers without with_peers")


def big(chk):
    b = c.Broker(heartbeat_ms=1000, liveness=60)
    n = 900
    socks = []
    try:
        for i in range(n):
            s = sc.context().socket(zmq.DEALER)
            s.setsockopt(zmq.LINGER, 0)
            s.connect(b.stations)
            s.send_multipart(w.encode(w.HELLO, pb.Hello(peer_id=("station-%04d-" % i).ljust(64, "x"),
                                                        role=pb.ROLE_STATION)))
            socks.append(s)
        for s in socks:
            if not s.poll(20000):
                raise h.TestFailure("a station got no WELCOME")
            m = w.decode(s.recv_multipart())
            chk.eq(m.cmd, w.WELCOME, "the answer to a station's HELLO")
        st = b.status()
        chk.eq(st.stations, n, "stations")
        q = sc.context().socket(zmq.DEALER)
        q.setsockopt(zmq.LINGER, 0)
        q.connect(b.stations)
        q.send_multipart(w.encode(w.STATUS, pb.StatusRequest(with_peers=True)))
        chk.check(q.poll(20000), "a STATUS_REPLY")
        frames = q.recv_multipart()
        q.close(0)
        chk.check(len(frames) == 3 and len(frames[2]) <= w.BODY_MAX,
                  "the reply's body is within 65536 bytes: %d" % len(frames[2]))
        try:
            m = w.decode(frames)
            chk.check(0 < len(m.body.peers) < n, "the peer list truncated: %d of %d" % (len(m.body.peers), n))
        except w.Malformed as e:
            chk.check(False, "the STATUS_REPLY with %d peers: %s" % (n, e))
    finally:
        for s in socks:
            s.close(0)


c.run_scenarios(fields, big)
