"""§5.4 after a broker start (the broker SIGKILLed and started again: a new
epoch, nothing known):

1. a worker's HELLO names its page in hand; that page, resent by its
   sender (or already queued when the HELLO comes), is in flight with that
   worker and goes to no other while it is live; STATUS shows it; should the
   worker say BYE, the page goes to the front of its queue; the same for a
   worker counted dead that comes back holding its page;
2. for liveness after the start no JOB goes out (PAGEs are taken
   meanwhile); a worker that has not said HELLO by then counts as gone;
3. a RESULT from a worker connection without a session is taken (not
   counted dropped_unknown_peer) and answered HEARTBEAT credit 0; its ACK
   goes to the page's sender from the broker's record, or by origin_id with
   Result.sha256 when the broker does not hold the page."""

import time

import conform as c
import harness as h
import sohoaclient as sc
import wire as w
from wire import pb

LIVENESS = 10          # a recovery window of 1 s


def worker_page(b, pid):
    for ps in b.status(with_peers=True).peers:
        if ps.peer_id == pid:
            return bytes(ps.page_uuid)
    return None


def page_in_hand(chk, wid, seed):
    """A broker, a worker wid holding a page of desk-1: (broker, store, worker, source, uuid, image)."""
    b = c.Broker(liveness=LIVENESS)
    store = sc.Store()
    wk = b.worker(wid, store, hold=True)
    src = b.source("desk-1")
    img = c.image(4000, seed)
    u = src.add(img)
    chk.eq(wk.wait_job().page.page_uuid, u, "%s's page" % wid)
    return b, store, wk, src, u, img


def named_page(chk):
    """1 and 2: the page in hand is named, and nothing is sent in the window."""
    b, store, w1, src, u, img = page_in_hand(chk, "w1", 1)
    window = b.liveness_s
    w2 = b.worker("w2", store)
    old_epoch = b.status().epoch
    t0 = b.restart()
    chk.check(b.status().epoch not in (0, old_epoch), "a new nonzero epoch after the restart (§5.1)")
    v = src.add(c.image(4000, 2))
    j = w2.wait_job(timeout=30)
    t_job = time.monotonic()
    chk.eq(j.page.page_uuid, v, "w2's first JOB after the restart (w1 named the other page in its HELLO)")
    chk.check(t_job - t0 >= window, "the first JOB came %.2f s after the start, within the recovery window "
              "of %.2f s" % (t_job - t0, window))
    chk.eq(worker_page(b, "w1"), u, "STATUS: the page w1 named in its HELLO")
    st = b.status()
    chk.eq(sum(cl.inflight_pages for cl in st.classes), 1, "pages in flight (w1's)")
    w1.finish()
    chk.eq(src.wait_gone([u, v]), ["deleted", "deleted"], "both pages")
    chk.eq(src.acks_for(u)[-1][1:], (pb.RESULT_STORED, "", w.sha256(img)), "the ACK of w1's page (from the record)")
    chk.eq([bytes(x.page.page_uuid) for x in w2.call(lambda x: x.jobs)], [v], "w2's JOBs")
    chk.eq(store.writes[u], 1, "times w1's page was processed")


def queued_first(chk):
    """1: the page is already queued when the HELLO naming it comes."""
    b, store, w1, src, u, img = page_in_hand(chk, "w1", 3)
    w1.call(lambda x: setattr(x, "silent", True))      # it will say HELLO late
    b.restart()
    src.until(lambda x: x.pages[u].sends >= 2, what="the page resent to the new broker")
    src.probe()
    w1.call(lambda x: (setattr(x, "silent", False), x.lose("the test"), x.say_hello()))
    h.wait_for(lambda: worker_page(b, "w1") == u, 20, what="w1 to hold the queued page after its HELLO")
    w3 = b.worker("w3", store)
    w1.finish()
    chk.eq(src.wait_gone([u]), ["deleted"], "the page w1 named after it was queued")
    chk.eq(w3.job_count(), 0, "JOBs to w3")


def named_then_bye(chk):
    """1: the worker that named the page says BYE: it goes to another, no attempt counted."""
    b, store, w3, src, u, img = page_in_hand(chk, "w3", 4)
    b.restart()
    h.wait_for(lambda: worker_page(b, "w3") == u, 20, what="w3 to name its page")
    w3.call(lambda x: (x.transmit(w.BYE, pb.Bye(epoch=x.epoch, reason="gone")), setattr(x, "silent", True)))
    w1 = b.worker("w1", store)
    j = w1.wait_job(timeout=30)
    chk.eq((j.page.page_uuid, j.attempts), (u, 0), "the page of the worker that said BYE: to w1, attempts")
    chk.eq(src.wait_gone([u]), ["deleted"], "that page")


def never_back(chk):
    """2: a worker that never says HELLO again counts as gone after the window."""
    b, store, w1, src, u, img = page_in_hand(chk, "w1", 5)
    w1.close()
    b.restart()
    w4 = b.worker("w4", store)
    chk.eq(w4.wait_job(timeout=30).page.page_uuid, u, "the page of a worker that did not come back: to w4")
    chk.eq(src.wait_gone([u]), ["deleted"], "that page")


def result_first_held(chk):
    """3: RESULT before HELLO, the broker holding the page (its sender resent it)."""
    b, store, w4, src, u, img = page_in_hand(chk, "w4", 6)
    w4.call(lambda x: setattr(x, "silent", True))
    b.restart()
    src.until(lambda x: x.pages[u].sends >= 2, what="the page resent to the new broker")
    src.probe()
    before = b.counters()
    mark = w4.mark()
    w4.call(lambda x: (setattr(x, "silent", False), x._finish()))   # the RESULT first, then whatever comes
    chk.eq(src.wait_gone([u]), ["deleted"], "a page answered by a RESULT before HELLO")
    chk.eq(src.acks_for(u)[-1][1:], (pb.RESULT_STORED, "", w.sha256(img)), "its ACK")
    m = w4.wait(lambda m: True, what="the broker's answer to the RESULT", start=mark)
    chk.check(sc.is_heartbeat(m, 0), "the answer to a RESULT without a session: %r" % m)
    chk.eq(c.delta(before, b.counters()).get("dropped_unknown_peer", 0), 0,
           "the RESULT is not counted dropped_unknown_peer")
    w4.wait_welcomed()


def result_first_unknown(chk):
    """3: RESULT before HELLO, the broker not holding the page: by origin_id, with Result.sha256."""
    b = c.Broker(liveness=LIVENESS)
    w4 = b.worker("w4")
    w4.call(lambda x: setattr(x, "silent", True))
    b.restart()
    bare, _ = b.hello("desk-2", pb.ROLE_STATION, auto_heartbeat=True)
    pid, bid, sha = c.uuid4(), c.uuid4(), w.sha256(b"stored elsewhere")
    w4.call(lambda x: (setattr(x, "silent", False),
                       x.transmit(w.RESULT, pb.Result(page_uuid=pid, status=pb.RESULT_STORED, origin_id="desk-2",
                                                      batch_uuid=bid, sha256=sha))))
    a = bare.wait_cmd(w.ACK)
    chk.eq((a.body.page_uuid, a.body.status, a.body.batch_uuid, a.body.sha256), (pid, pb.RESULT_STORED, bid, sha),
           "the ACK by origin_id of a page the broker does not hold")


def dead_then_back(chk):
    """1: a worker counted dead that reconnects still holding its page keeps it."""
    b = c.Broker()
    store = sc.Store()
    w1 = b.worker("w1", store, hold=True)
    w2 = b.worker("w2", store, hold=True)
    src = b.source("desk-1")
    u = src.add(c.image(3000, 7))
    chk.eq(w1.wait_job().page.page_uuid, u, "w1's page")
    q = src.add(c.image(3000, 8))
    chk.eq(w2.wait_job().page.page_uuid, q, "w2's page")
    w1.call(lambda x: setattr(x, "silent", True))
    h.wait_for(lambda: b.counters()["redispatched"] >= 1, 30, what="w1 counted dead, its page back in the queue")
    w1.call(lambda x: (setattr(x, "silent", False), x.reconnect(), x.lose("back"), x.say_hello()))
    h.wait_for(lambda: worker_page(b, "w1") == u, 20, what="w1 to hold its page again after its HELLO")
    w2.finish()
    r = src.add(c.image(3000, 9))
    chk.eq(w2.wait_job(2).page.page_uuid, r, "w2's next JOB (not the page w1 named)")
    w1.finish()
    w2.finish()
    chk.eq(src.wait_gone([u, q, r]), ["deleted"] * 3, "the pages")
    chk.eq(store.writes[u], 1, "times w1's page was processed")


c.run_scenarios(dead_then_back, named_page, queued_first, named_then_bye, never_back, result_first_held, result_first_unknown)
