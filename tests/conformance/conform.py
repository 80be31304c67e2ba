"""What the conformance tests share: the real sohoa-broker (from
$SOHOA_BUILD_DIR, started through tests/integration/harness.py) on ipc://
sockets with short heartbeats, a STATUS probe, checks that report every
failure, and (from relay.py and fakebroker.py) a TCP relay that can make a
connection fall silent and a fake broker for the project's clients.

    import conform as c
    b = c.Broker(heartbeat_ms=100, liveness=10)
    src = b.source("desk-1")
    wk = b.worker("w1")
"""

import os
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "integration"))

import harness as h  # noqa: E402
import zmq  # noqa: E402

import sohoaclient as sc  # noqa: E402
import wire as w  # noqa: E402
from fakebroker import FakeBroker  # noqa: E402,F401
from relay import Relay  # noqa: E402,F401
from wire import pb  # noqa: E402

HEARTBEAT_MS = 100
LIVENESS = 10
MAX_FRAME = 1 << 20
QUICK_START = "broker.recovery_window=1ms"


class Broker:
    """sohoa-broker on two ipc:// sockets of the test's work directory.
    sets: more --set SECTION.KEY=VALUE. Its heartbeat and liveness are what
    the tests' clients use before a WELCOME, too. Unless recovery, its
    recovery window after its first start (§5.4) is 1 ms, not liveness: no
    worker can hold a page of it yet, so a test would only wait; after
    restart() it is the real one."""

    def __init__(self, heartbeat_ms=HEARTBEAT_MS, liveness=LIVENESS, max_frame_bytes=MAX_FRAME, sets=(),
                 name="broker", stations=None, workers=None, curve=None, recovery=False):
        self.curve = curve           # with CURVE: (broker public, admin public, admin secret) for STATUS
        self.heartbeat_ms = heartbeat_ms
        self.liveness = liveness
        self.max_frame_bytes = max_frame_bytes
        self.stations = stations or h.ipc_endpoint(name + "-st")
        self.workers = workers or h.ipc_endpoint(name + "-wk")
        argv = ["sohoa-broker"]
        for s in ["broker.stations_endpoint=" + self.stations, "broker.workers_endpoint=" + self.workers,
                  "broker.heartbeat=%dms" % heartbeat_ms, "broker.liveness=%d" % liveness,
                  "broker.max_frame_bytes=%d" % max_frame_bytes, "broker.linger=0"] + \
                ([QUICK_START] if not recovery else []) + list(sets):
            argv += ["--set", s]
        self.clients = []
        self.proc = h.Proc(name, argv, start=False)
        self.start()

    @property
    def liveness_s(self):
        return self.heartbeat_ms * self.liveness / 1000.0

    def _paths(self):
        return [e[len("ipc://"):] for e in (self.stations, self.workers) if e.startswith("ipc://")]

    def start(self):
        """Start and wait until it answers STATUS; returns the time before the
        start (the broker's recovery window cannot begin earlier)."""
        for p in self._paths():
            if os.path.exists(p):
                os.unlink(p)
        t0 = time.monotonic()
        self.proc.start()
        for p in self._paths():
            h.wait_for(lambda: os.path.exists(p), 20, what="socket " + p)
        self.status()
        self.started = t0
        return t0

    def kill(self):
        """SIGKILL: the broker forgets everything (a new epoch at the next start)."""
        self.proc.kill()

    def restart(self):
        """kill() and start(), with the real recovery window."""
        self.kill()
        a = self.proc.argv
        if QUICK_START in a:
            i = a.index(QUICK_START)
            del a[i - 1:i + 1]
        return self.start()

    def status(self, with_peers=False, timeout=20.0):
        """The StatusReply, asked on a connection of its own."""
        return status(self.stations, with_peers, timeout, self.curve)

    def counters(self):
        return counters(self.status())

    # --- clients -----------------------------------------------------------------------

    def _keep(self, client):
        self.clients.append(client)
        return client

    def conn(self, endpoint="stations", **kw):
        """A bare connection (Conn) to one of the endpoints."""
        kw.setdefault("heartbeat_ms", self.heartbeat_ms)
        kw.setdefault("max_frame_bytes", self.max_frame_bytes)
        return self._keep(sc.Conn(self._endpoint(endpoint), **kw))

    def source(self, peer_id, role=pb.ROLE_STATION, welcomed=True, endpoint="stations", strict_hash=False, **kw):
        """A reference page source; waits for its WELCOME unless told not to.
        Unless strict_hash, it takes an ACK without sha256 as from a 1.1
        broker: the tests of §7.5 ask for strict_hash."""
        kw.setdefault("lenient_hash", not strict_hash)
        kw.setdefault("heartbeat_ms", self.heartbeat_ms)
        kw.setdefault("max_frame_bytes", self.max_frame_bytes)
        s = self._keep(sc.PageSource(self._endpoint(endpoint), peer_id, role, **kw))
        s.liveness = self.liveness
        if welcomed:
            s.wait_welcomed()
        return s

    def worker(self, peer_id, store=None, welcomed=True, endpoint="workers", **kw):
        """A reference worker; waits until it is welcomed and has said READY."""
        kw.setdefault("heartbeat_ms", self.heartbeat_ms)
        kw.setdefault("max_frame_bytes", self.max_frame_bytes)
        wk = self._keep(sc.Worker(self._endpoint(endpoint), peer_id, store=store, **kw))
        wk.liveness = self.liveness
        if welcomed:
            wk.wait_welcomed()
            wk.until(lambda c: any(cmd == w.READY for _, cmd in c.sent), what="READY sent")
        return wk

    def hello(self, peer_id, role, endpoint="stations", **kw):
        """A bare connection that has said HELLO and got its WELCOME (returned too)."""
        kw.setdefault("name", peer_id)
        c = self.conn(endpoint, **kw)
        c.send(w.HELLO, pb.Hello(peer_id=peer_id, role=role, software="conformance"))
        wel = c.wait_cmd(w.WELCOME)
        c.epoch = wel.body.epoch
        return c, wel.body

    def _endpoint(self, e):
        return {"stations": self.stations, "workers": self.workers}.get(e, e)

    def close_clients(self):
        for cl in self.clients:
            cl.close()
        self.clients = []


def status(endpoint, with_peers=False, timeout=20.0, curve=None):
    """STATUS on a fresh DEALER of endpoint (no HELLO, §8): the StatusReply.
    curve: (broker public, public, secret) in Z85."""
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        s = sc.context().socket(zmq.DEALER)
        s.setsockopt(zmq.LINGER, 0)
        if curve:
            s.curve_serverkey, s.curve_publickey, s.curve_secretkey = (k.encode() for k in curve)
        try:
            s.connect(endpoint)
            s.send_multipart(w.encode(w.STATUS, pb.StatusRequest(with_peers=with_peers)))
            if s.poll(2000):
                m = w.decode(s.recv_multipart())
                if m.cmd == w.STATUS_REPLY:
                    return m.body
                last = m
        finally:
            s.close(0)
    raise h.TestFailure("no STATUS_REPLY from %s in %.0f s (last: %r)" % (endpoint, timeout, last))


def counters(reply):
    """The counters of a StatusReply as a dict of every field (0 included)."""
    return {f.name: getattr(reply.counters, f.name) for f in reply.counters.DESCRIPTOR.fields}


def delta(before, after):
    """The counters that changed, and by how much."""
    return {k: after[k] - before.get(k, 0) for k in after if after[k] != before.get(k, 0)}


def pick(d, *keys):
    """The entries of d named by keys that d has."""
    return {k: d[k] for k in keys if k in d}


def image(n, seed=0):
    """n bytes of a page image, different for every seed."""
    base = ("page-%d-" % seed).encode()
    return (base * (n // len(base) + 1))[:n]


def run(main):
    """harness.run_test(main), closing every client before the processes stop."""
    def wrapped():
        try:
            main()
        finally:
            sc.close_all()
    h.run_test(wrapped)


def run_scenarios(*fns):
    """The test: each fn(checks) a scenario of its own (Checks.scenario),
    named by its name (and the first line of its docstring)."""
    def main():
        chk = Checks()
        for fn in fns:
            chk.scenario(fn.__name__, fn, chk)
        chk.done()
    run(main)


def readable(v):
    """v with 16-byte values shown as UUIDs and 32-byte ones as short hex."""
    if isinstance(v, (bytes, bytearray)):
        if len(v) == 16:
            return "uuid:" + w.hexid(v)[:8]
        if len(v) == 32:
            return "sha:" + bytes(v).hex()[:8]
        return bytes(v)
    if isinstance(v, (list, tuple)):
        return type(v)(readable(x) for x in v)
    if isinstance(v, dict):
        return {k: readable(x) for k, x in v.items()}
    if hasattr(v, "ListFields"):
        return "{%s}" % ", ".join("%s: %r" % (f.name, readable(x)) for f, x in v.ListFields())
    return v


class Checks:
    """Checks that do not stop at the first failure: a test with many cases
    reports every case that fails (done() fails with all of them)."""

    def __init__(self):
        self.failures = []
        self.count = 0

    def check(self, cond, msg):
        self.count += 1
        if not cond:
            self.failures.append(msg)
            print("FAILED CHECK: " + msg, flush=True)
        return cond

    def eq(self, actual, expected, what):
        return self.check(actual == expected, "%s: expected %r, got %r" % (what, readable(expected),
                                                                          readable(actual)))

    def scenario(self, name, fn, *args):
        """Run fn(*args) as one scenario: a failure in it (a check that stops,
        a timeout) is recorded and the next scenario runs. Every client and
        broker it started is stopped after it."""
        import traceback
        nclients, nprocs = len(sc._all), len(h._state.procs)
        print("--- scenario: %s" % name, flush=True)
        t0 = time.monotonic()
        try:
            fn(*args)
        except Exception as e:
            self.failures.append("%s: stopped: %s: %s" % (name, type(e).__name__, e))
            traceback.print_exc()
        finally:
            for cl in sc._all[nclients:]:
                cl.close()
            for p in h._state.procs[nprocs:]:
                if p.running:
                    p.kill()
            print("--- scenario: %s took %.1f s" % (name, time.monotonic() - t0), flush=True)

    def done(self):
        if self.failures:
            raise h.TestFailure("%d of %d checks failed:\n  %s"
                                % (len(self.failures), self.count, "\n  ".join(self.failures)))


class Prober:
    """Sends something on conn, then STATUS on the same connection: what the
    broker did with it is in the counters of the reply and in what arrived
    before the reply (the broker handles one connection's messages in
    order). Only for the station endpoint, where STATUS is answered."""

    def __init__(self, conn):
        self.conn = conn
        reply, _ = conn.probe()
        self.counters = counters(reply)

    def send(self, frames=None, cmd=None, body=None, image=None, minor=w.MINOR):
        """Returns (counters that changed, the answers before the STATUS_REPLY)."""
        if frames is not None:
            self.conn.send_frames(frames)
        else:
            self.conn.send(cmd, body, image, minor)
        return self.settle()

    def settle(self):
        reply, before = self.conn.probe()
        now = counters(reply)
        d = delta(self.counters, now)
        self.counters = now
        return d, sc.answers(before)


def uuid4():
    """16 random bytes of a UUIDv4."""
    import uuid
    return uuid.uuid4().bytes


def hello_until_welcome(cn, pid, role, tries=200):
    """Say HELLO on a bare connection every 200 ms until WELCOME (a peer id
    still held by a live connection is refused meanwhile); returns (the
    WELCOME, the answers before it)."""
    start = cn.cursor
    for _ in range(tries):
        cn.send(w.HELLO, pb.Hello(peer_id=pid, role=role))
        try:
            m = cn.wait_cmd(w.WELCOME, timeout=0.2)
        except sc.ClientError:
            continue
        cn.epoch = m.body.epoch
        return m, sc.answers(cn.since(start))[:-1]
    raise sc.ClientError("%s never welcomed" % pid)
