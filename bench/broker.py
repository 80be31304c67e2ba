#!/usr/bin/python3
"""Broker throughput: 4 stations send pages through sohoa-broker to no-op
workers, over ipc:// and tcp://127.0.0.1, with pages of 1.5 MB (a JPEG
colour A4 page) and 13 MB (lossless). Reports MB/s, pages/s and the broker's
peak RSS next to its configured bound.

The stations' spools are filled first (no broker running), then everything
starts and the clock runs until every spool is empty: what is timed is the
delivery path (spool read, outbox, broker, worker, ack, spool delete), not
the disk writes of capture, which bench/ measures elsewhere.

    ./run setup && bench/broker.py [--build build] [--pages-small 150] [--pages-large 20]
"""

import argparse
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time

MB = 1024 * 1024
SIZES = {"1.5MB": int(1.5 * MB), "13MB": 13 * MB}


def rss_peak_kb(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    return 0


def run_case(build, transport, size_name, pages, stations, workers, work):
    size = SIZES[size_name]
    tag = "%s-%s" % (transport, size_name)
    d = os.path.join(work, tag)
    os.makedirs(d)
    if transport == "ipc":
        st_ep, wk_ep = "ipc://%s/st.sock" % d, "ipc://%s/wk.sock" % d
    else:
        st_ep, wk_ep = "tcp://127.0.0.1:5770", "tcp://127.0.0.1:5771"
    src = os.path.join(build, "tests/helpers/sohoa-testsource")
    wrk = os.path.join(build, "tests/helpers/sohoa-testworker")
    brk = os.path.join(build, "broker/sohoa-broker")
    # Fill the spools with no broker to send to.
    for i in range(stations):
        subprocess.run([src, "--endpoint", st_ep, "--id", "st%d" % i, "--spool", "%s/spool%d" % (d, i),
                        "--pages", str(pages), "--size", str(size), "--seed", str(i + 1)],
                       check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    procs = []
    devnull = open(os.devnull, "w")
    # Over tcp:// without CURVE: the broker refuses that unless told (PROTOCOL.md §1).
    broker = subprocess.Popen([brk, "--set", "broker.stations_endpoint=" + st_ep,
                               "--set", "broker.workers_endpoint=" + wk_ep,
                               "--set", "broker.insecure_workers_without_curve=yes"], stderr=devnull)
    time.sleep(0.3)
    for i in range(workers):
        procs.append(subprocess.Popen([wrk, "--endpoint", wk_ep, "--id", "w%d" % i, "--no-verify"],
                                      stderr=devnull))
    time.sleep(0.3)
    t0 = time.monotonic()
    srcs = [subprocess.Popen([src, "--endpoint", st_ep, "--id", "st%d" % i, "--spool", "%s/spool%d" % (d, i),
                              "--pages", "0", "--wait", "--timeout-ms", "600000"],
                             stdout=devnull, stderr=devnull) for i in range(stations)]
    rcs = [p.wait() for p in srcs]
    elapsed = time.monotonic() - t0
    rss = rss_peak_kb(broker.pid)
    for p in procs + [broker]:
        p.send_signal(signal.SIGTERM)
    for p in procs + [broker]:
        try:
            p.wait(10)
        except subprocess.TimeoutExpired:
            p.kill()
    shutil.rmtree(d, ignore_errors=True)
    total = stations * pages
    if any(rcs):
        print("%s: a station failed (%s)" % (tag, rcs), file=sys.stderr)
    return {"case": tag, "pages": total, "seconds": elapsed,
            "mb_s": total * size / MB / elapsed, "pages_s": total / elapsed, "rss_mb": rss / 1024}


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--build", default=os.path.join(os.path.dirname(__file__), "..", "build"))
    ap.add_argument("--pages-small", type=int, default=150, help="pages per station at 1.5 MB")
    ap.add_argument("--pages-large", type=int, default=20, help="pages per station at 13 MB")
    ap.add_argument("--stations", type=int, default=4)
    ap.add_argument("--workers", type=int, default=4)
    args = ap.parse_args()
    work = tempfile.mkdtemp(prefix="sohoa-bench-broker-")
    rows = []
    try:
        for transport in ("ipc", "tcp"):
            for size_name, pages in (("1.5MB", args.pages_small), ("13MB", args.pages_large)):
                r = run_case(args.build, transport, size_name, pages, args.stations, args.workers, work)
                rows.append(r)
                print("%-12s %5d pages %7.2f s %8.1f MB/s %7.1f pages/s  broker peak RSS %6.1f MB" %
                      (r["case"], r["pages"], r["seconds"], r["mb_s"], r["pages_s"], r["rss_mb"]), flush=True)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print("\n| case | pages | seconds | MB/s | pages/s | broker peak RSS |")
    print("|---|---|---|---|---|---|")
    for r in rows:
        print("| %s | %d | %.2f | %.0f | %.1f | %.0f MB |" %
              (r["case"], r["pages"], r["seconds"], r["mb_s"], r["pages_s"], r["rss_mb"]))


if __name__ == "__main__":
    main()
