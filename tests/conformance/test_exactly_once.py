"""§13 writing a client: a page source and two workers that follow §13
(the reference client) deliver every page exactly once through a silent
connection drop (a TCP relay that stops relaying without closing: the
source hears nothing, gives up on the connection after liveness, opens a
new one, says HELLO and resends what was in flight) and a broker restart
(SIGKILL, a new epoch: the workers name their pages in hand, the source
resends): every page is acknowledged STORED with its own sha256 and
deleted once, none is set aside, every page is in the store, and no page
is done twice (the workers hold their pages at the restart, so no RESULT
is lost with the broker: §5.4 keeps the pages in hand from being done
again)."""

import random

import conform as c
import harness as h
import sohoaclient as sc

PAGES = 60


def main():
    chk = c.Checks()
    b = c.Broker()
    relay = c.Relay(b.stations)
    store = sc.Store()
    workers = [b.worker("w%d" % i, store, delay_ms=40) for i in (1, 2)]
    src = b.source("desk-1", endpoint=relay.endpoint, strict_hash=True)
    rnd = random.Random(16)
    us = [src.add(c.image(rnd.randrange(100, 30000), i)) for i in range(PAGES)]

    def gone():
        return src.call(lambda x: len(x.gone))

    def delivered(n):
        try:
            h.wait_for(lambda: gone() >= n, 20, what="%d pages delivered" % n)
        except h.TestFailure as e:
            raise h.TestFailure("%s; ACKs STORED with another sha256 or none so far: %d (§7.5)"
                                % (e, src.call(lambda x: x.acks_mismatch)))

    def hold(on):
        for wk in workers:
            wk.call(lambda x: setattr(x, "hold", on))

    # The workers stop with a page in hand each (the rest wait at the
    # broker), the source's connection falls silent, then they go on.
    delivered(15)
    hold(True)
    chk.eq(relay.silence(), 1, "connections silenced")
    src.until(lambda x: x.sockets_opened >= 2 and x.state == "welcomed", timeout=30,
              what="the source to give up on its silent connection and be welcomed on a new one")
    hold(False)
    for wk in workers:
        wk.call(lambda x: x._finish() if x.in_hand is not None else None)

    # Again, then the broker restarts, once the source has had the ACK of
    # every page stored (an ACK lost with the broker would have its page
    # done again: the new broker's completed cache is empty). One worker
    # answers before its HELLO, once the source has resent its page (else
    # the ACK would be unroutable and the page done again, §5.4 rule 3);
    # the other once it is welcomed again.
    delivered(30)
    hold(True)
    for wk in workers:
        wk.until(lambda x: x.in_hand is not None, what="a page in %s's hand" % wk.name)
    h.wait_for(lambda: gone() == len(store.pages), 20, what="the ACK of every page stored at the source")
    chk.check(src.call(lambda x: len(x.pages)) >= 10, "pages not yet delivered at the restart")
    first = workers[0].call(lambda x: (setattr(x, "silent", True), bytes(x.in_hand.body.page.page_uuid))[1])
    old = src.epoch
    b.restart()
    src.until(lambda x: x.state == "welcomed" and x.epoch != old and x.pages[first].sends >= 2, timeout=20,
              what="the source welcomed by the new broker and %s's page resent" % workers[0].name)
    src.probe()
    workers[0].call(lambda x: (setattr(x, "silent", False), setattr(x, "hold", False), x._finish()))
    workers[1].wait_welcomed(new_since=old)
    workers[1].call(lambda x: (setattr(x, "hold", False), x._finish()))
    outcomes = src.wait_gone(us, timeout=30)
    chk.eq(outcomes, ["deleted"] * PAGES, "every page's outcome at the source")
    chk.eq(src.call(lambda x: (x.acks_mismatch, sorted(set(x.deletions.values())))), (0, [1]),
           "ACKs with another sha256, deletions per page")
    hashes = src.call(lambda x: dict(x.hashes))
    chk.eq([u for u in us if store.pages.get(u) != hashes[u]], [], "pages not in the store with their sha256")
    twice = sorted(n for n in store.writes.values() if n > 1)
    print("pages done more than once: %r; events of the source: %r"
          % (twice, [(e[1], e[2]) for e in src.call(lambda x: x.events)]))
    chk.eq(twice, [], "how often the pages done more than once were done")
    relay.close()
    chk.done()


c.run(main)
