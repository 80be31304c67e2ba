"""§7.2 dispatch order, one page per idle worker:

1. interactive pages (stations) go before bulk pages (importers), whatever
   came first;
2. within a class, round robin among the peers with queued pages, the head
   of each peer's FIFO (so each peer's pages in the order it sent them);
3. the worker chosen is the least recently used idle one."""

import conform as c
import harness as h
import sohoaclient as sc
import wire as w
from wire import pb


def send_pages(cn, n, seed):
    out = []
    for i in range(n):
        img = c.image(700, seed + i)
        pg = w.new_page(img)
        cn.send(w.PAGE, pg, img)
        out.append(bytes(pg.page_uuid))
    cn.probe()
    return out


def order(chk):
    b = c.Broker()
    imp, _ = b.hello("imp-1", pb.ROLE_IMPORTER, auto_heartbeat=True)
    bulk = send_pages(imp, 3, 0)
    a, _ = b.hello("desk-a", pb.ROLE_STATION, auto_heartbeat=True)
    bb, _ = b.hello("desk-b", pb.ROLE_STATION, auto_heartbeat=True)
    pa = send_pages(a, 3, 10)
    pb_ = send_pages(bb, 3, 20)
    wk = b.worker("w1")
    wk.wait_job(9)
    got = [bytes(j.page.page_uuid) for j in wk.call(lambda x: x.jobs)]
    owner = {u: "a" for u in pa}
    owner.update({u: "b" for u in pb_})
    owner.update({u: "imp" for u in bulk})
    seq = [owner[u] for u in got]
    chk.eq(seq[6:], ["imp"] * 3, "the bulk pages last (order of senders: %s)" % seq)
    chk.check(seq[:6] in (["a", "b"] * 3, ["b", "a"] * 3), "round robin between desk-a and desk-b: %s" % seq)
    chk.eq([u for u in got if owner[u] == "a"], pa, "desk-a's pages in its order")
    chk.eq([u for u in got if owner[u] == "b"], pb_, "desk-b's pages in its order")
    chk.eq([u for u in got if owner[u] == "imp"], bulk, "imp-1's pages in its order")


def lru(chk):
    b = c.Broker()
    store = sc.Store()
    workers = []
    for i in range(3):
        workers.append(b.worker("w%d" % (i + 1), store))
        h.wait_for(lambda: b.status().workers_idle == i + 1, 20, what="%d idle workers" % (i + 1))
    src = b.source("desk-1")
    chosen = []
    for i in range(5):
        u = src.add(c.image(700, 100 + i))
        src.wait_gone([u])
        chosen.append([wk.peer_id for wk in workers if any(bytes(j.page.page_uuid) == u for j in wk.jobs)])
    chk.eq(chosen, [["w1"], ["w2"], ["w3"], ["w1"], ["w2"]], "the worker of each page, one at a time")


c.run_scenarios(order, lru)
