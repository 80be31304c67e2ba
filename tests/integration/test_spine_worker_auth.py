"""Workers are authenticated by default (proto/PROTOCOL.md §1): a worker
endpoint other users or hosts can reach (tcp://) without CURVE makes the
broker refuse to start, saying why, unless insecure_workers_without_curve
says the risk is taken; with CURVE, a worker that has no key gets no
session and no page, while one with a worker key stores the pages. An
ipc:// path is protected by its file: the socket is 0600, a directory the
broker makes is 0700, and a directory others may write to is refused."""

import json
import os
import stat

import harness as h
import rawwire as w
from curvekeys import free_port, keygen, keys_env


def broker(name, *sets):
    argv = ["sohoa-broker"]
    for s in sets:
        argv += ["--set", s]
    return h.Proc(name, argv)


def mode(p):
    return stat.S_IMODE(os.stat(p).st_mode)


def main():
    st_ep = h.ipc_endpoint("st")
    wk_tcp = "tcp://127.0.0.1:%d" % free_port()

    # tcp:// for workers, no CURVE: refused at start.
    b = broker("plain", "broker.stations_endpoint=" + st_ep, "broker.workers_endpoint=" + wk_tcp)
    h.check(b.wait(30) != 0, "the broker refuses to serve workers on tcp:// without CURVE")
    h.check("refusing to serve workers on %s without CURVE" % wk_tcp in b.log(), "it says why:\n" + b.tail())
    h.check("insecure_workers_without_curve" in b.log(), "and how to take the risk:\n" + b.tail())

    # Said so: it serves.
    b = broker("insecure", "broker.stations_endpoint=" + st_ep, "broker.workers_endpoint=" + wk_tcp,
               "broker.insecure_workers_without_curve=yes")
    h.wait_socket(st_ep)
    h.wait_for(lambda: h.status(st_ep), 15, "the insecure broker's status", retry_on=(h.TestFailure,))
    h.check("without CURVE (insecure_workers_without_curve)" in b.log(), "a warning:\n" + b.tail())
    b.term()

    # With CURVE: a worker without a key is not let in; one with a worker key is.
    keygen("broker")
    lines = [keygen("w1", "worker"), keygen("desk", "station"), keygen("ops", "admin")]
    h.path("authorized_keys").write_text("\n".join(lines) + "\n")

    def status():
        return json.loads(h.run(["sohoactl", "status", "--broker", st_ep, "--json"], env=keys_env("ops")).stdout)

    store = h.path("store")
    store.mkdir()
    b = broker("curve", "broker.stations_endpoint=" + st_ep, "broker.workers_endpoint=" + wk_tcp,
               "broker.curve_key_file=%s" % h.path("broker.key_secret"),
               "broker.authorized_keys_file=%s" % h.path("authorized_keys"), "broker.heartbeat=250ms")
    h.wait_socket(st_ep)
    ctx = w.context()
    intruder = w.dealer(ctx, wk_tcp, "intruder", w.WORKER_ROLE)
    h.check(intruder is None, "a worker without a key gets no WELCOME")
    src = h.Proc("station", ["sohoa-testsource", "--endpoint", st_ep, "--id", "desk", "--spool",
                             h.path("spool"), "--pages", 3, "--wait", "--timeout-ms", 60000], env=keys_env("desk"))
    h.wait_for(lambda: status()["classes"][0]["queued_pages"] == 3, 30, "the pages queued, no worker",
               retry_on=(h.TestFailure,))
    h.check_eq(status()["workers"], 0, "workers with a session")
    h.Proc("w1", ["sohoa-testworker", "--endpoint", wk_tcp, "--id", "w1", "--store-dir", store],
           env=keys_env("w1"))
    src.expect_exit(0, timeout=60)
    h.check_eq(len(os.listdir(store)), 3, "pages stored by the authenticated worker")
    b.term()

    # ipc://: owner-only socket, in a directory the broker makes owner-only.
    sock_dir = h.path("run")
    st2, wk2 = "ipc://%s/st.sock" % sock_dir, "ipc://%s/wk.sock" % sock_dir
    b = broker("ipc", "broker.stations_endpoint=" + st2, "broker.workers_endpoint=" + wk2)
    h.wait_socket(wk2)
    h.check_eq(oct(mode(sock_dir)), oct(0o700), "mode of the socket directory the broker made")
    for ep in (st2, wk2):
        h.check_eq(oct(mode(ep[len("ipc://"):])), oct(0o600), "mode of %s" % ep)
    b.term()

    # A directory others may write to: refused.
    open_dir = h.path("open")
    open_dir.mkdir()
    open_dir.chmod(0o777)
    b = broker("open", "broker.stations_endpoint=ipc://%s/st.sock" % open_dir,
               "broker.workers_endpoint=ipc://%s/wk.sock" % open_dir)
    h.check(b.wait(30) != 0, "the broker refuses a socket directory others may write to")
    h.check("writable by its group or by others" in b.log(), "it says why:\n" + b.tail())
    ctx.term()


h.run_test(main)
