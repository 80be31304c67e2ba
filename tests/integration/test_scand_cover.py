"""Cover and separator sheets (issue 11, item 5): `sohoactl sheets` prints
a dossier's cover sheet (a QR code with the dossier, its first document and
the sheets declared) and a separator before its second document; printed
(rendered with pdftoppm) and fed through sohoa-scand on the project's SANE
backend with the documents' sheets, through the broker, sohoa-worker and
PostgreSQL: the worker reads the codes, the batch takes the cover's dossier
and declared count, each document gets its own pages (the separator splits
them), and the cover and separator are stored but not counted."""

import re
import subprocess

from PIL import Image, ImageDraw

import harness as h
from scand import Station
from workerstack import WorkerStack

AGENCY = "000.00.53.H48"


def ctl(s, *args):
    return h.run(["sohoactl"] + list(args) + ["--db", s.conn], check=True).stdout


def document_sheet(path, n):
    img = Image.new("RGB", (827, 1169), (255, 255, 255))
    draw = ImageDraw.Draw(img)
    for line in range(12):
        y = 120 + 70 * line
        draw.rectangle([80 + 9 * n, y, 600 + 13 * ((line + n) % 9), y + 22], fill=(0, 0, 0))
    img.save(path)


def main():
    s = WorkerStack()
    w = s.worker("w1")
    ctl(s, "agency", "add", AGENCY, "UBND xã Tân Phú")
    code = ctl(s, "dossier", "add", "--agency", AGENCY, "--title", "Đăng ký khai sinh", "--applicant",
               "079303012345", "--received", "2026-12-04 09:00").strip()
    ctl(s, "component", "add", code, "--type-name", "Tờ khai")
    ctl(s, "component", "add", code, "--type-name", "Giấy chứng sinh")

    pdf = h.path("sheets.pdf")
    ctl(s, "sheets", code, "--sheets", "3", "--output", str(pdf))
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    h.check(re.search(r"^Pages:\s+2$", info, re.M), "a cover and one separator:\n" + info)
    check = subprocess.run(["qpdf", "--check", str(pdf)], capture_output=True, text=True)
    h.check_eq(check.returncode, 0, "qpdf finds the PDF sound: %s%s" % (check.stdout, check.stderr))
    fx = h.path("fixtures")
    fx.mkdir()
    subprocess.run(["pdftoppm", "-r", "100", str(pdf), str(fx / "printed")], check=True)
    # The feeder: cover, two sheets of document 1, separator, one of document 2.
    (fx / "sheet-001-front.ppm").write_bytes((fx / "printed-1.ppm").read_bytes())
    document_sheet(fx / "sheet-002-front.ppm", 2)
    document_sheet(fx / "sheet-003-front.ppm", 3)
    (fx / "sheet-004-front.ppm").write_bytes((fx / "printed-2.ppm").read_bytes())
    document_sheet(fx / "sheet-005-front.ppm", 5)

    st = Station(s, "desk", scenario={"sheets": 5, "fixtures": fx}, profiles={"simplex": {"duplex": "no"}})
    st.wait_ready()
    r = st.scan()
    h.check_eq((r["end"], r["images"]), ("feeder-empty", "5"), "five sheets scanned")
    batch = r["batch"]
    ev = st.wait_event("verdict-ok", batch, timeout=180)
    h.check_eq(s.pg.query("SELECT sequence, role, barcodes IS NOT NULL FROM page WHERE batch_uuid = '%s'"
                          " ORDER BY sequence" % batch, s.db),
               [["1", "cover", "t"], ["2", "document", "f"], ["3", "document", "f"], ["4", "separator", "t"],
                ["5", "document", "f"]], "the cover and the separator read and stored")
    h.check_eq(s.pg.query("SELECT dossier_code, declared_sheets FROM batch WHERE batch_uuid = '%s'" % batch,
                          s.db), [[code, "3"]], "the batch took the cover's dossier and declared count")
    h.check_eq(s.pg.query("SELECT ok, sheets_present, images FROM batch_verdict WHERE batch_uuid = '%s'" % batch,
                          s.db), [["t", "3", "3"]], "three document sheets counted, the cover and separator not")
    h.check_eq((ev["SOHOA_SHEETS"], ev["SOHOA_DECLARED_SHEETS"]), ("3", "3"), "the desk hears the count")
    h.check_eq(s.pg.query("SELECT c.doc_ordinal, array_agg(cp.sequence ORDER BY cp.sequence)"
                          " FROM component c JOIN component_page cp USING (component_id)"
                          " WHERE c.dossier_code = '%s' GROUP BY 1 ORDER BY 1" % code, s.db),
               [["1", "{2,3}"], ["2", "{5}"]], "each document its own pages, split at the separator")
    h.check_eq(s.pg.query("SELECT doc_ordinal, state FROM component_state WHERE dossier_code = '%s'"
                          " ORDER BY 1" % code, s.db), [["1", "digitized"], ["2", "digitized"]],
               "both documents digitized")
    h.check(w.running, "worker still serving")


h.run_test(main)
