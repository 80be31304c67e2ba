"""§7.1 a PAGE from a peer with a session, step by step (pages_in counts
every PAGE past step 2):

3. the class comes from the sender's role, not from Page.page_class, and
   the JOB's origin_id is the sender's HELLO peer_id, whatever it wrote;
4. a close record whose page_uuid is not the UUIDv5 of its batch: REJECTED
   "close record's page uuid is not the UUIDv5 of its batch", counted
   dropped_malformed;
5. the same page UUID queued or in flight: from the same peer dropped
   (dropped_duplicate, one ACK in the end); from other peers remembered, up
   to 8 senders, each answered when it is done: the outcome to those with
   the same content, RESEND "another copy of this page UUID was processed"
   to those with other content; a ninth sender gets nothing;
6. (1.3) never answered from the broker's memory of pages stored: a page
   stored already, with the same sha256 or another, goes to a worker,
   whose look-up answers (acks_from_cache stays 0);
8. a PAGE whose JOB would be over 65536 bytes: REJECTED "page header too
   large to pass to a worker", counted dropped_malformed; a body under
   65536 - 128 bytes goes through.

And (§7.1 step 3) invalid UTF-8 in a PAGE's strings reaches the worker as
U+FFFD, with Job.cleaned saying what was changed: the reference worker
(Python's protobuf, which refuses a body whose string is not UTF-8) parses
the JOB and stores the page."""

import conform as c
import sohoaclient as sc
import wire as w
from wire import pb

RESEND_REASON = "another copy of this page UUID was processed"


def acks_of(msgs, u):
    return [(m.body.status, m.body.reason) for m in msgs
            if isinstance(m, w.Msg) and m.cmd == w.ACK and m.body.page_uuid == u]


def class_and_origin(chk):
    b = c.Broker()
    st, _ = b.hello("desk-1", pb.ROLE_STATION, auto_heartbeat=True)
    im, _ = b.hello("imp-1", pb.ROLE_IMPORTER, auto_heartbeat=True)
    img = c.image(500)
    ps = w.new_page(img, page_class=pb.CLASS_BULK, origin_id="imp-1")
    pi = w.new_page(img, page_class=pb.CLASS_INTERACTIVE, origin_id="desk-1")
    st.send(w.PAGE, ps, img)
    im.send(w.PAGE, pi, img)
    st.probe()
    im.probe()
    wk = b.worker("w1")
    wk.wait_job(2)
    epoch = b.status().epoch
    chk.eq([j.epoch for j in wk.call(lambda x: x.jobs)], [epoch, epoch], "the epoch in the JOBs")
    got = {bytes(j.page.page_uuid): (j.page.page_class, j.page.origin_id) for j in wk.call(lambda x: x.jobs)}
    chk.eq(got.get(ps.page_uuid), (pb.CLASS_INTERACTIVE, "desk-1"), "the station's page in its JOB (class, origin)")
    chk.eq(got.get(pi.page_uuid), (pb.CLASS_BULK, "imp-1"), "the importer's page in its JOB (class, origin)")
    chk.eq(acks_of([st.wait_cmd(w.ACK)], ps.page_uuid), [(pb.RESULT_STORED, "")], "the station's ACK (routed to it)")
    chk.eq(acks_of([im.wait_cmd(w.ACK)], pi.page_uuid), [(pb.RESULT_STORED, "")], "the importer's ACK (routed to it)")


def close_uuid_check(chk):
    b = c.Broker()
    st, _ = b.hello("desk-1", pb.ROLE_STATION, auto_heartbeat=True)
    p = c.Prober(st)
    batch = c.uuid4()
    bad = w.close_record(batch, 3, page_uuid=c.uuid4())
    d, ans = p.send(cmd=w.PAGE, body=bad, image=b"")
    chk.eq(acks_of(ans, bad.page_uuid), [(pb.RESULT_REJECTED, "close record's page uuid is not the UUIDv5 of its batch")],
           "a close record with a UUIDv4: answers")
    chk.eq(c.pick(d, "pages_in", "dropped_malformed"), {"pages_in": 1, "dropped_malformed": 1},
           "a close record with a UUIDv4: counters")
    good = w.close_record(batch, 3)
    d, ans = p.send(cmd=w.PAGE, body=good, image=b"")
    chk.eq(acks_of(ans, good.page_uuid), [], "the close record with its UUIDv5: answers (queued)")
    wk = b.worker("w1")
    j = wk.wait_job()
    chk.eq((j.page.page_uuid, j.page.batch_close, j.page.batch_pages), (good.page_uuid, True, 3), "its JOB")
    chk.eq(acks_of([st.wait_cmd(w.ACK)], good.page_uuid), [(pb.RESULT_STORED, "")], "its ACK")


def duplicates(chk):
    b = c.Broker()
    srcs = [b.hello("desk-%d" % i, pb.ROLE_STATION, auto_heartbeat=True)[0] for i in range(10)]
    img = c.image(2000, 1)
    x = w.new_page(img)
    other = c.image(2000, 2)
    x2 = w.new_page(other, page_uuid=x.page_uuid, batch_uuid=x.batch_uuid)
    p0 = c.Prober(srcs[0])
    d, ans = p0.send(cmd=w.PAGE, body=x, image=img)
    chk.eq((d, ans), ({"pages_in": 1}, []), "the page: counters, answers")
    d, ans = p0.send(cmd=w.PAGE, body=x, image=img)
    chk.eq((d, ans), ({"pages_in": 1, "dropped_duplicate": 1}, []), "the page again from its sender")
    # Senders 2..8: remembered; desk-1 with other content.
    for i in range(1, 9):
        body, im = (x2, other) if i == 1 else (x, img)
        d, ans = c.Prober(srcs[i]).send(cmd=w.PAGE, body=body, image=im)
        chk.eq((d, ans), ({"pages_in": 1, "dropped_duplicate": 1}, []), "the page from desk-%d" % i)
    wk = b.worker("w1")
    wk.wait_job()
    want = {0: (pb.RESULT_STORED, ""), 1: (pb.RESULT_RESEND, RESEND_REASON)}
    srcs[0].wait_cmd(w.ACK, pred=lambda m: m.body.page_uuid == x.page_uuid)
    # The broker sent every sender its ACK as it took the RESULT: before it
    # answers a STATUS that each sends now.
    for i in range(8):
        srcs[i].probe()
        got = [m.body for m in srcs[i].since(0) if isinstance(m, w.Msg) and m.cmd == w.ACK
               and m.body.page_uuid == x.page_uuid]
        chk.eq([(a.status, a.reason) for a in got], [want.get(i, (pb.RESULT_STORED, ""))],
               "the ACKs to desk-%d, sender number %d of the page" % (i, i + 1))
        for a in got:
            if a.status == pb.RESULT_STORED:
                chk.eq(a.sha256, x.sha256, "the sha256 in the ACK to desk-%d" % i)
    chk.eq(wk.job_count(), 1, "JOBs for the page")
    # desk-9 was the ninth sender: nothing remembered for it.
    srcs[9].probe()
    chk.eq(acks_of(srcs[9].since(0), x.page_uuid), [], "ACKs to desk-9, the ninth sender")

    # In flight: the same.
    wk.call(lambda c_: setattr(c_, "hold", True))
    y = w.new_page(img, page_uuid=c.uuid4())
    srcs[0].send(w.PAGE, y, img)
    wk.wait_job(2)
    p0 = c.Prober(srcs[0])
    d, ans = p0.send(cmd=w.PAGE, body=y, image=img)
    chk.eq((d, acks_of(ans, y.page_uuid)), ({"pages_in": 1, "dropped_duplicate": 1}, []),
           "a page in flight again from its sender")
    wk.finish()
    srcs[0].wait_cmd(w.ACK, pred=lambda m: m.body.page_uuid == y.page_uuid)
    _, before = srcs[0].probe()
    chk.eq(acks_of(before, y.page_uuid), [], "a second ACK for the page in flight")

    # Two close records of one batch with other counts, from two peers.
    batch = c.uuid4()
    c3, c4 = w.close_record(batch, 3), w.close_record(batch, 4)
    srcs[2].send(w.PAGE, c3, b"")
    wk.wait_job(3)
    mark = srcs[3].mark()
    srcs[3].send(w.PAGE, c4, b"")
    srcs[3].probe()
    wk.finish()
    a3 = srcs[2].wait_cmd(w.ACK, pred=lambda m: m.body.page_uuid == c3.page_uuid)
    chk.eq(a3.body.status, pb.RESULT_STORED, "two close records of one batch, counts 3 and 4: the first's ACK")
    srcs[3].probe()
    chk.eq(acks_of(srcs[3].since(mark), c3.page_uuid), [(pb.RESULT_RESEND, RESEND_REASON)],
           "two close records of one batch, counts 3 and 4: the ACKs to the second")


def completed_cache(chk):
    b = c.Broker()
    store = sc.Store()
    wk = b.worker("w1", store)
    st, _ = b.hello("desk-1", pb.ROLE_STATION, auto_heartbeat=True)
    img = c.image(3000, 7)
    x = w.new_page(img)
    st.send(w.PAGE, x, img)
    a = st.wait_cmd(w.ACK)
    chk.eq((a.body.status, a.body.sha256), (pb.RESULT_STORED, x.sha256), "the page's first ACK")
    p = c.Prober(st)
    mark = st.mark()
    d, ans = p.send(cmd=w.PAGE, body=x, image=img)
    chk.eq(c.pick(d, "acks_from_cache"), {}, "the page again: not from the cache")
    a = st.wait(lambda m: isinstance(m, w.Msg) and m.cmd == w.ACK and m.body.page_uuid == x.page_uuid, start=mark)
    chk.eq((a.body.status, a.body.sha256), (pb.RESULT_STORED, x.sha256), "the page again: its ACK, from the worker")
    chk.eq(wk.job_count(), 2, "JOBs")
    # Same UUID, other content: to a worker, which has it with another hash.
    other = c.image(3000, 8)
    x2 = w.new_page(other, page_uuid=x.page_uuid, batch_uuid=x.batch_uuid)
    mark = st.mark()
    d, ans = p.send(cmd=w.PAGE, body=x2, image=other)
    chk.eq(c.pick(d, "acks_from_cache"), {}, "the page with other content: not from the cache")
    a = st.wait(lambda m: isinstance(m, w.Msg) and m.cmd == w.ACK and m.body.page_uuid == x.page_uuid, start=mark)
    chk.eq((a.body.status, a.body.sha256), (pb.RESULT_REJECTED, b""), "the page with other content: its ACK")
    chk.eq(wk.job_count(), 3, "JOBs")


def header_size(chk):
    b = c.Broker()
    wk = b.worker("w1")
    st, _ = b.hello("desk-1", pb.ROLE_STATION, auto_heartbeat=True)
    p = c.Prober(st)
    img = c.image(100, 9)

    def page_with_body(n):
        pg = w.new_page(img)
        pg.source_name = "x" * (n - len(pg.SerializeToString()) - 4)
        while len(pg.SerializeToString()) < n:
            pg.source_name += "x"
        while len(pg.SerializeToString()) > n:
            pg.source_name = pg.source_name[:-1]
        return pg

    big = page_with_body(w.BODY_MAX - 10)
    d, ans = p.send(cmd=w.PAGE, body=big, image=img)
    chk.eq(acks_of(ans, big.page_uuid), [(pb.RESULT_REJECTED, "page header too large to pass to a worker")],
           "a PAGE body of %d bytes: answers" % len(big.SerializeToString()))
    chk.eq(c.pick(d, "pages_in", "dropped_malformed"), {"pages_in": 1, "dropped_malformed": 1},
           "a PAGE body of %d bytes: counters" % len(big.SerializeToString()))
    ok = page_with_body(w.BODY_MAX - 128 - 1)
    st.send(w.PAGE, ok, img)
    a = st.wait_cmd(w.ACK, pred=lambda m: m.body.page_uuid == ok.page_uuid)
    chk.eq(a.body.status, pb.RESULT_STORED, "a PAGE body of %d bytes: its ACK" % len(ok.SerializeToString()))
    chk.eq(wk.job_count(), 1, "JOBs")
    chk.check(all(len(m.raw) <= w.BODY_MAX for m in wk.since(0) if isinstance(m, w.Msg)), "JOB bodies within 65536")


def string_field(number, raw):
    """One length-delimited protobuf field: number, raw bytes as its value."""
    n, key, out = len(raw), bytes([number << 3 | 2]), bytearray()
    while True:
        out.append(n & 0x7F | (0x80 if n > 0x7F else 0))
        n >>= 7
        if not n:
            return key + bytes(out) + raw


def invalid_utf8(chk):
    b = c.Broker()
    wk = b.worker("w1")
    st, _ = b.hello("desk-1", pb.ROLE_STATION, auto_heartbeat=True)
    img = c.image(500, 11)
    good = w.new_page(img, source_name="scan-\u1ea0.png", dossier_code="000.00.53.H48-240101-0007")
    bad = w.new_page(img)
    # Truncated, a lone continuation byte, overlong, a surrogate, past
    # U+10FFFF: every byte that starts no valid sequence is one U+FFFD.
    fields = {10: b"gr\xe9y", 14: b"000\xc3", 15: b"a\xed\xa0\x80b\xc0\x80\xf4\x90\x80\x80\xe1\xba\xa0.png"}
    body = bad.SerializeToString() + b"".join(string_field(k, v) for k, v in sorted(fields.items()))
    for pg, raw in ((good, good.SerializeToString()), (bad, body)):
        st.send(w.PAGE, raw, img)
        a = st.wait_cmd(w.ACK, pred=lambda m, u=pg.page_uuid: m.body.page_uuid == u)
        chk.eq(a.body.status, pb.RESULT_STORED, "the ACK of a page %s invalid UTF-8" % ("with" if pg is bad else "without"))
    chk.eq(wk.call(lambda x: x.malformed), 0, "JOBs the worker could not parse")
    jobs = {bytes(j.page.page_uuid): j for j in wk.call(lambda x: x.jobs)}
    j = jobs.get(good.page_uuid)
    chk.eq(j and (j.page.source_name, j.page.dossier_code, j.cleaned),
           ("scan-\u1ea0.png", "000.00.53.H48-240101-0007", ""), "the JOB of a page with valid strings")
    j = jobs.get(bad.page_uuid)
    chk.eq(j and (j.page.mode, j.page.dossier_code, j.page.source_name),
           ("gr\ufffdy", "000\ufffd", "a\ufffd\ufffd\ufffdb\ufffd\ufffd\ufffd\ufffd\ufffd\ufffd\u1ea0.png"),
           "the strings of a page with invalid UTF-8 in its JOB")
    chk.eq(j and j.cleaned, "mode: 1 byte of invalid UTF-8 replaced with U+FFFD; dossier_code: 1 byte of invalid "
           "UTF-8 replaced with U+FFFD; source_name: 9 bytes of invalid UTF-8 replaced with U+FFFD",
           "Job.cleaned of a page with invalid UTF-8")


c.run_scenarios(class_and_origin, close_uuid_check, duplicates, completed_cache, header_size, invalid_utf8)
