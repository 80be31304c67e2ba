"""sohoactl import against the spine's test workers (they store pages as
files, idempotently): a folder tree of mixed formats with a multi-page TIFF,
a scanned PDF and a corrupt file stores every good page once under its
content-derived UUID and reports the corrupt file; the pages are sent as
they are (a multi-page TIFF as one-page TIFFs of the same pixels); the same
import again stores nothing new; an import killed (SIGKILL) half-way and run
again ends with every page stored exactly once; Ctrl-C stops it cleanly. A
folder with a file that cannot be read (a dangling link) is held back whole
and sent, once the file reads, under the batch UUID of all its files; a
file with the same bytes as another of its folder is imported once (and
flagged), one in two folders too, with no use-after-free (ASan build)."""

import io
import os
import signal
import uuid

from PIL import Image

import harness as h
import importdata as d
import spine

WORDS = ["alpha", "bravo", "charlie", "delta", "echo", "foxtrot", "golf", "hotel"]


def import_argv(stack, spool, *paths, extra=()):
    return ["sohoactl", "import", "--broker", stack.stations, "--spool", spool,
            "--report", h.path("report-%s.txt" % spool.name), "--timeout", 60] + list(extra) + list(paths)


def check_sent_as_is(good):
    """--no-wait into a spool no broker drains: the bytes as spooled."""
    spool = h.path("spool-look")
    cp = h.run(["sohoactl", "import", "--broker", h.ipc_endpoint("nobody"), "--spool", spool, "--no-wait",
                "--quiet", "--report", h.path("report-look.txt"), h.path("tree")], check=False)
    h.check_eq(cp.returncode, 1, "exit status with a corrupt file in the tree")
    images = d.spool_images(spool)
    h.check_eq(sorted(images), sorted(d.page_uuid(p, i) for p, i in good), "page UUIDs spooled")
    for name in ("single.tif", "a/p1.png", "a/p2.jpg"):
        p = h.path("tree", name)
        h.check(images[d.page_uuid(p, 0)] == p.read_bytes(), "%s sent byte for byte" % name)
    multi = h.path("tree", "b", "multi.tif")
    src = Image.open(multi)
    for i in range(3):
        page = Image.open(io.BytesIO(images[d.page_uuid(multi, i)]))
        h.check_eq(getattr(page, "n_frames", 1), 1, "pages in the TIFF of multi.tif page %d" % i)
        src.seek(i)
        h.check(page.tobytes() == src.tobytes(), "multi.tif page %d has the pixels of the original" % i)
        h.check_eq(page.info.get("dpi", (0, 0))[0], 300, "multi.tif page %d keeps its resolution" % i)
    pdf = h.path("tree", "b", "scan.pdf")
    for i in range(2):
        page = Image.open(io.BytesIO(images[d.page_uuid(pdf, i)]))
        h.check_eq(page.size, (1240, 1754), "scan.pdf page %d at its native size" % i)


def check_held_and_duplicates(stack):
    """dup/: w.png (a link to a file not there yet), x.png, y.png (x's bytes),
    z.png; dup/sub/: a copy of x.png, a batch of its own."""
    dup = h.path("dup")
    (dup / "sub").mkdir(parents=True)
    for name, text in (("x.png", "Ex"), ("z.png", "Zed"), ("w-target.png", "Double-u")):
        d.render(text, size=(200, 280)).save(h.path(name), dpi=(300, 300))
    for copy in (dup / "x.png", dup / "y.png", dup / "sub" / "x.png"):
        copy.write_bytes(h.path("x.png").read_bytes())
    (dup / "z.png").write_bytes(h.path("z.png").read_bytes())
    os.symlink(h.path("w-target-later.png"), dup / "w.png")
    spool = h.path("spool-dup")
    look = ["sohoactl", "import", "--broker", h.ipc_endpoint("nobody"), "--spool", spool, "--no-wait", "--quiet",
            "--report", h.path("report-dup.txt"), dup]
    cp = h.run(look, check=False)
    h.check_eq(cp.returncode, 1, "exit status with an unreadable file")
    report = h.path("report-dup.txt").read_text()
    h.check("w.png" in report and "nothing of its batch" in report,
            "the report says the folder is held back for w.png:\n" + report)
    images = d.spool_images(spool)
    h.check_eq(sorted(images), [d.page_uuid(dup / "sub" / "x.png", 0)],
               "nothing of the held folder spooled, its subfolder's batch is")

    h.path("w-target.png").rename(h.path("w-target-later.png"))
    cp = h.run(look, check=False)
    h.check_eq(cp.returncode, 0, "exit status once the file reads (stderr: %s)" % cp.stderr[-300:])
    images = d.spool_images(spool)
    mine = {d.page_uuid(dup / n, 0) for n in ("w.png", "x.png", "z.png")}
    h.check_eq(set(images), mine, "each distinct page spooled once")
    # x.png's page was spooled first for sub/, and stays that batch's.
    batch = uuid.UUID(d.batch_uuid([dup / "w.png", dup / "x.png", dup / "z.png"])).bytes
    for name in ("w.png", "z.png"):
        head = (spool / (d.page_uuid(dup / name, 0) + ".page")).read_bytes()[:4096]
        h.check(batch in head, "%s carries the batch UUID of the whole folder, distinct files in order" % name)
    report = h.path("report-dup.txt").read_text()
    h.check("y.png" in report and "same bytes as" in report, "the duplicate is flagged:\n" + report)

    # Through a worker: the page of x.png is remembered for both folders.
    before = set(stack.stored())
    cp = h.run(import_argv(stack, spool, dup), check=False)
    h.check_eq(cp.returncode, 0, "exit status of the import with duplicates (stderr: %s)" % cp.stderr[-300:])
    h.check_eq(set(stack.stored()) - before, mine, "pages stored for the folder with duplicates")


def main():
    good, corrupt = d.make_tree(h.path("tree"), WORDS)
    expected = sorted(d.page_uuid(p, i) for p, i in good)
    check_sent_as_is(good)

    stack = spine.Stack()
    stack.worker("w1")
    spool = h.path("spool-a")
    cp = h.run(import_argv(stack, spool, h.path("tree")), check=False)
    h.check_eq(cp.returncode, 1, "exit status with a corrupt file (stderr: %s)" % cp.stderr[-500:])
    h.check_eq(stack.stored(), expected, "pages stored: every good page, under its content UUID")
    report = h.path("report-spool-a.txt").read_text()
    h.check(str(corrupt) in report.split("Failed (not stored)")[1], "the corrupt file is in the failure report")
    h.check("not a readable PNG" in report, "the report says why the corrupt file failed")
    h.check("p2.jpg, page index 0" in report and "150 dpi" in report, "the 150 dpi JPEG is flagged")
    h.check("pages stored: 8" in report, "the report counts 8 stored pages:\n" + report)
    h.check("import: batches" in cp.stderr, "plain progress lines when stderr is not a terminal")
    h.check_eq(list(spool.glob("*.page")), [], "pages left in the spool")
    jobs_first = len(stack.jobs())

    # The same import again: the store acknowledges, nothing new is stored.
    cp = h.run(import_argv(stack, spool, h.path("tree")), check=False)
    h.check_eq(cp.returncode, 1, "exit status of the second import")
    h.check_eq(stack.stored(), expected, "pages stored after importing the same tree again")
    h.check("pages stored: 8" in cp.stdout, "the repeats are acknowledged as stored:\n" + cp.stdout)
    # The broker does not answer a repeat from its memory of pages stored
    # (PROTOCOL.md §7.1 step 6): each goes to a worker once, whose look-up
    # answers it, and nothing is stored twice.
    h.check_eq(sorted(j[0] for j in stack.jobs()[jobs_first:]), expected, "jobs given to the workers by the repeat")

    # 40 pages through a slow worker; SIGKILL after about half; run again.
    big = h.path("big")
    big.mkdir()
    for i in range(40):
        d.render("Sheet %d" % i, size=(200, 280)).save(big / ("s%02d.png" % i), dpi=(300, 300))
    big_expected = sorted(d.page_uuid(big / ("s%02d.png" % i), 0) for i in range(40))
    stack.workers[0].term()
    slow = stack.worker("slow", "--delay-ms", 80)
    before = set(stack.stored())
    spool_b = h.path("spool-b")
    p = h.Proc("import-big", import_argv(stack, spool_b, big))
    h.wait_for(lambda: len(set(stack.stored()) - before) >= 20, timeout=30, what="half the pages stored")
    p.kill()
    mid = len(set(stack.stored()) - before)
    h.check(mid < 40, "the import was killed before it finished (%d stored)" % mid)
    h.run(import_argv(stack, spool_b, big), timeout=90)
    h.check_eq(sorted(set(stack.stored()) - before), big_expected, "every page of the killed import stored")
    stored_jobs = [u for u, _, _, _ in stack.jobs() if u in big_expected]
    h.check_eq(len(set(stored_jobs)), 40, "pages of the killed import the workers saw")
    h.check_eq(list(spool_b.glob("*.page")), [], "pages left in the spool after the rerun")

    # Ctrl-C: exits 130 with the report, the rest stays spooled for a rerun.
    spool_c = h.path("spool-c")
    big2 = h.path("big2")
    big2.mkdir()
    for i in range(30):
        d.render("Leaf %d" % i, size=(200, 280)).save(big2 / ("l%02d.png" % i), dpi=(300, 300))
    # Ordered: the worker stopped, the import cannot finish before the
    # signal; the signal sent once the import handles it.
    slow.suspend()
    p = h.Proc("import-int", import_argv(stack, spool_c, big2))
    p.wait_handler(signal.SIGINT)
    p.signal(signal.SIGINT)
    h.check_eq(p.wait(20), 130, "exit status after SIGINT")
    h.check("interrupted" in p.out(), "the report says the import was interrupted:\n" + p.out())
    slow.resume()
    h.run(import_argv(stack, spool_c, big2), timeout=90)
    check_held_and_duplicates(stack)
    slow.term()


h.run_test(main)
