#!/usr/bin/python3
"""OCR side by side on one machine, one core each: `tesseract` alone (the
floor), OCRmyPDF --deskew --rotate-pages, sohoa's image pipeline
(sohoa-pagetool: everything the worker does but the store) and the whole
sohoa-worker (through a broker into a throwaway PostgreSQL, pages queued
first), on the pages tests/data/render.py draws (plus a colour scan with
mild scanner noise made from one of them) and, when present, the real scans
of ../shared/testdata/real-scans. Then one worker on one core against two
workers on two cores.

Per system: seconds per page (median, total) by the clock and in CPU time
(GNU time's user + system, children included; sohoa-pagetool's own figure
per page, models loaded once apart), CPU seconds per page against
tesseract's (the fair measure on a shared machine), character error rate of the
PDF's text layer (pdftotext) against the rendered truth, beside the CER of
the text sohoa stores (its JSON for pagetool, page.ocr_text for the worker)
and, with --legibility, of tesseract reading the PDF's own picture
(pdftoppm at 300 dpi), text pages lost
(CER > 50% or under 20 characters), characters output beyond the truth on
blank and one-line pages, PDF bytes per page, peak RSS; sohoa's time by
stage. Every program runs under `taskset -c 0` with OMP_THREAD_LIMIT=1.

    bench/ocr.py [--build build] [--work DIR] [--skip ocrmypdf,worker,...]
                 [--copies 2] [--no-real] [--jpeg-quality Q] [--pages a,b]
                 [--json results.json] [--legibility]

Needs Debian's python3-pil (render.py), poppler-utils, tesseract-ocr-vie,
ocrmypdf, GNU time (/usr/bin/time) and a PostgreSQL server for the worker.
"""

import argparse
import json
import os
import re
import shutil
import signal
import statistics
import struct
import subprocess
import sys
import tempfile
import time
import zlib

SOURCE = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
RENDER = os.path.join(SOURCE, "tests", "data", "render.py")
PGCLUSTER = os.path.join(SOURCE, "tests", "pgcluster.sh")
REAL = os.path.join(os.path.dirname(SOURCE), "shared", "testdata", "real-scans")
PYTHON = "/usr/bin/python3"
LANGS = "vie+eng"
ENV = dict(os.environ, OMP_THREAD_LIMIT="1")
SYSTEMS = ["tesseract", "ocrmypdf", "pagetool", "worker"]

# A colour A4 page as a scanner gives it: the tinted page with mild noise
# per channel (a noise-free page compresses well whatever the encoding).
DERIVE = """
import sys
from PIL import Image, ImageChops
img = Image.open(sys.argv[1]).convert("RGB")
noise = Image.merge("RGB", [Image.effect_noise(img.size, 4) for _ in range(3)])
ImageChops.add(img, noise, scale=1.0, offset=-128).save(sys.argv[2], dpi=(300, 300))
"""


def log(msg):
    print(msg, file=sys.stderr, flush=True)


# --- measures -----------------------------------------------------------------

def normalize(text):
    return " ".join(text.split())


def _lev_band(a, b, k):
    """Edit distance if it is at most k (cells off the diagonal band of
    width k cannot be on such a path), else None."""
    n, m = len(a), len(b)
    if abs(n - m) > k:
        return None
    inf = k + 1
    prev = [j if j <= k else inf for j in range(m + 1)]
    for i in range(1, n + 1):
        cur = [inf] * (m + 1)
        if i <= k:
            cur[0] = i
        ca = a[i - 1]
        for j in range(max(1, i - k), min(m, i + k) + 1):
            v = prev[j - 1] + (ca != b[j - 1])
            if prev[j] + 1 < v:
                v = prev[j] + 1
            if cur[j - 1] + 1 < v:
                v = cur[j - 1] + 1
            cur[j] = v if v < inf else inf
        prev = cur
    return prev[m] if prev[m] <= k else None


def levenshtein(a, b):
    k = max(32, abs(len(a) - len(b)))
    while True:
        d = _lev_band(a, b, k)
        if d is not None:
            return d
        if k >= max(len(a), len(b)):
            return max(len(a), len(b))
        k *= 4


def cer(truth, text):
    t = normalize(truth)
    return levenshtein(t, normalize(text)) / max(1, len(t))


def word_recall(truth, text):
    """Share of the truth's words found in the output, in any order: tells
    text that is there but out of reading order (skewed lines in a text
    layer) from text that is missing."""
    want, have = {}, {}
    for w in truth.split():
        want[w] = want.get(w, 0) + 1
    for w in text.split():
        have[w] = have.get(w, 0) + 1
    return sum(min(n, have.get(w, 0)) for w, n in want.items()) / max(1, sum(want.values()))


def ink_chars(text):
    return len("".join(text.split()))


def pdftotext(pdf):
    cp = subprocess.run(["pdftotext", "-enc", "UTF-8", pdf, "-"], capture_output=True, text=True,
                        errors="replace")
    return cp.stdout if cp.returncode == 0 else ""


def png_has_dpi(path):
    with open(path, "rb") as f:
        data = f.read(1 << 16)
    return b"pHYs" in data[:data.find(b"IDAT")] if b"IDAT" in data else False


def png_copy(src, dst, n):
    """The same PNG with a tEXt chunk saying which copy it is: other bytes,
    so another page UUID for sohoa-sendfile."""
    with open(src, "rb") as f:
        data = f.read()
    body = b"Comment\0bench copy %d" % n
    chunk = struct.pack(">I", len(body)) + b"tEXt" + body + \
        struct.pack(">I", zlib.crc32(b"tEXt" + body) & 0xffffffff)
    end = 8 + 8 + struct.unpack(">I", data[8:12])[0] + 4  # after IHDR
    with open(dst, "wb") as f:
        f.write(data[:end] + chunk + data[end:])


def timed(argv, rss_file, cwd=None, env=ENV, timeout=600):
    """Run argv pinned to core 0 under GNU time; returns (seconds, rc, peak
    RSS KiB, CPU seconds). GNU time's %M is the largest single process of the
    tree, not the sum; its %U and %S count the children waited for too (an
    OCRmyPDF's tesseract and Ghostscript), so CPU seconds are the whole run's."""
    full = ["taskset", "-c", "0", "/usr/bin/time", "-f", "%M %U %S", "-o", rss_file] + argv
    start = time.monotonic()
    cp = subprocess.run(full, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, cwd=cwd, env=env,
                        timeout=timeout)
    sec = time.monotonic() - start
    rss, cpu = gnu_time(rss_file)
    if cp.returncode != 0:
        log("  %s exited %d: %s" % (os.path.basename(argv[0]), cp.returncode,
                                    cp.stderr.decode("utf-8", "replace")[-300:].strip()))
    return sec, cp.returncode, rss, cpu


def gnu_time(path):
    """(peak RSS KiB, user + system CPU seconds) from GNU time's "%M %U %S"
    (its last line: a "Command exited with non-zero status" line may come
    first)."""
    try:
        f = open(path).read().split()[-3:]
        return int(f[0]), float(f[1]) + float(f[2])
    except (OSError, ValueError, IndexError):
        return 0, 0.0


# --- pages --------------------------------------------------------------------

def render(out, *what):
    """render.py's pages into out, unless a run with the same --work drew
    them already (its manifest is written last): a rerun of a few pages
    does not draw them all again. Generous time: a loaded machine takes
    minutes."""
    if not os.path.exists(os.path.join(out, "manifest.json")):
        subprocess.run([PYTHON, RENDER, out] + list(what), check=True, timeout=3600)


def make_pages(work, real, real_dir=REAL):
    out = os.path.join(work, "pages")
    render(out)
    manifest = json.load(open(os.path.join(out, "manifest.json"), encoding="utf-8"))
    # Two columns of English in small type, 6 pt print, a red stamp, a
    # noisy colour blank back (render.py's extra pages).
    extra = os.path.join(work, "pages-extra")
    render(extra, "extra")
    manifest.update(json.load(open(os.path.join(extra, "manifest.json"), encoding="utf-8")))
    scan = os.path.join(out, "colour_scan.png")
    if not os.path.exists(scan):
        subprocess.run([PYTHON, "-c", DERIVE, manifest["colour_paper"]["image"], scan], check=True, timeout=1200)
    manifest["colour_scan"] = dict(manifest["colour_paper"], image=scan)
    pages = []
    for name, m in manifest.items():
        kind = "blank" if m["blank"] else "sparse" if name == "one_line" else "text"
        pages.append(dict(name=name, image=m["image"], truth=m["truth"], kind=kind, has_dpi=True))
    if real and os.path.isdir(real_dir):
        for f in sorted(os.listdir(real_dir)):
            if f.endswith(".png"):
                p = os.path.join(real_dir, f)
                pages.append(dict(name="real_" + f[:-4], image=p, truth=None, kind="real",
                                  has_dpi=png_has_dpi(p)))
    return pages


# --- the systems --------------------------------------------------------------

def run_tesseract(pages, work):
    d = os.path.join(work, "tesseract")
    os.makedirs(d, exist_ok=True)
    res = {}
    for p in pages:
        base = os.path.join(d, p["name"])
        argv = ["tesseract", p["image"], base, "--psm", "3", "-l", LANGS]
        if not p["has_dpi"]:
            argv += ["--dpi", "300"]
        sec, rc, rss, cpu = timed(argv + ["pdf"], base + ".rss")
        res[p["name"]] = dict(sec=sec, cpu=cpu, ok=rc == 0, pdf=base + ".pdf", rss_kb=rss)
    return res, {}


def run_ocrmypdf(pages, work):
    d = os.path.join(work, "ocrmypdf")
    os.makedirs(d, exist_ok=True)
    res = {}
    for p in pages:
        out = os.path.join(d, p["name"] + ".pdf")
        argv = ["ocrmypdf", "-q", "--deskew", "--rotate-pages", "-l", LANGS, "--jobs", "1"]
        if not p["has_dpi"]:
            argv += ["--image-dpi", "300"]
        sec, rc, rss, cpu = timed(argv + [p["image"], out], out + ".rss")
        res[p["name"]] = dict(sec=sec, cpu=cpu, ok=rc == 0, pdf=out, rss_kb=rss)
    return res, {}


def run_pagetool(pages, work, build, quality):
    """One process over every page, as a worker: the models load once
    (reported apart); per page, the pipeline's own total."""
    d = os.path.join(work, "pagetool")
    os.makedirs(d, exist_ok=True)
    tool = os.path.join(build, "workers", "sohoa-pagetool")
    by_image = {os.path.abspath(p["image"]): p["name"] for p in pages}
    start = time.monotonic()
    full = ["taskset", "-c", "0", "/usr/bin/time", "-f", "%M %U %S", "-o", os.path.join(d, "rss"),
            tool, "--pdf-dir", d, "--lang", LANGS, "--jpeg-quality", str(quality)] + [p["image"] for p in pages]
    cp = subprocess.run(full, capture_output=True, text=True, env=ENV, timeout=3600)
    wall = time.monotonic() - start
    rss, cpu = gnu_time(os.path.join(d, "rss"))
    res, stages = {}, {}
    for line in cp.stdout.splitlines():
        r = json.loads(line)
        name = by_image[os.path.abspath(r["file"])]
        if "error" in r:
            res[name] = dict(sec=0, cpu=0, ok=False, pdf=None, rss_kb=rss)
            continue
        t = r["timings_ms"]
        res[name] = dict(sec=t["total"] / 1000.0, cpu=r["cpu_ms"] / 1000.0, cpu_stages=r["cpu_timings_ms"], ok=True,
                         pdf=os.path.join(d, os.path.splitext(os.path.basename(r["file"]))[0] + ".pdf"),
                         rss_kb=rss, stages=t, rotate=r["rotate"], orient_method=r["orient_method"],
                         blank=r["blank"], stored_text=r["text"], ocr_dpi=r.get("ocr_dpi"),
                         ocr_reads=r.get("ocr_reads"), picture=r.get("pdf_picture"))
    # real scans and rendered pages may share a base name: keep them apart
    for p in pages:
        if p["kind"] == "real" and p["name"] in res and res[p["name"]]["pdf"]:
            src = res[p["name"]]["pdf"]
            dst = os.path.join(d, p["name"] + ".pdf")
            if os.path.exists(src):
                shutil.copyfile(src, dst)
                res[p["name"]]["pdf"] = dst
    load = wall - sum(r["sec"] for r in res.values())
    return res, dict(wall=wall, model_load_and_exit=load, cpu_process_s=cpu,
                     cpu_model_load_and_exit_s=cpu - sum(r["cpu"] for r in res.values()))


class Stack:
    """PostgreSQL (tests/pgcluster.sh), a database migrated by sohoactl, one
    sohoa-broker on ipc:// sockets."""

    def __init__(self, work, build, name):
        self.build = build
        self.dir = os.path.join(work, name)
        os.makedirs(self.dir)
        self.pgdir = os.path.join(self.dir, "pg")
        cp = subprocess.run(["/bin/bash", PGCLUSTER, "start", self.pgdir, "5433"], capture_output=True,
                            text=True, check=True, timeout=180)
        kv = dict(l.split("=", 1) for l in cp.stdout.splitlines() if "=" in l)
        self.conn = "host=%s port=%s user=%s dbname=sohoa" % (kv["PGHOST"], kv["PGPORT"], kv["PGUSER"])
        self.psql("CREATE DATABASE sohoa", db="postgres")
        subprocess.run([self.prog("cli/sohoactl"), "db", "migrate", "--db", self.conn], check=True,
                       capture_output=True, timeout=120)
        self.st = "ipc://%s/st.sock" % self.dir
        self.wk = "ipc://%s/wk.sock" % self.dir
        self.procs = []
        self.broker = self.spawn("broker", [self.prog("broker/sohoa-broker"),
                                            "--set", "broker.stations_endpoint=" + self.st,
                                            "--set", "broker.workers_endpoint=" + self.wk])
        deadline = time.monotonic() + 10
        while not os.path.exists(self.st[6:]) and time.monotonic() < deadline:
            time.sleep(0.05)

    def prog(self, rel):
        return os.path.join(self.build, rel)

    def spawn(self, name, argv, env=None):
        f = open(os.path.join(self.dir, name + ".log"), "wb")
        p = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=f, stderr=f, env=env or ENV)
        p.log_path = f.name
        self.procs.append(p)
        return p

    def psql(self, sql, db="sohoa"):
        cp = subprocess.run(["/bin/bash", PGCLUSTER, "psql", self.pgdir, "-d", db, "-v", "ON_ERROR_STOP=1",
                             "-q", "-A", "-t", "-F", "\t", "-f", "-"], input=sql, capture_output=True,
                            text=True, check=True, timeout=300)
        return [l.split("\t") for l in cp.stdout.splitlines() if l]

    def queued(self):
        cp = subprocess.run([self.prog("cli/sohoactl"), "status", "--broker", self.st, "--json"],
                            capture_output=True, text=True, timeout=30)
        try:
            return sum(c["queued_pages"] for c in json.loads(cp.stdout)["classes"])
        except (ValueError, KeyError):
            return 0

    def queue(self, files):
        """sohoa-sendfile --wait in the background; returns once the broker
        holds every page (or stops taking more) and the sender's UUIDs."""
        out = os.path.join(self.dir, "sendfile.out")
        self.sender = self.spawn("sendfile", [self.prog("tests/helpers/sohoa-sendfile"), "--endpoint", self.st,
                                              "--id", "bench", "--spool", os.path.join(self.dir, "spool"),
                                              "--wait", "--timeout-ms", "3600000"] + files)
        last, since = -1, time.monotonic()
        while True:
            n = self.queued()
            if n >= len(files):
                break
            if n != last:
                last, since = n, time.monotonic()
            elif time.monotonic() - since > 5:
                log("  the broker holds %d of %d pages; starting anyway" % (n, len(files)))
                break
            time.sleep(0.2)
        return n

    def run_workers(self, cores, n_pages):
        """Start one sohoa-worker per core; returns (seconds from the first
        worker serving to the last page stored, [peak RSS KiB])."""
        workers = []
        for i, core in enumerate(cores):
            workers.append(self.spawn("worker%d" % i, ["taskset", "-c", str(core), self.prog("workers/sohoa-worker"),
                                                       "--set", "worker.endpoint=" + self.wk,
                                                       "--set", "worker.id=w%d" % i,
                                                       "--set", "worker.database=" + self.conn]))
        rx = re.compile(rb"sohoa-worker \S+ w\d+: broker")
        deadline = time.monotonic() + 120
        while not any(rx.search(open(w.log_path, "rb").read()) for w in workers):
            if time.monotonic() > deadline or any(w.poll() is not None for w in workers):
                raise RuntimeError("worker did not start: see %s" % workers[0].log_path)
            time.sleep(0.02)
        start = time.monotonic()
        while self.sender.poll() is None:
            if time.monotonic() - start > 60 * n_pages:
                raise RuntimeError("pages not stored after %d s: see %s" % (60 * n_pages, self.dir))
            time.sleep(0.05)
        sec = time.monotonic() - start
        rss = [vm_hwm(w.pid) for w in workers]
        return sec, rss, workers

    def close(self):
        for p in reversed(self.procs):
            if p.poll() is None:
                p.send_signal(signal.SIGTERM)
                try:
                    p.wait(15)
                except subprocess.TimeoutExpired:
                    p.kill()
                    p.wait()
        subprocess.run(["/bin/bash", PGCLUSTER, "stop", self.pgdir], capture_output=True, timeout=120)


def vm_hwm(pid):
    try:
        with open("/proc/%d/status" % pid) as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


LOG_LINE = re.compile(r"page (\S+): (stored|stored failed|rejected|resend) \(.*?\); ms: (.*?)store (\d+) "
                      r"total (\d+);")


def worker_log_pages(paths):
    pages = {}
    for path in paths:
        for line in open(path, encoding="utf-8", errors="replace"):
            m = LOG_LINE.search(line)
            if m:
                stages = dict(zip(m.group(3).split()[::2], map(float, m.group(3).split()[1::2])))
                stages["store"] = float(m.group(4))
                stages["total"] = float(m.group(5))
                pages[m.group(1)] = dict(status=m.group(2), stages=stages)
    return pages


def sent_uuids(path):
    uuids = {}
    for line in open(path, encoding="utf-8", errors="replace"):
        parts = line.split(" ", 2)
        if len(parts) == 3 and parts[0] in ("spooled", "already-spooled"):
            uuids[os.path.abspath(parts[2].strip())] = parts[1]
    return uuids


def run_worker(pages, work, build):
    s = Stack(work, build, "worker")
    try:
        files = [p["image"] for p in pages]
        s.queue(files)
        sec, rss, workers = s.run_workers([0], len(files))
        logged = worker_log_pages([w.log_path for w in workers])
        uuids = sent_uuids(s.sender.log_path)
        d = os.path.join(work, "worker-pdf")
        os.makedirs(d)
        sizes = {u: (int(o or 0), int(pd or 0)) for u, o, pd in s.psql(
            "SELECT page_uuid, sum(length(bytes)) FILTER (WHERE kind = 'original'),"
            " sum(length(bytes)) FILTER (WHERE kind = 'pdf') FROM page_blob GROUP BY page_uuid")}
        disk = int(s.psql("SELECT pg_total_relation_size('page') + pg_total_relation_size('page_blob')")[0][0])
        res = {}
        for p in pages:
            u = uuids.get(os.path.abspath(p["image"]))
            lp = logged.get(u, {})
            pdf = os.path.join(d, p["name"] + ".pdf")
            rows = s.psql("SELECT encode(bytes, 'hex') FROM page_blob WHERE page_uuid = '%s' AND kind = 'pdf'" % u) \
                if u else []
            if rows:
                with open(pdf, "wb") as f:
                    f.write(bytes.fromhex(rows[0][0]))
            orig, pdfb = sizes.get(u, (0, 0))
            text = s.psql("SELECT encode(convert_to(coalesce(ocr_text, ''), 'UTF8'), 'hex') FROM page"
                          " WHERE page_uuid = '%s'" % u) if u else []
            res[p["name"]] = dict(stored_text=bytes.fromhex(text[0][0]).decode("utf-8") if text else "",
                                  sec=lp.get("stages", {}).get("total", 0) / 1000.0,
                                  ok=lp.get("status") == "stored" and bool(rows), pdf=pdf if rows else None,
                                  rss_kb=max(rss), stages=lp.get("stages"), stored_bytes=orig + pdfb,
                                  original_bytes=orig)
        return res, dict(wall=sec, pages_per_s=len(files) / sec, rss_kb=rss, db_bytes=disk)
    finally:
        s.close()


# --- scaling ------------------------------------------------------------------

def scale_pages(pages, work, copies):
    d = os.path.join(work, "scale-pages")
    os.makedirs(d, exist_ok=True)
    files = []
    for c in range(copies):
        for p in pages:
            if p["kind"] != "real":
                dst = os.path.join(d, "%s-%d.png" % (p["name"], c))
                png_copy(p["image"], dst, c)
                files.append(dst)
    return files


def scale_workers(files, work, build):
    out = {}
    for n in (1, 2):
        s = Stack(work, build, "scale%d" % n)
        try:
            s.queue(files)
            sec, rss, _ = s.run_workers(list(range(n)), len(files))
            stored = int(s.psql("SELECT count(*) FROM page")[0][0])
            out[n] = dict(seconds=sec, pages=stored, pages_per_s=stored / sec, rss_kb=rss)
            log("  %d worker(s): %d pages in %.1f s" % (n, stored, sec))
        finally:
            s.close()
    return out


def scale_pagetool(files, work, build):
    """Without a worker: one sohoa-pagetool on core 0 over every page, then
    two, on cores 0 and 1, over half each."""
    tool = os.path.join(build, "workers", "sohoa-pagetool")
    out = {}
    for n in (1, 2):
        start = time.monotonic()
        procs = [subprocess.Popen(["taskset", "-c", str(i), tool, "--lang", LANGS] + files[i::n],
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=ENV)
                 for i in range(n)]
        for p in procs:
            p.wait()
        sec = time.monotonic() - start
        out[n] = dict(seconds=sec, pages=len(files), pages_per_s=len(files) / sec)
        log("  %d pagetool(s): %d pages in %.1f s" % (n, len(files), sec))
    return out


# --- report -------------------------------------------------------------------

def score(pages, res):
    """Per page: text, CER, lost, extra characters, PDF bytes."""
    for p in pages:
        r = res.get(p["name"])
        if r is None:
            continue
        text = pdftotext(r["pdf"]) if r.get("ok") and r.get("pdf") and os.path.exists(r["pdf"]) else ""
        r["chars"] = ink_chars(text)
        r["pdf_bytes"] = os.path.getsize(r["pdf"]) if r.get("pdf") and os.path.exists(r["pdf"]) else 0
        if p["truth"]:
            r["cer"] = cer(p["truth"], text)
            r["word_recall"] = word_recall(p["truth"], text)
            if "stored_text" in r:
                r["stored_cer"] = cer(p["truth"], r["stored_text"])
        if p["kind"] == "text":
            r["lost"] = r["cer"] > 0.5 or r["chars"] < 20
        if p["kind"] in ("blank", "sparse"):
            r["extra_chars"] = max(0, r["chars"] - ink_chars(p["truth"] or ""))
        if p["kind"] == "sparse":
            r["lost"] = r["cer"] > 0.5


def legibility(pages, res, work, sysname):
    """OCR of each text page's stored PDF as it is shown (pdftoppm at 300
    dpi, tesseract --psm 3): the CER of what a reader of the picture gets,
    whatever the text layer says."""
    d = os.path.join(work, "legibility-" + sysname)
    os.makedirs(d, exist_ok=True)
    for p in pages:
        r = res.get(p["name"])
        if not r or not r.get("pdf") or not p["truth"] or p["kind"] != "text":
            continue
        base = os.path.join(d, p["name"])
        subprocess.run(["pdftoppm", "-r", "300", "-singlefile", "-png", r["pdf"], base], check=True,
                       timeout=300)
        cp = subprocess.run(["tesseract", base + ".png", "-", "--psm", "3", "-l", LANGS], capture_output=True,
                            text=True, env=ENV, timeout=600)
        r["image_cer"] = cer(p["truth"], cp.stdout)


def summary(pages, res, extra):
    names = [p["name"] for p in pages if p["name"] in res]
    secs = [res[n]["sec"] for n in names]
    text = [p["name"] for p in pages if p["kind"] == "text" and p["name"] in res]
    synth = [p["name"] for p in pages if p["kind"] != "real" and p["name"] in res]
    cers = [res[n]["cer"] for n in text]
    sums = dict(
        pages=len(names),
        median_s=statistics.median(secs),
        total_s=sum(secs),
        mean_s=sum(secs) / len(secs),
        synthetic_total_s=sum(res[n]["sec"] for n in synth),
        median_cpu_s=(statistics.median(res[n]["cpu"] for n in names)
                      if all("cpu" in res[n] for n in names) else None),
        total_cpu_s=sum(res[n]["cpu"] for n in names) if all("cpu" in res[n] for n in names) else None,
        cer_mean=sum(cers) / len(cers) if cers else None,
        cer_max=max(cers) if cers else None,
        word_recall_mean=sum(res[n]["word_recall"] for n in text) / len(text) if text else None,
        cer_one_line=next((res[p["name"]].get("cer") for p in pages if p["kind"] == "sparse"), None),
        stored_cer_mean=(sum(res[n]["stored_cer"] for n in text) / len(text)
                         if text and all("stored_cer" in res[n] for n in text) else None),
        layer_minus_stored_max=(max(res[n]["cer"] - res[n]["stored_cer"] for n in text)
                                if text and all("stored_cer" in res[n] for n in text) else None),
        image_cer_mean=(sum(res[n]["image_cer"] for n in text) / len(text)
                        if text and all("image_cer" in res[n] for n in text) else None),
        lost=[n for n in names if res[n].get("lost")],
        failed=[n for n in names if not res[n]["ok"]],
        extra_chars={n: res[n]["extra_chars"] for n in names if "extra_chars" in res[n]},
        pdf_bytes_mean=sum(res[n]["pdf_bytes"] for n in names) / len(names),
        pdf_bytes_median=statistics.median(res[n]["pdf_bytes"] for n in names),
        pdf_bytes_synthetic_mean=sum(res[n]["pdf_bytes"] for n in synth) / max(1, len(synth)),
        rss_mb=max(res[n].get("rss_kb", 0) for n in names) / 1024.0,
    )
    stages = [res[n]["stages"] for n in names if res[n].get("stages")]
    if stages:
        sums["stage_ms_mean"] = {k: round(sum(s.get(k, 0) for s in stages) / len(stages), 1)
                                 for k in stages[0]}
        sums["stage_ms_total"] = {k: round(sum(s.get(k, 0) for s in stages), 1) for k in stages[0]}
    cpu_stages = [res[n]["cpu_stages"] for n in names if res[n].get("cpu_stages")]
    if cpu_stages:
        sums["cpu_stage_ms_mean"] = {k: round(sum(s.get(k, 0) for s in cpu_stages) / len(cpu_stages), 1)
                                     for k in cpu_stages[0]}
    stored = [res[n]["stored_bytes"] for n in names if "stored_bytes" in res[n]]
    if stored:
        sums["stored_bytes_mean"] = sum(stored) / len(stored)
        sums["stored_bytes_without_original_mean"] = sum(res[n]["stored_bytes"] - res[n]["original_bytes"]
                                                         for n in names) / len(names)
    sums.update(extra)
    return sums


def cpu_against(sums, results, floor_name="tesseract"):
    """Per system, its CPU seconds per page over tesseract's (for --json)."""
    floor = results.get(floor_name)
    if not floor:
        return
    for sysname in results:
        ratios = cpu_ratios(results[sysname], floor)
        if sysname != floor_name and ratios:
            sums[sysname]["cpu_vs_tesseract"] = {n: round(x, 3) for x, n in ratios}
            sums[sysname]["cpu_vs_tesseract_max"] = [round(ratios[0][0], 3), ratios[0][1]]


def cpu_ratios(res, floor):
    """[(CPU seconds / tesseract's, page)], largest first, for the pages both
    ran: under load the fair comparison (every program on core 0, one
    thread), where seconds by the clock count the other jobs' time too."""
    return sorted(((res[n]["cpu"] / floor[n]["cpu"], n) for n in res
                   if n in floor and res[n].get("cpu") and floor[n].get("cpu")), reverse=True)


def print_report(pages, results, sums, scaling):
    print("\n## per system (%d pages, %d with a ground truth)" % (
        len(pages), sum(1 for p in pages if p["truth"] is not None)))
    def pct(v, digits=2):
        return "%.*f%%" % (digits, 100 * v) if v is not None else "-"

    print("| system | median s/page | total s | median CPU s/page | total CPU s | mean CER, text layer | stored text | layer - stored, worst page | "
          "OCR of the PDF's picture | max CER | word recall | one-line CER | lost | "
          "chars on blank/one-line | PDF bytes/page (mean) | peak RSS MB |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    for sysname, s in sums.items():
        print("| %s | %.2f | %.1f | %s | %s | %s | %s | %s | %s | %s | %s | %s | %d %s | %s | %d | %.0f |" % (
            sysname, s["median_s"], s["total_s"],
            "%.2f" % s["median_cpu_s"] if s["median_cpu_s"] is not None else "-",
            "%.1f" % s["total_cpu_s"] if s["total_cpu_s"] is not None else "-",
            pct(s["cer_mean"]), pct(s["stored_cer_mean"]),
            "%+.2f pt" % (100 * s["layer_minus_stored_max"]) if s["layer_minus_stored_max"] is not None else "-",
            pct(s["image_cer_mean"]),
            "%.2f%%" % (100 * s["cer_max"]) if s["cer_max"] is not None else "-",
            "%.1f%%" % (100 * s["word_recall_mean"]) if s["word_recall_mean"] is not None else "-",
            "%.1f%%" % (100 * s["cer_one_line"]) if s["cer_one_line"] is not None else "-",
            len(s["lost"]), ",".join(s["lost"]),
            " ".join("%s:%d" % kv for kv in s["extra_chars"].items()),
            s["pdf_bytes_mean"], s["rss_mb"]))
    print("\n## per page: seconds (CPU seconds) / CER / PDF KiB")
    print("| page | " + " | ".join(sums) + " |")
    print("|---|" + "---|" * len(sums))
    for p in pages:
        cells = []
        for sysname in sums:
            r = results[sysname].get(p["name"])
            if not r:
                cells.append("-")
                continue
            c = "%.2f s" % r["sec"]
            if "cpu" in r:
                c += " (%.2f)" % r["cpu"]
            if "cer" in r:
                c += " / %.1f%%" % (100 * r["cer"])
                if "stored_cer" in r:
                    c += " (stored %.1f%%)" % (100 * r["stored_cer"])
            else:
                c += " / %d ch" % r["chars"]
            c += " / %d" % (r["pdf_bytes"] // 1024)
            cells.append(c)
        print("| %s | %s |" % (p["name"], " | ".join(cells)))
    print()
    floor = results.get("tesseract")
    peer = sums.get("ocrmypdf")
    for sysname in ("pagetool", "worker"):
        if sysname not in results:
            continue
        if floor:
            ratios = sorted(((results[sysname][n]["sec"] / results["tesseract"][n]["sec"], n)
                             for n in results[sysname] if n in floor and floor[n]["sec"] > 0), reverse=True)
            print("%s against tesseract, per page: worst %s" % (
                sysname, ", ".join("%s %.2fx" % (n, x) for x, n in ratios[:5])))
            cpu = cpu_ratios(results[sysname], floor)
            if cpu:
                print("%s against tesseract, per page, CPU seconds: max %.2fx (%s); worst %s" % (
                    sysname, cpu[0][0], cpu[0][1], ", ".join("%s %.2fx" % (n, x) for x, n in cpu[:5])))
                load = sums["tesseract"].get("cpu_model_load_s")
                if load:
                    bare = {n: dict(cpu=max(0.001, r["cpu"] - load)) for n, r in floor.items() if r.get("cpu")}
                    cpu = cpu_ratios(results[sysname], bare)
                    print("  the same against tesseract less its model load (%.2f s CPU): max %.2fx (%s); worst %s"
                          % (load, cpu[0][0], cpu[0][1], ", ".join("%s %.2fx" % (n, x) for x, n in cpu[:5])))
        if peer:
            print("%s mean PDF bytes against OCRmyPDF's: %.2fx" % (
                sysname, sums[sysname]["pdf_bytes_mean"] / peer["pdf_bytes_mean"]))
    print()
    for sysname, s in sums.items():
        keys = ("synthetic_total_s", "pdf_bytes_median", "pdf_bytes_synthetic_mean", "model_load_s",
                "cpu_model_load_s", "model_load_and_exit", "cpu_process_s", "cpu_model_load_and_exit_s", "wall", "pages_per_s", "stored_bytes_mean",
                "stored_bytes_without_original_mean", "db_bytes", "rss_kb")
        print("%s: %s" % (sysname, ", ".join("%s %s" % (k, round(s[k], 3) if isinstance(s[k], float) else s[k])
                                            for k in keys if k in s)))
        if "stage_ms_mean" in s:
            print("%s stages, ms per page (mean): %s" % (sysname, json.dumps(s["stage_ms_mean"])))
        if "cpu_stage_ms_mean" in s:
            print("%s stages, CPU ms per page (mean): %s" % (sysname, json.dumps(s["cpu_stage_ms_mean"])))
    if scaling:
        print("\n## scaling (%s)" % scaling["what"])
        for n in (1, 2):
            print("%d: %d pages in %.1f s, %.3f pages/s" % (n, scaling[n]["pages"], scaling[n]["seconds"],
                                                          scaling[n]["pages_per_s"]))
        print("speed-up: %.2fx" % (scaling[2]["pages_per_s"] / scaling[1]["pages_per_s"]))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--build", default=os.path.join(SOURCE, "build"))
    ap.add_argument("--work", help="keep everything in this directory (default: a temporary one, removed)")
    ap.add_argument("--skip", default="", help="comma-separated: " + ",".join(SYSTEMS) + ",scaling (the "
                    "scaling run uses the worker whenever it is built)")
    ap.add_argument("--copies", type=int, default=2, help="copies of the rendered pages for the scaling run")
    ap.add_argument("--no-real", action="store_true", help="leave out the real scans")
    ap.add_argument("--real", default=REAL, help="the real scans' folder (default: %(default)s)")
    ap.add_argument("--jpeg-quality", type=int, default=0,
                    help="sohoa-pagetool's JPEG quality (0: its default; the worker keeps its own)")
    ap.add_argument("--pages", default="", help="comma-separated page names only (a quick run)")
    ap.add_argument("--json", help="write every measure to this file")
    ap.add_argument("--legibility", action="store_true",
                    help="also OCR the picture of each text page's PDF (pagetool's and OCRmyPDF's)")
    args = ap.parse_args()
    build = os.path.abspath(args.build)
    skip = set(filter(None, args.skip.split(",")))
    work = os.path.abspath(args.work) if args.work else tempfile.mkdtemp(prefix="sohoa-bench-", dir="/tmp")
    os.makedirs(work, exist_ok=True)
    os.chmod(work, 0o755)  # PostgreSQL runs as its own user when we are root
    if not shutil.which("ocrmypdf"):
        skip.add("ocrmypdf")
    worker_built = os.access(os.path.join(build, "workers", "sohoa-worker"), os.X_OK)
    if not worker_built:
        log("no %s/workers/sohoa-worker: the worker is left out, sohoa-pagetool scales instead" % build)
        skip.add("worker")

    pages = make_pages(work, not args.no_real, args.real)
    if args.pages:
        pages = [p for p in pages if p["name"] in args.pages.split(",")]
    log("%d pages in %s" % (len(pages), work))
    runners = dict(tesseract=lambda: run_tesseract(pages, work),
                   ocrmypdf=lambda: run_ocrmypdf(pages, work),
                   pagetool=lambda: run_pagetool(pages, work, build, args.jpeg_quality),
                   worker=lambda: run_worker(pages, work, build))
    results, extras = {}, {}
    for sysname in SYSTEMS:
        if sysname in skip:
            continue
        log("%s ..." % sysname)
        start = time.monotonic()
        results[sysname], extras[sysname] = runners[sysname]()
        log("  %.1f s" % (time.monotonic() - start))
    # tesseract's own model load, for reading its per-page figures
    tiny = os.path.join(work, "tiny.png")
    subprocess.run([PYTHON, "-c", "from PIL import Image; import sys; "
                    "Image.new('L', (200, 100), 255).save(sys.argv[1], dpi=(300, 300))", tiny], check=True)
    load = [timed(["tesseract", tiny, os.path.join(work, "tiny"), "--psm", "3", "-l", LANGS, "pdf"],
                  os.path.join(work, "tiny.rss")) for _ in range(3)]
    if "tesseract" in extras:
        extras["tesseract"]["model_load_s"] = min(t[0] for t in load)
        extras["tesseract"]["cpu_model_load_s"] = min(t[3] for t in load)

    scaling = None
    if "scaling" not in skip:
        files = scale_pages(pages, work, args.copies)
        log("scaling over %d pages ..." % len(files))
        if worker_built:
            scaling = dict(scale_workers(files, work, build), what="sohoa-worker, one on core 0 against "
                           "two on cores 0 and 1, %d pages queued first" % len(files))
        else:
            scaling = dict(scale_pagetool(files, work, build), what="sohoa-pagetool (no worker built), one "
                           "on core 0 against two on cores 0 and 1, %d pages" % len(files))

    sums = {}
    for sysname in results:
        score(pages, results[sysname])
        if args.legibility and sysname in ("pagetool", "ocrmypdf"):
            log("legibility of %s's PDFs ..." % sysname)
            legibility(pages, results[sysname], work, sysname)
        sums[sysname] = summary(pages, results[sysname], extras[sysname])
    cpu_against(sums, results)
    print_report(pages, results, sums, scaling)
    if args.json:
        with open(args.json, "w") as f:
            json.dump(dict(pages=pages, results=results, summary=sums, scaling=scaling,
                           command=sys.argv), f, indent=1, ensure_ascii=False, default=str)
    if not args.work:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
