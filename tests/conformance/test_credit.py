"""§6 flow control:

- credit = max(pool[class] / live peers of the class, max_frame_bytes), in
  WELCOME and restated in every HEARTBEAT as peers join; stations and
  importers have separate pools;
- per peer: a PAGE that would bring the bytes held for the peer (queued and
  in flight, from all its connections) over its credit, when it holds one
  page or more, is answered ACK BUSY "over the peer's credit" and counted
  dropped_over_credit;
- per class: a PAGE that would bring the class over pool + max_frame_bytes
  is answered BUSY "broker pool full";
- a resend of a page the broker holds is a duplicate, never BUSY (§7.1);
- an ACK frees the credit;
- §7.1 steps in order: the completed cache before the credit, the credit
  before the header check."""

import conform as c
import wire as w
from wire import pb

FRAME = 65536
POOL_I = 1 << 20
POOL_B = 1 << 19


def broker():
    return c.Broker(max_frame_bytes=FRAME, sets=["broker.interactive_pool_bytes=%d" % POOL_I,
                                                 "broker.bulk_pool_bytes=%d" % POOL_B])


def send_page(p, img):
    """Send a PAGE of img on the Prober's connection: (the Page, counters
    changed, the ACKs of that page that came before the probe's reply)."""
    pg = w.new_page(img)
    d, ans = p.send(cmd=w.PAGE, body=pg, image=img)
    return pg, d, acks(ans, pg)


def acks(ans, pg):
    return [(m.body.status, m.body.reason) for m in ans if m.cmd == w.ACK and m.body.page_uuid == pg.page_uuid]


def credits(chk):
    b = broker()
    s1 = b.source("desk-1")
    chk.eq(s1.welcome.credit_bytes, POOL_I, "a lone station's credit")
    s2 = b.source("desk-2")
    chk.eq(s2.welcome.credit_bytes, POOL_I // 2, "the credit of the second station")
    s1.wait_cmd(w.HEARTBEAT, pred=lambda m: m.body.credit_bytes == POOL_I // 2)
    imp = b.source("imp-1", role=pb.ROLE_IMPORTER)
    chk.eq(imp.welcome.credit_bytes, POOL_B, "a lone importer's credit (its own pool)")
    s3 = b.source("desk-3")
    chk.eq(s3.welcome.credit_bytes, POOL_I // 3, "the credit of the third station")
    s1.wait_cmd(w.HEARTBEAT, pred=lambda m: m.body.credit_bytes == POOL_I // 3)
    chk.eq(imp.call(lambda x: x.credit), POOL_B, "the importer's credit, stations joining")
    # Many importers: never less than max_frame_bytes.
    for i in range(2, 11):
        m, wel = b.hello("imp-%d" % i, pb.ROLE_IMPORTER, auto_heartbeat=True)
    chk.eq(wel.credit_bytes, FRAME, "the credit of the tenth importer (pool / 10 < max_frame_bytes)")


def per_peer(chk):
    b = broker()
    st, wel = b.hello("desk-1", pb.ROLE_STATION, auto_heartbeat=True)
    p = c.Prober(st)
    held = []
    for i in range(POOL_I // FRAME):
        pg, d, ans = send_page(p, c.image(FRAME, i))
        held.append(pg)
        chk.eq(ans, [], "page %d within the credit: answers" % (i + 1))
    pg, d, ans = send_page(p, c.image(1, 99))
    chk.eq(ans, [(pb.RESULT_BUSY, "over the peer's credit")], "a page over the credit: answers")
    chk.eq(c.pick(d, "pages_in", "dropped_over_credit"), {"pages_in": 1, "dropped_over_credit": 1},
           "a page over the credit: counters")
    d, ans = p.send(cmd=w.PAGE, body=held[3], image=c.image(FRAME, 3))
    chk.eq((acks(ans, held[3]), d), ([], {"pages_in": 1, "dropped_duplicate": 1}),
           "a page held resent at full credit: a duplicate")

    # From all its connections: a new connection of desk-1 finds its credit used.
    st.close()
    st2 = b.conn(auto_heartbeat=True)
    c.hello_until_welcome(st2, "desk-1", pb.ROLE_STATION)
    p = c.Prober(st2)
    img = c.image(100, 100)
    pg, d, ans = send_page(p, img)
    chk.eq(ans, [(pb.RESULT_BUSY, "over the peer's credit")], "a page on desk-1's new connection: answers")

    # ACKs free the credit.
    b.worker("w1")
    for x in held:
        a = st2.wait_cmd(w.ACK, pred=lambda m, x=x: m.body.page_uuid == x.page_uuid)
        chk.eq(a.body.status, pb.RESULT_STORED, "a held page's ACK")
    mark = st2.mark()
    d, ans = p.send(cmd=w.PAGE, body=pg, image=img)
    chk.eq([a for a in acks(ans, pg) if a[0] == pb.RESULT_BUSY], [], "the BUSY page again, its credit freed: BUSY")
    a = st2.wait(lambda m: isinstance(m, w.Msg) and m.cmd == w.ACK and m.body.page_uuid == pg.page_uuid, start=mark)
    chk.eq(a.body.status, pb.RESULT_STORED, "the BUSY page resent: its ACK")


def per_class(chk):
    b = broker()
    s1, _ = b.hello("desk-1", pb.ROLE_STATION, auto_heartbeat=True)
    p1 = c.Prober(s1)
    for i in range(POOL_I // FRAME):
        pg, d, ans = send_page(p1, c.image(FRAME, i))
        chk.eq(ans, [], "desk-1's page %d: answers" % (i + 1))
    s2, wel = b.hello("desk-2", pb.ROLE_STATION, auto_heartbeat=True)
    chk.eq(wel.credit_bytes, POOL_I // 2, "desk-2's credit")
    p2 = c.Prober(s2)
    pg, d, ans = send_page(p2, c.image(FRAME, 50))
    chk.eq(ans, [], "desk-2's first page, the class at pool + max_frame_bytes: answers")
    pg, d, ans = send_page(p2, c.image(FRAME, 51))
    chk.eq(ans, [(pb.RESULT_BUSY, "broker pool full")], "desk-2's second page, over the class: answers")
    chk.eq(c.pick(d, "pages_in", "dropped_over_credit"), {"pages_in": 1, "dropped_over_credit": 1},
           "desk-2's second page: counters")
    imp, _ = b.hello("imp-1", pb.ROLE_IMPORTER, auto_heartbeat=True)
    pg, d, ans = send_page(c.Prober(imp), c.image(FRAME, 52))
    chk.eq(ans, [], "an importer's page, the interactive pool full: answers")


def steps_in_order(chk):
    """§7.1: a page stored already takes credit like any other (step 6,
    1.3: no answer from the completed cache); BUSY (step 7) comes before the
    header check (step 8)."""
    b = broker()
    wk = b.worker("w1")
    st, wel = b.hello("desk-1", pb.ROLE_STATION, auto_heartbeat=True)
    img = c.image(FRAME, 1000)
    done = w.new_page(img)
    st.send(w.PAGE, done, img)
    st.wait_cmd(w.ACK, pred=lambda m: m.body.page_uuid == done.page_uuid)
    wk.leave()
    p = c.Prober(st)
    for i in range(POOL_I // FRAME):
        send_page(p, c.image(FRAME, i))
    d, ans = p.send(cmd=w.PAGE, body=done, image=img)
    chk.eq(acks(ans, done), [(pb.RESULT_BUSY, "over the peer's credit")],
           "a stored page again, the credit used up: BUSY, not answered from the cache")
    chk.eq(c.pick(d, "acks_from_cache", "dropped_over_credit"), {"dropped_over_credit": 1},
           "a stored page again, the credit used up: counters")
    small = c.image(10, 1001)
    big = w.new_page(small, source_name="x" * (w.BODY_MAX - 200))
    d, ans = p.send(cmd=w.PAGE, body=big, image=small)
    chk.eq(acks(ans, big), [(pb.RESULT_BUSY, "over the peer's credit")],
           "a page with a header too large for a JOB, the credit used up: BUSY first")


c.run_scenarios(credits, per_peer, per_class, steps_in_order)
