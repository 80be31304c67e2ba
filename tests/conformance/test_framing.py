"""§2.1 checks on receipt, §3 versions, §9 bad input: every malformed case
is dropped, counted once in dropped_malformed, never answered, and the
socket stays in sync (a STATUS sent right after it on the same connection is
answered); the same on a connection without a session, where an answer
would be a HEARTBEAT with credit 0; on the worker endpoint for RESULT and
HELLO; and every minor and unknown body fields are accepted."""

import uuid

import conform as c
import wire as w
from wire import pb

HB = w.header()


def page_body(img, **kw):
    return w.new_page(img, **kw).SerializeToString()


def malformed_cases(max_frame):
    """(what, frames) of messages that fail a check of §2.1, from a DEALER."""
    img = c.image(100)
    good_page = page_body(img)
    hb = pb.Heartbeat(epoch=1).SerializeToString()
    cases = [
        ("1: 6 parts with the routing id", [HB, bytes([w.HEARTBEAT]), hb, b"x", b"y"]),
        ("1: 7 parts with the routing id", [HB, bytes([w.PAGE]), good_page, img, b"x", b"y"]),
        ("2: empty header frame", [b"", bytes([w.HEARTBEAT]), hb]),
        ("2: header 'SOHA' of 4 bytes", [b"SOHA", bytes([w.HEARTBEAT]), hb]),
        ("2: header 'SOH'", [b"SOH", bytes([w.HEARTBEAT]), hb]),
        ("2: header without the signature", [b"XOHA\x01\x02", bytes([w.HEARTBEAT]), hb]),
        ("2: major 1, header of 5 bytes", [b"SOHA\x01", bytes([w.HEARTBEAT]), hb]),
        ("2: major 1, header of 7 bytes", [b"SOHA\x01\x02\x00", bytes([w.HEARTBEAT]), hb]),
        ("3: no command frame", [HB]),
        ("3: empty command frame", [HB, b"", hb]),
        ("3: command frame of 2 bytes", [HB, bytes([w.HEARTBEAT, 0]), hb]),
        ("4: command 0", [HB, b"\x00", hb]),
        ("4: command 12 in 2 frames", [HB, b"\x0c"]),
        ("4: command 255 in 4 frames", [HB, b"\xff", hb, b"img"]),
        ("5: HEARTBEAT in 2 frames", [HB, bytes([w.HEARTBEAT])]),
        ("5: HEARTBEAT in 4 frames", [HB, bytes([w.HEARTBEAT]), hb, b""]),
        ("5: PAGE in 3 frames", [HB, bytes([w.PAGE]), good_page]),
        ("6: body of 65537 bytes", [HB, bytes([w.HEARTBEAT]), b"\x00" * (w.BODY_MAX + 1)]),
        ("6: image one byte over max_frame_bytes",
         [HB, bytes([w.PAGE]), page_body(c.image(max_frame + 1)), c.image(max_frame + 1)]),
        ("7: body that does not parse", [HB, bytes([w.HEARTBEAT]), b"\xff"]),
        ("7: body cut in a length-delimited field", [HB, bytes([w.PAGE]), b"\x0a\x10abc", img]),
        ("8: over-long zero tag in a HEARTBEAT", [HB, bytes([w.HEARTBEAT]), b"\x80\x00\x01"]),
        ("8: over-long zero tag in a PAGE", [HB, bytes([w.PAGE]), good_page + b"\x80\x00\x01", img]),
        ("8: PAGE page_uuid of 15 bytes", [HB, bytes([w.PAGE]), page_body(img, page_uuid=b"u" * 15), img]),
        ("8: PAGE batch_uuid of 17 bytes", [HB, bytes([w.PAGE]), page_body(img, batch_uuid=b"b" * 17), img]),
        ("8: PAGE sha256 of 31 bytes", [HB, bytes([w.PAGE]), page_body(img, sha256=b"s" * 31), img]),
        ("8: PAGE without page_uuid", [HB, bytes([w.PAGE]), page_body(img, page_uuid=b""), img]),
        ("8: PAGE image_bytes not the image's length",
         [HB, bytes([w.PAGE]), page_body(img, image_bytes=101), img]),
        ("8: close record with an image",
         [HB, bytes([w.PAGE]), page_body(img, batch_close=True), img]),
        ("8: PAGE page_class 7", [HB, bytes([w.PAGE]), page_body(img, page_class=7), img]),
        ("8: PAGE side 9", [HB, bytes([w.PAGE]), page_body(img, side=9), img]),
    ]
    return cases


def hello_cases():
    def hello(**kw):
        h = pb.Hello(peer_id="desk-x", role=pb.ROLE_STATION)
        for k, v in kw.items():
            setattr(h, k, v)
        return [HB, bytes([w.HELLO]), h.SerializeToString()]
    return [
        ("8: HELLO with an empty peer_id", hello(peer_id="")),
        ("8: HELLO with a peer_id of 65 characters", hello(peer_id="d" * 65)),
        ("8: HELLO with a control character in peer_id", hello(peer_id="desk\x01")),
        ("8: HELLO with a non-ASCII peer_id", hello(peer_id="b\u00e0n")),
        ("8: HELLO with role 0", hello(role=0)),
        ("8: HELLO with role 9", hello(role=9)),
        ("8: HELLO with a page_uuid of 3 bytes", hello(page_uuid=b"abc")),
        ("8: HELLO with a field number 0", [HB, bytes([w.HELLO]),
                                            pb.Hello(peer_id="desk-x", role=1).SerializeToString() + b"\x80\x00\x01"]),
    ]


def result_cases():
    def result(**kw):
        r = pb.Result(page_uuid=uuid.uuid4().bytes, status=pb.RESULT_STORED, origin_id="desk-1",
                      batch_uuid=uuid.uuid4().bytes, sha256=w.sha256(b"x"))
        for k, v in kw.items():
            setattr(r, k, v)
        return [HB, bytes([w.RESULT]), r.SerializeToString()]
    return [
        ("8: RESULT page_uuid of 15 bytes", result(page_uuid=b"u" * 15)),
        ("8: RESULT status INVALID", result(status=pb.RESULT_INVALID)),
        ("8: RESULT status BUSY", result(status=pb.RESULT_BUSY)),
        ("8: RESULT status 9", result(status=9)),
        ("8: RESULT with a field number 0", result()[:2] + [result()[2] + b"\x80\x00\x01"]),
        ("5: RESULT in 4 frames", result() + [b""]),
    ]


def main():
    chk = c.Checks()
    b = c.Broker(max_frame_bytes=65536)

    # On a connection with a session (station endpoint): each case is
    # dropped, counted once, unanswered, and the next message is served.
    sess, _ = b.hello("desk-1", pb.ROLE_STATION, auto_heartbeat=True)
    p = c.Prober(sess)
    for what, frames in malformed_cases(b.max_frame_bytes):
        d, ans = p.send(frames)
        chk.eq(d, {"dropped_malformed": 1}, "with a session, %s: counters" % what)
        chk.eq(ans, [], "with a session, %s: answers" % what)
    chk.check(sess.call(lambda cn: cn.sockets_opened) == 1, "one connection throughout")

    # The same cases from a connection without a session: a well-formed
    # message would be answered HEARTBEAT credit 0; a malformed one is not
    # answered at all (§9), and counted as malformed, not as unknown peer.
    fresh = b.conn()
    p = c.Prober(fresh)
    # The control: a well-formed HEARTBEAT there is answered with credit 0.
    d, ans = p.send(cmd=w.HEARTBEAT, body=pb.Heartbeat())
    chk.eq(d, {"dropped_unknown_peer": 1}, "control: a HEARTBEAT without a session: counters")
    chk.eq([(m.cmd, m.body.credit_bytes) for m in ans], [(w.HEARTBEAT, 0)],
           "control: a HEARTBEAT without a session: answers")
    for what, frames in malformed_cases(b.max_frame_bytes) + hello_cases():
        d, ans = p.send(frames)
        chk.eq(d, {"dropped_malformed": 1}, "without a session, %s: counters" % what)
        chk.eq(ans, [], "without a session, %s: answers" % what)
        if any(m.cmd == w.WELCOME for m in ans):   # a session after all: go on without it
            fresh = b.conn()
            p = c.Prober(fresh)

    # Worker endpoint, no session: a well-formed RESULT is taken and answered
    # HEARTBEAT credit 0 (§5.4); malformed ones are dropped unanswered.
    wk = b.conn("workers")
    before = b.counters()
    for what, frames in result_cases() + hello_cases():
        mark = wk.mark()
        wk.send_frames(frames)
        wk.send(w.HEARTBEAT, pb.Heartbeat())   # the probe: answered HEARTBEAT credit 0
        wk.wait(lambda m: c.sc.is_heartbeat(m, 0), what="the probe's answer", start=mark)
        got = wk.since(mark)
        chk.eq(len(got), 1, "worker endpoint, %s: answers (the probe's only): %r" % (what, got))
        after = b.counters()
        chk.eq(c.delta(before, after), {"dropped_malformed": 1, "dropped_unknown_peer": 1},
               "worker endpoint, %s: counters" % what)
        before = after

    # §3: every minor is accepted; unknown fields are ignored.
    for minor in (0, 1, 7, 255):
        cn = b.conn()
        cn.send(w.HELLO, pb.Hello(peer_id="minor-%d" % minor, role=pb.ROLE_STATION), minor=minor)
        m = cn.wait(lambda m: True, what="an answer to a HELLO of minor %d" % minor)
        chk.check(isinstance(m, w.Msg) and m.cmd == w.WELCOME, "HELLO of minor %d: answered %r" % (minor, m))
    cn = b.conn()
    body = pb.Hello(peer_id="new-fields", role=pb.ROLE_STATION).SerializeToString() + b"\xf8\x06\x05" + b"\x82\x07\x02hi"
    cn.send(w.HELLO, body, minor=9)
    m = cn.wait(lambda m: True, what="an answer to a HELLO with unknown fields")
    chk.check(isinstance(m, w.Msg) and m.cmd == w.WELCOME, "HELLO with unknown fields 111, 112: answered %r" % m)
    # A PAGE with an unknown field, of a later minor, goes through.
    src = b.source("desk-new")
    wk2 = b.worker("w1")
    img = c.image(300, 1)
    pg = w.new_page(img, origin_id="desk-new")
    src.send(w.PAGE, pg.SerializeToString() + b"\xf8\x06\x05", img, minor=9)
    ack = src.wait_cmd(w.ACK)
    chk.eq((ack.body.page_uuid, ack.body.status), (pg.page_uuid, pb.RESULT_STORED),
           "a PAGE of minor 9 with an unknown field: its ACK")
    chk.eq(wk2.job_count(), 1, "JOBs for it")

    # What the broker sent all along passed the checks of §2.1 at the client.
    for cl in (sess, fresh, wk, src, wk2):
        chk.eq(cl.call(lambda x: x.malformed), 0, "malformed messages from the broker to %s" % cl.name)
    chk.done()


c.run(main)
