"""CURVE on tcp://: the broker accepts only the client keys in its
authorized keys file, each for its role's endpoint (a ZAP handler decides;
without one a CURVE server would accept any key). An authorized station's
pages flow; an unknown key, a worker's key used as a station, and a client
without CURVE deliver nothing, and lose nothing: their pages stay spooled.
Within an endpoint a key speaks only in its own role: a HELLO in another
role (a station key saying importer, an importer's saying station, ...) is
refused with one BYE that says why, counted, and its pages stay spooled,
while the same key in its own role is served."""

import json
import time

import harness as h
from curvekeys import curve_broker, curve_dealer, key_pair, keygen, keys_env
from rawwire import (BYE, HDR, HEARTBEAT, HELLO, ROLE_ADMIN, ROLE_IMPORTER, ROLE_STATION, WELCOME, WORKER_ROLE,
                     fields, hello)

try:
    import zmq
except ImportError:  # python3-zmq is installed by ./run setup
    zmq = None

ROLE_NAMES = {ROLE_STATION: "station", ROLE_IMPORTER: "importer", WORKER_ROLE: "worker", ROLE_ADMIN: "admin"}


def source(name, st_ep, pages, env, role=None):
    spool = h.path("spool-" + name)
    argv = ["sohoa-testsource", "--endpoint", st_ep, "--id", name, "--spool", spool, "--pages", pages,
            "--seed", len(name), "--wait", "--timeout-ms", 60000, "--ack-log", h.path("acks-" + name)]
    if role:
        argv += ["--role", role]
    return h.Proc(name, argv, env=env), spool


def wait_spooled(clients):
    """Wait until each (proc, spool) client has its 5 pages in its spool."""
    for p, spool in clients:
        h.wait_for(lambda: len(list(spool.glob("*.page"))) == 5, 30, "5 pages in the spool of %s" % p.name)


def broker_log_has(text):
    h.wait_for(lambda: text in h.path("broker.log").read_text(errors="replace"), 30, "the broker to log %r" % text)


def first_answer(sock, timeout_ms):
    """(command, body fields) of the first WELCOME or BYE, or None."""
    deadline = time.monotonic() + timeout_ms / 1000.0
    while True:
        left = int((deadline - time.monotonic()) * 1000)
        if left <= 0 or not sock.poll(left):
            return None
        frames = sock.recv_multipart()
        if len(frames) == 3 and frames[1][0] in (WELCOME, BYE):
            return frames[1][0], fields(frames[2])


def say_hello(ctx, endpoint, key, peer_id, role):
    """A raw CURVE client with key says HELLO in role: its socket and answer."""
    sock = curve_dealer(ctx, endpoint, key)
    sock.send_multipart([HDR, bytes([HELLO]), hello(peer_id, role)])
    return sock, first_answer(sock, 30000)


def answers_before_barrier(sock):
    """Commands the broker sends this connection before answering a
    HEARTBEAT from it: a connection bound to no peer gets a HEARTBEAT back
    for each message, in order, so everything the broker said to what was
    sent before has arrived once that answer has."""
    sock.send_multipart([HDR, bytes([HEARTBEAT]), b""])
    heard = []
    while True:
        if not sock.poll(30000):
            h.fail("no answer to the barrier HEARTBEAT in 30 s (heard %r)" % heard)
        frames = sock.recv_multipart()
        if frames[1][0] == HEARTBEAT:
            return heard
        heard.append(frames[1][0])


def check_refused(ctx, endpoint, key, key_role, role):
    """A HELLO in another role than the key's: one BYE that says so, then silence."""
    what = "HELLO as %s with the %s key %s" % (ROLE_NAMES[role], key_role, key)
    sock, answer = say_hello(ctx, endpoint, key, key + "-raw", role)
    h.check(answer is not None, "an answer to a " + what)
    h.check_eq(answer[0], BYE, "command answering a " + what)
    h.check_eq(answer[1].get(2), ("role %s does not match the key's role %s" % (ROLE_NAMES[role], key_role)).encode(),
               "reason of the BYE to a " + what)
    sock.send_multipart([HDR, bytes([HELLO]), hello(key + "-raw", role)])
    h.check_eq(answers_before_barrier(sock), [], "answers to a second " + what + " (one BYE per connection)")
    sock.close()


def check_welcomed(ctx, endpoint, key, role):
    sock, answer = say_hello(ctx, endpoint, key, key + "-raw", role)
    h.check(answer is not None and answer[0] == WELCOME,
            "WELCOME to HELLO as %s with the key %s: %r" % (ROLE_NAMES[role], key, answer))
    sock.send_multipart([HDR, bytes([BYE]), b""])
    sock.close()


def wrong_roles(st_ep, wk_ep, store):
    """Each key in its own role only; 2 refused HELLOs per raw check."""
    ctx = zmq.Context()
    check_refused(ctx, st_ep, "desk1", "station", ROLE_IMPORTER)
    check_refused(ctx, st_ep, "desk1", "station", ROLE_ADMIN)
    check_refused(ctx, st_ep, "imp1", "importer", ROLE_STATION)
    check_refused(ctx, st_ep, "ops", "admin", ROLE_STATION)
    check_refused(ctx, wk_ep, "w1", "worker", ROLE_STATION)
    check_welcomed(ctx, st_ep, "ops", ROLE_ADMIN)
    check_welcomed(ctx, wk_ep, "w1", WORKER_ROLE)
    ctx.term()

    # Real clients: the wrong role delivers nothing and loses nothing.
    before = len(list(store.iterdir()))
    bad = [source("desk1-as-importer", st_ep, 5, keys_env("desk1"), role="importer"),
           source("imp1-as-station", st_ep, 5, keys_env("imp1"), role="station")]
    good, _ = source("imp1", st_ep, 10, keys_env("imp1"), role="importer")
    good.expect_exit(0, timeout=30)
    # Ordered: each refused client has spooled its pages and been refused.
    wait_spooled(bad)
    for name, role, key_role in (("desk1-as-importer", "importer", "station"),
                                 ("imp1-as-station", "station", "importer")):
        broker_log_has("HELLO as %s %s refused on the station endpoint: its CURVE key's role is %s"
                       % (role, name, key_role))
    h.check_eq(len(list(store.iterdir())), before + 10, "pages stored from the importer in its own role")
    acks = [line.split()[0] for line in h.path("acks-imp1").read_text().splitlines() if line.strip()]
    h.check_eq(len(set(acks)), 10, "pages acknowledged to it")
    for p, spool in bad:
        h.check(p.running, "%s still waiting (not served)" % p.name)
        h.check_eq(len(list(spool.glob("*.page"))), 5, "pages kept in the spool of %s" % p.name)
        h.check(not h.path("acks-" + p.name).exists() or h.path("acks-" + p.name).read_text() == "",
                "no ack to %s" % p.name)
    h.check_eq(len(list(store.iterdir())), before + 10, "pages stored after the refused roles")
    return bad


def main():
    if zmq is None:
        h.fail("python3-zmq is missing: ./run setup installs it")
    keygen("broker")
    lines = [keygen("desk1", "station"), keygen("imp1", "importer"), keygen("w1", "worker"),
             keygen("ops", "admin")]
    keygen("intruder")
    h.path("authorized_keys").write_text("# role name key\n" + "\n".join(lines) + "\n")
    h.check_eq(h.run(["sohoactl", "keygen", "desk1", "--dir", h.workdir()], check=False).returncode, 1,
               "keygen refuses to overwrite")

    broker, st_ep, wk_ep = curve_broker()
    store = h.path("store")
    store.mkdir()
    h.Proc("w1", ["sohoa-testworker", "--endpoint", wk_ep, "--id", "w1", "--store-dir", store],
           env=keys_env("w1"))

    good, _ = source("desk1", st_ep, 20, keys_env("desk1"))
    good.expect_exit(0, timeout=30)
    h.check_eq(len(list(store.iterdir())), 20, "pages stored from the authorized station")

    bad = [source("intruder", st_ep, 5, keys_env("intruder")),
           source("w1-as-station", st_ep, 5, {"SOHOA_BROKER_KEY": h.path("broker.key"),
                                              "SOHOA_CURVE_KEY": h.path("w1.key_secret")}),
           source("plain", st_ep, 5, {"SOHOA_BROKER_KEY": None, "SOHOA_CURVE_KEY": None})]
    # Ordered: the clients have spooled their pages, and the ZAP handler has
    # denied both keys (a client without CURVE fails its handshake unlogged).
    wait_spooled(bad)
    broker_log_has("CURVE key %s is not authorized on " % key_pair("intruder")[0].decode())
    broker_log_has("CURVE key %s has the wrong role on " % key_pair("w1")[0].decode())
    for p, spool in bad:
        h.check(p.running, "%s still waiting (not served)" % p.name)
        h.check_eq(len(list(spool.glob("*.page"))), 5, "pages kept in the spool of %s" % p.name)
    h.check_eq(len(list(store.iterdir())), 20, "pages stored after the refused clients")

    bad += wrong_roles(st_ep, wk_ep, store)
    log = broker.log()
    h.check("HELLO as importer desk1-raw refused on the station endpoint: its CURVE key's role is station" in log,
            "the broker logs a refused role")
    h.check("HELLO as station w1-raw refused on the worker endpoint: its CURVE key's role is worker" in log,
            "the broker logs a refused role on the worker endpoint")

    def admin_status_one_worker():
        st = json.loads(h.run(["sohoactl", "status", "--broker", st_ep, "--json"], env=keys_env("ops")).stdout)
        return st if st["workers"] == 1 else None

    # The raw worker said BYE; it may take the broker a moment to forget it.
    st = h.wait_for(admin_status_one_worker, 30, "the admin key's status with one worker",
                    retry_on=(h.TestFailure, ValueError, KeyError))
    # Five raw checks of two HELLOs each, and at least one from each real client.
    h.check_ge(st["counters"]["dropped_wrong_role"], 12, "HELLOs refused for their role")
    cp = h.run(["sohoactl", "status", "--broker", st_ep, "--timeout", "1000"], check=False,
               env={"SOHOA_BROKER_KEY": None, "SOHOA_CURVE_KEY": None})
    h.check(cp.returncode != 0, "status without keys is refused")
    # Whatever time the test took, no refused client delivered anything.
    for p, spool in bad:
        h.check(p.running, "%s still waiting at the end (not served)" % p.name)
        h.check_eq(len(list(spool.glob("*.page"))), 5, "pages kept at the end in the spool of %s" % p.name)
    h.check_eq(len(list(store.iterdir())), 30, "pages stored at the end (authorized clients only)")
    for p, _ in bad:
        p.kill()


h.run_test(main)
