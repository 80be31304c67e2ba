"""Pieces the spine's tests share: a broker on ipc:// sockets, test workers
that store pages as files (idempotently, like the real store), and test
sources that send through session/outbox, with the checks every delivery test
makes: each page stored once, no source acknowledged twice, spools empty."""

import json
import os

import harness as h

# Short heartbeats so that deaths are noticed within a second in tests.
HEARTBEAT_MS = 250


class Stack:
    def __init__(self, heartbeat_ms=HEARTBEAT_MS, broker_sets=(), broker_env=None):
        self.stations = h.ipc_endpoint("st")
        self.workers_ep = h.ipc_endpoint("wk")
        self.store = h.path("store")
        self.store.mkdir()
        self.joblog = h.path("jobs.log")
        sets = ["broker.stations_endpoint=" + self.stations,
                "broker.workers_endpoint=" + self.workers_ep,
                "broker.heartbeat=%dms" % heartbeat_ms] + list(broker_sets)
        argv = ["sohoa-broker"]
        for s in sets:
            argv += ["--set", s]
        self.broker = h.Proc("broker", argv, env=broker_env)
        h.wait_socket(self.stations)
        h.wait_socket(self.workers_ep)
        self.workers = []
        self.sources = {}

    def status(self):
        return h.status(self.stations)

    def heard_after(self, name, since):
        """h.heard_after() on this broker: a predicate for h.wait_for."""
        return h.heard_after(self.stations, name, since)

    def worker(self, name, *extra):
        p = h.Proc(name, ["sohoa-testworker", "--endpoint", self.workers_ep, "--id", name,
                          "--store-dir", self.store, "--job-log", self.joblog,
                          "--own-job-log", self._own_joblog(name)] + list(extra))
        self.workers.append(p)
        return p

    def source(self, name, pages, size=4096, role="station", seed=1, extra=(), start=True):
        spool = h.path("spool-" + name)
        argv = ["sohoa-testsource", "--endpoint", self.stations, "--id", name, "--spool", spool,
                "--role", role, "--pages", pages, "--size", size, "--seed", seed, "--wait",
                "--ack-log", h.path("acks-" + name), "--stats-file", h.path("stats-" + name + ".json"),
                "--timeout-ms", 300000] + list(extra)
        p = h.Proc(name, argv, start=start)
        self.sources[name] = p
        return p

    def source_stats(self, name):
        try:
            return json.loads(h.path("stats-" + name + ".json").read_text())
        except (OSError, ValueError):
            return {}

    def stored(self):
        """Page UUIDs stored by the test workers (batch-close records are no pages)."""
        return sorted(f for f in os.listdir(self.store) if not f.endswith(".close"))

    def closes(self):
        """UUIDs of the batch-close records the test workers stored."""
        return sorted(f[:-len(".close")] for f in os.listdir(self.store) if f.endswith(".close"))

    def acks(self, name):
        """Page UUIDs acknowledged to a source, in order (with repeats, if any)."""
        p = h.path("acks-" + name)
        if not p.exists():
            return []
        return [line.split()[0] for line in p.read_text().splitlines() if line.strip()]

    def jobs(self):
        """(uuid, sequence, attempts, store_only) per job a test worker began."""
        if not self.joblog.exists():
            return []
        out = []
        for line in self.joblog.read_text().splitlines():
            u, seq, att, so = line.split()
            out.append((u, int(seq), int(att), so == "1"))
        return out

    def _own_joblog(self, worker):
        return h.path("jobs-%s.log" % worker)

    def worker_jobs(self, worker):
        """Page UUIDs of the jobs the test worker of that name began, in order."""
        p = self._own_joblog(worker)
        if not p.exists():
            return []
        return [line.split()[0] for line in p.read_text().splitlines() if line.strip()]

    def spooled(self, name):
        d = h.path("spool-" + name)
        return [f for f in os.listdir(d) if f.endswith(".page")] if d.exists() else []

    def check_delivered(self, names, expected_total):
        """Every page of every source stored exactly once and acknowledged at most once,
        and no page left in a spool."""
        stored = self.stored()
        h.check_eq(len(stored), expected_total, "pages stored by the workers")
        all_acked = set()
        for n in names:
            acks = self.acks(n)
            h.check_eq(len(acks), len(set(acks)), "acks to %s without repeats" % n)
            all_acked |= set(acks)
            h.check_eq(self.spooled(n), [], "pages left in the spool of %s" % n)
        h.check(all_acked <= set(stored), "every acknowledged page is stored")
        return stored
