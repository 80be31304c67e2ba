"""Stored once, through the real worker and PostgreSQL: the same page sent
twice is one row, and the repeat is acknowledged from the look-up before any
work (no OCR); the same page UUID with another image is rejected (the sender
sets it aside in rejected/, the row keeps the first hash); a payload damaged
after it was hashed is answered "resend", nothing is stored, and the sender,
finding its own spooled copy damaged, moves it to corrupt/. The broker's
completed cache is off so that every repeat reaches the worker."""

import hashlib
import os
import re

import harness as h
from workerstack import WorkerStack, render


def sha(path):
    return hashlib.sha256(open(path, "rb").read()).hexdigest()


def processed(w, uuid):
    """Lines of the worker's log that say the page went through the pipeline."""
    return re.findall(r"page %s: [a-z ]+ \(processed\)" % uuid, w.log())


def main():
    pages = render("clean", "colour_paper", "one_line")
    s = WorkerStack(broker_sets=["broker.completed_cache=0"])
    w = s.worker("w1")

    # The same page twice: one row, the repeat answered without OCR.
    spooled, events, stats = s.send([pages["clean"]], "desk")
    u = spooled[0]
    h.check_eq(events.get(u), [("stored", "")], "first send of the page")
    spooled2, events, stats = s.send([pages["clean"]], "desk")
    h.check_eq(spooled2, [u], "the repeat has the same page UUID")
    h.check_eq([e[0] for e in events.get(u, [])], ["stored"], "second send acknowledged stored")
    h.check_eq(stats["spool_pages"], 0, "spool empty after the repeat")
    h.check("page %s: already stored with the same hash: acknowledged without processing" % u in w.log(),
            "the worker answered the repeat from its look-up:\n" + w.tail())
    h.check_eq(len(processed(w, u)), 1, "times the page went through the pipeline")
    h.check_eq(s.pg.value("SELECT count(*) FROM page WHERE page_uuid = '%s'" % u, s.db), "1", "rows of the page")
    h.check_eq(s.status()["counters"]["acks_from_cache"], 0, "acks from the broker's cache (disabled)")

    # The same UUID with another image: rejected, set aside, first hash kept.
    _, events, stats = s.send([pages["colour_paper"]], "desk", "--page-uuid", u)
    h.check_eq([e[0] for e in events.get(u, [])], ["rejected"], "another image under the same UUID")
    h.check("stored with another hash" in events[u][0][1], "reason of the rejection: %r" % events[u])
    h.check_eq(stats["rejected"], 1, "pages the sender counted rejected")
    h.check_eq(os.listdir(h.path("spool-desk", "rejected")), [u + ".page"], "the sender's rejected/")
    h.check_eq(s.pg.value("SELECT encode(sha256, 'hex') FROM page WHERE page_uuid = '%s'" % u, s.db),
               sha(pages["clean"]), "the row keeps the first hash")
    h.check_eq(len(processed(w, u)), 1, "no OCR for the rejected image")
    h.check_eq(s.pg.value("SELECT count(*) FROM audit_log WHERE object_id = '%s' AND action = 'page.rejected'"
                          % u, s.db), "1", "the rejection is audited")

    # A payload damaged after hashing: resend, nothing stored, set aside as corrupt.
    spooled, events, stats = s.send([pages["one_line"]], "desk", "--corrupt-payload")
    bad = spooled[0]
    h.check_eq([e[0] for e in events.get(bad, [])], ["corrupt"], "outcome of the damaged page")
    h.check_eq(stats["corrupt"], 1, "pages the sender counted corrupt")
    h.check_eq(stats["stored"], 0, "damaged page not acknowledged stored")
    h.check_eq(os.listdir(h.path("spool-desk", "corrupt")), [bad + ".page"], "the sender's corrupt/")
    h.check("page %s: payload of" % bad in w.log() and "fails its SHA-256" in w.log(),
            "the worker saw the damage:\n" + w.tail())
    h.check_eq(s.pg.value("SELECT count(*) FROM page WHERE page_uuid = '%s'" % bad, s.db), "0",
               "nothing stored for the damaged page")
    h.check_eq(s.pg.value("SELECT count(*) FROM page", s.db), "1", "rows in all")
    h.check(w.running, "worker still serving")


h.run_test(main)
