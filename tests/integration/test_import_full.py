"""sohoactl import on full disks (issue 10), made real with small tmpfs
mounts (the test runs as root).

$TMPDIR full: pdfimages exits 0 with a cut-off and an empty image, and loops
on write errors with a PNG; the import checks every extracted image against
`pdfimages -list` and its decoder, sends nothing of the PDFs, reports them
held back (not failed, not complete), and the same command with room stores
every page under its UUID with the real image's hash. A PDF whose own JPEG is
cut short imports with room: sent as embedded, flagged.

Spool disk full: with pages of an earlier run in the spool and the rest of
its disk taken by another file, the import says so in a log line and in its
progress lines (not "left 0m00s"), waits, and says when room is back; then
every page is stored once."""

import contextlib
import errno
import hashlib
import io
import os
import subprocess

import harness as h
import importdata as d
import spine


@contextlib.contextmanager
def tmpfs(name, size):
    p = h.path(name)
    p.mkdir()
    if os.geteuid() != 0:
        h.skip("mounting a tmpfs needs root")
    cp = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=%d" % size, "tmpfs", str(p)],
                        capture_output=True, text=True)
    if cp.returncode != 0:
        h.skip("cannot mount a tmpfs: %s" % cp.stderr.strip())
    try:
        yield p
    finally:
        subprocess.run(["umount", "-l", str(p)], check=False)


def round_up(n, to=4096):
    return (n + to - 1) // to * to


def extracted(pdf, into):
    """The images pdfimages extracts from pdf with room, by page (1-based)."""
    into.mkdir()
    subprocess.run(["pdfimages", "-j", "-png", "-p", str(pdf), str(into / "p")], check=True)
    return {int(f.name.split("-")[1]): f.read_bytes() for f in sorted(into.iterdir())}


def stored_sha(stack, u):
    return (stack.store / u).read_text().strip()


def import_argv(stack, spool, report, *paths):
    return ["sohoactl", "import", "--broker", stack.stations, "--spool", spool, "--report", report,
            "--timeout", 120] + list(paths)


def check_tmp_full(stack):
    pdfs = h.path("pdfs")
    pdfs.mkdir()
    pages = [d.render("Page one"), d.render("Page two", mode="L"), d.render("Page three")]
    pages[0].save(pdfs / "a-jpeg.pdf", save_all=True, append_images=pages[1:], resolution=150)
    # Pillow writes a palette image uncompressed: pdfimages makes it a PNG,
    # of noise, larger than the room left.
    d.noise(size=(400, 400)).convert("P").save(pdfs / "b-png.pdf", resolution=150)
    want = extracted(pdfs / "a-jpeg.pdf", h.path("want-a"))
    want_b = extracted(pdfs / "b-png.pdf", h.path("want-b"))
    h.check_eq(sorted(want), [1, 2, 3], "pages of a-jpeg.pdf extracted with room")
    uuids = [d.page_uuid(pdfs / "a-jpeg.pdf", i) for i in range(3)] + [d.page_uuid(pdfs / "b-png.pdf", 0)]

    # Room for the first image and half of the second.
    with tmpfs("tmp-small", round_up(len(want[1])) + round_up(len(want[2]) // 2)) as tmp:
        report = h.path("report-tmp.txt")
        cp = h.run(import_argv(stack, h.path("spool-tmp"), report, pdfs), timeout=180, check=False,
                   env={"TMPDIR": tmp})
        h.check_eq(cp.returncode, 1, "exit status with $TMPDIR full (stderr: %s)" % cp.stderr[-500:])
        text = report.read_text()
        h.check_eq([u for u in uuids if (stack.store / u).exists()], [], "pages of the PDFs stored with $TMPDIR full")
        h.check("Held back (run the import again): 2" in text, "both PDFs are held back:\n" + text)
        held = text.split("Held back (run the import again)")[1]
        for name in ("a-jpeg.pdf", "b-png.pdf"):
            h.check(str(pdfs / name) + ": " in held, "the report holds back %s:\n%s" % (name, text))
        h.check(str(tmp) in held, "the report names the full $TMPDIR:\n" + text)
        h.check("result: complete" not in text, "the report does not say complete:\n" + text)
        h.check_eq(sorted(os.listdir(tmp)), [], "extracted images left in $TMPDIR")

    # With room: every page, under its UUID, with the real image's hash.
    report = h.path("report-tmp-2.txt")
    cp = h.run(import_argv(stack, h.path("spool-tmp"), report, pdfs), timeout=180, check=False)
    h.check_eq(cp.returncode, 0, "exit status with room (stderr: %s)\n%s" % (cp.stderr[-500:], report.read_text()))
    for i, u in enumerate(uuids):
        image = want[i + 1] if i < 3 else want_b[1]
        h.check_eq(stored_sha(stack, u), hashlib.sha256(image).hexdigest(), "hash stored for page %d" % i)


def check_cut_in_pdf(stack):
    """A PDF whose JPEG is cut short in the file itself: the same on every
    run, so it is the file's page, sent as it is embedded (the worker judges
    it), and flagged."""
    b = io.BytesIO()
    d.render("Cut short", mode="L").save(b, "JPEG", quality=90)
    jpeg = b.getvalue()[:len(b.getvalue()) // 2]
    pdf = h.path("cut", "cut.pdf")
    pdf.parent.mkdir()
    d.pdf_with_jpeg(pdf, jpeg, (1240, 1754))
    report = h.path("report-cut.txt")
    cp = h.run(import_argv(stack, h.path("spool-cut"), report, pdf), timeout=180, check=False)
    text = report.read_text()
    h.check_eq(cp.returncode, 0, "exit status of a PDF with a JPEG cut short (stderr: %s)\n%s"
               % (cp.stderr[-500:], text))
    h.check_eq(stored_sha(stack, d.page_uuid(pdf, 0)), hashlib.sha256(jpeg).hexdigest(),
               "the cut JPEG is stored as embedded")
    h.check("Flagged" in text and str(pdf) + ", page index 0" in text.split("Flagged")[1],
            "the page is flagged:\n" + text)


def fill(path):
    """Writes path until its disk is full."""
    chunk = b"\0" * 65536
    with open(path, "wb") as f:
        try:
            while True:
                f.write(chunk)
                f.flush()
        except OSError as e:
            if e.errno != errno.ENOSPC:
                raise


def check_spool_full(stack):
    small, big = h.path("small"), h.path("big")
    small.mkdir()
    big.mkdir()
    for i in range(2):
        d.render("Small %d" % i, size=(200, 280)).save(small / ("s%d.png" % i), dpi=(300, 300))
    for i in range(4):
        d.noise(seed=i).save(big / ("n%d.png" % i), dpi=(300, 300))
    expected = sorted([d.page_uuid(small / ("s%d.png" % i), 0) for i in range(2)] +
                      [d.page_uuid(big / ("n%d.png" % i), 0) for i in range(4)])
    with tmpfs("spoolfs", 4 << 20) as fs:
        spool = fs / "spool"
        # An earlier run leaves two pages in the spool; another file takes
        # the rest of its disk, more than those pages will free.
        h.run(["sohoactl", "import", "--broker", h.ipc_endpoint("nobody"), "--spool", spool, "--no-wait",
               "--quiet", "--report", h.path("report-small.txt"), small])
        h.check_eq(len(list(spool.glob("*.page"))), 2, "pages left in the spool by the earlier run")
        fill(fs / "filler")
        p = h.Proc("import-full", import_argv(stack, spool, h.path("report-full.txt"), big))
        p.wait_log(r"spool disk full \(%s: [^)]*\)" % spool, timeout=60)
        # The two replayed pages are stored, nothing else can be spooled:
        # the plain progress line names the wait and claims no end.
        line = p.wait_log(r"import: [^\n]*stored 2/2[^\n]*", timeout=60).group(0)
        h.check("spool disk full" in line, "the progress line names the full disk: " + line)
        h.check("left 0m00s" not in line, "the progress line claims no end: " + line)
        (fs / "filler").unlink()
        p.expect_exit(0, timeout=120)
        log = p.log()
        full, room = log.find("spool disk full"), log.find("room in the spool again")
        h.check(0 <= full < room, "log lines for the full disk, then for the room back:\n" + log)
    h.check_eq([u for u in stack.stored() if u in expected], expected, "pages stored")


def main():
    stack = spine.Stack()
    stack.worker("w1")
    check_tmp_full(stack)
    check_cut_in_pdf(stack)
    check_spool_full(stack)


h.run_test(main)
