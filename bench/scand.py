#!/usr/bin/python3
"""Station CPU per image: sohoa-scand-bench (the daemon's encode.c,
lib/sha256, session/outbox) on a rendered 300 dpi colour A4 page, per
encoding, sending through a real sohoa-broker to a no-op test worker over
ipc://; then sohoa-scand-stamp: a red seal and signatures through the
same encode.c with 4:2:0 and 4:4:4 chroma, decoded as the worker decodes.
Prints Markdown tables for docs/BENCHMARKS.md.

    ./run setup && bench/scand.py [--build build] [--pages 20] [--skip-cpu]
"""

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", default="build")
    ap.add_argument("--pages", type=int, default=20)
    ap.add_argument("--skip-cpu", action="store_true", help="only the red-stamp chroma comparison")
    a = ap.parse_args()
    b = os.path.abspath(a.build)
    rc = 0 if a.skip_cpu else cpu(a, b)
    sys.stdout.flush()
    print()
    return rc or subprocess.call([b + "/bench/sohoa-scand-stamp", "90"])


def cpu(a, b):
    work = tempfile.mkdtemp(prefix="sohoa-bench-scand-", dir="/tmp")
    st, wk = "ipc://%s/st.sock" % work, "ipc://%s/wk.sock" % work
    procs = []
    try:
        procs.append(subprocess.Popen([b + "/broker/sohoa-broker", "--set", "broker.stations_endpoint=" + st,
                                       "--set", "broker.workers_endpoint=" + wk], stderr=subprocess.DEVNULL))
        procs.append(subprocess.Popen([b + "/tests/helpers/sohoa-testworker", "--endpoint", wk, "--no-verify"],
                                      stderr=subprocess.DEVNULL))
        time.sleep(0.5)
        spool = os.path.join(work, "spool")
        rc = subprocess.call([b + "/bench/sohoa-scand-bench", st, spool, str(a.pages)])
        return rc
    finally:
        for p in procs:
            p.terminate()
            p.wait()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
