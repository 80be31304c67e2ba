"""A page whose row an administrator deleted, sent again, is stored again:
the broker answers no PAGE from its memory of pages stored (proto/
PROTOCOL.md §7.1 step 6), only the worker's look-up in the store says a page
is stored. Before, the broker's completed cache acknowledged the repeat, the
sender deleted its copy, and the page was stored nowhere. Real broker
(completed cache on, its default), real sohoa-worker, PostgreSQL."""

import harness as h
from workerstack import WorkerStack, render


def rows(s, u):
    return s.pg.value("SELECT count(*) FROM page WHERE page_uuid = '%s'" % u, s.db)


def main():
    pages = render("clean")
    s = WorkerStack()
    w = s.worker("w1")

    spooled, events, _ = s.send([pages["clean"]], "desk")
    u = spooled[0]
    h.check_eq(events.get(u), [("stored", "")], "the page, first sent")
    h.check_eq(rows(s, u), "1", "rows of the page")

    # The administrator deletes it (its blobs go with it), then imports it again.
    s.pg.psql("DELETE FROM page WHERE page_uuid = '%s'" % u, s.db)
    h.check_eq(rows(s, u), "0", "rows after the delete")
    spooled2, events, stats = s.send([pages["clean"]], "desk")
    h.check_eq(spooled2, [u], "the same file has the same page UUID")
    h.check_eq([e[0] for e in events.get(u, [])], ["stored"], "the page sent again")
    h.check_eq(stats["spool_pages"], 0, "the sender's spool after the ACK")
    h.check_eq(rows(s, u), "1", "rows of the page after it was sent again: stored, not only acknowledged")
    h.check_eq(s.blob_kinds(u), ["pdf"], "its searchable PDF is back")
    h.check_eq(s.status()["counters"]["acks_from_cache"], 0, "ACKs from the broker's memory")

    # A plain repeat is still answered by the worker's look-up, without OCR.
    _, events, _ = s.send([pages["clean"]], "desk")
    h.check_eq([e[0] for e in events.get(u, [])], ["stored"], "the page a third time")
    h.wait_for(lambda: w.log().count("page %s: already stored with the same hash" % u) == 1, 10,
               "the worker's look-up answering the repeat")
    h.check_eq(rows(s, u), "1", "rows of the page after the repeat")


h.run_test(main)
