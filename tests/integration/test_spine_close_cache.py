"""Every close of a batch has the same UUID and the same empty image
(proto/PROTOCOL.md §7.6): a close with another count must reach the worker,
which rejects it, and never be acknowledged stored from the broker's memory
(the station would delete a close the store refused). Nor is the same count
again (1.3, §7.1 step 6): the worker's look-up answers it. A close record
whose UUID is not the UUIDv5 of its batch is rejected by the broker. Real
broker (completed cache on), real sohoa-worker, PostgreSQL."""

import uuid

import harness as h
from workerstack import WorkerStack

BATCH = "4a1f0e2d-7c6b-4d5a-9e8f-0a1b2c3d4e5f"
OTHER = "9b8a7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d"
# The close record's UUID as §7.6 derives it from its batch.
CLOSE = str(uuid.uuid5(uuid.UUID("5f0c1e7a-3b2d-4c8e-9a61-d4f2b7e08c35"), BATCH + "/close"))


def close(s, n, batch, pages, *extra):
    """The close record of batch alone, from its own spool; (uuid, outcomes)."""
    spooled, events, _ = s.send([], "desk%d" % n, "--batch-uuid", batch, "--close-batch", pages, *extra)
    h.check_eq(len(spooled), 1, "close records spooled")
    return spooled[0], [o[0] for o in events.get(spooled[0], [])], events.get(spooled[0], [])


def audits(s, batch, action):
    return int(s.pg.value("SELECT count(*) FROM audit_log WHERE object_kind = 'batch' AND object_id = '%s'"
                          " AND action = '%s'" % (batch, action), s.db))


def from_cache(s):
    return s.status()["counters"]["acks_from_cache"]


def main():
    s = WorkerStack()
    w = s.worker("w1")

    cu, outcome, _ = close(s, 1, BATCH, 3, "--close-uuid", CLOSE)
    h.check_eq(outcome, ["stored"], "the first close (3 images)")
    cached = from_cache(s)

    cu2, outcome, _ = close(s, 2, BATCH, 2, "--close-uuid", CLOSE)
    h.check_eq(cu, CLOSE, "the close UUID")
    h.check_eq(outcome, ["rejected"], "a close with another count, after the first one was stored")
    h.check_eq(from_cache(s), cached, "acks from the cache for the other count")
    h.check_eq(audits(s, BATCH, "batch.close_rejected"), 1, "the rejection audited by the store")

    _, outcome, _ = close(s, 3, BATCH, 3, "--close-uuid", CLOSE)
    h.check_eq(outcome, ["stored"], "the first count again")
    h.check_eq(from_cache(s), cached, "acks from the cache for the same count")
    h.check_eq(s.pg.value("SELECT expected_pages FROM batch WHERE batch_uuid = '%s'" % BATCH, s.db), "3",
               "the count the store kept")

    # Not the UUIDv5 of its batch: refused by the broker for good.
    bogus = "11111111-2222-4333-8444-555555555555"
    cu4, outcome, events = close(s, 4, OTHER, 2, "--close-uuid", bogus)
    h.check_eq(cu4, bogus, "the close record's own UUID")
    h.check_eq(outcome, ["rejected"], "a close record under another UUID")
    h.check("UUIDv5" in events[0][1], "the reason says why: %r" % events)
    h.check_eq(s.pg.value("SELECT count(*) FROM batch WHERE batch_uuid = '%s'" % OTHER, s.db), "0",
               "nothing recorded for its batch")
    h.check(w.running, "the worker still serves")


h.run_test(main)
