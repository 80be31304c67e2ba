"""§5.3 liveness and §4 HEARTBEAT:

- the broker's HEARTBEAT restates its epoch and the peer's window (the
  credit on the station endpoint, max_frame_bytes on the worker endpoint),
  and is never sent with credit 0 to a connection that has a session;
- any frame counts as a heartbeat, and the broker reads none of the fields
  of a peer's HEARTBEAT;
- a worker silent for liveness is dead: its page goes back to the front of
  its queue; a slow worker that heartbeats is never dead;
- a dead station's session is over (§5); its queued pages are still
  processed, their ACKs counted acks_unroutable;
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


def wait_dead(b, pid):
    """Until the broker has heard nothing from pid for liveness and two more
    heartbeats (its own clock: idle_ms of STATUS), or forgot it."""
    limit = b.heartbeat_ms * (b.liveness + 2)
    h.wait_for(lambda: (lambda ps: ps is None or ps.idle_ms >= limit)(peer(b, pid)), 30,
               what="the broker to count %s dead" % pid)


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

    # A dead station's queued pages are processed; their ACKs are unroutable.
    w2.call(lambda x: setattr(x, "hold", True))
    held = src.add(c.image(3000, 300))
    chk.eq(w2.wait_job(4).page.page_uuid, held, "w2's fourth page")
    gone, _ = b.hello("desk-gone", pb.ROLE_STATION)       # sends nothing from now on
    for i in range(2):
        img = c.image(2000, 400 + i)
        gone.send(w.PAGE, w.new_page(img), img)
    gone.probe()
    before = b.counters()
    wait_dead(b, "desk-gone")
    w2.call(lambda x: setattr(x, "hold", False))
    w2.finish()
    w2.until(lambda x: len(x.jobs) == 6 and x.in_hand is None, what="the dead station's pages processed")
    src.probe()
    chk.eq(c.delta(before, b.counters()).get("acks_unroutable", 0), 2,
           "ACKs counted unroutable (%r)" % c.delta(before, b.counters()))
    chk.eq([m for m in gone.since(0) if isinstance(m, w.Msg) and m.cmd == w.ACK], [], "ACKs to the dead station")
    chk.eq(src.wait_gone([held]), ["deleted"], "the page in hand meanwhile")
    d, ans = c.Prober(gone).send(cmd=w.HEARTBEAT, body=pb.Heartbeat(epoch=epoch))
    chk.eq([(m.cmd, m.body.credit_bytes) for m in ans if m.cmd != w.ACK], [(w.HEARTBEAT, 0)],
           "the dead station's session is over: its HEARTBEAT is answered")

    # A client that hears nothing for liveness reconnects and goes on.
    b.proc.signal(signal.SIGSTOP)
    src.until(lambda x: x.sockets_opened >= 2, what="the source to give up on the silent broker")
    u = src.add(c.image(3000, 500))
    b.proc.signal(signal.SIGCONT)
    chk.eq(src.wait_gone([u], timeout=30), ["deleted"], "a page sent after the reconnection")
    chk.done()


c.run(main)
