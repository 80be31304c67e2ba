"""The units' sandbox holds for what the programs really load and call: each
of a station (libsane, libtiff, libjpeg), the broker (libzmq) and a real
worker (Tesseract, Leptonica, libgomp, libpq) runs under its own unit's
SystemCallFilter= (refused calls answered EPERM, as SystemCallErrorNumber=
says), NoNewPrivileges= and MemoryDenyWriteExecute= (tests/integration/
unitsandbox.py reads them from systemd/*.service.in), and together they
take a scan to PostgreSQL: every page stored with its PDF, no program
stopped. The sandbox is first shown to refuse writable code and a call the
broker's filter takes out (setpriority, in @resources)."""

import os
import sys

import harness as h
from scand import Station
from workerstack import WorkerStack

UNITS = h.SOURCE_DIR / "systemd"


def sandbox(unit):
    return [sys.executable, str(h.SOURCE_DIR / "tests" / "integration" / "unitsandbox.py"), str(UNITS / unit)]


def check_sandbox_refuses():
    """The wrapper does refuse (else this test proves nothing)."""
    probe = ("import mmap, os\n"
             "for what, f in [('wx', lambda: mmap.mmap(-1, 4096, prot=7)), ('nice', lambda: os.nice(1))]:\n"
             "    try:\n"
             "        f()\n"
             "        print(what, 'allowed')\n"
             "    except PermissionError:\n"
             "        print(what, 'refused')\n")
    cp = h.run(sandbox("sohoa-broker.service.in") + [sys.executable, "-c", probe], check=False)
    if cp.returncode == 77:
        h.skip(cp.stderr.strip())
    h.check_eq(cp.stdout.split("\n"), ["wx refused", "nice refused", ""], "the probe under the broker's sandbox")
    cp = h.run([sys.executable, "-c", probe])
    h.check_eq(cp.stdout.split("\n"), ["wx allowed", "nice allowed", ""], "the probe outside")


def main():
    check_sandbox_refuses()
    s = WorkerStack(broker_prefix=sandbox("sohoa-broker.service.in"))
    w = s.worker("w1", prefix=sandbox("sohoa-worker@.service.in"))
    st = Station(s, scenario={"sheets": 2}, prefix=sandbox("sohoa-scand@.service.in"))
    st.wait_ready()
    for p in (s.broker, w, st.proc):
        # Each has logged, so the wrapper has exec'd it in place: the program
        # itself runs in the sandbox, under a seccomp filter.
        h.check(os.readlink("/proc/%d/exe" % p.pid).endswith(p.argv[3].rsplit("/", 1)[-1]),
                "%s runs as its program, not as the wrapper" % p.name)
        status = open("/proc/%d/status" % p.pid).read()
        h.check("\nSeccomp:\t2\n" in status and "\nNoNewPrivs:\t1\n" in status,
                "%s is not under a seccomp filter with no new privileges" % p.name)

    r = st.scan()
    h.check_eq(r["images"], "4", "images of two duplex sheets")
    pages = [p[0] for p in st.pages(r["batch"])]
    h.check_eq(len(pages), 4, "pages spooled")
    q = ("SELECT count(*) FROM page p JOIN page_blob b USING (page_uuid)"
         " WHERE b.kind = 'pdf' AND p.page_uuid IN (%s)" % ",".join("'%s'" % u for u in pages))
    h.wait_for(lambda: s.pg.value(q, s.db) == "4", timeout=180, what="4 pages stored with their PDF")
    for p in (s.broker, w, st.proc):
        h.check(p.running, "%s stopped in its unit's sandbox" % p.name)
    h.check_eq(s.pg.value("SELECT count(*) FROM page WHERE status <> 'stored'", s.db), "0",
               "pages not stored well")
    # And they stop as systemd stops them.
    for p in (st.proc, w, s.broker):
        p.term(timeout=60)
        h.check_eq(p.returncode, 0, "exit status of %s after SIGTERM" % p.name)


h.run_test(main)
