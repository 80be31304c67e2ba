"""The real worker end to end: rendered Vietnamese pages (300 dpi, upright,
clean, one on tinted colour paper) go from sohoa-sendfile through the broker
to sohoa-worker and into PostgreSQL; they are stored with their text,
`sohoactl search` finds them by a phrase with and without accents, and the
stored PDF has a text layer, the page's colour and version 1.4 or later. The
worker starts without OMP_THREAD_LIMIT and must put it in its own
environment before Tesseract loads."""

import hashlib
import os
import re
import subprocess

import harness as h
from workerstack import WorkerStack, render


def check_omp(w):
    env = open("/proc/%d/environ" % w.pid, "rb").read().split(b"\0")
    h.check(b"OMP_THREAD_LIMIT=1" in env, "OMP_THREAD_LIMIT=1 in the running worker's environment")
    h.check("OMP_THREAD_LIMIT=1" in w.log(), "worker logs its OMP_THREAD_LIMIT:\n" + w.tail())
    h.check("executing again with OMP_THREAD_LIMIT=1" in w.log(), "the worker re-executed itself")


def main():
    pages = render("clean", "colour_paper")
    s = WorkerStack()
    w = s.worker("w1", env={"OMP_THREAD_LIMIT": None, "SOHOA_LOG_LEVEL": "debug"})
    check_omp(w)

    spooled, events, stats = s.send([pages["clean"], pages["colour_paper"]], "desk", "--last",
                                    "--dossier", "000.00.53.H48-240105-0007")
    h.check_eq(len(spooled), 2, "pages spooled")
    h.check_eq(stats["stored"], 2, "pages acknowledged stored")
    h.check_eq(stats["spool_pages"], 0, "pages left in the spool")
    clean, colour = spooled
    for u in spooled:
        h.check_eq([e[0] for e in events.get(u, [])], ["stored"], "outcome of page %s" % u)
        row = s.page(u, "status, dpi, low_dpi, blank, orientation, sequence, dossier_code, worker_id,"
                        " ocr_confidence, length(ocr_text), stage_ms ? 'ocr', format")
        h.check_eq(row[:8], ["stored", "300", "f", "f", "0", row[5], "000.00.53.H48-240105-0007", "w1"],
                   "row of page %s" % u)
        h.check_ge(float(row[8]), 60, "OCR confidence of page %s" % u)
        h.check_ge(int(row[9]), 800, "characters of text of page %s" % u)
        h.check_eq(row[10:], ["t", "png"], "stage times and format of page %s" % u)
        # keep_original is off by default: the PDF alone, and the capture's
        # SHA-256 in the row.
        h.check_eq(s.blob_kinds(u), ["pdf"], "blobs of page %s" % u)
        src = pages["clean" if u == spooled[0] else "colour_paper"]
        h.check_eq(s.page(u, "encode(sha256, 'hex')")[0], hashlib.sha256(src.read_bytes()).hexdigest(),
                   "capture SHA-256 of page %s" % u)
        row = s.page(u, "side, page_class, origin_id, source_name LIKE '%%.png', captured_at > now() - interval"
                        " '10 min', jsonb_array_length(word_boxes) > 100, word_boxes->0 ? 'b',"
                        " orientation_method IS NOT NULL, skew_confidence IS NOT NULL, blank_score > 10, image_bytes,"
                        " sheet, mode")
        h.check_eq(row[:10], ["front", "interactive", "desk", "t", "t", "t", "t", "t", "t", "t"],
                   "header fields and measures of page %s" % u)
        h.check_eq(int(row[10]), os.path.getsize(pages["clean" if u == spooled[0] else "colour_paper"]),
                   "image_bytes of page %s" % u)
        first = u == spooled[0]
        h.check_eq((row[11], row[12]), ("1" if first else "2", "gray" if first else "color"),
                   "sheet and mode of %s" % u)
    h.check_eq(s.pg.value("SELECT ok FROM batch_verdict", s.db), "t", "batch verdict of the two pages")
    text = s.page(clean, "ocr_text")[0]
    h.check("Ủy ban nhân dân huyện Đông Anh" in text, "phrase in the stored text:\n" + text)

    hits = s.search("Ủy ban nhân dân huyện Đông Anh")
    h.check_eq(sorted(x["page_uuid"] for x in hits), sorted(spooled), "search with accents")
    hits = s.search("uy ban nhan dan huyen dong anh")
    h.check_eq(sorted(x["page_uuid"] for x in hits), sorted(spooled), "search without accents")
    h.check_eq(s.search("hợp đồng mua bán xe máy"), [], "search for a phrase no page has")

    pdf = s.blob(colour, "pdf")
    head = pdf.read_bytes()[:8]
    m = re.match(rb"%PDF-1\.(\d)", head)
    h.check(m and int(m.group(1)) >= 4, "PDF version 1.4 or later: %r" % head)
    txt = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    h.check("Đông Anh" in txt and "quyền sử dụng đất" in txt, "text layer of the PDF:\n" + txt[:500])
    listing = subprocess.run(["pdfimages", "-list", str(pdf)], capture_output=True, text=True,
                             check=True).stdout
    rows = [l.split() for l in listing.splitlines()[2:] if l.strip()]
    # A text page: its ink as a full-size stencil over its background, in
    # colour as scanned at 200 dpi.
    h.check_eq(len(rows), 2, "images in the PDF page:\n" + listing)
    h.check_eq((rows[0][5], rows[0][12], rows[1][2], rows[1][3], rows[1][4]), ("rgb", "200", "stencil", "2480", "3508"),
               "colour space and resolution of the background, size of the ink:\n" + listing)
    gray = subprocess.run(["pdfimages", "-list", str(s.blob(clean, "pdf"))], capture_output=True, text=True,
                          check=True).stdout
    h.check_eq(gray.splitlines()[2].split()[5], "gray", "a grey page stays grey:\n" + gray)

    h.check(w.running, "worker still serving")
    h.check_eq(s.status()["counters"]["redispatched"], 0, "pages redispatched")


h.run_test(main)
