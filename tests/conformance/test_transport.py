"""§1 transport and endpoints:

- an ipc:// path endpoint: the broker creates the socket file with mode
  0600, creates its directory with mode 0700 when it does not exist, and
  refuses to start (non-zero exit) when the directory exists and is
  writable by its group or by others;
- workers are authenticated by default: a worker endpoint any other user
  or host can reach (tcp://, loopback included; an abstract ipc://@name)
  without curve_key_file makes the broker refuse to start, unless
  insecure_workers_without_curve = yes; the station endpoint on tcp://
  needs no CURVE."""

import os
import socket
import stat

import conform as c
import harness as h


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def broker(name, stations, workers, *sets):
    argv = ["sohoa-broker", "--set", "broker.stations_endpoint=" + stations,
            "--set", "broker.workers_endpoint=" + workers, "--set", "broker.heartbeat=100ms"]
    for s in sets:
        argv += ["--set", s]
    return h.Proc(name, argv)


def settle(p, stations, what):
    """Until broker p exits ("exited") or answers STATUS ("serving")."""
    def settled():
        if not p.running:
            return "exited"
        try:
            c.status(stations, timeout=0.5)
            return "serving"
        except h.TestFailure:
            return None
    return h.wait_for(settled, 30, what="%s: the broker to exit or serve" % what)


def refuses(chk, what, p, stations):
    """The broker p must exit non-zero and say why."""
    if settle(p, stations, what) == "serving":
        p.kill()
        chk.check(False, "%s: the broker started" % what)
        return
    chk.check(p.returncode > 0, "%s: exit code %r, expected a refusal (non-zero)" % (what, p.returncode))
    chk.check(p.log().strip() != "", "%s: the broker said why" % what)


def serves(chk, what, p, stations):
    """The broker p must start and serve; it is stopped afterwards."""
    ok = chk.check(settle(p, stations, what) == "serving", "%s: the broker exited (%r): %s"
                   % (what, p.returncode, p.tail(3).strip()))
    p.term()
    return ok


def ipc_modes(chk):
    d = h.path("run")
    st, wk = "ipc://%s/st.sock" % d, "ipc://%s/wk.sock" % d
    p = broker("b-ipc", st, wk)
    if serves(chk, "endpoints in a directory that does not exist", p, st):
        chk.eq(oct(stat.S_IMODE(os.stat(d).st_mode)), oct(0o700), "the mode of the directory the broker made")
        for e in (st, wk):
            f = e[len("ipc://"):]
            chk.eq(oct(stat.S_IMODE(os.stat(f).st_mode)), oct(0o600), "the mode of %s" % os.path.basename(f))
    d = h.path("run2")
    d.mkdir(mode=0o755)
    st = "ipc://%s/st.sock" % d
    if serves(chk, "endpoints in a directory of mode 755", broker("b-755", st, "ipc://%s/wk.sock" % d), st):
        chk.eq(oct(stat.S_IMODE(os.stat(st[len("ipc://"):]).st_mode)), oct(0o600), "the mode of its socket")
    started = []      # all at once: each refusal takes a start of its own
    for mode in (0o777, 0o770, 0o702):
        d = h.path("open-%o" % mode)
        d.mkdir()
        os.chmod(d, mode)
        st = "ipc://%s/st.sock" % d
        started.append(("a socket directory of mode %o" % mode, broker("b-%o" % mode, st, "ipc://%s/wk.sock" % d), st))
    for what, p, st in started:
        refuses(chk, what, p, st)


def worker_endpoints(chk):
    port = free_port()
    started = [("a tcp:// worker endpoint without CURVE", "tcp://127.0.0.1:%d" % port),
               ("an abstract ipc:// worker endpoint without CURVE", "ipc://@sohoa-conform-%d" % os.getpid())]
    started = [(what, broker("b-%d" % i, h.ipc_endpoint("st%d" % i), wk), h.ipc_endpoint("st%d" % i))
               for i, (what, wk) in enumerate(started)]
    for what, p, st in started:
        refuses(chk, what, p, st)
    st = h.ipc_endpoint("st")
    p = broker("b-insecure", st, "tcp://127.0.0.1:%d" % port, "broker.insecure_workers_without_curve=yes")
    serves(chk, "a tcp:// worker endpoint with insecure_workers_without_curve = yes", p, st)
    st_tcp = "tcp://127.0.0.1:%d" % free_port()
    p = broker("b-sttcp", st_tcp, h.ipc_endpoint("wk"))
    serves(chk, "a tcp:// station endpoint without CURVE", p, st_tcp)


c.run_scenarios(ipc_modes, worker_endpoints)
