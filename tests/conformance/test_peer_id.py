"""§5.2 peers are known by their HELLO peer_id:

- a HELLO with the peer_id of a live connection is refused, on either
  endpoint: BYE {epoch, "peer id X is in use by a live connection"} once per
  connection, later HELLOs from it dropped unanswered, the first connection
  keeps its binding (its pages, its jobs);
- a refused HELLO ends the session the connection had: it is bound to
  neither peer afterwards;
- a HELLO with a known peer_id from a new connection, once the old one is
  closed or silent past liveness, rebinds the peer: its queued pages stay
  and their ACKs go to the new connection; a worker's page in hand stays
  with it."""

import conform as c
import sohoaclient as sc
import wire as w
from wire import pb


def in_use(pid):
    return "peer id %s is in use by a live connection" % pid


def main():
    chk = c.Checks()
    b = c.Broker()
    epoch = b.status().epoch
    store = sc.Store()

    # Two stations with one id: the second is refused, once.
    first = b.source("desk-1")
    twin = b.conn()
    p = c.Prober(twin)
    d, ans = p.send(cmd=w.HELLO, body=pb.Hello(peer_id="desk-1", role=pb.ROLE_STATION))
    chk.eq([(m.cmd, m.body.epoch, m.body.reason) for m in ans], [(w.BYE, epoch, in_use("desk-1"))],
           "a second station desk-1: answers")
    for i in range(2):
        d, ans = p.send(cmd=w.HELLO, body=pb.Hello(peer_id="desk-1", role=pb.ROLE_STATION))
        chk.eq(ans, [], "the refused connection's HELLO number %d: answers" % (i + 2))
    d, ans = p.send(cmd=w.PAGE, body=w.new_page(c.image(10)), image=c.image(10))
    chk.eq([(m.cmd, m.body.credit_bytes) for m in ans], [(w.HEARTBEAT, 0)], "the refused connection's PAGE: answers")
    wk = b.worker("w1", store)
    u = first.add(c.image(1000))
    chk.eq(first.wait_gone([u]), ["deleted"], "the first desk-1's page")
    chk.eq(first.call(lambda x: (x.credit0_in_session, x.byes, [e for e in x.events if e[1] == "lost"])),
           ([], [], []), "the first desk-1 kept its session")

    # Two workers with one id: the second is refused once and gets no job.
    wtwin = b.conn("workers")
    wtwin.send(w.HELLO, pb.Hello(peer_id="w1", role=pb.ROLE_WORKER))
    m = wtwin.wait(lambda m: True, what="an answer to the twin worker")
    chk.check(isinstance(m, w.Msg) and m.cmd == w.BYE and m.body.reason == in_use("w1"),
              "a second worker w1: answered %r" % m)
    wtwin.send(w.HELLO, pb.Hello(peer_id="w1", role=pb.ROLE_WORKER))
    wtwin.send(w.READY, pb.Ready(capacity=1))
    wtwin.send(w.HEARTBEAT, pb.Heartbeat())   # the probe: answered credit 0, the twin has no session
    m = wtwin.wait(lambda m: True, what="the probe's answer")
    chk.check(sc.is_heartbeat(m, 0), "the twin worker's second HELLO, READY, HEARTBEAT: first answer %r" % m)
    u = first.add(c.image(1000, 2))
    chk.eq(first.wait_gone([u]), ["deleted"], "a page with the twin worker around")
    chk.eq(wk.job_count(), 2, "JOBs to the first w1")
    chk.eq([m for m in wtwin.since(0) if isinstance(m, w.Msg) and m.cmd == w.JOB], [], "JOBs to the twin")

    # A refused HELLO ends the session the connection had.
    x, _ = b.hello("desk-2", pb.ROLE_STATION, auto_heartbeat=True)
    p = c.Prober(x)
    d, ans = p.send(cmd=w.HELLO, body=pb.Hello(peer_id="desk-1", role=pb.ROLE_STATION))
    chk.eq([(m.cmd, m.body.reason) for m in ans], [(w.BYE, in_use("desk-1"))], "desk-2 says HELLO as desk-1")
    d, ans = p.send(cmd=w.HEARTBEAT, body=pb.Heartbeat(epoch=epoch))
    chk.eq([(m.cmd, m.body.credit_bytes) for m in ans], [(w.HEARTBEAT, 0)],
           "its HEARTBEAT afterwards (bound to neither): answers")
    y = b.conn()
    y.send(w.HELLO, pb.Hello(peer_id="desk-2", role=pb.ROLE_STATION))
    m = y.wait(lambda m: True, what="an answer to a new desk-2")
    chk.check(isinstance(m, w.Msg) and m.cmd == w.WELCOME, "a new connection as desk-2, whose old one is "
              "bound to nothing: answered %r" % m)

    # Rebinding after the old connection closed: queued pages stay, ACKs follow.
    wk.call(lambda c_: setattr(c_, "silent", True))   # no worker for now: pages stay queued
    wk.close()
    old, _ = b.hello("desk-3", pb.ROLE_STATION)
    pages = []
    for i in range(2):
        img = c.image(500, 10 + i)
        pg = w.new_page(img)
        pages.append(pg.page_uuid)
        old.send(w.PAGE, pg, img)
    old.probe()       # both taken
    old.close()
    new = b.conn(auto_heartbeat=True)
    m, before = c.hello_until_welcome(new, "desk-3", pb.ROLE_STATION)
    w2 = b.worker("w2", store)
    for u in pages:
        a = new.wait_cmd(w.ACK, pred=lambda m, u=u: m.body.page_uuid == u)
        chk.eq(a.body.status, pb.RESULT_STORED, "a page queued before the rebind: its ACK on the new connection")

    # Rebinding after silence: refused while the old one is live, welcomed once it is dead.
    old, _ = b.hello("desk-4", pb.ROLE_STATION, auto_heartbeat=True)
    new = b.conn()
    new.send(w.HELLO, pb.Hello(peer_id="desk-4", role=pb.ROLE_STATION))
    m = new.wait(lambda m: True, what="an answer to desk-4 while the first heartbeats")
    chk.check(isinstance(m, w.Msg) and m.cmd == w.BYE, "desk-4 again while the first is live: answered %r" % m)
    old.call(lambda x: setattr(x, "silent", True))      # the first falls silent
    m, before = c.hello_until_welcome(new, "desk-4", pb.ROLE_STATION)
    chk.eq([x for x in before if x.cmd != w.BYE], [], "answers but BYE to the new desk-4 before its WELCOME")

    # A worker rebinding keeps its page in hand: no other worker gets it.
    w2.leave()
    w3 = b.worker("w3", store, hold=True)
    src = b.source("desk-5")
    u = src.add(c.image(700, 5))
    j = w3.wait_job()
    chk.eq(j.page.page_uuid, u, "w3 holds the page")
    w4 = b.worker("w4", store)
    w3.call(lambda x: (x.reconnect(), x.say_hello()))       # a new connection, HELLO naming the page
    w3.until(lambda x: x.sockets_opened == 2 and x.state == "welcomed", what="w3 welcomed again")
    w3.finish()
    chk.eq(src.wait_gone([u]), ["deleted"], "the page w3 held across its new connection")
    chk.eq(w4.job_count(), 0, "JOBs to w4 meanwhile")
    chk.done()


c.run(main)
