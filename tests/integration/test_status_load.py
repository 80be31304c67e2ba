"""`sohoactl status` against a known load, every figure checked: a worker
that stored 2 pages and was then stopped (SIGSTOP, dead past liveness), a
worker pointed at a database that does not exist (it says so and takes no
page), 5 pages of an importer queued, and a station whose feeder jammed
at sheet 2 (sheet 1's two sides and the batch's close record queued, its
last event "jam"). Then the stopped worker resumes and every queued page
is stored, and the figures follow. Also the table, --watch redrawing, and
the store's figures (--db) unchanged by a restart of the broker.
Real broker, workers, sohoa-scand on the project's SANE backend,
PostgreSQL."""

import json
import os
import re
import socket
import subprocess
import urllib.request

from PIL import Image, ImageDraw

import harness as h
from scand import Station
from workerstack import SENDFILE, WorkerStack

N = 5


def free_port():
    with socket.socket() as so:
        so.bind(("127.0.0.1", 0))
        return so.getsockname()[1]


def scrape(url):
    from prometheus_client.parser import text_string_to_metric_families

    with urllib.request.urlopen(url, timeout=10) as r:
        h.check(r.headers["Content-Type"].startswith("text/plain; version=0.0.4"), "metrics content type")
        text = r.read().decode()
    samples = {}
    for fam in text_string_to_metric_families(text):
        for smp in fam.samples:
            samples[(smp.name, tuple(sorted(smp.labels.items())))] = smp.value
    return samples


def chromium(*args):
    exe = next((p for p in ("/usr/bin/chromium", "/usr/bin/chromium-browser") if os.access(p, os.X_OK)), None)
    if not exe:
        h.fail("chromium is not installed (./run setup installs Debian's chromium)")
    profile = h.path("chromium-profile-%d" % len(os.listdir(h.workdir())))
    profile.mkdir()
    argv = [exe, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
            "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage",
            "--user-data-dir=%s" % profile] + list(args)
    return subprocess.run(argv, capture_output=True, text=True, errors="replace", timeout=180,
                          env=dict(os.environ, HOME=str(profile)), stdin=subprocess.DEVNULL)


def check_metrics(url):
    m = scrape(url + "/metrics")
    want = {
        ("sohoa_queue_pages", (("class", "bulk"),)): N,
        ("sohoa_queue_pages", (("class", "interactive"),)): 3,
        ("sohoa_class_pages_in_total", (("class", "interactive"),)): 5,
        ("sohoa_class_pages_out_total", (("class", "interactive"),)): 2,
        ("sohoa_worker_up", (("worker", "w1"),)): 0,
        ("sohoa_worker_pages_total", (("worker", "w1"),)): 2,
        ("sohoa_worker_database_up", (("worker", "w2"),)): 0,
        ("sohoa_worker_database_up", (("worker", "w1"),)): 1,
        ("sohoa_worker_busy", (("worker", "w2"),)): 0,
        ("sohoa_station_spool_pages", (("role", "importer"), ("station", "bulk1"))): N,
        ("sohoa_station_spool_pages", (("role", "station"), ("station", "st1"))): 3,
        ("sohoa_pages_total", (("outcome", "stored"), ("station", "desk0"))): 2,
        ("sohoa_broker_quarantined_total", ()): 0,
    }
    for k, v in want.items():
        h.check_eq(m.get(k), v, "metric %s%r" % k)
    h.check(any(n == "sohoa_station_last_event_age_seconds" and dict(lb).get("event") == "jam" and v >= 1
                for (n, lb), v in m.items()), "the jam in the metrics")
    ocr = [(dict(lb), v) for (n, lb), v in m.items() if n == "sohoa_stage_seconds_count" and dict(lb)["stage"] == "ocr"]
    h.check_eq(ocr, [({"worker": "w1", "stage": "ocr"}, 2)], "OCR stage histogram count")
    h.check_eq(m[("sohoa_stage_seconds_bucket", (("le", "+Inf"), ("stage", "ocr"), ("worker", "w1")))], 2,
               "OCR stage histogram +Inf bucket")


def check_page(url):
    dom = chromium("--dump-dom", url + "/").stdout
    h.check("<script" not in dom and "http-equiv=\"refresh\"" in dom, "a self-refreshing page without script")
    h.check(not re.search(r'(src|href)="(https?:)?//', dom), "no external asset")

    def fig(key):
        m = re.search(r'data-k="%s"[^>]*>([^<]*)<' % re.escape(key), dom)
        h.check(m, "figure %s on the page" % key)
        return m.group(1)
    h.check_eq([fig(k) for k in ("queued-bulk", "queued-interactive", "workers", "spool-st1", "event-st1",
                                 "state-w2", "done-w1")],
               [str(N), "3", "1", "3", "jam", "no database", "2"], "key numbers on the status page")
    png = h.path("status-phone.png")
    chromium("--window-size=390,844", "--hide-scrollbars", "--screenshot=%s" % png, url + "/")
    h.check(png.exists(), "chromium wrote the phone screenshot")
    img = Image.open(png).convert("L")
    h.check_eq(img.size, (390, 844), "screenshot size")
    h.check(sum(1 for p in img.getdata() if p < 100) > 2000, "text drawn on the phone screenshot")


def small_pages(n, tag):
    out = []
    for i in range(n):
        p = h.path("%s-%d.png" % (tag, i))
        img = Image.new("L", (320, 200), 255)
        ImageDraw.Draw(img).text((20, 80), "%s page %d" % (tag, i), fill=0)
        img.save(p, dpi=(300, 300))
        out.append(p)
    return out


def status(s, *extra):
    cp = h.run(["sohoactl", "status", "--broker", s.stations, "--db", s.conn] + list(extra))
    return json.loads(cp.stdout) if "--json" in extra else cp.stdout


def peer(st, name):
    found = [p for p in st["peers"] if p["peer_id"] == name]
    h.check_eq(len(found), 1, "peers named %s" % name)
    return found[0]


def klass(st, name):
    return [c for c in st["classes"] if c["class"] == name][0]


def main():
    url = "http://127.0.0.1:%d" % free_port()
    s = WorkerStack(broker_sets=["broker.http_listen=" + url[len("http://"):]])
    w1 = s.worker("w1")
    s.send(small_pages(2, "first"), "desk0")

    w2 = s.worker("w2", sets=["worker.database=" + s.pg.connstring("nosuchdb")])
    h.wait_for(lambda: peer(s.status(), "w2")["state"] == "no-database", 15, "w2 saying it has no database",
               retry_on=(h.TestFailure,))
    w1.suspend()
    h.wait_for(lambda: peer(s.status(), "w1")["state"] == "dead", 15, "w1 counted dead",
               retry_on=(h.TestFailure,))

    bulk = h.Proc("bulk1", [SENDFILE, "--endpoint", s.stations, "--id", "bulk1", "--role", "importer", "--spool",
                            h.path("spool-bulk1"), "--wait"] + small_pages(N, "bulk"))
    st1 = Station(s, scenario={"sheets": 3, "jam_at": 2})
    st1.wait_ready()
    r = st1.scan("--sheets", "3", check=False)
    h.check_eq((r["end"], r["images"]), ("jam", "2"), "the jammed batch")

    def settled():
        st = s.status()
        return (klass(st, "bulk")["queued_pages"] == N and klass(st, "interactive")["queued_pages"] == 3
                and peer(st, "bulk1")["spool_pages"] == N and peer(st, "st1")["spool_pages"] == 3
                and peer(st, "st1")["last_event"] == "jam")
    h.wait_for(settled, 30, "the load queued and stated in heartbeats", retry_on=(h.TestFailure,))
    # A heartbeat later, nothing moved: no worker took a page.
    since = s.status()["uptime_ms"]
    h.wait_for(lambda: s.status()["uptime_ms"] > since + 1000, 10, "a second of broker time")
    st = status(s, "--json")

    h.check_eq((st["workers"], st["workers_idle"], st["stations"]), (1, 0, 1), "workers, idle, stations")
    b, i = klass(st, "bulk"), klass(st, "interactive")
    h.check_eq((b["queued_pages"], b["inflight_pages"], b["pages_in"], b["pages_out"]), (N, 0, N, 0), "bulk class")
    h.check_eq((i["queued_pages"], i["inflight_pages"], i["pages_in"], i["pages_out"]), (3, 0, 5, 2),
               "interactive class (2 stored, 2 images and a close queued)")
    h.check_eq((b["pages_in_last_min"], b["pages_out_last_min"]), (N, 0), "bulk pages in the last minute")
    h.check(b["oldest_queued_ms"] >= 1000 and i["oldest_queued_ms"] >= 1000,
            "oldest queued ages: %d, %d" % (b["oldest_queued_ms"], i["oldest_queued_ms"]))

    p1 = peer(st, "w1")
    h.check_eq((p1["state"], p1["pages_done"], p1["pages_failed"], p1["database_unreachable"]),
               ("dead", 2, 0, False), "the stopped worker")
    h.check(p1["work_ms"] > 0 and p1["mean_ms"] == p1["work_ms"] // 2, "w1 work and mean: %r" % p1)
    p2 = peer(st, "w2")
    h.check_eq((p2["state"], p2["pages_done"], p2["database_unreachable"], p2["page_uuid"]),
               ("no-database", 0, True, None), "the worker without its database")
    h.check("nosuchdb" in (p2["database_error"] or ""), "w2's reason: %r" % p2["database_error"])
    h.check("database unreachable" in w2.log(), "w2 logs it:\n" + w2.tail())

    pb, ps = peer(st, "bulk1"), peer(st, "st1")
    h.check_eq((pb["role"], pb["queued_pages"], pb["spool_pages"], pb["last_event"]), ("importer", N, N, None),
               "the importer")
    h.check(pb["spool_oldest_ms"] >= 1000, "the importer's oldest spooled page: %d ms" % pb["spool_oldest_ms"])
    h.check_eq((ps["role"], ps["queued_pages"], ps["spool_pages"], ps["last_event"]), ("station", 3, 3, "jam"),
               "the jammed station")
    h.check(ps["last_event_age_ms"] >= 1000, "age of the jam: %d ms" % ps["last_event_age_ms"])

    h.check_eq(st["store"], {"failed": 0, "quarantined": 0, "pages_today": 2,
                             "origins_today": [{"origin_id": "desk0", "stored": 2, "failed": 0}]}, "store figures")
    h.check_eq(st["counters"]["pages_in"], 2 + N + 3, "pages in")

    table = status(s)
    h.check(re.search(r"^w2 .*no-database.*NO DATABASE: .*nosuchdb", table, re.M), "w2 in the table:\n" + table)
    h.check(re.search(r"^st1 .*spool 3 pages, oldest .*last event: jam", table, re.M), "st1 in the table:\n" + table)
    h.check(re.search(r"^w1 .*dead.*done 2 \(0 failed\), mean", table, re.M), "w1 in the table:\n" + table)
    h.check("STORE     failed 0 (quarantined 0)   pages today 2" in table, "store in the table:\n" + table)

    check_metrics(url)
    check_page(url)

    # The stopped worker comes back: everything queued is stored.
    w1.resume()
    bulk.expect_exit(0, timeout=240)
    h.wait_for(lambda: s.pg.value("SELECT count(*) FROM page", s.db) == str(2 + N + 2), 240, "every page stored")
    h.wait_for(lambda: klass(s.status(), "interactive")["queued_pages"] == 0, 60, "the close record answered",
               retry_on=(h.TestFailure,))
    h.wait_for(lambda: peer(s.status(), "w1")["pages_done"] == 2 + N + 3, 30, "w1's heartbeat counting its work",
               retry_on=(h.TestFailure,))
    st = status(s, "--json")
    b, i = klass(st, "bulk"), klass(st, "interactive")
    h.check_eq((b["queued_pages"], b["pages_out"], i["queued_pages"], i["pages_out"]), (0, N, 0, 5), "classes after")
    h.check_eq(peer(st, "w2")["pages_done"], 0, "pages w2 took")
    h.check_eq(st["store"]["pages_today"], 2 + N + 2, "pages stored today")

    # --watch redraws until interrupted.
    watch = h.Proc("watch", ["sohoactl", "status", "--broker", s.stations, "--watch=1"])
    h.wait_for(lambda: watch.out().count("COUNTERS") >= 2, 20, "two screens of --watch")
    watch.term()

    # The broker restarts: its own counters begin again, the store's stay.
    s.broker.restart()
    h.wait_for(lambda: s.status()["uptime_ms"] >= 0, 30, "the broker back", retry_on=(h.TestFailure,))
    st = status(s, "--json")
    h.check_eq(st["counters"]["pages_in"], 0, "the broker's pages in after its restart")
    h.check_eq(st["store"]["pages_today"], 2 + N + 2, "pages stored today, across the broker's restart")
    origins = {o["origin_id"]: (o["stored"], o["failed"]) for o in st["store"]["origins_today"]}
    h.check_eq((origins.get("desk0"), origins.get("bulk1"), sum(v[0] for v in origins.values())),
               ((2, 0), (N, 0), 2 + N + 2), "pages today per origin, across the broker's restart")


h.run_test(main)
