"""The client side of the spec, checked on the project's own clients
(sohoa-testsource: lib/outbox and lib/link, the page source of sohoa-scand
and sohoactl import; sohoa-testworker: lib/workpeer, the worker's; sohoactl
status: the admin) against a fake broker that says exactly what the test
wants:

- §2.2 a source does not send an image over the max_frame_bytes its broker
  announced: the page waits for a session that states a larger one;
- §7.5 a source deletes its page on ACK STORED from a minor-2 broker only
  when the ACK's sha256 is its page's: another hash, or none, and it keeps
  the page and sends it again at its resend timer (not at once); from a
  minor-1 broker the ACK is taken as before;
- §5.2 a peer told HEARTBEAT credit 0 says HELLO, at most once per
  heartbeat interval; after a BYE it says HELLO no sooner than one
  heartbeat interval later;
- §7.3 a worker's RESULT STORED carries its page's sha256, and origin_id
  and batch_uuid copied from the JOB; a page that fails its hash is
  answered RESEND; §5.4 after a new epoch a busy worker names its page in
  HELLO, sends no READY, and its RESULT when done;
- §5.2 an admin (sohoactl status) sends no PAGE."""

import os
import time

import conform as c
import harness as h
import wire as w
from wire import pb

HB = 100
RESEND_MS = 1000
E1, E2, E3 = 1111, 2222, 3333


def welcome(fake, rid, epoch, max_frame=1 << 20, credit=1 << 30):
    """WELCOME rid, then heartbeat it (credit > 0) as a broker would."""
    fake.send(rid, w.WELCOME, pb.Welcome(epoch=epoch, max_frame_bytes=max_frame, credit_bytes=credit,
                                         heartbeat_ms=HB, liveness=50))
    fake.keepalive(rid, epoch, credit or 1 << 30, HB)


def maybe(chk, what, fn, *args, **kw):
    """fn(*args, **kw), or None and a failed check when it fails."""
    try:
        return fn(*args, **kw)
    except h.TestFailure as e:
        chk.check(False, "%s: %s" % (what, str(e).split(";")[0]))
        return None


def spooled(spool):
    """The pages in the spool (its lock file and folders are not pages)."""
    return sorted(p for p in os.listdir(spool) if p.endswith(".page"))


def is_cmd(cmd):
    return lambda m: isinstance(m, w.Msg) and m.cmd == cmd


def source(chk):
    fake = c.FakeBroker("fake-st")
    spool = h.path("spool")
    h.Proc("src", ["sohoa-testsource", "--endpoint", fake.endpoint, "--id", "desk-1", "--spool", spool,
                   "--pages", 3, "--size", 1000, "--heartbeat-ms", HB, "--resend-ms", RESEND_MS, "--wait",
                   "--timeout-ms", 120000])
    _, _, rid, hello = fake.wait_cmd(w.HELLO)
    chk.eq((hello.body.peer_id, hello.body.role), ("desk-1", pb.ROLE_STATION), "the source's HELLO")
    welcome(fake, rid, E1, max_frame=500)
    # A source sends what it may as soon as it is welcomed, before its
    # next HEARTBEAT: three HEARTBEATs later, no PAGE means none was let go.
    mark = fake.mark()
    for _ in range(3):
        _, _, rid, m = fake.wait_cmd(w.HEARTBEAT, start=fake.mark())
    chk.eq([m.cmd for m in fake.since(mark) if isinstance(m, w.Msg) and m.cmd == w.PAGE], [],
           "PAGEs over the announced max_frame_bytes of 500")
    chk.eq(m.body.epoch, E1, "the epoch in the source's HEARTBEAT")

    # A new epoch with a larger frame: HELLO, then the pages.
    mark = fake.mark()
    fake.send(rid, w.HEARTBEAT, pb.Heartbeat(epoch=E2, credit_bytes=1 << 30))
    _, _, rid, m = fake.wait_cmd(w.HELLO, start=mark)
    t_welcome = time.monotonic()        # no page is sent before this
    welcome(fake, rid, E2)
    i, _, rid, p1 = fake.wait_cmd(w.PAGE, start=mark)
    i, _, rid, p2 = fake.wait_cmd(w.PAGE, start=i + 1)
    fake.wait_cmd(w.PAGE, start=i + 1)      # the third stays unacknowledged: the source keeps running
    chk.eq(len(spooled(spool)), 3, "pages in the spool")

    # ACK STORED with another sha256 (p1), with none (p2): kept, and sent
    # again by the resend timer, not at once (§7.5): no sooner than
    # RESEND_MS after the WELCOME that let them go.
    mark = fake.mark()
    for pg, sha in ((p1, w.sha256(b"not it")), (p2, b"")):
        fake.send(rid, w.ACK, pb.Ack(epoch=E2, page_uuid=pg.body.page_uuid, status=pb.RESULT_STORED,
                                     batch_uuid=pg.body.batch_uuid, sha256=sha))
    for what, pg in (("another sha256", p1), ("no sha256", p2)):
        got = maybe(chk, "the page sent again after an ACK STORED with %s" % what, fake.wait_cmd, w.PAGE, 30,
                    mark, lambda m, u=pg.body.page_uuid: m.body.page_uuid == u)
        if got:
            chk.check(got[1] - t_welcome >= RESEND_MS / 1000.0,
                      "the page ACKed STORED with %s sent again %.2f s after its WELCOME, before its resend "
                      "timer of %d ms" % (what, got[1] - t_welcome, RESEND_MS))
    chk.eq(len(spooled(spool)), 3, "pages in the spool after ACKs STORED with another sha256 and with none")
    # The right hash: deleted.
    fake.send(rid, w.ACK, pb.Ack(epoch=E2, page_uuid=p1.body.page_uuid, status=pb.RESULT_STORED,
                                 batch_uuid=p1.body.batch_uuid, sha256=p1.body.sha256))
    h.wait_for(lambda: len(spooled(spool)) <= 2, 20, what="the page deleted on its own sha256")
    # A minor-1 broker's ACK has no hash: taken as before.
    fake.send(rid, w.ACK, pb.Ack(epoch=E2, page_uuid=p2.body.page_uuid, status=pb.RESULT_STORED,
                                 batch_uuid=p2.body.batch_uuid), minor=1)
    h.wait_for(lambda: len(spooled(spool)) == 1, 20, what="the page deleted on a minor-1 ACK")

    # Credit 0: HELLO, at most once per heartbeat interval.
    fake.keepalive(None, 0, 0, 0)
    mark = fake.mark()
    t0 = time.monotonic()
    for _ in range(30):
        fake.send(rid, w.HEARTBEAT, pb.Heartbeat(epoch=E2, credit_bytes=0))
    fake.wait_cmd(w.HELLO, start=mark)
    time.sleep(0.5)
    hellos = [m for m in fake.since(mark) if is_cmd(w.HELLO)(m)]
    limit = int((time.monotonic() - t0) * 1000 / HB) + 2
    chk.check(1 <= len(hellos) <= limit, "HELLOs after 30 HEARTBEATs with credit 0: %d (at most %d)"
              % (len(hellos), limit))
    _, _, rid, _ = fake.wait_cmd(w.HELLO, start=mark)
    welcome(fake, rid, E2)

    # BYE: HELLO again, no sooner than a heartbeat interval later.
    fake.keepalive(None, 0, 0, 0)
    mark = fake.mark()
    t_bye = time.monotonic()
    fake.send(rid, w.BYE, pb.Bye(epoch=E2, reason="go away"))
    _, t_hello, _, _ = fake.wait_cmd(w.HELLO, start=mark)
    chk.check(t_hello - t_bye >= HB / 1000.0, "HELLO %.3f s after a BYE, sooner than %d ms" % (t_hello - t_bye, HB))
    fake.close()


def worker(chk):
    fake = c.FakeBroker("fake-wk")
    store = h.path("store")
    store.mkdir()
    go = h.path("go")           # the worker holds a page while this file is missing
    go.touch()
    h.Proc("tw", ["sohoa-testworker", "--endpoint", fake.endpoint, "--id", "w1", "--store-dir", store,
                  "--hold-file", go])
    _, _, rid, hello = fake.wait_cmd(w.HELLO)
    chk.eq((hello.body.peer_id, hello.body.role, hello.body.page_uuid), ("w1", pb.ROLE_WORKER, b""),
           "the worker's HELLO")
    welcome(fake, rid, E1)
    fake.wait_cmd(w.READY)

    def job(seq, img, sha=None):
        pg = w.new_page(img, sequence=seq, origin_id="desk-9")
        if sha is not None:
            pg.sha256 = sha
        mark = fake.mark()
        fake.send(rid, w.JOB, pb.Job(epoch=E1, page=pg), img)
        return pg, mark

    img = c.image(700, 1)
    pg, mark = job(1, img)
    _, _, _, r = fake.wait_cmd(w.RESULT, start=mark)
    chk.eq((r.body.page_uuid, r.body.status, r.body.origin_id, r.body.batch_uuid, r.body.sha256),
           (pg.page_uuid, pb.RESULT_STORED, "desk-9", pg.batch_uuid, pg.sha256), "the RESULT of a page stored")
    pg, mark = job(2, img, sha=w.sha256(b"not it"))
    _, _, _, r = fake.wait_cmd(w.RESULT, start=mark)
    chk.eq((r.body.page_uuid, r.body.status), (pg.page_uuid, pb.RESULT_RESEND), "the RESULT of a page that fails its hash")

    # Busy (held until go exists) when a new epoch comes: HELLO names the
    # page, no READY. The worker reads the JOB before the HEARTBEAT behind it.
    go.unlink()
    pg, mark = job(3, c.image(700, 3))
    fake.send(rid, w.HEARTBEAT, pb.Heartbeat(epoch=E2, credit_bytes=1 << 20))
    _, _, rid, hello = fake.wait_cmd(w.HELLO, start=mark)
    chk.eq(hello.body.page_uuid, pg.page_uuid, "the busy worker's HELLO after a new epoch names its page")
    welcome_at = fake.mark()
    welcome(fake, rid, E2)
    # Its HEARTBEAT carries the epoch of its last WELCOME: once it says E2,
    # the WELCOME came while it was busy (a WELCOME after the page would
    # rightly have it say READY).
    fake.wait_cmd(w.HEARTBEAT, start=welcome_at, pred=lambda m: m.body.epoch == E2)
    go.touch()
    i, _, _, r = fake.wait_cmd(w.RESULT, start=mark)
    chk.eq((r.body.page_uuid, r.body.status, r.body.sha256), (pg.page_uuid, pb.RESULT_STORED, pg.sha256),
           "its RESULT")
    fake.send(rid, w.HEARTBEAT, pb.Heartbeat(epoch=E2, credit_bytes=1 << 20))
    time.sleep(0.3)
    chk.eq([m for m in fake.since(mark) if is_cmd(w.READY)(m)], [], "READYs from the busy worker")

    # Credit 0: HELLO (empty page_uuid, idle), then READY after the WELCOME.
    mark = fake.mark()
    fake.send(rid, w.HEARTBEAT, pb.Heartbeat(epoch=E2, credit_bytes=0))
    _, _, rid, hello = fake.wait_cmd(w.HELLO, start=mark)
    chk.eq(hello.body.page_uuid, b"", "the idle worker's HELLO after credit 0")
    welcome(fake, rid, E3)
    fake.wait_cmd(w.READY, start=mark)
    fake.close()


def admin(chk):
    fake = c.FakeBroker("fake-adm")
    p = h.Proc("adm", ["sohoactl", "status", "--broker", fake.endpoint, "--json"])
    i, _, rid, m = fake.wait(lambda m: isinstance(m, w.Msg) and m.cmd in (w.STATUS, w.HELLO), what="STATUS")
    if m.cmd == w.HELLO:
        chk.eq(m.body.role, pb.ROLE_ADMIN, "sohoactl status's HELLO role")
        welcome(fake, rid, E1, credit=0)
        i, _, rid, m = fake.wait_cmd(w.STATUS, start=i + 1)
    fake.send(rid, w.STATUS_REPLY, pb.StatusReply(epoch=E1))
    chk.eq(p.wait(20), 0, "sohoactl status's exit code")
    chk.eq([m for m in fake.since(0) if isinstance(m, w.Msg) and m.cmd == w.PAGE], [], "PAGEs from the admin")
    fake.close()


c.run_scenarios(source, worker, admin)
