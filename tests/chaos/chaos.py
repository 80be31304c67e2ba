"""The chaos run (`./run test --long`; not in the default test run): the
whole system spread over network namespaces, pages flowing from a capture
station, test sources and imports, while a seeded monkey kills and stops
the broker, workers, the station, sources and PostgreSQL and cuts and
degrades the links between hosts, for N minutes. Then every fault is
healed, the system is left to settle (observed: every source done, every
spool empty, the broker idle), and the sources' records are counted against
PostgreSQL's rows: pages in / stored / duplicated / lost / stored with a
wrong hash. Any loss, duplicate, wrong hash, crash or stall fails the run.

    python3 tests/chaos/chaos.py [--minutes N] [--seed S] [--settle-timeout SEC]

(defaults from $SOHOA_CHAOS_MINUTES, $SOHOA_CHAOS_SEED; 5 minutes and a
random seed, printed for replay). Needs root, ip, tc and nft."""

import argparse
import atexit
import os
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "integration"))

import harness as h  # noqa: E402
import net  # noqa: E402
from load import Load  # noqa: E402
from monkey import KINDS, Monkey  # noqa: E402
from stack import HOSTS, Stack  # noqa: E402
from tally import Tally  # noqa: E402


def options():
    ap = argparse.ArgumentParser(description="sohoa's chaos run")
    ap.add_argument("--minutes", type=float, default=float(os.environ.get("SOHOA_CHAOS_MINUTES") or 5))
    seed = os.environ.get("SOHOA_CHAOS_SEED")
    ap.add_argument("--seed", type=int, default=int(seed) if seed else int.from_bytes(os.urandom(4), "big"))
    ap.add_argument("--settle-timeout", type=float, default=900, help="seconds the system may take to settle")
    ap.add_argument("--sabotage", action="store_true",
                    help="before counting, delete one stored page and log another as stored twice: the run "
                         "must then fail with 1 lost and 1 duplicated (a check of the count itself)")
    return ap.parse_args()


def sabotage(stack, say):
    rows = stack.pg.query("SELECT page_uuid FROM page ORDER BY page_uuid LIMIT 2", stack.db)
    lost, twice = rows[0][0], rows[1][0]
    stack.pg.psql("DELETE FROM page WHERE page_uuid = '%s';"
                  " INSERT INTO audit_log (actor, action, object_kind, object_id)"
                  " VALUES ('chaos', 'page.stored', 'page', '%s')" % (lost, twice), stack.db)
    say("sabotage: page %s deleted, page %s logged as stored twice" % (lost, twice))


class Say:
    """Lines to stdout (flushed: meson --verbose shows them as they come) and to chaos.log."""

    def __init__(self):
        self.t0 = time.monotonic()
        self.f = open(h.path("chaos.log"), "a")

    def __call__(self, line):
        print(line, flush=True)
        self.f.write(line + "\n")
        self.f.flush()


def watchdog(stack, monkey, now):
    """Daemons that died without the monkey: a crash (noted, started again)."""
    out = []
    for p in [stack.broker, stack.station.proc] + stack.workers:
        if not p.running and p.name not in monkey.active:
            out.append("t=%.1f s: %s exited with %s on its own (see %s)" % (now, p.name, p.returncode, p.log_path))
            p.start()
    return out


def broker_idle(st, n_workers):
    """What keeps the broker from being idle (empty when it is)."""
    busy = ["%s: %d queued, %d in flight" % (c["class"], c["queued_pages"], c["inflight_pages"])
            for c in st.get("classes", []) if c["queued_pages"] or c["inflight_pages"]]
    if st.get("workers") != n_workers or st.get("workers_idle") != n_workers:
        busy.append("workers %s, idle %s (of %d)" % (st.get("workers"), st.get("workers_idle"), n_workers))
    return busy


def settle(stack, load, monkey, say, timeout, anomalies):
    """Wait, observing, until every source is done, every spool empty and the
    broker idle, three looks in a row a second apart. Returns the seconds it
    took; fails with what was still pending after timeout."""
    t0 = time.monotonic()
    quiet, next_say = 0, 0.0
    while True:
        now = time.monotonic() - t0
        load.tick(now)
        anomalies += watchdog(stack, monkey, now)
        try:
            busy = broker_idle(stack.status(), len(stack.workers))
        except h.TestFailure as e:
            busy = ["broker status: %s" % e]
        pending = load.finished()
        spooled = load.spooled()
        if not pending and not spooled and not busy:
            quiet += 1
            if quiet >= 3:
                return time.monotonic() - t0
        else:
            quiet = 0
        if now >= next_say:
            say("settling, %.0f s: sources running %s, spooled %s, broker %s"
                % (now, pending[:6] or "none", spooled or "none", busy or "idle"))
            next_say = now + 15
        if now > timeout:
            h.fail("no settling after %.0f s (a stall): sources not done %s, pages spooled %s, broker %s"
                   % (now, pending, spooled, busy))
        time.sleep(1)


def main():
    o = options()
    why = net.available()
    if why:
        h.skip(why)
    say = Say()
    say("chaos: seed %d, %g minutes of faults; replay with: ./run test --long --seed %d --minutes %g"
        % (o.seed, o.minutes, o.seed, o.minutes))
    hosts = net.Net(HOSTS)
    atexit.register(hosts.destroy)
    say("hosts: %s (%s)" % (", ".join(hosts.made), "netem" if hosts.netem else "no netem here: nft loss, tbf delay"))
    stack = Stack(hosts)
    load = Load(stack, random.Random(o.seed ^ 0x5EED), say)
    monkey = Monkey(random.Random(o.seed), stack, load, hosts, say)
    anomalies = []
    t0 = time.monotonic()
    end = o.minutes * 60
    next_progress = 60.0
    try:
        while True:
            now = time.monotonic() - t0
            if now >= end:
                break
            monkey.tick(now)
            load.tick(now)
            anomalies += watchdog(stack, monkey, now)
            if now >= next_progress:
                next_progress += 60
                say("t=%6.1f s  progress: %d faults, %d source runs, %d pages recorded"
                    % (now, sum(monkey.counts.values()), len(load.runs), len(load.records()[0])))
            time.sleep(0.2)
    finally:
        monkey.heal_all(time.monotonic() - t0)
    load.stop()
    say("t=%6.1f s  every fault healed; settling" % (time.monotonic() - t0))
    settled = settle(stack, load, monkey, say, o.settle_timeout, anomalies)
    anomalies += load.anomalies
    if o.sabotage:
        sabotage(stack, say)
    report(o, stack, load, monkey, settled, anomalies, say)


def report(o, stack, load, monkey, settled, anomalies, say):
    records, conflicts = load.records()
    t = Tally(records, conflicts, stack.pg, stack.db)
    acked, not_stored_acks, ack_repeats = load.acks()
    scanned, spooled = load.scanned()
    counters = stack.status().get("counters", {})
    say("--- chaos: seed %d, %g minutes, settled in %.1f s" % (o.seed, o.minutes, settled))
    say("faults %d: %s" % (sum(monkey.counts.values()),
                           ", ".join("%s %d" % (k, monkey.counts[k]) for k in sorted(KINDS) if monkey.counts[k])))
    for line in t.lines():
        say(line)
    say("station: %d images left the scanner, %d spooled (%d kills of the station)"
        % (scanned, spooled, monkey.station_kills))
    say("test sources: %d acknowledgements, %d repeated, %d not 'stored'; %d source runs, %d restarts"
        % (acked, ack_repeats, len(not_stored_acks), len(load.runs), sum(r.restarts for r in load.runs)))
    say("broker counters: " + ", ".join("%s %s" % kv for kv in sorted(counters.items()) if kv[1]))
    for line in t.details():
        say(line)
    for a in anomalies + not_stored_acks:
        say("anomaly: " + a)
    problems = []
    if t.lost:
        problems.append("%d pages lost" % len(t.lost))
    if t.duplicated:
        problems.append("%d pages stored twice" % len(t.duplicated))
    if t.wrong_hash:
        problems.append("%d pages stored with another hash" % len(t.wrong_hash))
    if t.conflicts:
        problems.append("%d page UUIDs recorded with two hashes" % len(t.conflicts))
    kills = monkey.source_kills + monkey.station_kills
    if len(t.unrecorded) > kills:
        problems.append("%d pages stored that no source recorded, more than the %d kills of sources explain"
                        % (len(t.unrecorded), kills))
    if scanned - spooled > monkey.station_kills:
        problems.append("%d images scanned but never spooled, more than the %d kills of the station explain"
                        % (scanned - spooled, monkey.station_kills))
    if not_stored_acks:
        problems.append("%d acknowledgements other than 'stored'" % len(not_stored_acks))
    if anomalies:
        problems.append("%d anomalies (crashes, unexpected exits)" % len(anomalies))
    h.check(not problems, "; ".join(problems) + " (seed %d)" % o.seed)


h.run_test(main)
