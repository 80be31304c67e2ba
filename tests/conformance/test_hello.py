"""§5.2 HELLO first, §4 which endpoint takes what, §2 the broker's minor:

- a HELLO is answered WELCOME {epoch, max_frame_bytes, credit_bytes,
  heartbeat_ms, liveness} as configured, in a header of minor 2; a worker's
  credit is max_frame_bytes;
- from a connection without a session, anything but HELLO, STATUS, BYE (and
  RESULT on the worker endpoint) is counted dropped_unknown_peer and
  answered HEARTBEAT {epoch, credit_bytes 0}; a BYE is dropped unanswered;
  STATUS is answered;
- a HELLO with a role of the other endpoint is dropped as malformed;
- an ADMIN HELLO gets WELCOME {credit_bytes 0} and no session;
- a command an endpoint does not take, from a connection with a session,
  is dropped and counted dropped_malformed, unanswered."""

import uuid

import conform as c
import wire as w
from wire import pb

POOL_I, POOL_B, MAX_FRAME = 4 << 20, 8 << 20, 1 << 20


def some(cmd):
    """A well-formed message of each command, as a client could send it."""
    img = c.image(64)
    bodies = {
        w.WELCOME: pb.Welcome(epoch=1, max_frame_bytes=1, credit_bytes=1, heartbeat_ms=1, liveness=1),
        w.ACK: pb.Ack(epoch=1, page_uuid=uuid.uuid4().bytes, status=pb.RESULT_STORED),
        w.JOB: pb.Job(epoch=1, page=w.new_page(img)),
        w.STATUS_REPLY: pb.StatusReply(epoch=1),
        w.READY: pb.Ready(capacity=1),
        w.RESULT: pb.Result(page_uuid=uuid.uuid4().bytes, status=pb.RESULT_STORED, origin_id="nobody",
                            sha256=w.sha256(b"")),
        w.PAGE: w.new_page(img),
        w.STATUS: pb.StatusRequest(),
        w.HEARTBEAT: pb.Heartbeat(),
    }
    return w.encode(cmd, bodies[cmd], img if cmd in w.WITH_IMAGE else None)


def main():
    chk = c.Checks()
    b = c.Broker(max_frame_bytes=MAX_FRAME, sets=["broker.interactive_pool_bytes=%d" % POOL_I,
                                                  "broker.bulk_pool_bytes=%d" % POOL_B])
    epoch = b.status().epoch
    chk.check(epoch != 0, "the epoch is nonzero")

    # WELCOME, per role.
    for role, credit, ep in ((pb.ROLE_STATION, POOL_I, "stations"), (pb.ROLE_IMPORTER, POOL_B, "stations"),
                             (pb.ROLE_WORKER, MAX_FRAME, "workers")):
        cn = b.conn(ep)
        cn.send(w.HELLO, pb.Hello(peer_id="peer-%d" % role, role=role))
        m = cn.wait_cmd(w.WELCOME)
        chk.eq(m.body, pb.Welcome(epoch=epoch, max_frame_bytes=MAX_FRAME, credit_bytes=credit,
                                  heartbeat_ms=b.heartbeat_ms, liveness=b.liveness),
               "WELCOME to %s" % w.ROLE_NAMES[role])
        chk.eq(m.minor, w.MINOR, "the broker's minor (header byte 5)")
        cn.send(w.BYE, pb.Bye(epoch=epoch, reason="done"))

    # Before HELLO, station endpoint: dropped_unknown_peer and HEARTBEAT credit 0.
    cn = b.conn()
    p = c.Prober(cn)
    for cmd in (w.PAGE, w.HEARTBEAT, w.READY, w.RESULT, w.WELCOME, w.ACK, w.JOB, w.STATUS_REPLY):
        d, ans = p.send(some(cmd))
        chk.eq(d, {"dropped_unknown_peer": 1}, "%s without a session: counters" % w.NAMES[cmd])
        chk.eq([(m.cmd, m.body.epoch, m.body.credit_bytes) for m in ans], [(w.HEARTBEAT, epoch, 0)],
               "%s without a session: answers" % w.NAMES[cmd])
    d, ans = p.send(cmd=w.BYE, body=pb.Bye(reason="bye"))
    chk.eq(ans, [], "BYE without a session: answers")
    chk.check("dropped_unknown_peer" not in d, "BYE without a session is not counted as from an unknown peer: %r" % d)

    # Worker endpoint, before HELLO (probe: a HEARTBEAT's answer, credit 0).
    wk = b.conn("workers")
    for cmd in (w.PAGE, w.STATUS, w.READY, w.HEARTBEAT):
        before = b.counters()
        mark = wk.mark()
        wk.send_frames(some(cmd))
        m = wk.wait(lambda m: True, what="an answer to %s" % w.NAMES[cmd], start=mark)
        chk.check(c.sc.is_heartbeat(m, 0) and m.body.epoch == epoch,
                  "worker endpoint, %s without a session: answered %r" % (w.NAMES[cmd], m))
        chk.eq(c.delta(before, b.counters()), {"dropped_unknown_peer": 1},
               "worker endpoint, %s without a session: counters" % w.NAMES[cmd])

    # Roles belong to endpoints: dropped as malformed, no WELCOME.
    cn = b.conn()
    p = c.Prober(cn)
    d, ans = p.send(cmd=w.HELLO, body=pb.Hello(peer_id="w-on-stations", role=pb.ROLE_WORKER))
    chk.eq((d, ans), ({"dropped_malformed": 1}, []), "a WORKER HELLO on the station endpoint")
    for role in (pb.ROLE_STATION, pb.ROLE_IMPORTER, pb.ROLE_ADMIN):
        wk = b.conn("workers")
        before = b.counters()
        wk.send(w.HELLO, pb.Hello(peer_id="s-on-workers", role=role))
        wk.send(w.HEARTBEAT, pb.Heartbeat())
        m = wk.wait(lambda m: True, what="an answer")
        chk.check(c.sc.is_heartbeat(m, 0), "a %s HELLO on the worker endpoint, then a HEARTBEAT: first answer %r"
                  % (w.ROLE_NAMES[role], m))
        chk.eq(c.delta(before, b.counters()), {"dropped_malformed": 1, "dropped_unknown_peer": 1},
               "a %s HELLO on the worker endpoint (and the probe): counters" % w.ROLE_NAMES[role])

    # ADMIN: WELCOME with credit 0, no session.
    cn = b.conn()
    cn.send(w.HELLO, pb.Hello(peer_id="admin-1", role=pb.ROLE_ADMIN))
    m = cn.wait_cmd(w.WELCOME)
    chk.eq((m.body.epoch, m.body.credit_bytes), (epoch, 0), "WELCOME to an admin: epoch, credit")
    p = c.Prober(cn)
    for cmd in (w.HEARTBEAT, w.PAGE):
        d, ans = p.send(some(cmd))
        chk.eq(d, {"dropped_unknown_peer": 1}, "an admin's %s: counters" % w.NAMES[cmd])
        chk.eq([(m.cmd, m.body.credit_bytes) for m in ans], [(w.HEARTBEAT, 0)], "an admin's %s: answers" % w.NAMES[cmd])
    st = b.status(with_peers=True)
    chk.eq(st.stations, 0, "stations counted in STATUS (the admin is none)")
    chk.check(all(ps.peer_id != "admin-1" for ps in st.peers), "the admin is no peer of STATUS")

    # With a session: a command the endpoint does not take is dropped as malformed, unanswered.
    st_conn, _ = b.hello("desk-1", pb.ROLE_STATION, auto_heartbeat=True)
    p = c.Prober(st_conn)
    for cmd in (w.WELCOME, w.ACK, w.JOB, w.STATUS_REPLY, w.READY, w.RESULT):
        d, ans = p.send(some(cmd))
        chk.eq((d, ans), ({"dropped_malformed": 1}, []), "%s from a welcomed station" % w.NAMES[cmd])
    wk, wel = b.hello("w-1", pb.ROLE_WORKER, "workers", auto_heartbeat=True)
    for cmd in (w.PAGE, w.STATUS, w.WELCOME, w.ACK, w.JOB, w.STATUS_REPLY):
        before = b.counters()
        mark = wk.mark()
        wk.send_frames(some(cmd))
        wk.send(w.HELLO, pb.Hello(peer_id="w-1", role=pb.ROLE_WORKER))   # probe: WELCOME again
        wk.wait_cmd(w.WELCOME)
        chk.eq(c.sc.answers(wk.since(mark))[:-1], [], "%s from a welcomed worker: answers" % w.NAMES[cmd])
        chk.eq(c.delta(before, b.counters()), {"dropped_malformed": 1}, "%s from a welcomed worker: counters"
               % w.NAMES[cmd])
    chk.done()


c.run(main)
