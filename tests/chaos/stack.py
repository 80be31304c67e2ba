"""The system under chaos, spread over hosts (net.Net): on the hub the
broker and a PostgreSQL cluster reached over TCP; real sohoa-worker
processes on worker hosts; a capture station (sohoa-scand on the project's
SANE backend) and sohoa-testsource stations on the desk host; sohoactl
import and sohoa-testsource importers on the office host. Every link is
tcp:// with CURVE, the broker admitting only the keys of its authorized
keys file (PROTOCOL.md section 1)."""

import json
import os
import re

import harness as h
from net import HUB
from scand import Station

STATIONS_PORT, WORKERS_PORT, PG_PORT = 5570, 5571, 5432
DOSSIER = "000.00.53.H48-240105-0001"

# Worker hosts and how many workers each runs; where the page sources are.
WORKER_HOSTS = (("wa", 2), ("wb", 1))
DESK, OFFICE = "desk", "office"
HOSTS = [w for w, _ in WORKER_HOSTS] + [DESK, OFFICE]


class Keys:
    """CURVE key pairs made with `sohoactl keygen` in <workdir>/keys, and the
    broker's authorized keys file listing the clients' public keys."""

    def __init__(self):
        self.dir = h.path("keys")
        self.dir.mkdir()
        self.authorized = self.dir / "authorized_keys"
        self.lines = []
        h.run(["sohoactl", "keygen", "broker", "--dir", self.dir])

    def make(self, name, role):
        out = h.run(["sohoactl", "keygen", name, "--dir", self.dir, "--role", role]).stdout.strip()
        self.lines.append(out.splitlines()[-1])
        self.authorized.write_text("\n".join(self.lines) + "\n")
        return name

    def pair(self, name):
        """(public, secret) Z85 keys of NAME.key_secret."""
        kv = {}
        for line in (self.dir / (name + ".key_secret")).read_text().splitlines():
            k, sep, v = line.partition("=")
            if sep:
                kv[k.strip()] = v.strip()
        return kv["public-key"], kv.get("secret-key")

    def env(self, name):
        """What a client (session/link) reads its keys from."""
        return {"SOHOA_BROKER_KEY": self.dir / "broker.key", "SOHOA_CURVE_KEY": self.dir / (name + ".key_secret")}


class Stack:
    def __init__(self, net):
        self.net = net
        self.keys = Keys()
        names = ["%s-%d" % (host, i) for host, n in WORKER_HOSTS for i in range(1, n + 1)]
        # Every key before the broker starts: it reads the file once (and on SIGHUP).
        for k, role in [("ops", "admin"), ("desk1", "station"), ("desk-src", "station"),
                        ("office-imp", "importer"), ("office-src", "importer")] + [(w, "worker") for w in names]:
            self.keys.make(k, role)
        self.pg = self._start_pg()
        self.broker = h.Proc("broker", [
            "sohoa-broker",
            "--set", "broker.stations_endpoint=tcp://*:%d" % STATIONS_PORT,
            "--set", "broker.workers_endpoint=tcp://*:%d" % WORKERS_PORT,
            "--set", "broker.curve_key_file=%s" % (self.keys.dir / "broker.key_secret"),
            "--set", "broker.authorized_keys_file=%s" % self.keys.authorized], prefix=net.prefix(HUB))
        h.wait_for(self.status, 30, "the broker's status", retry_on=(h.TestFailure,))
        self.workers = [self._worker(w.rsplit("-", 1)[0], w) for w in names]
        for w in self.workers:
            w.wait_log(r"sohoa-worker .* %s: broker" % re.escape(w.name), timeout=120)
        self.station = self._station()

    def _start_pg(self):
        pg = h.PgCluster("pg", PG_PORT, server_opts="-c listen_addresses='*' -c max_connections=50",
                         prefix=self.net.prefix(HUB))
        pg.start()
        hba = pg.dir / "data" / "pg_hba.conf"
        with open(hba, "a") as f:
            f.write("host all all 10.77.0.0/16 trust\n")
        pg.psql("SELECT pg_reload_conf()")
        self.db = pg.createdb("sohoa")
        h.run(["sohoactl", "db", "migrate", "--db", pg.connstring(self.db)])
        return pg

    def endpoint(self, host, port=STATIONS_PORT):
        return "tcp://%s:%d" % (self.net.addr(host), port)

    def _worker(self, host, name):
        db = "host=%s port=%d user=%s dbname=%s connect_timeout=10" % (self.net.addr(host), PG_PORT,
                                                                        self.pg.user, self.db)
        env = {"OMP_THREAD_LIMIT": "1"}
        env.update(self.keys.env(name))
        return h.Proc(name, ["sohoa-worker", "--set", "worker.endpoint=" + self.endpoint(host, WORKERS_PORT),
                             "--set", "worker.id=" + name, "--set", "worker.database=" + db],
                      env=env, prefix=self.net.prefix(host))

    def _station(self):
        server = self.keys.pair("broker")[0]
        public, secret = self.keys.pair("desk1")
        st = Station(None, "desk1", device="sohoatest:adf", scenario={"sheets": 3},
                     broker=self.endpoint(DESK), prefix=self.net.prefix(DESK),
                     sets=["scand.curve_server_key=" + server, "scand.curve_public_key=" + public,
                           "scand.curve_secret_key=" + secret])
        st.wait_ready(60)
        return st

    def status(self, timeout_ms=3000):
        """The broker's status (sohoactl status --json on the hub, admin key), or
        a TestFailure when it does not answer."""
        cp = h.run(self.net.prefix(HUB) + [h.program("sohoactl"), "status", "--broker",
                                          "tcp://127.0.0.1:%d" % STATIONS_PORT, "--json",
                                          "--timeout", str(timeout_ms)],
                   env=self.keys.env("ops"), check=False, timeout=timeout_ms / 1000.0 + 30)
        if cp.returncode != 0:
            raise h.TestFailure("sohoactl status exited %d: %s" % (cp.returncode, cp.stderr.strip()[-300:]))
        return json.loads(cp.stdout)

    def pg_pids(self):
        """The postmaster's pid and its children's (empty when it is not running)."""
        try:
            pm = int((self.pg.dir / "data" / "postmaster.pid").read_text().split()[0])
        except (OSError, ValueError, IndexError):
            return []
        pids = [pm]
        for p in _proc_pids():
            try:
                stat = open("/proc/%d/stat" % p).read()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pm:
                pids.append(p)
        return pids if _alive(pm) else []


def _proc_pids():
    return [int(d) for d in os.listdir("/proc") if d.isdigit()]


def _alive(pid):
    try:
        with open("/proc/%d/stat" % pid) as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False
