"""CURVE on tcp://: the broker accepts only the client keys in its
authorized keys file, each for its role's endpoint (a ZAP handler decides;
without one a CURVE server would accept any key). An authorized station's
pages flow; an unknown key, a worker's key used as a station, and a client
without CURVE deliver nothing, and lose nothing: their pages stay spooled."""

import socket
import time

import harness as h


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def keygen(name, role=None):
    argv = ["sohoactl", "keygen", name, "--dir", h.workdir()]
    if role:
        argv += ["--role", role]
    out = h.run(argv).stdout.strip().splitlines()
    return out[-1] if role else None


def keys_env(name):
    return {"SOHOA_BROKER_KEY": h.path("broker.key"), "SOHOA_CURVE_KEY": h.path(name + ".key_secret")}


def source(name, st_ep, pages, env):
    spool = h.path("spool-" + name)
    p = h.Proc(name, ["sohoa-testsource", "--endpoint", st_ep, "--id", name, "--spool", spool,
                      "--pages", pages, "--seed", len(name), "--wait", "--timeout-ms", 60000], env=env)
    return p, spool


def main():
    st_ep = "tcp://127.0.0.1:%d" % free_port()
    wk_ep = "tcp://127.0.0.1:%d" % free_port()
    keygen("broker")
    lines = [keygen("desk1", "station"), keygen("w1", "worker"), keygen("ops", "admin")]
    keygen("intruder")
    h.path("authorized_keys").write_text("# role name key\n" + "\n".join(lines) + "\n")
    h.check_eq(h.run(["sohoactl", "keygen", "desk1", "--dir", h.workdir()], check=False).returncode, 1,
               "keygen refuses to overwrite")

    h.Proc("broker", ["sohoa-broker", "--set", "broker.stations_endpoint=" + st_ep,
                      "--set", "broker.workers_endpoint=" + wk_ep, "--set", "broker.heartbeat=250ms",
                      "--set", "broker.curve_key_file=%s" % h.path("broker.key_secret"),
                      "--set", "broker.authorized_keys_file=%s" % h.path("authorized_keys")])
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
    time.sleep(3)
    for p, spool in bad:
        h.check(p.running, "%s still waiting (not served)" % p.name)
        h.check_eq(len(list(spool.glob("*.page"))), 5, "pages kept in the spool of %s" % p.name)
    h.check_eq(len(list(store.iterdir())), 20, "pages stored after the refused clients")

    st = h.run(["sohoactl", "status", "--broker", st_ep, "--json"], env=keys_env("ops")).stdout
    h.check('"workers": 1' in st, "admin key gets the status: %s" % st[:200])
    cp = h.run(["sohoactl", "status", "--broker", st_ep, "--timeout", "1000"], check=False,
               env={"SOHOA_BROKER_KEY": None, "SOHOA_CURVE_KEY": None})
    h.check(cp.returncode != 0, "status without keys is refused")
    for p, _ in bad:
        p.kill()


h.run_test(main)
