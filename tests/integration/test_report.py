"""`sohoactl report` on a fixture month, against figures counted by hand
(issue 11, item 8). Three agencies; dossiers made and digitized through
sohoactl (pages stored by workers/store.c), including the traps: a dossier
received online (counted as received, its components not counted), reused
documents (reused, not scanned), a result of a dossier received the month
before (resolved this month), a dossier received at 23:30 on the last day
and one at 00:30 Vietnam time on the first of the next month (UTC still
the 30th), an agency with nothing that month and a name with markup in it.
CSV, Markdown and HTML agree; the HTML page renders in headless Chromium
(a screenshot that is not blank, and printed to PDF, the figures in its
text)."""

import csv
import io
import os
import re
import subprocess

import dossiers as d
import harness as h

A, B, C = d.AGENCY, d.AGENCY_B, "000.00.53.H50"
C_NAME = "UBND <xã> Tân An & Co"

COLUMNS = ["agency_code", "agency_name", "received", "received_online", "components_digitized",
           "components_not_digitized", "components_reused", "component_rate", "resolved", "results_digitized",
           "results_not_digitized", "result_rate"]

# November 2026, counted by hand from the fixture below.
#   A: received D1 D2 D3 D4 (D4 online; D5 was October, D6 is December in Vietnam).
#      components of D1 D2 D3: digitized D1c1 D1c2 D3c1 = 3; not digitized D1c3 D2c3 = 2;
#      reused D2c1 D2c2 = 2; rate (3 + 2) / 7 = 71.4. D4's component is not counted.
#      resolved in November: D1 (result), D4 (none), D5 (result) = 3; results 2 / 3 = 66.7.
#   B: received E1; its 2 components digitized; resolved E1 with its result.
#   C: nothing.
EXPECTED = {
    A: [A, "UBND xã Tân Phú", "4", "1", "3", "2", "2", "71.4", "3", "2", "1", "66.7"],
    B: [B, "UBND xã Tân Hòa", "1", "0", "2", "0", "0", "100.0", "1", "1", "0", "100.0"],
    C: [C, C_NAME, "0", "0", "0", "0", "0", "", "0", "0", "0", ""],
    "": ["", "Tổng cộng", "5", "1", "5", "2", "2", "77.8", "4", "3", "1", "75.0"],
}
# December for A: D6 received (its component not digitized); D3 resolved without a result.
EXPECTED_DEC_A = [A, "UBND xã Tân Phú", "1", "0", "0", "1", "0", "0.0", "1", "0", "1", "0.0"]
# October for A: D5 received with its component digitized; nothing resolved.
EXPECTED_OCT_A = [A, "UBND xã Tân Phú", "1", "0", "1", "0", "0", "100.0", "0", "0", "0", ""]


def fixture(db):
    db.ctl("agency", "add", A, "UBND xã Tân Phú")
    db.ctl("agency", "add", B, "UBND xã Tân Hòa")
    db.ctl("agency", "add", C, C_NAME)

    def dossier(agency, received, owner, *extra):
        return db.dossier("--agency", agency, "--title", "t", "--applicant", owner, "--received", received, *extra)

    def comp(code, *args):
        db.ctl("component", "add", code, "--type-name", "Giấy tờ", *args)

    x1, x2, x3, x4, x5 = "001098000001", "079303000002", "0100233488", "012345678", "048190000005"
    d1 = dossier(A, "2026-11-02 09:00", x1)
    b = d.store_batch(db, 11, ["A1", "A2", "A3"], dossier=d1)
    comp(d1, "--batch", b, "--pages", "1", "--code", "SH-A-1")
    comp(d1, "--batch", b, "--pages", "2-3")
    comp(d1)
    db.ctl("result", "add", d1, "--batch", d.store_batch(db, 12, ["R1"]), "--code", "KQ-A-1")
    db.ctl("dossier", "resolve", d1, "--at", "2026-11-20 10:00")

    d2 = dossier(A, "2026-11-15 09:00", x1)
    comp(d2, "--reuse", "SH-A-1")
    comp(d2, "--reuse", "KQ-A-1")
    comp(d2)

    d3 = dossier(A, "2026-11-30 23:30", x2)
    comp(d3, "--batch", d.store_batch(db, 13, ["B1"], dossier=d3))
    db.ctl("dossier", "resolve", d3, "--at", "2026-12-01 08:00")

    d4 = dossier(A, "2026-11-10 09:00", x3, "--online")
    comp(d4)
    db.ctl("dossier", "resolve", d4, "--at", "2026-11-12 09:00")

    d5 = dossier(A, "2026-10-31 20:00", x4)
    comp(d5, "--batch", d.store_batch(db, 14, ["C1"], dossier=d5))
    db.ctl("result", "add", d5, "--batch", d.store_batch(db, 15, ["R5"]), "--code", "KQ-A-5")
    db.ctl("dossier", "resolve", d5, "--at", "2026-11-05 09:00")

    d6 = dossier(A, "2026-11-30T17:30:00Z", x4)
    h.check(d6.endswith("-261201-0001"), "00:30 in Vietnam on 1 December: %s" % d6)
    comp(d6)

    e1 = dossier(B, "2026-11-05 09:00", x5)
    b = d.store_batch(db, 21, ["E1", "E2"], dossier=e1)
    comp(e1, "--batch", b, "--pages", "1")
    comp(e1, "--batch", b, "--pages", "2")
    db.ctl("result", "add", e1, "--batch", d.store_batch(db, 22, ["RE"]), "--code", "KQ-B-1")
    db.ctl("dossier", "resolve", e1, "--at", "2026-11-06 09:00")


def report_csv(db, *args):
    cp = db.ctl("report", *args)
    rows = list(csv.reader(io.StringIO(cp.stdout)))
    h.check_eq(rows[0], COLUMNS, "CSV header")
    return {r[0]: r for r in rows[1:]}


def check_csv(db):
    h.check_eq(report_csv(db, "--month", "2026-11"), EXPECTED, "November, every agency and the total")
    h.check_eq(report_csv(db, "--month", "2026-11", "--agency", A, "--format", "csv"), {A: EXPECTED[A]},
               "November, agency A alone")
    h.check_eq(report_csv(db, "--month", "2026-12", "--agency", A), {A: EXPECTED_DEC_A}, "December, agency A")
    h.check_eq(report_csv(db, "--month", "2026-10", "--agency", A), {A: EXPECTED_OCT_A}, "October, agency A")
    db.refused("report", "--month", "2026-11", "--agency", "000.00.53.H99", says="no such agency")
    db.refused("report", "--month", "11/2026", says="say YYYY-MM")
    db.refused("report", "--month", "2026-11", "--format", "pdf", says="say csv, md or html")
    # The figures come from the view the report reads.
    h.check_eq(db.query("SELECT received, received_online, components_digitized, components_not_digitized,"
                        " components_reused, component_rate, resolved, results_digitized, results_not_digitized,"
                        " result_rate FROM report_monthly WHERE agency_code = '%s' AND month = '2026-11-01'" % A),
               [EXPECTED[A][2:]], "report_monthly for A in November")


def check_md(db):
    md = db.ctl("report", "--month", "2026-11", "--format", "md").stdout
    h.check("# Báo cáo số hóa hồ sơ TTHC tháng 11/2026" in md, "Markdown title:\n" + md)
    h.check("| %s | UBND xã Tân Phú | 4 | 1 | 3 | 2 | 2 | 71.4%% | 3 | 2 | 1 | 66.7%% |" % A in md,
            "Markdown row of A:\n" + md)
    h.check("| %s | UBND \\<xã\\> Tân An & Co | 0 | 0 | 0 | 0 | 0 | — | 0 | 0 | 0 | — |" % C in md,
            "Markdown row of C (markup escaped, rates a dash):\n" + md)
    h.check("|  | **Tổng cộng** | **5** | **1** | **5** | **2** | **2** | **77.8%** |" in md,
            "Markdown total row:\n" + md)


def chromium(*args):
    """Headless Chromium with a new empty profile, nothing fetched from the network."""
    exe = next((p for p in ("/usr/bin/chromium", "/usr/bin/chromium-browser") if os.access(p, os.X_OK)), None)
    if not exe:
        h.fail("chromium is not installed (./run setup installs Debian's chromium)")
    profile = h.path("chromium-profile-%d" % len(os.listdir(h.workdir())))
    profile.mkdir()
    argv = [exe, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
            "--disable-background-networking", "--disable-component-update", "--disable-sync",
            "--disable-dev-shm-usage", "--user-data-dir=%s" % profile] + list(args)
    env = dict(os.environ, HOME=str(profile))
    cp = subprocess.run(argv, capture_output=True, text=True, errors="replace", timeout=180, env=env,
                        stdin=subprocess.DEVNULL)
    h.path("chromium-%d.log" % len(os.listdir(h.workdir()))).write_text(cp.stdout + cp.stderr)
    return cp


def check_html(db):
    from PIL import Image

    page = h.path("report.html")
    db.ctl("report", "--month", "2026-11", "--format", "html", "-o", page)
    html = page.read_text()
    h.check(html.startswith("<!DOCTYPE html>") and "@page { size: A4 landscape" in html, "a printable page")
    h.check("UBND &lt;xã&gt; Tân An &amp; Co" in html, "the agency name escaped in the HTML")
    h.check("<script" not in html, "no script in the page")

    png = h.path("report.png")
    chromium("--window-size=1400,800", "--hide-scrollbars", "--screenshot=%s" % png, page.as_uri())
    h.check(png.exists(), "chromium wrote the screenshot (see chromium-*.log)")
    img = Image.open(png).convert("L")
    h.check_eq(img.size, (1400, 800), "screenshot size")
    hist = img.histogram()
    dark = sum(hist[:96])
    h.check_ge(dark, 2000, "dark (text and rule) pixels in the screenshot")
    h.check_ge(sum(hist[224:]), img.size[0] * img.size[1] // 2, "a white page behind them")

    pdf = h.path("report.pdf")
    chromium("--no-pdf-header-footer", "--print-to-pdf=%s" % pdf, page.as_uri())
    h.check(pdf.exists(), "chromium printed the page to PDF (see chromium-*.log)")
    # In drawing order, cell after cell: a wrapped name comes back whole once spaces are squeezed.
    text = " ".join(subprocess.run(["pdftotext", "-raw", str(pdf), "-"], capture_output=True, text=True,
                                   check=True).stdout.split())
    rows = ["tháng 11/2026",
            "%s UBND xã Tân Phú 4 1 3 2 2 71.4%% 3 2 1 66.7%%" % A,
            "%s UBND xã Tân Hòa 1 0 2 0 0 100.0%% 1 1 0 100.0%%" % B,
            "%s UBND <xã> Tân An & Co 0 0 0 0 0 — 0 0 0 —" % C,
            "Tổng cộng 5 1 5 2 2 77.8% 4 3 1 75.0%"]
    for want in rows:
        h.check(want in text, "%r in the printed report:\n%s" % (want, text))
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    size = re.search(r"^Page size:\s+([\d.]+) x ([\d.]+) pts", info, re.M)
    h.check(size and (round(float(size.group(1))), round(float(size.group(2)))) == (842, 595),
            "printed on A4 landscape (842 x 595 pt):\n" + info)


def main():
    db = d.Db()
    fixture(db)
    check_csv(db)
    check_md(db)
    check_html(db)


h.run_test(main)
