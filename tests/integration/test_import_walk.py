"""sohoactl import's walk of a tree it does not trust (issue 10): a FIFO or
a socket among the scans is refused by its type, named in the report, and
never opened for reading (which would hang on a FIFO), alone on the command
line too; folders reached again through symlinks (two links back to their
own folder, one up to the top) are walked once each, by device and inode;
SIGTERM in the middle of a walk ends it there, exit status 143, nothing
spooled, and the same command then imports everything. The walk is held at
a known folder by an LD_PRELOAD shim (tests/helpers/holdwalk.c) that stops
the process (SIGSTOP) before listing it, so no timer is raced."""

import os
import signal
import socket

import harness as h
import importdata as d

SHIM = h.BUILD_DIR / "tests" / "helpers" / "holdwalk.so"


def shim_env(log, hold=None):
    # gcc's ASan wants its runtime first among the loaded libraries; the
    # shim comes before it on purpose.
    env = {"LD_PRELOAD": SHIM, "SOHOA_HOLD_LOG": log,
           "ASAN_OPTIONS": os.environ.get("ASAN_OPTIONS", "") + ":verify_asan_link_order=0"}
    if hold:
        env["SOHOA_HOLD_DIR"] = hold
    return env


def look_argv(spool, report, *paths):
    """Into a spool no broker drains: what is spooled stays to be looked at."""
    return ["sohoactl", "import", "--broker", h.ipc_endpoint("nobody"), "--spool", spool, "--no-wait", "--quiet",
            "--report", report] + list(paths)


def listed(log):
    return log.read_text().splitlines() if log.exists() else []


def check_special_files():
    """walk/a: p1.png, a FIFO, a socket; walk/b: p2.png. The import ends, the
    two specials are reported by type, each good page is spooled."""
    root = h.path("walk")
    (root / "a").mkdir(parents=True)
    (root / "b").mkdir()
    d.render("Page one", size=(200, 280)).save(root / "a" / "p1.png", dpi=(300, 300))
    d.render("Page two", size=(200, 280)).save(root / "b" / "p2.png", dpi=(300, 300))
    os.mkfifo(root / "a" / "f.fifo")
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    sock.bind(str(root / "a" / "s.sock"))
    report = h.path("report-special.txt")
    cp = h.run(look_argv(h.path("spool-special"), report, root), timeout=60, check=False)
    sock.close()
    h.check_eq(cp.returncode, 1, "exit status with a FIFO and a socket in the tree (stderr: %s)" % cp.stderr[-300:])
    text = report.read_text()
    failed = text.split("Failed (not stored)")[1] if "Failed (not stored)" in text else ""
    h.check("f.fifo: not a regular file (a FIFO)" in failed, "the report names the FIFO:\n" + text)
    h.check("s.sock: not a regular file (a socket)" in failed, "the report names the socket:\n" + text)
    h.check("nothing of its batch" not in text, "the specials hold no batch back:\n" + text)
    images = d.spool_images(h.path("spool-special"))
    h.check_eq(sorted(images), sorted([d.page_uuid(root / "a" / "p1.png", 0), d.page_uuid(root / "b" / "p2.png", 0)]),
               "pages spooled beside the specials")

    # A FIFO named on the command line.
    report = h.path("report-fifo.txt")
    cp = h.run(look_argv(h.path("spool-fifo"), report, root / "a" / "f.fifo"), timeout=60, check=False)
    h.check_eq(cp.returncode, 1, "exit status of an import of a FIFO")
    h.check("f.fifo: not a regular file (a FIFO)" in report.read_text(),
            "the report names the FIFO given:\n" + report.read_text())


def check_loops():
    """loops/a: p1.png and two links back to a; loops/b: p2.png and a link
    up to loops. Three real folders, each listed once."""
    root = h.path("loops")
    (root / "a").mkdir(parents=True)
    (root / "b").mkdir()
    d.render("Loop one", size=(200, 280)).save(root / "a" / "p1.png", dpi=(300, 300))
    d.render("Loop two", size=(200, 280)).save(root / "b" / "p2.png", dpi=(300, 300))
    os.symlink(".", root / "a" / "l1")
    os.symlink("../a", root / "a" / "l2")
    os.symlink("..", root / "b" / "up")
    log = h.path("loops.list")
    report = h.path("report-loops.txt")
    cp = h.run(look_argv(h.path("spool-loops"), report, root), timeout=60, env=shim_env(log), check=False)
    h.check_eq(cp.returncode, 0, "exit status of the walk with symlink loops (stderr: %s)" % cp.stderr[-300:])
    real = [os.path.realpath(p) for p in listed(log)]
    h.check_eq(sorted(real), sorted(str(p) for p in (root, root / "a", root / "b")),
               "folders listed: each real folder once")
    text = report.read_text()
    h.check("batches: 2," in text, "two batches, one per folder with files:\n" + text)
    for link in ("a/l1", "a/l2", "b/up"):
        h.check(str(root / link) + ": a folder already walked" in text, "the report names the link %s:\n%s"
                % (link, text))
    images = d.spool_images(h.path("spool-loops"))
    h.check_eq(sorted(images), sorted([d.page_uuid(root / "a" / "p1.png", 0), d.page_uuid(root / "b" / "p2.png", 0)]),
               "pages spooled from the tree with loops")


def proc_state(pid):
    try:
        with open("/proc/%d/stat" % pid) as f:
            return f.read().rsplit(")", 1)[1].split()[0]
    except OSError:
        return None


def check_sigterm_in_walk():
    """long/d00..d11, one page each; the walk is held before it lists d05,
    SIGTERM is queued, and the walk resumed: it lists nothing after d05."""
    root = h.path("long")
    names = ["d%02d" % i for i in range(12)]
    for i, n in enumerate(names):
        (root / n).mkdir(parents=True)
        d.render("Leaf %d" % i, size=(120, 160)).save(root / n / "p.png", dpi=(300, 300))
    log = h.path("long.list")
    spool = h.path("spool-long")
    argv = look_argv(spool, h.path("report-long.txt"), root)
    p = h.Proc("import-walk", argv, env=shim_env(log, hold="d05"))
    h.wait_for(lambda: proc_state(p.pid) == "T", timeout=60, what="the walk held before d05")
    p.signal(signal.SIGTERM)
    p.signal(signal.SIGCONT)
    h.check_eq(p.wait(60), 128 + signal.SIGTERM, "exit status after SIGTERM during the walk")
    h.check_eq(listed(log), [str(root)] + [str(root / n) for n in names[:6]], "folders listed before it stopped")
    h.check("interrupted" in p.log(), "it says it was interrupted:\n" + p.log())
    h.check_eq(list(spool.glob("*.page")) if spool.exists() else [], [], "pages spooled by the interrupted walk")

    cp = h.run(argv, timeout=60, check=False)
    h.check_eq(cp.returncode, 0, "exit status of the same command again (stderr: %s)" % cp.stderr[-300:])
    h.check_eq(sorted(d.spool_images(spool)), sorted(d.page_uuid(root / n / "p.png", 0) for n in names),
               "pages spooled by the same command again")


def main():
    if not SHIM.exists():
        h.fail("%s is not built" % SHIM)
    check_special_files()
    check_loops()
    check_sigterm_in_walk()


h.run_test(main)
