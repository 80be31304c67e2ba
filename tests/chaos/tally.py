"""The count at the end: the sources' records against PostgreSQL's rows."""

import collections


class Tally:
    def __init__(self, records, conflicts, pg, db):
        self.records = records
        rows = pg.query("SELECT page_uuid, encode(sha256, 'hex'), status FROM page", db)
        by_uuid = collections.defaultdict(list)
        for u, sha, status in rows:
            by_uuid[u].append((sha, status))
        # Stored twice: two rows of one UUID (the primary key forbids it) or
        # two store records in the audit log (one per transaction that stored).
        audit = pg.query("SELECT object_id, count(*) FROM audit_log WHERE action IN ('page.stored', 'page.failed')"
                         " GROUP BY object_id HAVING count(*) > 1", db)
        self.rows = len(rows)
        self.status = collections.Counter(s for _, _, s in rows)
        self.pages_in = len(records)
        self.by_kind = collections.Counter(kind for _, kind, _ in records.values())
        self.stored = [u for u in records if u in by_uuid]
        self.lost = sorted(u for u in records if u not in by_uuid)
        self.wrong_hash = sorted(u for u in self.stored if any(sha != records[u][0] for sha, _ in by_uuid[u]))
        self.duplicated = sorted({u for u, v in by_uuid.items() if len(v) > 1} | {u for u, _ in audit})
        self.unrecorded = sorted(u for u in by_uuid if u not in records)
        self.conflicts = conflicts

    def lines(self):
        kinds = ", ".join("%s %d" % kv for kv in sorted(self.by_kind.items()))
        return ["pages in %d (%s)" % (self.pages_in, kinds),
                "stored %d, duplicated %d, lost %d, stored with wrong hash %d" % (
                    len(self.stored), len(self.duplicated), len(self.lost), len(self.wrong_hash)),
                "page rows %d (%s); stored but in no source's record %d; recorded twice with two hashes %d" % (
                    self.rows, ", ".join("%s %d" % kv for kv in sorted(self.status.items())),
                    len(self.unrecorded), len(self.conflicts))]

    def details(self, limit=20):
        out = []
        for what, uuids in (("lost", self.lost), ("duplicated", self.duplicated),
                            ("stored with wrong hash", self.wrong_hash), ("unrecorded", self.unrecorded),
                            ("recorded with two hashes", self.conflicts)):
            for u in uuids[:limit]:
                src = self.records.get(u)
                out.append("  %s %s%s" % (what, u, " (from %s %s)" % (src[1], src[2]) if src else ""))
        return out
