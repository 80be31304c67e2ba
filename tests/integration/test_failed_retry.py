"""`sohoactl failed retry` sends a failed page and a quarantined page
through the pipeline again from their stored originals, and each record is
replaced, in place, by the page processed again: the row stays one row,
the failed record is never deleted first, the history says what happened.
A page that failed (OCR past a 1 ms time limit) and a page quarantined
(its worker killed while PostgreSQL was stopped, quarantine_after = 1) are
both stored whole after the retry by a worker with sound settings. Before
the retry path, the worker's look-up answered "already stored (failed)"
and both pages stayed failed. Real broker, workers, PostgreSQL."""

import json

import harness as h
from workerstack import SENDFILE, WorkerStack, parse_send, render


def failed(s, *args):
    cp = h.run(["sohoactl", "failed"] + list(args) + ["--db", s.conn], check=False, timeout=300,
               env={"SOHOA_BROKER": s.stations, "XDG_STATE_HOME": str(h.path("state"))})
    return cp


def main():
    pages = render("one_line", "clean")
    s = WorkerStack(broker_sets=["broker.quarantine_after=1"])

    # A page that fails: OCR past its time limit.
    w1 = s.worker("w1", sets=["worker.ocr_time_limit=1ms", "worker.database_check=0"])
    spooled, events, _ = s.send([pages["one_line"]], "desk")
    fu = spooled[0]
    h.check_eq([e[0] for e in events.get(fu, [])], ["stored_failed"], "the page that fails")

    # A page quarantined: its worker dies while it waits for the database.
    s.pg.stop()
    sender = h.Proc("desk2", [SENDFILE, "--endpoint", s.stations, "--id", "desk2", "--spool", h.path("spool-desk2"),
                              "--wait", pages["clean"]])
    w1.wait_log(r"database unavailable", timeout=60)
    w1.kill()
    h.wait_for(lambda: s.status()["counters"]["quarantined"] == 1, 15, "the page quarantined",
               retry_on=(h.TestFailure,))
    s.pg.start()
    w2 = s.worker("w2")
    sender.expect_exit(0, timeout=120)
    qu = parse_send(sender.out())[0][0]
    h.check_eq(s.page(qu, "status, failure_reason"), ["failed", "quarantined after 1 worker death"],
               "the quarantined page's row")

    listed = json.loads(failed(s, "list", "--json").stdout)["pages"]
    h.check_eq(sorted((p["page_uuid"], p["quarantined"], p["has_original"]) for p in listed),
               sorted([(fu, False, True), (qu, True, True)]), "failed list")

    # Retry the failed page by its UUID.
    cp = failed(s, "retry", fu)
    h.check_eq(cp.returncode, 0, "exit status of `failed retry %s`:\n%s%s" % (fu, cp.stdout, cp.stderr))
    h.check("%s: stored" % fu in cp.stdout, "retry says the page is stored:\n" + cp.stdout)
    h.check_eq(s.page(fu, "status, failure_reason, worker_id"), ["stored", "", "w2"], "the retried page's row")
    h.check_ge(int(s.page(fu, "length(ocr_text)")[0]), 5, "text of the retried page")
    h.check_eq(s.blob_kinds(fu), ["original", "pdf"], "blobs of the retried page")
    h.check_eq(s.pg.value("SELECT count(*) FROM page", s.db), "2", "pages in the store")
    shown = json.loads(failed(s, "show", fu, "--json").stdout)
    h.check_eq([e["action"] for e in shown["history"]], ["page.failed", "page.retried"], "history of the page")
    h.check(shown["history"][1]["reason"].startswith("stored (was: OCR time limit"),
            "the retry's audit entry: %r" % shown["history"][1])

    # Retry the rest (the quarantined page) with --all.
    cp = failed(s, "retry", "--all")
    h.check_eq(cp.returncode, 0, "exit status of `failed retry --all`:\n%s%s" % (cp.stdout, cp.stderr))
    h.check_eq(s.page(qu, "status, worker_id"), ["stored", "w2"], "the quarantined page's row after the retry")
    h.check_ge(int(s.page(qu, "length(ocr_text)")[0]), 100, "text of the quarantined page")
    h.check_eq(json.loads(failed(s, "list", "--json").stdout)["pages"], [], "failed pages left")
    h.check_eq(s.pg.value("SELECT count(*) FROM page", s.db), "2", "pages in the store after both retries")

    # A retry of a page stored whole does nothing; an unknown page is an error.
    cp = failed(s, "retry", fu)
    h.check_eq(cp.returncode, 0, "retry of a stored page:\n" + cp.stderr)
    h.check("nothing to retry" in cp.stdout, "retry of a stored page says so:\n" + cp.stdout)
    cp = failed(s, "retry", "00000000-0000-4000-8000-000000000001")
    h.check_eq(cp.returncode, 1, "retry of an unknown page")
    h.check("no page 00000000-0000-4000-8000-000000000001 in the store" in cp.stderr, cp.stderr)
    h.check(w2.running, "the worker still serving")


h.run_test(main)
