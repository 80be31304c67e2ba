"""The pages that flow while the monkey works, and each source's own record
of what it put in (page UUID -> SHA-256):

- sohoa-testsource runs on the desk (stations) and office (importers)
  hosts: many small synthetic pages (one run in five: a few of 256 KB to
  3 MB) through session/outbox, cheap for a real
  worker (they do not decode: each is stored raw, marked failed, through
  the same store transaction); the record is the run's --put-log. A run
  the monkey killed restarts with --pages 0, which only replays its spool:
  a page it lost is not put in again.
- the capture station's scans (`sohoactl scan` on sohoa-scand's control
  socket): real TIFF images of the SANE backend; the record is the
  daemon's "spooled page UUID ... sha256 HASH" log lines.
- `sohoactl import` of small rendered text pages (real OCR), one folder at
  a time; the record is the files it was given (UUIDv5 of their content,
  the hash of the file). A killed import is run again with the same
  command, which resumes it.

A kill may land between a page entering a spool and the source recording
it: such a page is stored but in no record ("unrecorded"), at most one per
kill of a source."""

import hashlib
import os
import re

import harness as h
import importdata
from scand import SPOOLED, SCANNED
from stack import DESK, DOSSIER, OFFICE

TIMEOUT_MS = 24 * 3600 * 1000


class Run:
    """One page source process; killed is set while the monkey holds it down."""

    def __init__(self, kind, proc, record=None):
        self.kind = kind
        self.proc = proc
        self.killed = False
        self.record = record    # import: {uuid: sha}
        self.restarts = 0

    @property
    def done(self):
        return not self.killed and self.proc.returncode == 0


class Load:
    def __init__(self, stack, rng, log):
        self.stack = stack
        self.rng = rng
        self.log = log
        self.runs = []
        self.k = 0
        self.stopping = False
        self.next = {"ts-" + DESK: 0.0, "ts-" + OFFICE: 0.0, "scan": 0.0, "import": 0.0}
        self.scan = None
        self.anomalies = []
        self.import_spool = h.path("spool-import")

    # --- starting sources -------------------------------------------------

    def _testsource(self, host):
        self.k += 1
        name = "ts-%s-%d" % (host, self.k)
        role, key = ("station", "desk-src") if host == DESK else ("importer", "office-src")
        if self.rng.random() < 0.2:     # big pages: frames that a cut or a slow link catches midway
            pages, size = self.rng.randint(3, 15), self.rng.randint(256 * 1024, 3 * 1024 * 1024)
        else:
            pages, size = self.rng.randint(20, 120), self.rng.randint(1000, 24000)
        argv = ["sohoa-testsource", "--endpoint", self.stack.endpoint(host), "--id", name,
                "--spool", h.path("spool-" + name), "--role", role, "--pages", pages, "--size", size,
                "--seed", self.k, "--wait", "--timeout-ms", TIMEOUT_MS, "--resend-ms", 20000,
                "--ack-log", h.path("acks-" + name), "--put-log", h.path("puts-" + name)]
        p = h.Proc(name, argv, env=self.stack.keys.env(key), prefix=self.stack.net.prefix(host))
        self.runs.append(Run("testsource", p))

    def _import(self):
        self.k += 1
        folder = h.path("inbox-%d" % self.k)
        folder.mkdir()
        record = {}
        for i in range(self.rng.randint(1, 3)):
            f = folder / ("page-%d.png" % i)
            words = " ".join(self.rng.choice(WORDS) for _ in range(4))
            text = "Chaos %d.%d\n%s\nso %d" % (self.k, i, words, self.rng.randint(0, 10 ** 6))
            importdata.render(text, size=(900, 500)).save(f, dpi=(300, 300))
            record[importdata.page_uuid(f, 0)] = hashlib.sha256(f.read_bytes()).hexdigest()
        argv = ["sohoactl", "import", "--broker", self.stack.endpoint(OFFICE), "--spool", self.import_spool,
                "--report", h.path("import-report-%d.txt" % self.k), "--dossier", DOSSIER, "--quiet", folder]
        p = h.Proc("import-%d" % self.k, argv, env=self.stack.keys.env("office-imp"),
                   prefix=self.stack.net.prefix(OFFICE))
        self.runs.append(Run("import", p, record))

    def _scan(self):
        st = self.stack.station
        st.scenario(sheets=self.rng.randint(1, 5))
        self.scan = h.Proc("scan", ["sohoactl", "scan", "--socket", st.socket])

    def tick(self, now):
        """Start what is due; note runs that ended other than by a kill."""
        for r in self.runs:
            rc = r.proc.returncode
            if rc not in (None, 0) and not r.killed:
                self.anomalies.append("%s exited with %s (not killed by the monkey); started again" % (r.proc.name, rc))
                self.log("%s exited with %s unasked: see %s" % (r.proc.name, rc, r.proc.log_path))
                self.restart(r)
        if self.stopping:
            return
        running = [r for r in self.running() if r.kind == "testsource"]
        for host in (DESK, OFFICE):
            key = "ts-" + host
            mine = [r for r in running if r.proc.name.startswith(key + "-")]
            if now >= self.next[key] and len(mine) < 2:
                self._testsource(host)
                self.next[key] = now + self.rng.uniform(4, 15)
        if now >= self.next["import"] and not [r for r in self.running() if r.kind == "import"]:
            self._import()
            self.next["import"] = now + self.rng.uniform(10, 40)
        if now >= self.next["scan"] and (self.scan is None or not self.scan.running):
            self._scan()
            self.next["scan"] = now + self.rng.uniform(3, 15)

    def running(self):
        """Source runs alive or held down by the monkey."""
        return [r for r in self.runs if r.killed or r.proc.running]

    def restart(self, r):
        """A run again after a kill: a test source only replays its spool."""
        if r.kind == "testsource":
            i = r.proc.argv.index("--pages")
            r.proc.argv[i + 1] = "0"
        r.restarts += 1
        r.killed = False
        r.proc.start()

    # --- the end ------------------------------------------------------------

    def stop(self):
        """Start nothing new (runs under way go on)."""
        self.stopping = True

    def spooled(self):
        """{source: pages (and close records) left in its spool}, sources with any only."""
        out = {}
        dirs = [(r.proc.name, h.path("spool-" + r.proc.name)) for r in self.runs if r.kind == "testsource"]
        dirs += [("import", self.import_spool), ("scand-desk1", self.stack.station.spool)]
        for name, d in dirs:
            n = len([f for f in os.listdir(d) if f.endswith(".page")]) if d.exists() else 0
            if n:
                out[name] = n
        return out

    def finished(self):
        """Names of the runs not yet done (exited 0)."""
        out = [r.proc.name for r in self.runs if not r.done]
        if self.scan is not None and self.scan.running:
            out.append("scan")
        return out

    def records(self):
        """{uuid: (sha256 hex, source kind, source name)}, and the UUIDs recorded
        twice with different hashes."""
        rec, conflicts = {}, []

        def add(u, sha, kind, name):
            if u in rec and rec[u][0] != sha:
                conflicts.append(u)
            rec[u] = (sha, kind, name)

        for r in self.runs:
            if r.kind == "testsource":
                p = h.path("puts-" + r.proc.name)
                for line in (p.read_text().splitlines() if p.exists() else []):
                    u, sha = line.split()
                    add(u, sha, "testsource", r.proc.name)
            elif r.done:
                for u, sha in r.record.items():
                    add(u, sha, "import", r.proc.name)
        for m in SPOOLED.finditer(self.stack.station.proc.log()):
            add(m.group(1), m.group(8), "scand", "desk1")
        return rec, conflicts

    def scanned(self):
        """(images the backend let out of the feeder, images the daemon logged as spooled)."""
        served = [x for x in map(SCANNED.match, self.stack.station.served()) if x]
        return len(served), len(SPOOLED.findall(self.stack.station.proc.log()))

    def acks(self):
        """Acknowledgements the test sources logged: (stored, other-status lines, repeats)."""
        stored, other, seen, repeats = 0, [], set(), 0
        for r in self.runs:
            p = h.path("acks-" + r.proc.name)
            if r.kind != "testsource" or not p.exists():
                continue
            for line in p.read_text().splitlines():
                u, status = line.split()
                if u in seen:
                    repeats += 1
                seen.add(u)
                if status in ("1", "2"):  # RESULT_STORED, RESULT_STORED_FAILED
                    stored += 1
                else:
                    other.append("%s %s (%s)" % (u, status, r.proc.name))
        return stored, other, repeats


WORDS = re.findall(r"\S+", "uy ban nhan dan huyen dong anh ho so thu tuc hanh chinh giay chung nhan quyen su dung "
                           "dat bo phan mot cua tiep nhan tra ket qua so hoa")
