"""The units' MemoryDenyWriteExecute= holds for what the programs really
load: under the kernel's memory-deny-write-execute (tests/integration/mdwe.py,
as the units' seccomp filter refuses writable code), a station
(libsane, libtiff, libjpeg), the broker (libzmq) and a real worker
(Tesseract, Leptonica, libgomp, qpdf, libpq) take pages from a scan to
PostgreSQL, each stored with its PDF."""

import os
import sys

import harness as h
from scand import Station
from workerstack import WorkerStack

MDWE = [sys.executable, str(h.SOURCE_DIR / "tests" / "integration" / "mdwe.py")]


def check_mdwe_refuses():
    """The wrapper does refuse writable code (else this test proves nothing)."""
    wx = "import mmap; mmap.mmap(-1, 4096, prot=mmap.PROT_READ | mmap.PROT_WRITE | mmap.PROT_EXEC)"
    cp = h.run(MDWE + [sys.executable, "-c", wx], check=False)
    if cp.returncode == 77:
        h.skip("this kernel has no PR_SET_MDWE: " + cp.stderr.strip())
    h.check(cp.returncode != 0 and "PermissionError" in cp.stderr,
            "a writable, executable mapping was allowed under mdwe.py (exit %d): %s" % (cp.returncode, cp.stderr))
    h.run([sys.executable, "-c", wx])


def main():
    check_mdwe_refuses()
    s = WorkerStack(prefix=MDWE)
    w = s.worker("w1")
    st = Station(s, scenario={"sheets": 2}, prefix=MDWE)
    st.wait_ready()
    for p in (s.broker, w, st.proc):
        # Each has logged, so the wrapper has exec'd it in place: the program
        # itself runs under MDWE.
        h.check(os.readlink("/proc/%d/exe" % p.pid).endswith(p.argv[len(MDWE)].rsplit("/", 1)[-1]),
                "%s runs as its program, not as the wrapper" % p.name)

    r = st.scan()
    h.check_eq(r["images"], "4", "images of two duplex sheets")
    pages = [p[0] for p in st.pages(r["batch"])]
    h.check_eq(len(pages), 4, "pages spooled")
    q = ("SELECT count(*) FROM page p JOIN page_blob b USING (page_uuid)"
         " WHERE b.kind = 'pdf' AND p.page_uuid IN (%s)" % ",".join("'%s'" % u for u in pages))
    h.wait_for(lambda: s.pg.value(q, s.db) == "4", timeout=180, what="4 pages stored with their PDF")
    for p in (s.broker, w, st.proc):
        h.check(p.running, "%s stopped under memory-deny-write-execute" % p.name)
    h.check_eq(s.pg.value("SELECT count(*) FROM page WHERE status <> 'stored'", s.db), "0",
               "pages not stored well")


h.run_test(main)
