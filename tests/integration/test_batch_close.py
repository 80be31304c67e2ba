"""A batch's end travels as a close record (proto/PROTOCOL.md §7.6),
through the real broker, the real sohoa-worker and PostgreSQL: a batch of
N pages and its close record get a verdict with the right count, and no
page row is made for the record; the record sent again is acknowledged
stored and changes nothing; one with another count is rejected and
audited; pages that reach the store after the close are counted; and a
capture station's batch (sohoa-scand on the project's SANE backend) ends
with a verdict of its images. The broker's completed cache is off so
that every repeat reaches the worker."""

import uuid

from PIL import Image, ImageDraw

import harness as h
from scand import Station
from workerstack import WorkerStack

BATCH = "7d3c1a52-9e0b-4b6f-8a21-5c4e3f2d1b0a"
LATE = "0c9e8d7f-6a5b-4c3d-9e2f-1a0b9c8d7e6f"


def small_pages(tag, n):
    """n small PNGs, each of its own content (sohoa-sendfile names a page by it)."""
    out = []
    for i in range(n):
        img = Image.new("L", (600, 400), 255)
        y = 40 + 60 * (ord(tag[0]) - ord("a"))
        ImageDraw.Draw(img).rectangle([40 + 30 * i, y, 120 + 30 * i, y + 50], fill=0)
        p = h.path("%s-%d.png" % (tag, i + 1))
        img.save(p, dpi=(300, 300))
        out.append(p)
    return out


def verdict(s, batch, cols="expected_pages, pages_present, count_ok, computed_at"):
    rows = s.pg.query("SELECT %s FROM batch_verdict WHERE batch_uuid = '%s'" % (cols, batch), s.db)
    return rows[0] if rows else None


def close(s, batch, pages, *extra):
    """Send the close record of batch alone; returns (close uuid, its outcomes)."""
    spooled, events, _ = s.send([], "desk", "--batch-uuid", batch, "--close-batch", pages, *extra)
    h.check_eq(len(spooled), 1, "close records spooled")
    return spooled[0], events.get(spooled[0], [])


def audits(s, batch, action):
    return int(s.pg.value("SELECT count(*) FROM audit_log WHERE object_kind = 'batch' AND object_id = '%s'"
                          " AND action = '%s'" % (batch, action), s.db))


def main():
    s = WorkerStack(broker_sets=["broker.completed_cache=0"])
    w = s.worker("w1")

    # Three pages, then the close record: a verdict that counts them.
    spooled, events, _ = s.send(small_pages("a", 3), "desk", "--batch-uuid", BATCH)
    h.check_eq(len(spooled), 3, "pages spooled")
    h.check_eq([[e[0] for e in events.get(u, [])] for u in spooled], [["stored"]] * 3, "outcomes of the pages")
    h.check_eq(verdict(s, BATCH), None, "no verdict before the batch's end is known")
    cu, outcome = close(s, BATCH, 3, "--declared-sheets", 3, "--dossier", "000.00.53.H48-240101-0007")
    h.check_eq([o[0] for o in outcome], ["stored"], "the close record's outcome")
    v = verdict(s, BATCH, "expected_pages, declared_sheets, pages_present, pages_stored, sheets_present,"
                          " missing_sequences, count_ok, ok")
    h.check_eq(v, ["3", "3", "3", "3", "3", "{}", "t", "t"], "verdict after the close")
    h.check_eq(s.pg.query("SELECT expected_pages, declared_sheets, dossier_code FROM batch"
                          " WHERE batch_uuid = '%s'" % BATCH, s.db), [["3", "3", "000.00.53.H48-240101-0007"]],
               "the batch row after the close")
    h.check_eq(s.page(cu, "status"), None, "no page row for the close record")
    h.check_eq(s.pg.value("SELECT count(*) FROM page WHERE batch_uuid = '%s'" % BATCH, s.db), "3",
               "page rows of the batch")
    h.check_eq(audits(s, BATCH, "batch.closed"), 1, "the close is audited")
    h.check("close %s of batch %s: 3 images, 3 sheets declared: stored" % (cu, BATCH) in w.log(),
            "the worker logged the close:\n" + w.tail())
    computed = verdict(s, BATCH)[3]

    # The same record again: acknowledged stored, nothing changes.
    cu2, outcome = close(s, BATCH, 3, "--declared-sheets", 3, "--dossier", "000.00.53.H48-240101-0007")
    h.check_eq(cu2, cu, "the repeat has the close record's UUID")
    h.check_eq([o[0] for o in outcome], ["stored"], "the repeat's outcome")
    h.check("already closed" in w.log(), "the worker saw the repeat:\n" + w.tail())
    h.check_eq(verdict(s, BATCH)[3], computed, "the verdict is not recomputed by the repeat")
    h.check_eq(audits(s, BATCH, "batch.closed"), 1, "close audit entries after the repeat")

    # The same record with another count: rejected, audited, nothing changes.
    cu3, outcome = close(s, BATCH, 4)
    h.check_eq(cu3, cu, "same close UUID, another count")
    h.check_eq([o[0] for o in outcome], ["rejected"], "a close with another count")
    h.check("closed with another page count" in outcome[0][1], "reason: %r" % outcome)
    h.check_eq(verdict(s, BATCH)[:3], ["3", "3", "t"], "the verdict keeps the first count")
    h.check_eq(audits(s, BATCH, "batch.close_rejected"), 1, "the rejection is audited")

    # The close before its pages (another worker was slower): they are counted.
    _, outcome = close(s, LATE, 2)
    h.check_eq([o[0] for o in outcome], ["stored"], "a close that comes first")
    h.check_eq(verdict(s, LATE)[:3], ["2", "0", "f"], "verdict with no page yet")
    s.send(small_pages("b", 2), "desk", "--batch-uuid", LATE)
    h.check_eq(verdict(s, LATE)[:3], ["2", "2", "t"], "verdict once the pages came")
    h.check_eq(s.pg.value("SELECT count(*) FROM page", s.db), "5", "page rows in all")

    # A capture station's batch: pages and close from sohoa-scand.
    st = Station(s, scenario={"sheets": 2})
    st.wait_ready()
    r = st.scan("--sheets", "2", "--dossier", "000.00.53.H48-240101-0008")
    h.check_eq((r["end"], r["images"]), ("feeder-empty", "4"), "the station's batch")
    h.wait_for(lambda: st.spooled_files() == [], 120, "the station's spool empty")
    closes = st.closes(r["batch"])
    h.check_eq(list(closes), [r["batch"]], "the station spooled one close record")
    h.check_eq(str(uuid.UUID(closes[r["batch"]][0])),
               str(uuid.uuid5(uuid.UUID("5f0c1e7a-3b2d-4c8e-9a61-d4f2b7e08c35"), r["batch"] + "/close")),
               "the close UUID as PROTOCOL.md §7.6 derives it")
    v = verdict(s, r["batch"], "expected_pages, declared_sheets, pages_present, sheets_present, duplex, ok")
    h.check_eq(v, ["4", "2", "4", "2", "t", "t"], "the station batch's verdict")
    h.check_eq(s.page(closes[r["batch"]][0], "status"), None, "no page row for the station's close record")
    st.wait_event("batch-stored", r["batch"])
    h.check(w.running, "worker still serving")


h.run_test(main)
