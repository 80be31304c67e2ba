"""What every sohoa integration test needs (Python 3 standard library only).

An integration test is a script, test_<name>.py, that runs the real programs
against real components: a throwaway PostgreSQL cluster (tests/pgcluster.sh),
ZeroMQ over ipc:// sockets in a temporary directory. Programs are found in
$SOHOA_BUILD_DIR, set by tests/integration/meson.build.

    import harness as h

    def main():
        stations, workers = h.ipc_endpoint("stations"), h.ipc_endpoint("workers")
        broker = h.Proc("broker", ["sohoa-broker",
                                   "--set", "broker.stations_endpoint=" + stations,
                                   "--set", "broker.workers_endpoint=" + workers])
        h.wait_socket(stations)
        st = h.wait_for(lambda: h.status(stations), what="broker status", retry_on=(h.TestFailure,))
        h.check_eq(st.get("workers", 0), 0, "workers before any started")

    h.run_test(main)

A test orders events; it does not sleep and then assert, nor bound seconds
from above (speed belongs in bench/). The tools: wait_for() on a state the
programs report (status counters, log lines, files); Proc.suspend() and
resume() to hold a process still while the test sets things up;
Proc.signal_taken() before sending a second signal; heard_after() for "the
broker heard from this peer after that moment".

run_test() gives the test its own work directory under /tmp, runs main(), then
stops every process and cluster the test started (also on failure, and at exit
whatever happens), looks for sanitizer reports in their logs, and exits 0 (work
directory removed), 77 (skipped, meson's code) or 1 (work directory kept, its
path and the tail of every process's log printed).
"""

import atexit
import ctypes
import csv
import inspect
import io
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import traceback
from pathlib import Path

SOURCE_DIR = Path(os.environ.get("SOHOA_SOURCE_DIR") or Path(__file__).resolve().parents[2])
BUILD_DIR = Path(os.environ.get("SOHOA_BUILD_DIR") or SOURCE_DIR / "build-test")
PGCLUSTER = SOURCE_DIR / "tests" / "pgcluster.sh"

# Program name -> path inside the build directory.
PROGRAMS = {
    "sohoa-broker": "broker/sohoa-broker",
    "sohoa-worker": "workers/sohoa-worker",
    "sohoa-scand": "daemon/sohoa-scand",
    "sohoactl": "cli/sohoactl",
    "sohoa-testworker": "tests/helpers/sohoa-testworker",
    "sohoa-testsource": "tests/helpers/sohoa-testsource",
}

# Lines a sanitizer writes when it finds something; any of them in a log fails the test.
SANITIZER_REPORT = re.compile(r"ERROR: (AddressSanitizer|LeakSanitizer)|runtime error: ")


class TestFailure(AssertionError):
    """A check that did not hold. The message says what was expected and what was seen."""


class Skip(Exception):
    """Raised by skip(): the test cannot run here (exit 77)."""


class _Interrupted(BaseException):
    """A signal (meson's timeout sends SIGTERM) ends the test through the cleanup path."""


class _State:
    workdir = None      # Path, made on first use
    procs = []          # every Proc started, in order
    clusters = []       # every PgCluster started
    runs = 0            # numbering for run() logs
    cleaned = False


_state = _State()


# --- checks -------------------------------------------------------------------

def fail(msg):
    """Fail the test now with msg."""
    raise TestFailure(msg)


def skip(reason):
    """Skip the test (meson counts exit 77 as SKIP)."""
    raise Skip(reason)


def check(cond, msg):
    """Fail with msg unless cond is true. Returns cond."""
    if not cond:
        raise TestFailure(msg)
    return cond


def check_eq(actual, expected, what):
    """Fail unless actual == expected: "<what>: expected <expected>, got <actual>"."""
    if actual != expected:
        raise TestFailure("%s: expected %r, got %r" % (what, expected, actual))
    return actual


def check_ge(actual, bound, what):
    """Fail unless actual >= bound."""
    if not actual >= bound:
        raise TestFailure("%s: expected at least %r, got %r" % (what, bound, actual))
    return actual


def check_le(actual, bound, what):
    """Fail unless actual <= bound."""
    if not actual <= bound:
        raise TestFailure("%s: expected at most %r, got %r" % (what, bound, actual))
    return actual


def wait_for(predicate, timeout=10.0, what=None, interval=0.05, retry_on=()):
    """Call predicate() until it returns something true, and return that.

    Exceptions of the types in retry_on count as "not yet" (e.g. TestFailure
    from status() while the broker is still starting). Fails after timeout
    seconds, naming `what` (or the predicate) and the last value or exception."""
    deadline = time.monotonic() + timeout
    last = None
    while True:
        try:
            value = predicate()
            if value:
                return value
            last = value
        except retry_on as e:
            last = e
        if time.monotonic() >= deadline:
            name = what or getattr(predicate, "__name__", "condition")
            raise TestFailure("timed out after %.1f s waiting for %s (last: %r)" % (timeout, name, last))
        time.sleep(interval)


# --- files and endpoints ------------------------------------------------------

def workdir():
    """This test's work directory (a Path under /tmp, short enough for socket paths)."""
    if _state.workdir is None:
        name = Path(sys.argv[0]).stem.replace("test_", "")[:16] or "test"
        _state.workdir = Path(tempfile.mkdtemp(prefix="sohoa-%s-" % name, dir="/tmp"))
        # Traversable by the postgres user, which owns the clusters when we are root.
        _state.workdir.chmod(0o711)
    return _state.workdir


def path(*parts):
    """A path inside the work directory (not created)."""
    return workdir().joinpath(*parts)


def data(name):
    """A file of tests/data/."""
    return SOURCE_DIR / "tests" / "data" / name


def ipc_endpoint(name):
    """"ipc://<workdir>/<name>.sock"; fails if the path is too long for a Unix socket."""
    p = str(path(name + ".sock"))
    if len(p) > 100:
        raise TestFailure("socket path too long: %s" % p)
    return "ipc://" + p


def wait_socket(endpoint, timeout=10.0):
    """Wait until the socket file of an ipc:// endpoint exists (its binder is up)."""
    if not endpoint.startswith("ipc://"):
        raise TestFailure("not an ipc:// endpoint: %s" % endpoint)
    p = endpoint[len("ipc://"):]
    wait_for(lambda: os.path.exists(p), timeout, what="socket " + p)


def program(name):
    """Absolute path of a built program: a name of PROGRAMS, a path relative to
    the build directory, an absolute path, or a command on PATH. Fails when a
    program of the build directory is not built."""
    if name in PROGRAMS:
        p = BUILD_DIR / PROGRAMS[name]
    elif "/" in name:
        p = Path(name) if os.path.isabs(name) else BUILD_DIR / name
    else:
        found = shutil.which(name)
        if not found:
            raise TestFailure("%s not found on PATH" % name)
        return found
    if not os.access(p, os.X_OK):
        raise TestFailure("%s is not built (looked in %s)" % (name, p))
    return str(p)


def _environ(env):
    """os.environ with env applied (a value of None removes the variable)."""
    e = dict(os.environ)
    for k, v in (env or {}).items():
        if v is None:
            e.pop(k, None)
        else:
            e[k] = str(v)
    return e


def _die_with_parent():
    """In the child: get SIGKILL if the test process dies, even by SIGKILL."""
    try:
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


def _tail(p, n):
    try:
        with open(p, "rb") as f:
            lines = f.read().decode("utf-8", "replace").splitlines()
    except OSError:
        return ""
    return "\n".join(lines[-n:])


# --- processes ----------------------------------------------------------------

class Proc:
    """A program running in the background for the length of the test.

    Proc(name, argv, env=None, cwd=None, start=True, prefix=()): argv[0] goes
    through program(); env is added to the test's environment (None removes a
    variable). stdout goes to <workdir>/<name>.out, stderr to <name>.log
    (appended across restart()). prefix is a command that execs the program
    (e.g. ["ip", "netns", "exec", NS] to run it in a network namespace), so
    that pid and signals are still the program's. Every Proc is stopped at
    the end of the test."""

    def __init__(self, name, argv, env=None, cwd=None, start=True, prefix=()):
        taken = {p.name for p in _state.procs}
        base, i = name, 2
        while name in taken:
            name, i = "%s-%d" % (base, i), i + 1
        self.name = name
        self.argv = list(prefix) + [program(argv[0])] + [str(a) for a in argv[1:]]
        self.env = env
        self.cwd = str(cwd) if cwd else str(workdir())
        self.log_path = path(name + ".log")
        self.out_path = path(name + ".out")
        self.popen = None
        self.suspended = False  # by suspend(), until resume()
        _state.procs.append(self)
        if start:
            self.start()

    def start(self):
        """Start (again). Fails if it is running."""
        if self.running:
            raise TestFailure("%s is already running" % self.name)
        with open(self.log_path, "ab") as err, open(self.out_path, "ab") as out:
            try:
                self.popen = subprocess.Popen(self.argv, stdin=subprocess.DEVNULL, stdout=out, stderr=err,
                                              env=_environ(self.env), cwd=self.cwd,
                                              preexec_fn=_die_with_parent)
            except OSError as e:
                raise TestFailure("cannot start %s (%s): %s" % (self.name, self.argv[0], e))
        return self

    @property
    def pid(self):
        return self.popen.pid if self.popen else None

    @property
    def running(self):
        return self.popen is not None and self.popen.poll() is None

    @property
    def returncode(self):
        """None while running (or never started); negative: killed by that signal."""
        return self.popen.poll() if self.popen else None

    def signal(self, sig):
        if self.running:
            self.popen.send_signal(sig)

    def _stopped_threads(self):
        """(threads stopped, threads) of the process, from /proc."""
        stopped = total = 0
        try:
            tasks = os.listdir("/proc/%d/task" % self.pid)
        except OSError:
            return 0, 0
        for tid in tasks:
            try:
                with open("/proc/%d/task/%s/stat" % (self.pid, tid)) as f:
                    stat = f.read()
            except OSError:
                continue
            total += 1
            # "pid (comm) S ...": comm may hold spaces and parentheses.
            if stat[stat.rindex(")") + 2] in "Tt":
                stopped += 1
        return stopped, total

    def suspend(self, timeout=10.0):
        """SIGSTOP, and return once every thread of the process is stopped:
        from then on it does nothing (sends nothing, logs nothing) until
        resume(). Its peers see only silence, so a suspended process is how a
        test orders events against it: suspend, set up, resume, then count."""
        if not self.running:
            raise TestFailure("%s is not running: cannot suspend it" % self.name)
        self.signal(signal.SIGSTOP)
        self.suspended = True

        def all_stopped():
            stopped, total = self._stopped_threads()
            return total > 0 and stopped == total

        wait_for(all_stopped, timeout, what="%s (pid %d) stopped" % (self.name, self.pid))

    def resume(self, timeout=10.0):
        """SIGCONT after suspend(); returns once no thread is stopped any more."""
        self.signal(signal.SIGCONT)
        self.suspended = False
        wait_for(lambda: not self.running or self._stopped_threads()[0] == 0, timeout,
                 what="%s (pid %d) running again" % (self.name, self.pid))

    def _pending(self, sig):
        """Whether sig is pending in the process (shared or in any thread), from /proc."""
        bit = 1 << (int(sig) - 1)
        files = ["/proc/%d/status" % self.pid]
        try:
            files += ["/proc/%d/task/%s/status" % (self.pid, t) for t in os.listdir("/proc/%d/task" % self.pid)]
        except OSError:
            return False
        for name in files:
            try:
                with open(name) as f:
                    for line in f:
                        if line.startswith(("ShdPnd:", "SigPnd:")) and int(line.split()[1], 16) & bit:
                            return True
            except OSError:
                continue
        return False

    def _caught(self, sig):
        """Whether the process has a handler for sig (SigCgt in /proc)."""
        try:
            with open("/proc/%d/status" % self.pid) as f:
                for line in f:
                    if line.startswith("SigCgt:"):
                        return bool(int(line.split()[1], 16) & (1 << (int(sig) - 1)))
        except OSError:
            pass
        return False

    def wait_handler(self, sig, timeout=10.0):
        """Return once the process has installed a handler for sig: a signal
        sent before that would take its default action (end it, for SIGINT)
        instead of the one under test."""
        wait_for(lambda: self._caught(sig), timeout,
                 what="%s (pid %d) to handle signal %d" % (self.name, self.pid, int(sig)))

    def signal_taken(self, sig, timeout=10.0):
        """Send sig and return once the process has taken it: no longer
        pending (its signalfd read it, or a handler ran), or the process is
        gone. Two signals sent back to back may merge into one; a test that
        means two sends the second only after the first was taken."""
        self.signal(sig)
        wait_for(lambda: not self.running or not self._pending(sig), timeout,
                 what="%s (pid %d) to take signal %d" % (self.name, self.pid, int(sig)))

    def wait(self, timeout=10.0):
        """Wait for the exit and return the exit code; fails after timeout."""
        try:
            return self.popen.wait(timeout)
        except subprocess.TimeoutExpired:
            raise TestFailure("%s (pid %d) still running after %.1f s" % (self.name, self.pid, timeout))

    def term(self, timeout=10.0):
        """SIGTERM, wait up to timeout, then SIGKILL. Returns the exit code."""
        if self.popen is None:
            return None
        self.signal(signal.SIGTERM)
        if self.suspended:
            # A test that failed between suspend() and resume(): let it see the SIGTERM.
            self.signal(signal.SIGCONT)
            self.suspended = False
        try:
            return self.popen.wait(timeout)
        except subprocess.TimeoutExpired:
            print("harness: %s (pid %d) ignored SIGTERM for %.1f s, killing it"
                  % (self.name, self.pid, timeout), file=sys.stderr)
            return self.kill()

    def kill(self):
        """SIGKILL now (a crash, as far as its peers can tell). Returns the exit code."""
        if self.popen is None:
            return None
        self.signal(signal.SIGKILL)
        return self.popen.wait()

    def restart(self, timeout=10.0):
        """term() then start() with the same argv and environment."""
        self.term(timeout)
        return self.start()

    def expect_exit(self, code=0, timeout=30.0):
        """Wait for the exit and fail unless the exit code is code."""
        rc = self.wait(timeout)
        if rc != code:
            raise TestFailure("%s exited with %s, expected %s; stderr:\n%s" % (self.name, rc, code, self.tail()))
        return rc

    def log(self):
        """Everything it wrote to stderr so far."""
        return self.log_path.read_bytes().decode("utf-8", "replace") if self.log_path.exists() else ""

    def out(self):
        """Everything it wrote to stdout so far."""
        return self.out_path.read_bytes().decode("utf-8", "replace") if self.out_path.exists() else ""

    def tail(self, n=40):
        """The last n lines of its stderr."""
        return _tail(self.log_path, n)

    def wait_log(self, pattern, timeout=10.0):
        """Wait until a line of its stderr matches the regex; returns the match."""
        rx = re.compile(pattern)
        return wait_for(lambda: rx.search(self.log()), timeout, what="%s to log /%s/" % (self.name, pattern))

    def __repr__(self):
        return "<Proc %s pid=%s rc=%s>" % (self.name, self.pid, self.returncode)


def run(argv, timeout=60.0, env=None, check=True, input=None, cwd=None):
    """Run a program to completion and return subprocess.CompletedProcess (text
    stdout and stderr). argv[0] goes through program(). Its output is kept in
    <workdir>/run-N-<name>.log. With check, a non-zero exit or a timeout fails."""
    argv = [program(argv[0])] + [str(a) for a in argv[1:]]
    _state.runs += 1
    logp = path("run-%d-%s.log" % (_state.runs, os.path.basename(argv[0])))
    try:
        cp = subprocess.run(argv, input=input, capture_output=True, text=True, errors="replace",
                            timeout=timeout, env=_environ(env), cwd=str(cwd) if cwd else str(workdir()),
                            stdin=None if input is not None else subprocess.DEVNULL)
    except subprocess.TimeoutExpired as e:
        raise TestFailure("%s timed out after %.1f s" % (" ".join(argv), timeout)) from e
    logp.write_text("$ %s\n[exit %d]\n--- stdout\n%s--- stderr\n%s" % (" ".join(argv), cp.returncode,
                                                                        cp.stdout, cp.stderr))
    if check and cp.returncode != 0:
        raise TestFailure("%s exited with %d:\n%s%s" % (" ".join(argv), cp.returncode,
                                                       cp.stdout[-2000:], cp.stderr[-4000:]))
    return cp


def status(endpoint, timeout=10.0):
    """`sohoactl status --broker endpoint --json`, parsed into a dict."""
    cp = run(["sohoactl", "status", "--broker", endpoint, "--json"], timeout=timeout)
    try:
        return json.loads(cp.stdout)
    except ValueError as e:
        raise TestFailure("sohoactl status --json printed no JSON (%s):\n%s" % (e, cp.stdout[-2000:]))


def heard_after(endpoint, name, since):
    """A predicate for wait_for: the broker's status entry for peer `name`
    (station, importer or worker) once the broker has heard from it after
    `since`, a time.monotonic() value (the broker counts idle_ms on the same
    clock), else None. `since` may lie ahead: then it holds once the broker
    heard from the peer that much later. Ordering by the broker's own view:
    "the peer was alive after X" without sleeping until X."""
    def heard():
        asked = time.monotonic()
        entry = next((p for p in status(endpoint).get("peers", []) if p["peer_id"] == name), None)
        # idle_ms is rounded down: one more millisecond keeps on the safe side.
        if entry and entry["idle_ms"] + 1 < (asked - since) * 1000:
            return entry
        return None
    return heard


# --- PostgreSQL ---------------------------------------------------------------

class PgCluster:
    """A throwaway PostgreSQL cluster in <workdir>/<name> (tests/pgcluster.sh):
    UTF-8, Unix socket only, fsync off. Owned by the postgres user when the
    test runs as root. Stopped at the end of the test. server_opts adds
    server options (e.g. "-c listen_addresses=*"); prefix is a command the
    script runs under (e.g. ["ip", "netns", "exec", NS]: the server then
    lives in that network namespace)."""

    def __init__(self, name="pg", port=5433, server_opts="", prefix=()):
        self.dir = path(name)
        self.port = port
        self.server_opts = server_opts
        self.prefix = list(prefix)
        self.host = None
        self.user = None
        self.log_path = self.dir / "postgresql.log"
        self.started = False

    def _script(self, *args, check=True, input=None, timeout=120.0):
        env = _environ({"SOHOA_PG_OPTS": ("-c fsync=off -c full_page_writes=off " + self.server_opts).strip()})
        cp = subprocess.run(self.prefix + ["/bin/bash", str(PGCLUSTER)] + [str(a) for a in args], input=input,
                            capture_output=True, text=True, errors="replace", timeout=timeout, env=env,
                            stdin=None if input is not None else subprocess.DEVNULL)
        if check and cp.returncode != 0:
            raise TestFailure("pgcluster.sh %s exited with %d:\n%s%s" % (" ".join(map(str, args)), cp.returncode,
                                                                        cp.stdout[-2000:], cp.stderr[-4000:]))
        return cp

    def start(self):
        """initdb (first time) and start; returns self."""
        if self not in _state.clusters:
            _state.clusters.append(self)
        cp = self._script("start", self.dir, self.port)
        kv = dict(line.split("=", 1) for line in cp.stdout.splitlines() if "=" in line)
        self.host, self.port, self.user = kv["PGHOST"], int(kv["PGPORT"]), kv["PGUSER"]
        self.started = True
        return self

    def stop(self):
        """Fast shutdown; fine when not running."""
        if self.started:
            self._script("stop", self.dir)

    @property
    def running(self):
        return self._script("status", self.dir, check=False).returncode == 0

    def connstring(self, dbname="postgres"):
        """A libpq connection string for programs under test."""
        return "host=%s port=%d user=%s dbname=%s" % (self.host, self.port, self.user, dbname)

    def env(self):
        """PGHOST, PGPORT and PGUSER, for programs that take libpq's defaults."""
        return {"PGHOST": self.host, "PGPORT": str(self.port), "PGUSER": self.user}

    def psql(self, sql, dbname="postgres", check=True):
        """Run SQL (stops at the first error) through psql as the cluster's
        owner; returns stdout, unaligned, tuples only, fields split by '|'."""
        cp = self._script("psql", self.dir, "-d", dbname, "-v", "ON_ERROR_STOP=1", "-q", "-A", "-t",
                          "-f", "-", input=sql, check=False)
        if check and cp.returncode != 0:
            raise TestFailure("psql failed (exit %d) on:\n%s\n%s" % (cp.returncode, sql.strip(), cp.stderr.strip()))
        return cp.stdout

    def query(self, sql, dbname="postgres"):
        """Rows of the last statement as lists of strings (NULL and '' both ""),
        read from psql's CSV output so that '|', commas and newlines in values
        stay intact."""
        cp = self._script("psql", self.dir, "-d", dbname, "-v", "ON_ERROR_STOP=1", "-q", "-t", "--csv",
                          "-f", "-", input=sql, check=False)
        if cp.returncode != 0:
            raise TestFailure("psql failed (exit %d) on:\n%s\n%s" % (cp.returncode, sql.strip(), cp.stderr.strip()))
        # A one-column row holding "" is an empty line, which csv reads as [].
        return [row or [""] for row in csv.reader(io.StringIO(cp.stdout))]

    def value(self, sql, dbname="postgres"):
        """The single value of a one-row, one-column query."""
        rows = self.query(sql, dbname)
        if len(rows) != 1 or len(rows[0]) != 1:
            raise TestFailure("expected one value from %r, got %r" % (sql, rows))
        return rows[0][0]

    def createdb(self, name):
        """Create a database (UTF-8, like the cluster); returns name."""
        self.psql('CREATE DATABASE "%s"' % name.replace('"', '""'))
        return name

    def tail(self, n=40):
        return _tail(self.log_path, n)

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()


# --- the run ------------------------------------------------------------------

def _stop_everything():
    """Stop every process (latest first) and every cluster. Idempotent."""
    if _state.cleaned:
        return
    _state.cleaned = True
    for p in reversed(_state.procs):
        try:
            if p.running:
                p.term(timeout=10.0)
        except Exception as e:  # keep stopping the others
            print("harness: stopping %s: %s" % (p.name, e), file=sys.stderr)
    for c in _state.clusters:
        try:
            c.stop()
        except Exception as e:
            print("harness: stopping cluster %s: %s" % (c.dir, e), file=sys.stderr)


atexit.register(_stop_everything)


def _sanitizer_reports():
    found = []
    for p in _state.procs:
        for line in p.log().splitlines():
            if SANITIZER_REPORT.search(line):
                found.append("%s: %s" % (p.name, line.strip()))
                break
    return found


def _print_logs():
    for p in _state.procs:
        print("--- %s (pid %s, exit %s): %s" % (p.name, p.pid, p.returncode, " ".join(p.argv)))
        print("--- stderr, last lines (%s):" % p.log_path)
        print(p.tail(40) or "(empty)")
        out = _tail(p.out_path, 15)
        if out:
            print("--- stdout, last lines (%s):" % p.out_path)
            print(out)
    for c in _state.clusters:
        print("--- PostgreSQL log, last lines (%s):" % c.log_path)
        print(c.tail(20) or "(empty)")


def _on_signal(signum, frame):
    # Once: the cleanup that follows must not be cut short by a second signal.
    for s in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        signal.signal(s, signal.SIG_IGN)
    raise _Interrupted("signal %d" % signum)


def run_test(main):
    """Run main() (or main(workdir) when it takes one argument) as the test,
    clean up, report and exit. Never returns."""
    name = Path(sys.argv[0]).stem
    for s in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        signal.signal(s, _on_signal)
    error = None
    try:
        try:
            if len(inspect.signature(main).parameters) == 1:
                main(workdir())
            else:
                main()
        finally:
            _stop_everything()
        reports = _sanitizer_reports()
        if reports:
            raise TestFailure("sanitizer reports in process logs:\n  " + "\n  ".join(reports))
    except Skip as e:
        print("SKIP %s: %s" % (name, e))
        _remove_workdir()
        sys.exit(77)
    except TestFailure as e:
        error = "FAIL %s: %s" % (name, e)
        detail = traceback.format_exc()
    except BaseException as e:
        error = "FAIL %s: %s: %s" % (name, type(e).__name__, e)
        detail = traceback.format_exc()
    if error is None:
        print("PASS %s" % name)
        if os.environ.get("SOHOA_KEEP_WORKDIR"):
            print("work directory kept: %s" % _state.workdir)
        else:
            _remove_workdir()
        sys.exit(0)
    print(detail)
    _print_logs()
    print(error)
    if _state.workdir:
        print("work directory kept: %s" % _state.workdir)
    sys.stdout.flush()
    sys.exit(1)


def _remove_workdir():
    if _state.workdir and _state.workdir.exists():
        shutil.rmtree(_state.workdir, ignore_errors=True)
