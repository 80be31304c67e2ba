"""§5.2 and §2.2: a HEARTBEAT with credit_bytes 0 means "this connection
has no session here: say HELLO". The case that needs it: a frame over the
broker's ZMQ_MAXMSGSIZE (max_frame_bytes + 65536) makes libzmq drop the
connection silently; libzmq reconnects under a new routing id that the
broker does not know, and the client, which saw nothing, goes on. The
broker answers its next message with HEARTBEAT credit 0; a client that
follows §13 says HELLO, is welcomed and resends: nothing stalls."""

import conform as c
import sohoaclient as sc
import wire as w
from wire import pb


def main():
    chk = c.Checks()
    b = c.Broker(max_frame_bytes=65536)
    wk = b.worker("w1")
    src = b.source("desk-1", monitor=True)
    u1 = src.add(c.image(5000, 1))
    chk.eq(src.wait_gone([u1]), ["deleted"], "the first page")
    before = b.counters()

    # A frame over ZMQ_MAXMSGSIZE, as a broken sender would send it (the
    # reference client refuses such a page: it stays held).
    big = c.image(65536 + 65536 + 4096, 2)
    pg = w.new_page(big, origin_id="desk-1")
    src.send_frames(w.encode(w.PAGE, pg, big))
    src.until(lambda x: any(ev == 512 for _, ev in x.socket_events), what="libzmq to drop the connection")
    # (512 is ZMQ_EVENT_DISCONNECTED.)  libzmq reconnects by itself; the client knows nothing of it.
    src.until(lambda x: sum(1 for _, ev in x.socket_events if ev == 1) >= 2, what="libzmq to reconnect")
    chk.eq(src.call(lambda x: x.sockets_opened), 1, "sockets the client opened")

    # The next page goes out on the new connection, unknown to the broker.
    u2 = src.add(c.image(5000, 3))
    chk.eq(src.wait_gone([u2], timeout=20), ["deleted"], "a page after the drop")
    chk.check(src.call(lambda x: len(x.credit0_in_session)) >= 1,
              "the client was told HEARTBEAT credit 0 on the new connection")
    chk.check(sum(1 for e in src.call(lambda x: x.events) if e[1] == "welcome") >= 2,
              "the client said HELLO again and was welcomed")
    d = c.delta(before, b.counters())
    chk.check(d.get("dropped_unknown_peer", 0) >= 1, "the broker counted what came before HELLO: %r" % d)
    chk.eq(d.get("pages_in"), 1, "pages the broker took after the drop (the big one never reached it)")
    chk.eq(wk.call(lambda x: [bytes(j.page.page_uuid) for j in x.jobs]), [u1, u2], "pages the worker got")

    # A peer that is told credit 0 without having had a session says HELLO
    # too: a bare connection's HEARTBEAT is answered credit 0, whatever the epoch in it.
    cn = b.conn()
    cn.send(w.HEARTBEAT, pb.Heartbeat(epoch=12345, credit_bytes=99))
    m = cn.wait(lambda m: True, what="an answer to a stray HEARTBEAT")
    chk.check(sc.is_heartbeat(m, 0), "a HEARTBEAT from nowhere: answered %r" % m)
    chk.done()


c.run(main)
