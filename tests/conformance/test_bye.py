"""§10 BYE and shutdown:

- a BYE ends the session of its connection: what it sends afterwards is
  answered as from a connection without a session;
- a worker's BYE with a page in hand puts the page at the front of its
  queue without counting an attempt;
- a station's pages are still processed after its BYE: their ACKs go to it
  if it says HELLO again before they are done, else they are counted
  acks_unroutable, and the broker forgets the peer once it holds none of
  its pages;
- the first SIGTERM drains: PAGEs are dropped unanswered, no new JOB goes
  out, the RESULTs of the JOBs in flight are forwarded, then every peer
  gets BYE {epoch} and the broker exits 0 (after drain_timeout at the
  latest); a second signal ends it at once."""

import signal

import conform as c
import harness as h
import sohoaclient as sc
import wire as w
from wire import pb


def session_ends(chk):
    b = c.Broker()
    st, wel = b.hello("desk-1", pb.ROLE_STATION, auto_heartbeat=True)
    p = c.Prober(st)
    d, ans = p.send(cmd=w.BYE, body=pb.Bye(epoch=wel.epoch, reason="closing"))
    chk.eq(ans, [], "a station's BYE: answers")
    st.call(lambda x: setattr(x, "auto_heartbeat", False))
    d, ans = p.send(cmd=w.HEARTBEAT, body=pb.Heartbeat(epoch=wel.epoch))
    chk.eq([(m.cmd, m.body.credit_bytes) for m in ans], [(w.HEARTBEAT, 0)], "its HEARTBEAT after the BYE: answers")
    img = c.image(100)
    d, ans = p.send(cmd=w.PAGE, body=w.new_page(img), image=img)
    chk.eq((c.pick(d, "dropped_unknown_peer", "pages_in"), [(m.cmd, m.body.credit_bytes) for m in ans]),
           ({"dropped_unknown_peer": 1}, [(w.HEARTBEAT, 0)]), "its PAGE after the BYE: counters, answers")


def worker_bye(chk):
    b = c.Broker()
    store = sc.Store()
    w1 = b.worker("w1", store, hold=True)
    src = b.source("desk-1")
    u = src.add(c.image(800, 1))
    w1.wait_job()
    w1.call(lambda x: (x.transmit(w.BYE, pb.Bye(epoch=x.epoch, reason="draining")), setattr(x, "silent", True)))
    w2 = b.worker("w2", store)
    j = w2.wait_job()
    chk.eq((j.page.page_uuid, j.attempts), (u, 0), "the page of a worker that said BYE: w2's JOB (page, attempts)")
    chk.eq(src.wait_gone([u]), ["deleted"], "the page")


def station_bye(chk):
    b = c.Broker()
    store = sc.Store()
    # desk-1 says BYE and comes back before its pages are done: the ACKs go to it.
    st, wel = b.hello("desk-1", pb.ROLE_STATION, auto_heartbeat=True)
    pages = []
    for i in range(2):
        img = c.image(600, i)
        pg = w.new_page(img)
        st.send(w.PAGE, pg, img)
        pages.append(pg.page_uuid)
    st.send(w.BYE, pb.Bye(epoch=wel.epoch, reason="closing"))
    st.probe()
    st.close()
    back, _ = b.hello("desk-1", pb.ROLE_STATION, auto_heartbeat=True)
    # desk-2 says BYE and does not come back: its ACKs are unroutable.
    gone, wel = b.hello("desk-2", pb.ROLE_STATION, auto_heartbeat=True)
    img = c.image(600, 9)
    gone.send(w.PAGE, w.new_page(img), img)
    gone.send(w.BYE, pb.Bye(epoch=wel.epoch, reason="closing"))
    gone.probe()
    gone.close()
    peers = [p.peer_id for p in b.status(with_peers=True).peers]
    chk.check("desk-2" in peers, "the broker remembers desk-2 while it holds its page: %r" % peers)
    before = b.counters()
    b.worker("w1", store)
    for u in pages:
        a = back.wait_cmd(w.ACK, pred=lambda m, u=u: m.body.page_uuid == u)
        chk.eq(a.body.status, pb.RESULT_STORED, "desk-1's page, ACK after it came back")
    h.wait_for(lambda: c.delta(before, b.counters()).get("acks_unroutable") == 1, 20,
               what="desk-2's ACK counted unroutable")
    peers = [p.peer_id for p in b.status(with_peers=True).peers]
    chk.check("desk-2" not in peers, "the broker forgot desk-2, holding none of its pages: %r" % peers)


def drain(chk):
    b = c.Broker()
    store = sc.Store()
    w1 = b.worker("w1", store, hold=True)
    src = b.source("desk-1")
    p = src.add(c.image(800, 1))
    w1.wait_job()
    q = src.add(c.image(800, 2))
    src.until(lambda x: x.pages[q].state == "in flight", what="the second page sent")
    src.probe()
    b.proc.signal(signal.SIGTERM)
    h.wait_for(lambda: b.status().draining, 20, what="the broker to say it drains")
    epoch = src.epoch
    st, _ = b.hello("desk-2", pb.ROLE_STATION, auto_heartbeat=True)
    img = c.image(800, 3)
    r = w.new_page(img)
    _, ans = c.Prober(st).send(cmd=w.PAGE, body=r, image=img)
    chk.eq([m for m in ans if m.cmd == w.ACK], [], "a PAGE while draining: answers")
    w2 = b.worker("w2", store)
    w1.finish()
    src.wait_ack(p)
    chk.eq(src.outcome(p), "deleted", "the page in flight at the SIGTERM: its ACK forwarded")
    chk.eq(b.proc.wait(20), 0, "the broker's exit code")
    for cl in (src, w1, w2, st):
        chk.check(any(isinstance(m, w.Msg) and m.cmd == w.BYE and m.body.epoch == epoch for m in cl.since(0)),
                  "%s got BYE {epoch}" % cl.name)
    chk.eq(w2.job_count(), 0, "JOBs to a worker while draining")
    chk.eq(src.outcome(q), None, "the page queued at the SIGTERM: no ACK (still in its sender's spool)")


def drain_timeout(chk):
    b = c.Broker(sets=["broker.drain_timeout=1s"])
    w1 = b.worker("w1", hold=True)
    src = b.source("desk-1")
    src.add(c.image(800, 1))
    w1.wait_job()
    b.proc.signal(signal.SIGTERM)
    chk.eq(b.proc.wait(30), 0, "exit code after drain_timeout with a page in flight")
    chk.check(any(isinstance(m, w.Msg) and m.cmd == w.BYE for m in w1.since(0)), "the worker got BYE")


def second_signal(chk):
    b = c.Broker()      # drain_timeout 60 s
    w1 = b.worker("w1", hold=True)
    src = b.source("desk-2")
    src.add(c.image(800, 2))
    w1.wait_job()
    b.proc.signal(signal.SIGTERM)
    h.wait_for(lambda: b.status().draining, 20, what="the broker to say it drains")
    b.proc.signal(signal.SIGTERM)
    rc = b.proc.wait(20)
    chk.check(rc is not None, "the broker ends at a second signal, its drain_timeout (60 s) not over: exit %r" % rc)


c.run_scenarios(session_ends, worker_bye, station_bye, drain, drain_timeout, second_signal)
