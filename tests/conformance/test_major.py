"""§3 another major version: a message with the SOHA signature and a major
other than 1 is dropped and counted (dropped_malformed) whatever the rest
of it looks like, and answered BYE {epoch, "unsupported protocol major
version"} once per connection, not once per message: a new connection gets
its own BYE. On both endpoints. Unlike every other BYE, this one ends no
session (§3, §10), and nor does a peer's BYE in another major, which
cannot be read: a welcomed station and an idle worker that said BYE in
another major keep their sessions (the station's HEARTBEAT is not answered
with credit 0, its PAGE is taken; the worker is still idle and gets the
JOB)."""

import conform as c
import wire as w
from wire import pb

REASON = "unsupported protocol major version"


def other_majors():
    hb = pb.Heartbeat(epoch=1).SerializeToString()
    return [
        ("major 2", [b"SOHA\x02\x00", bytes([w.HEARTBEAT]), hb]),
        ("major 0", [b"SOHA\x00\x02", bytes([w.HEARTBEAT]), hb]),
        ("major 2 with a header of 9 bytes", [b"SOHA\x02\x00\x00\x00\x00", b"\x01"]),
        ("major 3, header of 5 bytes, alone", [b"SOHA\x03"]),
        ("major 255, command 99 in 4 frames", [b"SOHA\xff\x00", b"\x63", b"", b"x"]),
    ]


def bye_in(major):
    """A BYE whose header says another major."""
    return [b"SOHA" + bytes([major, 0]), bytes([w.BYE]), pb.Bye(reason="leaving").SerializeToString()]


def byes(msgs):
    return [m for m in msgs if isinstance(m, w.Msg) and m.cmd == w.BYE]


def main():
    chk = c.Checks()
    b = c.Broker()
    epoch = b.status().epoch

    # Station endpoint, no session: one BYE for the connection, every message counted.
    for n in range(2):   # a second connection gets its own BYE
        cn = b.conn()
        p = c.Prober(cn)
        got = []
        for what, frames in other_majors():
            d, ans = p.send(frames)
            chk.eq(d, {"dropped_malformed": 1}, "connection %d, %s: counters" % (n + 1, what))
            got += ans
            chk.check(all(m.cmd == w.BYE for m in ans), "connection %d, %s: answers %r" % (n + 1, what, ans))
        bs = byes(got)
        chk.eq(len(bs), 1, "connection %d: BYEs for %d messages of another major" % (n + 1, len(other_majors())))
        if bs:
            chk.eq((bs[0].body.epoch, bs[0].body.reason), (epoch, REASON), "connection %d: the BYE" % (n + 1))

    # A welcomed station and an idle worker that say BYE in another major:
    # one BYE each from the broker, and their sessions stay (§3, §10).
    wk, _ = b.hello("w1", pb.ROLE_WORKER, endpoint="workers", auto_heartbeat=True)
    wk.send(w.READY, pb.Ready(capacity=1))
    st, wel = b.hello("desk-1", pb.ROLE_STATION, auto_heartbeat=True)
    p = c.Prober(st)
    d, ans = p.send(bye_in(2))
    chk.eq([(m.cmd, m.body.reason) for m in ans], [(w.BYE, REASON)], "a welcomed station's other major: answers")
    d, ans = p.send(cmd=w.HEARTBEAT, body=pb.Heartbeat(epoch=wel.epoch))
    chk.eq((c.pick(d, "dropped_unknown_peer"), [(m.cmd, m.body.credit_bytes) for m in ans]), ({}, []),
           "after that BYE, the station's HEARTBEAT (counted, answered)")
    mark = wk.mark()
    wk.send_frames(bye_in(0))
    wk.send(w.HEARTBEAT, pb.Heartbeat(epoch=wel.epoch))
    img = c.image(300)
    pg = w.new_page(img)
    d, ans = p.send(cmd=w.PAGE, body=pg, image=img)
    chk.eq((c.pick(d, "pages_in", "dropped_unknown_peer"), ans), ({"pages_in": 1}, []),
           "after that BYE, the station's PAGE (counted, answered)")
    job = wk.wait_cmd(w.JOB)
    chk.eq(job.body.page.page_uuid, pg.page_uuid, "after its BYE, the idle worker's JOB")
    chk.eq([(m.cmd, m.body.reason if m.cmd == w.BYE else m.body.credit_bytes)
            for m in c.sc.answers(wk.since(mark)) if m.cmd != w.JOB], [(w.BYE, REASON)],
           "what the worker got but its JOB and heartbeats")
    wk.send(w.RESULT, pb.Result(page_uuid=pg.page_uuid, status=pb.RESULT_STORED, origin_id="desk-1",
                                batch_uuid=pg.batch_uuid, sha256=pg.sha256))
    a = st.wait_cmd(w.ACK)
    chk.eq((a.body.page_uuid, a.body.status, a.body.sha256), (pg.page_uuid, pb.RESULT_STORED, pg.sha256),
           "the station's ACK, through the kept sessions")

    # Worker endpoint: the same, one BYE per connection.
    before = b.counters()
    wk = b.conn("workers")
    for what, frames in other_majors():
        wk.send_frames(frames)
    wk.send(w.HEARTBEAT, pb.Heartbeat())    # answered HEARTBEAT credit 0: everything before it has arrived
    wk.wait(lambda m: c.sc.is_heartbeat(m, 0), what="the probe's answer")
    got = wk.since(0)
    chk.eq([(m.cmd, m.body.reason) for m in byes(got)], [(w.BYE, REASON)], "worker endpoint: BYEs")
    chk.eq(c.delta(before, b.counters()), {"dropped_malformed": len(other_majors()), "dropped_unknown_peer": 1},
           "worker endpoint: counters")
    chk.done()


c.run(main)
