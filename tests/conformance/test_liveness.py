"""§5.3 liveness and §4 HEARTBEAT:

- the broker's HEARTBEAT restates its epoch and the peer's window (the
  credit on the station endpoint, max_frame_bytes on the worker endpoint),
  and is never sent with credit 0 to a connection that has a session;
- any frame counts as a heartbeat, and the broker reads none of the fields
  of a peer's HEARTBEAT;
- a worker silent for liveness is dead: its page goes back to the front of
  its queue; a slow worker that heartbeats is never dead;
- a dead station keeps its session: it is not counted for credit, its
  queued pages are still processed and their ACKs sent to its connection
  (not acks_unroutable); a later frame revives it (its HEARTBEAT is not
  answered with credit 0, its pages are taken);
- ACKs to a station whose connection is gone (closed) are counted
  acks_unroutable;
- a client that hears nothing for liveness reconnects, says HELLO and goes
  on (the broker stopped with SIGSTOP)."""

import signal

import conform as c
import harness as h
import sohoaclient as sc
import wire as w
from wire import pb

POOL = 8 << 20


def peer(b, pid):
    for ps in b.status(with_peers=True).peers:
        if ps.peer_id == pid:
            return ps
    return None


def wait_state(b, pid, state):
    """Until STATUS shows pid in that state ("silent": counted dead)."""
    h.wait_for(lambda: (lambda ps: ps is not None and ps.state == state)(peer(b, pid)), 30,
               what="the broker to show %s %s" % (pid, state))


def main():
    chk = c.Checks()
    b = c.Broker(sets=["broker.interactive_pool_bytes=%d" % POOL])
    store = sc.Store()
    epoch = b.status().epoch

    # Steady state: what every broker HEARTBEAT says.
    wk = b.worker("w1", store)
    src = b.source("desk-1")
    us = [src.add(c.image(3000, i)) for i in range(10)]
    src.wait_gone(us)
    src.until(lambda x: sum(1 for m in x.since(0) if sc.is_heartbeat(m)) >= 10, what="10 HEARTBEATs")
    wk.until(lambda x: sum(1 for m in x.since(0) if sc.is_heartbeat(m)) >= 10, what="10 HEARTBEATs")
    for cl, credit in ((src, POOL), (wk, b.max_frame_bytes)):
        hbs = [m.body for m in cl.since(0) if sc.is_heartbeat(m)]
        chk.eq(sorted({(x.epoch, x.credit_bytes) for x in hbs}), [(epoch, credit)],
               "(epoch, credit) of the HEARTBEATs to %s" % cl.name)
        chk.eq(cl.call(lambda x: ([e for e in x.events if e[1] in ("lost", "silence")], x.credit0_in_session)),
               ([], []), "%s's session never lost" % cl.name)

    # A peer's HEARTBEAT: any fields, read by nobody, and it keeps the session.
    odd, _ = b.hello("desk-odd", pb.ROLE_STATION)
    for i in range(3 * b.liveness):
        odd.send(w.HEARTBEAT, pb.Heartbeat(epoch=777 + i, credit_bytes=1 << 40, pages_unacked=9999,
                                           bytes_unacked=1 << 50))
        odd.wait_cmd(w.HEARTBEAT, timeout=10)     # the broker's own, every heartbeat_ms
    d, ans = c.Prober(odd).send(cmd=w.HEARTBEAT, body=pb.Heartbeat(epoch=1))
    chk.eq([(m.cmd, m.body.credit_bytes) for m in ans], [], "odd HEARTBEATs kept the session (no credit 0)")
    odd.send(w.BYE, pb.Bye(reason="done"))

    # A slow worker that heartbeats is never dead.
    wk.call(lambda x: setattr(x, "hold", True))
    u = src.add(c.image(3000, 100))
    wk.wait_job(11)
    for _ in range(3 * b.liveness):
        wk.wait_cmd(w.HEARTBEAT)
    wk.finish()
    chk.eq(src.wait_gone([u]), ["deleted"], "the page of a slow worker")
    chk.eq(b.counters()["redispatched"], 0, "pages redispatched from a slow worker")

    # A silent worker is dead: its page goes to the front of its queue.
    a = src.add(c.image(3000, 200))
    wk.wait_job(12)
    rest = [src.add(c.image(3000, 201 + i)) for i in range(2)]
    src.until(lambda x: all(x.pages[u].state == "in flight" for u in rest), what="the pages behind it sent")
    src.probe()
    wk.call(lambda x: setattr(x, "silent", True))
    h.wait_for(lambda: b.counters()["redispatched"] == 1, 30, what="the silent worker's page redispatched")
    w2 = b.worker("w2", store)
    j = w2.wait_job()
    chk.eq(j.page.page_uuid, a, "the first JOB after the death: the dead worker's page")
    chk.eq(src.wait_gone([a] + rest), ["deleted"] * 3, "the pages")

    # A dead station keeps its session: not counted for credit, its pages
    # processed, their ACKs sent to its connection; a later frame revives it.
    w2.call(lambda x: setattr(x, "hold", True))
    held = src.add(c.image(3000, 300))
    chk.eq(w2.wait_job(4).page.page_uuid, held, "w2's fourth page")
    gone, _ = b.hello("desk-gone", pb.ROLE_STATION)       # sends nothing for a while
    pages = []
    for i in range(2):
        img = c.image(2000, 400 + i)
        pages.append(w.new_page(img))
        gone.send(w.PAGE, pages[-1], img)
    gone.probe()
    src.wait(lambda m: sc.is_heartbeat(m, POOL // 2), what="a HEARTBEAT of half the pool: two live stations")
    before = b.counters()
    wait_state(b, "desk-gone", "silent")
    src.wait(lambda m: sc.is_heartbeat(m, POOL), what="after it, a HEARTBEAT of the whole pool: the dead "
             "station not counted for credit")
    w2.call(lambda x: setattr(x, "hold", False))
    w2.finish()
    w2.until(lambda x: len(x.jobs) == 6 and x.in_hand is None, what="the dead station's pages processed")
    acks = [gone.wait(lambda m, u=pg.page_uuid: isinstance(m, w.Msg) and m.cmd == w.ACK and m.body.page_uuid == u,
                      start=0, what="the ACK of a dead station's page") for pg in pages]
    chk.eq([(a.body.status, a.body.sha256) for a in acks], [(pb.RESULT_STORED, pg.sha256) for pg in pages],
           "the ACKs to the dead station's connection")
    chk.eq(c.pick(c.delta(before, b.counters()), "acks_unroutable", "acks_out"), {"acks_out": 3},
           "ACKs sent (two to the dead station, one to desk-1), none unroutable")
    chk.eq(src.wait_gone([held]), ["deleted"], "the page in hand meanwhile")
    chk.eq(peer(b, "desk-gone").state, "silent", "the dead station before it speaks again")
    gone_mark, src_mark = gone.mark(), src.mark()
    d, ans = c.Prober(gone).send(cmd=w.HEARTBEAT, body=pb.Heartbeat(epoch=epoch))
    chk.eq([(m.cmd, m.body.credit_bytes) for m in ans if m.cmd == w.HEARTBEAT and m.body.credit_bytes == 0], [],
           "the dead station's HEARTBEAT: no credit 0 (its session kept)")
    chk.eq(d.get("dropped_unknown_peer", 0), 0, "the dead station's HEARTBEAT not counted dropped_unknown_peer")
    chk.eq(peer(b, "desk-gone").state, "live", "the dead station revived by its frames")
    hb = gone.wait(sc.is_heartbeat, start=gone_mark, what="a HEARTBEAT to the revived station").body
    chk.eq((hb.epoch, hb.credit_bytes), (epoch, POOL // 2), "the HEARTBEAT to the revived station (epoch, credit)")
    src.wait(lambda m: sc.is_heartbeat(m, POOL // 2), start=src_mark,
             what="a HEARTBEAT of half the pool to desk-1: the revived station counted for credit again")
    img = c.image(2000, 450)
    pg = w.new_page(img)
    gone.send(w.PAGE, pg, img)
    chk.eq(gone.wait_cmd(w.ACK, pred=lambda m: m.body.page_uuid == pg.page_uuid).body.status, pb.RESULT_STORED,
           "a page from the revived station")
    gone.send(w.BYE, pb.Bye(epoch=epoch, reason="done"))

    # A station whose connection is gone: its ACKs are unroutable.
    relay = c.Relay(b.stations)
    w2.call(lambda x: setattr(x, "hold", True))
    held = src.add(c.image(3000, 600))
    chk.eq(w2.wait_job(8).page.page_uuid, held, "w2's eighth page")
    lost, _ = b.hello("desk-lost", pb.ROLE_STATION, endpoint=relay.endpoint)
    for i in range(2):
        img = c.image(2000, 700 + i)
        lost.send(w.PAGE, w.new_page(img), img)
    lost.probe()
    lost.close()
    chk.eq(relay.cut(), 1, "connections closed by the relay")
    # b.counters() asks STATUS on a new connection: the broker's I/O thread
    # has read the closed end before it completes that one's handshake, so
    # the ACKs' sends fail.
    before = b.counters()
    w2.call(lambda x: setattr(x, "hold", False))
    w2.finish()
    w2.until(lambda x: len(x.jobs) == 10 and x.in_hand is None, what="the lost station's pages processed")
    src.probe()
    chk.eq(c.pick(c.delta(before, b.counters()), "acks_unroutable"), {"acks_unroutable": 2},
           "ACKs to a station whose connection is gone")
    chk.eq(src.wait_gone([held]), ["deleted"], "the page in hand meanwhile")
    relay.close()

    # A client that hears nothing for liveness reconnects and goes on.
    b.proc.signal(signal.SIGSTOP)
    src.until(lambda x: x.sockets_opened >= 2, what="the source to give up on the silent broker")
    u = src.add(c.image(3000, 500))
    b.proc.signal(signal.SIGCONT)
    chk.eq(src.wait_gone([u], timeout=30), ["deleted"], "a page sent after the reconnection")
    chk.done()


c.run(main)
