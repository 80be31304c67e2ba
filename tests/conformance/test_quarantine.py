"""§7.4 quarantine counts only deaths alone:

- a worker silent past liveness while it holds a page, its witnesses (the
  other welcomed workers) still sending, died alone: the page's attempts
  grow by one (redispatched) and it goes to the front of its queue; at
  quarantine_after attempts (2 here) it is quarantined (counted once) and
  its next JOB says store_only;
- workers that go down together (the witness's session ends before it sends
  a frame) are not to blame: the page goes back with attempts unchanged;
- the only worker has no witness: each of its deaths counts."""

import conform as c
import harness as h
import sohoaclient as sc
from wire import pb


def broker():
    return c.Broker(sets=["broker.quarantine_after=2"])


def silence(wk):
    wk.call(lambda x: setattr(x, "silent", True))


def redispatched(b, n):
    h.wait_for(lambda: b.counters()["redispatched"] >= n, 30, what="%d page(s) redispatched" % n)


def alone(chk):
    b = broker()
    store = sc.Store()
    w1 = b.worker("w1", store, hold=True)
    w2 = b.worker("w2", store, hold=True)
    w3 = b.worker("w3", store)
    src = b.source("desk-1")
    u = src.add(c.image(1000, 1))
    chk.eq((w1.wait_job().page.page_uuid, w1.wait_job().attempts), (u, 0), "w1's JOB (page, attempts)")
    silence(w1)
    j = w2.wait_job(timeout=30)
    chk.eq((j.page.page_uuid, j.attempts, j.store_only), (u, 1, False),
           "after w1 died alone: w2's JOB (page, attempts, store_only)")
    silence(w2)
    j = w3.wait_job(timeout=30)
    chk.eq((j.page.page_uuid, j.attempts, j.store_only), (u, 2, True),
           "after w2 died alone: w3's JOB (page, attempts, store_only)")
    chk.eq(src.wait_gone([u]), ["deleted"], "the quarantined page, stored")
    chk.eq([a[1] for a in src.acks_for(u)], [pb.RESULT_STORED_FAILED], "its ACK")
    chk.eq(c.pick(b.counters(), "redispatched", "quarantined"), {"redispatched": 2, "quarantined": 1}, "counters")


def together(chk):
    b = broker()
    store = sc.Store()
    w1 = b.worker("w1", store, hold=True)
    w2 = b.worker("w2", store)
    src = b.source("desk-1")
    u = src.add(c.image(1000, 2))
    w1.wait_job()
    silence(w1)
    silence(w2)
    redispatched(b, 1)
    w3 = b.worker("w3", store)
    j = w3.wait_job(timeout=30)
    chk.eq((j.page.page_uuid, j.attempts), (u, 0), "after w1 and w2 went down together: w3's JOB (page, attempts)")
    chk.eq(src.wait_gone([u]), ["deleted"], "the page")


def only_worker(chk):
    b = broker()
    store = sc.Store()
    w1 = b.worker("w1", store, hold=True)
    src = b.source("desk-1")
    u = src.add(c.image(1000, 3))
    w1.wait_job()
    silence(w1)
    redispatched(b, 1)
    w1.call(lambda x: (setattr(x, "silent", False), setattr(x, "hold", False), setattr(x, "in_hand", None),
                       x.reconnect(), x.lose("restarted"), x.say_hello()))
    j = w1.wait_job(2, timeout=30)
    chk.eq((j.page.page_uuid, j.attempts), (u, 1), "the only worker's death counted: its next JOB (page, attempts)")
    chk.eq(src.wait_gone([u]), ["deleted"], "the page")


c.run_scenarios(alone, together, only_worker)
