"""The chaos monkey: every few seconds a fault, drawn from a seeded random
generator, on a target that has none at the time; each fault is undone
(healed) after a drawn duration. The draws depend on the seed only, so a
seed replays the same schedule of kinds, targets and times (what the
system does meanwhile is not replayed: a "source" fault picks among the
sources running at that moment)."""

import collections
import glob
import os
import signal
import subprocess

import harness as h

# kind: (weight, what it does)
KINDS = {
    "kill-broker": (2, "SIGKILL of the broker, restarted after a pause"),
    "stop-broker": (2, "SIGSTOP of the broker, SIGCONT after a pause"),
    "kill-worker": (4, "SIGKILL of a worker mid-page, restarted"),
    "stop-worker": (3, "SIGSTOP of a worker (past the broker's liveness), SIGCONT"),
    "kill-station": (2, "SIGKILL of sohoa-scand (a scan may be under way), restarted"),
    "stop-station": (1, "SIGSTOP of sohoa-scand, SIGCONT"),
    "kill-source": (3, "SIGKILL of a test source or sohoactl import, restarted (replay or resume)"),
    "pg-immediate": (1, "pg_ctl stop -m immediate, started again"),
    "pg-kill": (1, "SIGKILL of the postmaster alone or of every PostgreSQL process (the database host "
                   "crashed), started again"),
    "pg-stop": (1, "SIGSTOP of every PostgreSQL process (the database frozen), SIGCONT"),
    "link-down": (3, "a host's link down, up again"),
    "link-degrade": (3, "a host's link loses packets and is slow, then healed"),
}


class Fault:
    def __init__(self, kind, target, start, end, heal, what):
        self.kind, self.target, self.start, self.end, self.heal, self.what = kind, target, start, end, heal, what


class Monkey:
    def __init__(self, rng, stack, load, net, say):
        self.rng = rng
        self.stack = stack
        self.load = load
        self.net = net
        self.say = say
        self.active = {}
        self.counts = collections.Counter()
        self.source_kills = 0
        self.station_kills = 0
        self.next_at = 10.0     # the stack warms up first
        self.kinds = sorted(KINDS)
        self.weights = [KINDS[k][0] for k in self.kinds]

    def tick(self, now):
        for target, f in sorted(self.active.items(), key=lambda kv: kv[1].end):
            if now >= f.end:
                self._heal(now, f)
        if now >= self.next_at:
            self.next_at = now + self.rng.uniform(1.5, 6.0)
            self._inject(now)

    def heal_all(self, now):
        for f in sorted(self.active.values(), key=lambda f: f.end):
            self._heal(now, f)
        self.net.heal_all()

    def _heal(self, now, f):
        del self.active[f.target]
        f.heal()
        self.say("t=%6.1f s  heal %s (%s)" % (now, f.target, f.kind))

    def _inject(self, now):
        kind = self.rng.choices(self.kinds, self.weights)[0]
        pick = self.rng.random()    # the target, as a fraction of the candidates
        dur = self.rng.random()     # the duration, as a fraction of the kind's range
        target, heal, lo, hi, what = getattr(self, "_" + kind.replace("-", "_"))(pick)
        if target is None or target in self.active:
            return
        duration = lo + (hi - lo) * dur
        action = heal()
        self.active[target] = Fault(kind, target, now, now + duration, action, what)
        self.counts[kind] += 1
        self.say("t=%6.1f s  %s %s for %.1f s%s" % (now, kind, target, duration, what and " (%s)" % what))

    # Each kind: (target, apply -> heal, shortest, longest, detail). The
    # apply runs only when the target is free.

    def _proc_kill(self, proc, lo, hi):
        def apply():
            proc.kill()
            return proc.start
        return proc.name, apply, lo, hi, "pid %s" % proc.pid

    def _proc_stop(self, proc, lo, hi):
        def apply():
            proc.signal(signal.SIGSTOP)
            return lambda: proc.signal(signal.SIGCONT)
        return proc.name, apply, lo, hi, "pid %s" % proc.pid

    def _kill_broker(self, pick):
        return self._proc_kill(self.stack.broker, 0.2, 6)

    def _stop_broker(self, pick):
        return self._proc_stop(self.stack.broker, 1, 10)

    def _kill_worker(self, pick):
        w = self.stack.workers[int(pick * len(self.stack.workers))]
        return self._proc_kill(w, 0.2, 6)

    def _stop_worker(self, pick):
        w = self.stack.workers[int(pick * len(self.stack.workers))]
        return self._proc_stop(w, 1, 15)

    def _kill_station(self, pick):
        t = self._proc_kill(self.stack.station.proc, 0.2, 4)
        apply = t[1]

        def counted():
            self.station_kills += 1
            return apply()
        return (t[0], counted) + t[2:]

    def _stop_station(self, pick):
        return self._proc_stop(self.stack.station.proc, 1, 10)

    def _kill_source(self, pick):
        runs = [r for r in self.load.running() if not r.killed and r.proc.running]
        if not runs:
            return None, None, 0, 0, ""
        r = runs[int(pick * len(runs))]

        def apply():
            r.killed = True
            r.proc.kill()
            self.source_kills += 1
            return lambda: self.load.restart(r)
        return r.proc.name, apply, 0.2, 4, "pid %s" % r.proc.pid

    def _pg_immediate(self, pick):
        pg = self.stack.pg

        def apply():
            subprocess.run(["runuser", "-u", pg.user, "--", pg_ctl(), "-D", str(pg.dir / "data"), "-m", "immediate",
                            "-w", "stop"], cwd=str(pg.dir), capture_output=True, timeout=60)
            return self._pg_start
        return "postgresql", apply, 1, 8, ""

    def _pg_kill(self, pick):
        # The postmaster alone leaves its backends to notice and finish
        # (what they were committing included) before it can start again.
        alone = pick < 0.5

        def apply():
            pids = self.stack.pg_pids()
            for pid in pids[:1] if alone else pids:
                _signal(pid, signal.SIGKILL)
            return self._pg_start
        return "postgresql", apply, 1, 8, "the postmaster" if alone else "every process"

    def _pg_stop(self, pick):
        def apply():
            pids = self.stack.pg_pids()
            for pid in pids:
                _signal(pid, signal.SIGSTOP)
            return lambda: [_signal(pid, signal.SIGCONT) for pid in pids]
        return "postgresql", apply, 1, 10, ""

    def _pg_start(self):
        # After a crash the old backends may hold the shared memory a moment.
        h.wait_for(self.stack.pg.start, 60, "PostgreSQL to start again", interval=0.5, retry_on=(h.TestFailure,))

    def _link(self, pick):
        return self.net.hosts[int(pick * len(self.net.hosts))]

    def _link_down(self, pick):
        host = self._link(pick)

        def apply():
            self.net.link_down(host)
            return lambda: self.net.heal(host)
        return "link-" + host, apply, 1, 20, ""

    def _link_degrade(self, pick):
        host = self._link(pick)
        loss = 5 + int(pick * 1000) % 26             # 5..30 %
        delay = 50 + int(pick * 100000) % 451        # 50..500 ms

        def apply():
            self.net.degrade(host, loss, delay)
            return lambda: self.net.heal(host)
        how = "loss %d%%, delay %d ms%s" % (loss, delay, "" if self.net.netem else " (nft + tbf)")
        return "link-" + host, apply, 5, 30, how


def pg_ctl():
    bindir = os.environ.get("SOHOA_PG_BINDIR") or sorted(glob.glob("/usr/lib/postgresql/*/bin"))[-1]
    return os.path.join(bindir, "pg_ctl")


def _signal(pid, sig):
    try:
        os.kill(pid, sig)
    except ProcessLookupError:
        pass
