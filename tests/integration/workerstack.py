"""What the worker's integration tests share: a throwaway PostgreSQL cluster
migrated with `sohoactl db migrate`, a broker on ipc:// sockets, real
sohoa-worker processes, pages rendered by tests/data/render.py and sent as
files by sohoa-sendfile through session/outbox."""

import csv
import json
import os
import re
import subprocess

import harness as h

SENDFILE = "tests/helpers/sohoa-sendfile"
HEARTBEAT_MS = 250
RENDER = h.SOURCE_DIR / "tests" / "data" / "render.py"

# Blobs come back from psql as hex in one CSV field.
csv.field_size_limit(1 << 30)


def render(*names):
    """Render pages of tests/data/render.py into <workdir>/pages; returns {name: path}."""
    out = h.path("pages")
    subprocess.run(["/usr/bin/python3", str(RENDER), str(out)] + list(names), check=True, timeout=120)
    return {n: out / (n + ".png") for n in names}


class WorkerStack:
    def __init__(self, broker_sets=(), pg_opts="", broker_prefix=()):
        """broker_prefix: a command that execs the broker (Proc's prefix)."""
        self.pg = h.PgCluster(server_opts=pg_opts).start()
        self.db = self.pg.createdb("sohoa")
        self.conn = self.pg.connstring(self.db)
        h.run(["sohoactl", "db", "migrate", "--db", self.conn])
        self.stations = h.ipc_endpoint("st")
        self.workers_ep = h.ipc_endpoint("wk")
        argv = ["sohoa-broker"]
        for s in ["broker.stations_endpoint=" + self.stations, "broker.workers_endpoint=" + self.workers_ep,
                  "broker.heartbeat=%dms" % HEARTBEAT_MS] + list(broker_sets):
            argv += ["--set", s]
        self.broker = h.Proc("broker", argv, prefix=broker_prefix)
        h.wait_socket(self.stations)
        h.wait_socket(self.workers_ep)
        self.sends = 0

    def status(self):
        return h.status(self.stations)

    def worker(self, name="w1", sets=(), env=None, prefix=()):
        """A sohoa-worker (prefix: Proc's); returns the Proc once it logged that it serves."""
        argv = ["sohoa-worker", "--set", "worker.endpoint=" + self.workers_ep, "--set", "worker.id=" + name,
                "--set", "worker.database=" + self.conn]
        for s in sets:
            argv += ["--set", s]
        e = {"OMP_THREAD_LIMIT": "1"}
        e.update(env or {})
        p = h.Proc(name, argv, env=e, prefix=prefix)
        p.wait_log(r"sohoa-worker .* %s: broker" % re.escape(name), timeout=60)
        return p

    def send(self, files, name="desk", *extra, wait=True, timeout=240):
        """sohoa-sendfile the files; returns (events, stats): events maps a page
        UUID to its outcome lines (status, reason), stats is the closing JSON."""
        self.sends += 1
        argv = [SENDFILE, "--endpoint", self.stations, "--id", name, "--spool", h.path("spool-" + name)]
        argv += [str(a) for a in extra]
        if wait:
            argv.append("--wait")
        argv += [str(f) for f in files]
        cp = h.run(argv, timeout=timeout)
        return parse_send(cp.stdout)

    def page(self, uuid, cols):
        rows = self.pg.query("SELECT %s FROM page WHERE page_uuid = '%s'" % (cols, uuid), self.db)
        return rows[0] if rows else None

    def blob(self, uuid, kind):
        """The bytes of a page blob, read through psql into a file."""
        out = h.path("blob-%s-%s" % (uuid, kind))
        hexed = self.pg.value("SELECT encode(bytes, 'hex') FROM page_blob WHERE page_uuid = '%s' AND kind = '%s'"
                              % (uuid, kind), self.db)
        out.write_bytes(bytes.fromhex(hexed))
        return out

    def blob_kinds(self, uuid):
        return [r[0] for r in self.pg.query("SELECT kind FROM page_blob WHERE page_uuid = '%s' ORDER BY kind"
                                            % uuid, self.db)]

    def search(self, *words):
        cp = h.run(["sohoactl", "search", "--json", "--db", self.conn] + list(words))
        return json.loads(cp.stdout)["hits"]


def parse_send(stdout):
    """sohoa-sendfile's output: 'spooled UUID FILE' and 'STATUS UUID REASON' lines, then JSON."""
    spooled, events, stats = [], {}, {}
    for line in stdout.splitlines():
        if line.startswith("{"):
            stats = json.loads(line)
            continue
        parts = line.split(" ", 2)
        if len(parts) < 2:
            continue
        if parts[0] in ("spooled", "already-spooled"):
            spooled.append(parts[1])
        else:
            events.setdefault(parts[1], []).append((parts[0], parts[2] if len(parts) > 2 else ""))
    return spooled, events, stats
