"""A page's header comes from a peer, and a header the schema would refuse
never loses the page: through the real broker and sohoa-worker, a page
whose source_name is not UTF-8 is stored processed with U+FFFD in its name
and the change in its audit entry; one whose header says 1e9 dpi, on an
image that says none, is read at the worker's default dpi; one whose
sequence and sheet are 4294967295 is stored failed, raw, saying so, and
never rejected; a page the schema refuses even so (a CHECK constraint added
here) is stored again with only what identifies it, failed with the
server's error; a close record whose count is 4294967295 is audited and
answered stored_failed, its batch left open. A worker whose database is
not migrated runs no OCR, says the SQLSTATE once, answers "resend" only
after a pause that grows (the sender does not spin), and stores the page
once the database is migrated."""

import hashlib
import json
import os
import re
import time

from PIL import Image, ImageDraw

import harness as h
from workerstack import SENDFILE, WorkerStack, parse_send, render

BATCH_BIG = "5b1f7c30-2d4e-4a8b-9c6d-0e1f2a3b4c5d"


def named_copy(src, raw_name):
    """src copied under a file name of raw bytes (not UTF-8); returns its str path."""
    d = os.fsencode(str(h.path()))
    p = os.path.join(d, raw_name)
    with open(p, "wb") as f:
        f.write(src.read_bytes())
    return os.fsdecode(p)


def small_page(name, x):
    """A small PNG of its own content (sohoa-sendfile names a page by it)."""
    img = Image.new("L", (600, 400), 255)
    ImageDraw.Draw(img).rectangle([x, 40, x + 160, 90], fill=0)
    img.save(h.path(name), dpi=(300, 300))
    return h.path(name)


def send(s, files, *extra):
    """sohoa-sendfile as a Proc: its argv may hold names that are not UTF-8,
    which h.run() cannot write into its log."""
    s.sends += 1
    p = h.Proc("send-%d" % s.sends, [SENDFILE, "--endpoint", s.stations, "--id", "desk", "--spool",
                                     h.path("spool-desk"), "--wait"] + list(extra) + list(files))
    p.expect_exit(0, timeout=120)
    return parse_send(p.out())


def audit(s, u):
    rows = s.pg.query("SELECT action, detail FROM audit_log WHERE object_id = '%s' ORDER BY audit_id" % u, s.db)
    return [(a, json.loads(d)) for a, d in rows]


def main():
    pages = render("clean", "one_line")
    s = WorkerStack()
    w = s.worker("w1")

    # A name that is not UTF-8: stored processed, the name cleaned.
    bad_name = named_copy(pages["one_line"], b"scan-\xff\xfe-1.png")
    spooled, events, _ = send(s, [bad_name], "--batch-uuid", "1d2c3b4a-0000-4000-8000-000000000001",
                              "--dossier", " 000.00.53.h48-240101-0007 ")
    u = spooled[0]
    h.check_eq([e[0] for e in events.get(u, [])], ["stored"], "outcome of a page named in bytes not UTF-8")
    name, text = s.page(u, "source_name, length(ocr_text) > 10")
    h.check(name.endswith("scan-\ufffd\ufffd-1.png"), "source_name with U+FFFD: %r" % name)
    h.check_eq(text, "t", "the page was processed")
    h.check_eq(s.page(u, "dossier_code")[0], "000.00.53.H48-240101-0007", "dossier code trimmed, upper case")
    a = audit(s, u)
    h.check_eq(a[0][0], "page.stored", "audit action")
    h.check("source_name: 2 bytes of invalid UTF-8 replaced with U+FFFD" in (a[0][1].get("cleaned") or ""),
            "the cleaning in the audit entry: %r" % a[0][1])

    # A header dpi that no scanner has, on an image that states none: the
    # page is read at the worker's default, not at the header's 1e9 dpi.
    img = Image.new("L", (600, 400), 255)
    ImageDraw.Draw(img).rectangle([120, 40, 280, 90], fill=0)
    img.save(h.path("no-dpi.png"))
    spooled, events, _ = send(s, [h.path("no-dpi.png")], "--batch-uuid", "1d2c3b4a-0000-4000-8000-000000000004",
                              "--dpi", "1000000000")
    u = spooled[0]
    h.check_eq([e[0] for e in events.get(u, [])], ["stored"], "outcome of a page whose header says 1e9 dpi")
    h.check_eq(s.page(u, "dpi"), ["300"], "dpi of a page whose header says 1e9 and whose image says none")
    h.check("dpi 1000000000 out of range, dropped" in (audit(s, u)[0][1].get("cleaned") or ""),
            "the dropped dpi in the audit entry: %r" % audit(s, u))

    # Sequence and sheet 4294967295 (and the name): stored failed, raw.
    bad_seq = named_copy(pages["clean"], b"seq-\xc3-2.png")
    spooled, events, _ = send(s, [bad_seq], "--sequence", "4294967295", "--last", "--dossier", "000.00.53.H48-241301-0007")
    u = spooled[0]
    h.check_eq([e[0] for e in events.get(u, [])], ["stored_failed"], "outcome of sequence 4294967295")
    reason = events[u][0][1]
    h.check(reason.startswith("header: sequence 4294967295 out of range (1..100000), stored as 100000"),
            "reason: %r" % reason)
    row = s.page(u, "status, sequence, sheet IS NULL, failure_reason, source_name, dossier_code IS NULL")
    h.check_eq(row[:4] + row[5:], ["failed", "100000", "t", reason, "t"], "row of the page with sequence 4294967295")
    h.check("\ufffd" in row[4], "its source_name cleaned: %r" % row[4])
    h.check_eq(hashlib.sha256(s.blob(u, "original").read_bytes()).hexdigest(),
               hashlib.sha256(pages["clean"].read_bytes()).hexdigest(), "its original bytes")
    cleaned = audit(s, u)[0][1]["cleaned"]
    for part in ("sheet 4294967295 out of range, dropped", "batch_pages 4294967295 out of range, dropped",
                 "declared_sheets 4294967295 out of range, dropped", "source_name: 1 byte of invalid UTF-8",
                 "dossier_code of 25 bytes is not NNN.NN.NN.XNN-yymmdd-NNNN: dropped"):
        h.check(part in cleaned, "%r in the audit entry: %r" % (part, cleaned))

    # What the schema refuses all the same: stored again, bare, failed.
    s.pg.psql("ALTER TABLE page ADD CONSTRAINT test_refuse CHECK (source_name NOT LIKE '%refuse-me%')", s.db)
    refused = small_page("refuse-me.png", 40)
    spooled, events, _ = s.send([refused], "desk", "--batch-uuid", "1d2c3b4a-0000-4000-8000-000000000003")
    u = spooled[0]
    h.check_eq([e[0] for e in events.get(u, [])], ["stored_failed"], "outcome of a page the schema refuses")
    row = s.page(u, "status, source_name IS NULL, failure_reason")
    h.check_eq(row[:2], ["failed", "t"], "the refused page stored bare")
    h.check(row[2].startswith("not storable as sent (ERROR: new row for relation \"page\" violates check")
            and row[2].endswith("stored raw"), "its reason: %r" % row[2])
    h.check_eq(s.blob_kinds(u), ["original"], "the refused page keeps its original bytes")

    # A close record counting 4294967295 images: audited, the batch left open.
    spooled, events, _ = s.send([], "desk", "--batch-uuid", BATCH_BIG, "--close-batch", "4294967295")
    h.check_eq(events.get(spooled[0]), [("stored_failed", "header: batch_pages 4294967295 out of range "
                                         "(1..100000), close not recorded")], "outcome of the close record")
    h.check_eq(s.pg.value("SELECT count(*) FROM audit_log WHERE object_id = '%s' AND action = 'batch.close_refused'"
                          " AND detail->>'pages' = '4294967295'" % BATCH_BIG, s.db), "1", "the refused close audited")
    h.check_eq(s.pg.value("SELECT count(*) FROM batch WHERE batch_uuid = '%s' AND expected_pages IS NOT NULL"
                          % BATCH_BIG, s.db), "0", "no count recorded for the batch")
    h.check_eq(s.pg.value("SELECT count(*) FROM audit_log WHERE action LIKE '%rejected'", s.db), "0",
               "nothing rejected")
    h.check(w.running, "the worker still serves")
    w.term()

    # A database whose page table goes away under a running worker (a worker
    # refuses to start on one not migrated, so it is migrated, the worker
    # started, and the table renamed): no OCR, the SQLSTATE said once,
    # paced resends.
    bare = s.pg.createdb("bare")
    h.run(["sohoactl", "db", "migrate", "--db", s.pg.connstring(bare)])
    w2 = s.worker("w2", sets=["worker.database=" + s.pg.connstring(bare)])
    s.pg.query("ALTER TABLE page RENAME TO page_away", bare)
    # Taken before the sender starts, so before the first pause can begin:
    # the time to the third pause can only grow on a slow machine.
    t0 = time.monotonic()
    sender = h.Proc("desk2", [SENDFILE, "--endpoint", s.stations, "--id", "desk2", "--spool", h.path("spool-desk2"),
                              "--wait", small_page("later.png", 200)])
    pause_rx = re.compile(r"not stored \(SQLSTATE 42P01\): answering \"resend\" in ([0-9.]+) s")
    h.wait_for(lambda: len(pause_rx.findall(w2.log())) >= 3, 120, "three resends answered by w2")
    waited = time.monotonic() - t0
    log = w2.log()
    h.check_eq(len(re.findall(r"database problem 42P01", log)), 1, "the SQLSTATE said in full once")
    pauses = [float(x) for x in pause_rx.findall(log)]
    h.check_eq(pauses[:3], [2.0, 4.0, 8.0], "pauses that double")
    # The worker sleeps each pause before it answers, so the third pause
    # begins 2 + 4 s after the first at the earliest: a lower bound that load
    # cannot break (it only adds time), and that a worker answering at once,
    # its sender spinning, would.
    h.check_ge(waited, 6.0, "seconds from the sender's start to the third pause")
    h.check("ms: " not in log, "no page went through the pipeline:\n" + w2.tail())
    s.pg.query("ALTER TABLE page_away RENAME TO page", bare)
    sender.expect_exit(0, timeout=60)
    spooled, events, _ = parse_send(sender.out())
    h.check_eq([e[0] for e in events.get(spooled[0], [])], ["stored"], "the page once its table is back")
    h.check_eq(s.pg.value("SELECT count(*) FROM page", bare), "1", "stored once")


h.run_test(main)
