"""§7.3 RESULTs and §7.5 statuses:

- a RESULT is forwarded as ACK {epoch, page_uuid, status, reason,
  batch_uuid, sha256} to the page's sender; REJECTED and RESEND carry no
  sha256;
- a RESULT STORED or STORED_FAILED for a page the broker holds that names
  another sha256, or none, is not forwarded: counted dropped_malformed, and
  the page goes back to its queue with an attempt counted at once;
- the broker takes a RESULT for any page from any worker: one from a worker
  that does not hold the page is forwarded, and the holder's later RESULT
  with the same status and sha256 is not forwarded again;
- a RESULT for a page the broker does not hold goes to Result.origin_id
  (acks_unroutable when that peer has no session);
- a READY from a worker holding a page is a death with the page."""

import conform as c
import harness as h
import sohoaclient as sc
import wire as w
from wire import pb


def acks(src, u):
    return [a for a in src.acks_for(u)]


def wrong_hash(chk):
    b = c.Broker()
    store = sc.Store()
    for status, sha, what in ((pb.RESULT_STORED, w.sha256(b"other"), "STORED with another sha256"),
                              (pb.RESULT_STORED, b"", "STORED without sha256"),
                              (pb.RESULT_STORED_FAILED, w.sha256(b"other"), "STORED_FAILED with another sha256")):
        bad = {"left": 1}

        def result(job, status=status, sha=sha, bad=bad):
            if bad["left"]:
                bad["left"] -= 1
                return status, "", sha
            return store.put(job.page, job.store_only)
        wk = b.worker("w-" + what.split()[0] + str(len(sha)), store, result=result)
        src = b.source("desk-" + str(len(b.clients)))
        before = b.counters()
        img = c.image(1500, len(b.clients))
        u = src.add(img)
        chk.eq(src.wait_gone([u]), ["deleted"], "%s: the page in the end" % what)
        jobs = wk.call(lambda x: [(bytes(j.page.page_uuid), j.attempts) for j in x.jobs])
        chk.eq(jobs, [(u, 0), (u, 1)], "%s: the JOBs (page, attempts)" % what)
        chk.eq([(a[1], a[3]) for a in acks(src, u)], [(pb.RESULT_STORED, w.sha256(img))],
               "%s: the ACKs to the source" % what)
        d = c.delta(before, b.counters())
        chk.eq(c.pick(d, "dropped_malformed", "redispatched"), {"dropped_malformed": 1, "redispatched": 1},
               "%s: counters" % what)
        wk.leave()
        src.bye()


def any_worker(chk):
    b = c.Broker()
    store = sc.Store()
    w1 = b.worker("w1", store, hold=True)
    src = b.source("desk-1")
    img = c.image(1500, 1)
    u = src.add(img)
    j = w1.wait_job()
    w2 = b.worker("w2", store)
    w2.send(w.RESULT, pb.Result(page_uuid=u, status=pb.RESULT_STORED, origin_id="desk-1",
                                batch_uuid=j.page.batch_uuid, sha256=w.sha256(img)))
    chk.eq(src.wait_gone([u]), ["deleted"], "a page answered by a worker that did not hold it")
    w1.finish()
    w1.until(lambda x: any(cmd == w.RESULT for _, cmd in x.sent), what="w1's RESULT sent")
    _, before = src.probe()
    src.probe()
    chk.eq(len(acks(src, u)), 1, "ACKs to the source (the holder's RESULT is not forwarded again)")


def ack_fields(chk):
    b = c.Broker()
    store = sc.Store()
    outcomes = iter([(pb.RESULT_RESEND, "database away", b""), (pb.RESULT_REJECTED, "another hash", b"")])
    wk = b.worker("w1", store, result=lambda job: next(outcomes))
    st, wel = b.hello("desk-1", pb.ROLE_STATION, auto_heartbeat=True)
    img = c.image(900, 2)
    pg = w.new_page(img)
    st.send(w.PAGE, pg, img)
    a = st.wait_cmd(w.ACK)
    chk.eq(a.body, pb.Ack(epoch=wel.epoch, page_uuid=pg.page_uuid, status=pb.RESULT_RESEND, reason="database away",
                          batch_uuid=pg.batch_uuid), "the ACK of a RESEND")
    st.send(w.PAGE, pg, img)
    a = st.wait_cmd(w.ACK)
    chk.eq(a.body, pb.Ack(epoch=wel.epoch, page_uuid=pg.page_uuid, status=pb.RESULT_REJECTED, reason="another hash",
                          batch_uuid=pg.batch_uuid), "the ACK of a REJECTED")
    # A RESULT for a page the broker does not hold: to origin_id, or unroutable.
    pid, bid, sha = c.uuid4(), c.uuid4(), w.sha256(b"x")
    wk.send(w.RESULT, pb.Result(page_uuid=pid, status=pb.RESULT_STORED_FAILED, reason="r", origin_id="desk-1",
                                batch_uuid=bid, sha256=sha))
    a = st.wait_cmd(w.ACK)
    chk.eq(a.body, pb.Ack(epoch=wel.epoch, page_uuid=pid, status=pb.RESULT_STORED_FAILED, reason="r",
                          batch_uuid=bid, sha256=sha), "the ACK of a page the broker does not hold, by origin_id")
    before = b.counters()
    wk.send(w.RESULT, pb.Result(page_uuid=c.uuid4(), status=pb.RESULT_STORED, origin_id="nobody",
                                batch_uuid=bid, sha256=sha))
    h.wait_for(lambda: c.delta(before, b.counters()).get("acks_unroutable") == 1, 10,
               what="acks_unroutable for a RESULT to a peer without a session")


def ready_while_busy(chk):
    b = c.Broker()
    store = sc.Store()
    wk = b.worker("w1", store, hold=True)
    src = b.source("desk-1")
    u = src.add(c.image(800, 3))
    wk.wait_job()
    before = b.counters()
    wk.call(lambda x: (setattr(x, "in_hand", None), setattr(x, "hold", False),
                       x.transmit(w.READY, pb.Ready(capacity=1))))
    chk.eq(src.wait_gone([u]), ["deleted"], "the page of a worker that said READY holding it")
    chk.eq(wk.call(lambda x: [(bytes(j.page.page_uuid), j.attempts) for j in x.jobs]), [(u, 0), (u, 1)],
           "the JOBs (page, attempts): the READY was a death with the page")
    chk.eq(c.pick(c.delta(before, b.counters()), "redispatched"), {"redispatched": 1}, "counters")


c.run_scenarios(wrong_hash, any_worker, ack_fields, ready_while_busy)
