"""§9 bad input: the broker keeps serving everyone else.

- malformed messages are logged once per connection, not once per
  message (a new connection is logged again);
- a peer that stops reading (its pipe full: EAGAIN on the broker's sends)
  costs only its own messages: the broker never blocks on it, and another
  station's pages go through meanwhile;
- a peer flooding junk does not hold up another station's pages."""

import conform as c
import harness as h
import sohoaclient as sc
import wire as w
import zmq
from wire import pb


def log_once(chk):
    b = c.Broker()
    for n in range(2):
        before = len(b.proc.log().splitlines())
        cn = b.conn()
        p = c.Prober(cn)
        for i in range(50):
            cn.send_frames([b"junk %d" % i, b"x"])
        d, _ = p.settle()
        chk.eq(d, {"dropped_malformed": 50}, "connection %d: 50 junk messages counted" % (n + 1))
        added = [x for x in b.proc.log().splitlines()[before:] if "malformed" in x]
        chk.eq(len(added), 1, "connection %d: lines logged for 50 junk messages: %r" % (n + 1, added))
        cn.close()


def full_peer(chk):
    b = c.Broker()
    wk = b.worker("w1")
    src = b.source("desk-1")
    f = sc.context().socket(zmq.DEALER)
    f.setsockopt(zmq.LINGER, 0)
    f.setsockopt(zmq.RCVHWM, 1)
    f.setsockopt(zmq.RCVBUF, 4096)
    f.connect(b.stations)
    n = 20000
    try:
        req = w.encode(w.STATUS, pb.StatusRequest(with_peers=True))
        for i in range(n):
            f.send_multipart(req)
            if i % 500 == 0:
                f.send_multipart([b"junk"])
        # The broker handles the flood; meanwhile, and after, desk-1 is served.
        us = [src.add(c.image(2000, i)) for i in range(20)]
        chk.eq(src.wait_gone(us, timeout=60), ["deleted"] * 20, "desk-1's pages while a peer does not read")
        h.wait_for(lambda: b.counters()["dropped_malformed"] >= n // 500, 60, what="the whole flood handled")
        st = b.status()
        chk.eq(st.counters.pages_in, 20, "pages_in")
        got = 0
        while f.poll(200):
            f.recv_multipart()
            got += 1
        chk.check(got < n, "the broker dropped what the full peer could not take (%d of %d replies came)" % (got, n))
    finally:
        f.close(0)
    chk.eq(wk.call(lambda x: x.malformed + src.malformed), 0, "malformed messages to the others")


c.run_scenarios(log_once, full_peer)
