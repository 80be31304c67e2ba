"""§7.6 batch close, end to end through the real sohoa-worker and a
throwaway PostgreSQL: a close record (UUIDv5 of "<batch>/close", empty
image) is acknowledged STORED; the same record again STORED, from the
worker's look-up (1.3: never from the broker's completed cache, §7.1 step
6); a close with another count goes to the worker, which answers
REJECTED. Every STORED carries the sha256 of the empty image."""


import conform as c
import harness as h
import wire as w
from wire import pb


def main():
    chk = c.Checks()
    pg = h.PgCluster().start()
    db = pg.createdb("sohoa")
    conn = pg.connstring(db)
    h.run(["sohoactl", "db", "migrate", "--db", conn])
    b = c.Broker()
    h.Proc("w1", ["sohoa-worker", "--set", "worker.endpoint=" + b.workers, "--set", "worker.id=w1",
                  "--set", "worker.database=" + conn], env={"OMP_THREAD_LIMIT": "1"}) \
        .wait_log(r"sohoa-worker .* w1: broker", timeout=60)
    src = b.source("desk-1")
    batch = c.uuid4()

    def close(n, what):
        """Send the close record of batch with count n; returns (status, reason, sha256, counters changed)."""
        before = b.counters()
        seen = len(src.acks_for(w.close_uuid(batch)))
        u = src.add_page(w.close_record(batch, n))
        src.wait_gone([u], timeout=60)
        a = src.acks_for(u)[seen]
        d = c.delta(before, b.counters())
        print("%s: %s %r %r" % (what, w.STATUS_NAMES[a[1]], a[2], d))
        return a[1], a[3], d.get("jobs_out", 0), d.get("acks_from_cache", 0)

    chk.eq(close(3, "first"), (pb.RESULT_STORED, w.EMPTY_SHA256, 1, 0), "the close record (status, sha256, JOBs, "
           "from the cache)")
    chk.eq(close(3, "again"), (pb.RESULT_STORED, w.EMPTY_SHA256, 1, 0), "the same close again")
    chk.eq(close(4, "count 4"), (pb.RESULT_REJECTED, b"", 1, 0), "a close with count 4, the cache holding count 3")
    chk.eq(close(3, "again after count 4"), (pb.RESULT_STORED, w.EMPTY_SHA256, 1, 0),
           "count 3 again, after the count 4 was refused")
    epoch = src.epoch
    b.restart()
    src.wait_welcomed(new_since=epoch)
    chk.eq(close(3, "after a restart"), (pb.RESULT_STORED, w.EMPTY_SHA256, 1, 0),
           "the same close after a restart: from the worker")
    chk.eq(close(4, "count 4 after a restart"), (pb.RESULT_REJECTED, b"", 1, 0),
           "a close with count 4, from the worker")
    rows = pg.query("SELECT expected_pages FROM batch WHERE batch_uuid = '%s'" % w.hexid(batch), db)
    chk.eq(rows, [["3"]], "the batch's count in the store")
    chk.done()


c.run(main)
