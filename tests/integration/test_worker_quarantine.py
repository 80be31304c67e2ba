"""A quarantined page is stored raw, not processed: a worker holding a page
(kept busy by a stopped PostgreSQL) is killed; with quarantine_after = 1 the
broker sends the page to the next worker with store_only, and that worker
stores it failed with its original bytes and the reason, without running
the pipeline. A quarantined batch-close record (the verdict is all it runs)
records the batch's end without the verdict and is answered stored_failed
saying so."""

import harness as h
from workerstack import SENDFILE, WorkerStack, parse_send, render


def main():
    pages = render("clean")
    s = WorkerStack(broker_sets=["broker.quarantine_after=1"])
    w1 = s.worker("w1", sets=["worker.database_check=0"])  # takes the page with the database away
    s.pg.stop()
    sender = h.Proc("desk", [SENDFILE, "--endpoint", s.stations, "--id", "desk", "--spool", h.path("spool-desk"),
                             "--wait", pages["clean"]])
    w1.wait_log(r"database unavailable", timeout=60)
    w1.kill()
    h.wait_for(lambda: s.status()["counters"]["quarantined"] == 1, 15, "the page quarantined",
               retry_on=(h.TestFailure,))
    s.pg.start()
    w2 = s.worker("w2", sets=["worker.database_check=0"])  # takes the close record below likewise
    sender.expect_exit(0, timeout=60)
    spooled, events, _ = parse_send(sender.out())
    u = spooled[0]
    h.check_eq(events.get(u), [("stored_failed", "quarantined after 1 worker death")], "outcome")
    h.check_eq(s.page(u, "status, failure_reason, worker_id"), ["failed", "quarantined after 1 worker death", "w2"],
               "row of the quarantined page")
    h.check_eq(s.blob_kinds(u), ["original"], "blobs of the quarantined page")
    h.check_eq(s.blob(u, "original").read_bytes(), pages["clean"].read_bytes(), "original bytes")
    h.check("(quarantined" in w2.log() and "ocr " not in w2.log().split("(quarantined")[1].split("\n")[0],
            "w2 did not run the pipeline:\n" + w2.tail())

    # A close record held by a worker that dies: quarantined too.
    batch = "3e2d1c0b-0000-4000-8000-00000000000a"
    s.pg.stop()
    sender = h.Proc("desk-close", [SENDFILE, "--endpoint", s.stations, "--id", "desk", "--spool",
                                   h.path("spool-desk"), "--wait", "--batch-uuid", batch, "--close-batch", "2"])
    w2.wait_log(r"close .* database unavailable", timeout=60)
    w2.kill()
    h.wait_for(lambda: s.status()["counters"]["quarantined"] == 2, 15, "the close record quarantined",
               retry_on=(h.TestFailure,))
    s.pg.start()
    s.worker("w3")
    sender.expect_exit(0, timeout=60)
    spooled, events, _ = parse_send(sender.out())
    outcome = events.get(spooled[0])
    h.check(outcome and outcome[0][0] == "stored_failed" and outcome[0][1].startswith(
        "quarantined after 1 worker death: end recorded, verdict left to the batch's next page"),
        "outcome of the quarantined close: %r" % outcome)
    h.check_eq(s.pg.value("SELECT expected_pages FROM batch WHERE batch_uuid = '%s'" % batch, s.db), "2",
               "the batch's end recorded")
    h.check_eq(s.pg.value("SELECT count(*) FROM batch_verdict WHERE batch_uuid = '%s'" % batch, s.db), "0",
               "no verdict computed by the quarantined close")


h.run_test(main)
