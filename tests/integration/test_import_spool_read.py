"""sohoactl import --wait with a page of its spool that cannot be read
(EIO, from the fault shim tests/faults): the import says so, in a line of
its own and in its progress line, while it waits, instead of waiting in
silence; nothing is moved or lost; when the page reads again it says so,
sends it, and ends complete.

The pages are spooled by a first import that no broker drains (--no-wait),
so that every page is in the spool, none sent, when the second import,
the one under test, starts and replays it."""

import harness as h
import importdata as d
import spine
from faults import Faults


def main():
    tree = h.path("tree")
    tree.mkdir()
    for i in range(4):
        d.render("Leaf %d" % i, size=(200, 280)).save(tree / ("l%d.png" % i), dpi=(300, 300))
    pages = sorted(d.page_uuid(tree / ("l%d.png" % i), 0) for i in range(4))
    spool = h.path("spool")
    h.run(["sohoactl", "import", "--broker", h.ipc_endpoint("nobody"), "--spool", spool, "--no-wait", "--quiet",
           "--report", h.path("report-first.txt"), tree])
    h.check_eq(sorted(p.stem for p in spool.glob("*.page")), pages, "pages in the spool after the first import")

    stack = spine.Stack()
    stack.worker("w1")
    unreadable = pages[0]
    faults = Faults()
    faults.set("read EIO %s.page" % unreadable)
    p = h.Proc("import", ["sohoactl", "import", "--broker", stack.stations, "--spool", spool, "--report",
                          h.path("report.txt"), "--timeout", 300, tree], env=faults.env())
    p.wait_log(r"spool \S*/spool: cannot read page %s: Input/output error; it stays in the spool" % unreadable,
               timeout=30)
    h.wait_for(lambda: set(pages[1:]) <= set(stack.stored()), 30, "the readable pages stored")
    # Non-terminal progress: a line every 5 s, saying what the wait is for.
    p.wait_log(r"import: .*1 page of the spool cannot be read", timeout=30)
    h.check(p.running, "the import still waits for the unreadable page")
    h.check(unreadable not in stack.stored(), "the unreadable page was not sent")
    h.check_eq([f.stem for f in spool.glob("*.page")], [unreadable], "the unreadable page stays in the spool")
    h.check(not list(spool.glob("corrupt/*")), "nothing moved to corrupt/")

    faults.clear()
    p.wait_log(r"spool \S*/spool: page %s reads again: sending it" % unreadable, timeout=60)
    p.expect_exit(0, timeout=60)
    h.check_eq(stack.stored(), pages, "every page stored, once")
    h.check_eq(list(spool.glob("*.page")), [], "pages left in the spool")
    h.check("complete" in p.out(), "the report says complete:\n" + p.out())


h.run_test(main)
