"""SIGHUP (systemctl reload) rereads the configuration in the broker and the
worker: a reloadable key (log_level) changes at once, a key that needs a
restart is named, and a file with errors changes nothing while the program
keeps serving."""

import signal

import harness as h
from workerstack import WorkerStack


def write(path, lines):
    path.write_text("\n".join(lines) + "\n")


def main():
    st = WorkerStack()
    conf = h.path("broker.conf")
    stations, workers = h.ipc_endpoint("st2"), h.ipc_endpoint("wk2")
    base = ["[broker]", "stations_endpoint = " + stations, "workers_endpoint = " + workers]
    write(conf, base + ["log_level = warning"])
    broker = h.Proc("broker2", ["sohoa-broker", "--config", conf])
    h.wait_socket(stations)

    write(conf, base[:1] + ["stations_endpoint = " + h.ipc_endpoint("moved"), base[2], "log_level = info",
                            "drain_timeout = 7s"])
    broker.signal(signal.SIGHUP)
    broker.wait_log(r"reload: broker\.log_level = info")
    broker.wait_log(r"reload: broker\.drain_timeout = 7s")
    broker.wait_log(r"reload: broker\.stations_endpoint changed to .*moved.*; it takes effect at the next restart")
    broker.wait_log(r"reload: %s read, 2 settings changed" % conf)

    write(conf, base + ["log_level = loud", "bogus = 1"])
    broker.signal(signal.SIGHUP)
    broker.wait_log(r"reload: %s:5: unknown key \"bogus\"" % conf)
    broker.wait_log(r"reload: %s:4: broker\.log_level: unknown log level \"loud\"" % conf)
    broker.wait_log(r"reload: 2 errors: keeping the settings in force")
    # Still serving, on the endpoint it had.
    h.check_eq(h.status(stations).get("workers", 0), 0, "workers of the broker after a refused reload")
    h.check(broker.running, "the broker stopped after a refused reload")
    # The reloaded drain_timeout is the one the drain uses.
    broker.signal(signal.SIGTERM)
    broker.wait_log(r"draining: .*waiting up to 7000 ms")

    # The worker: warning at start (its start line is not logged), info after SIGHUP.
    wconf = h.path("worker.conf")
    write(wconf, ["[worker]", "log_level = warning"])
    w = h.Proc("w1", ["sohoa-worker", "--config", wconf, "--set", "worker.endpoint=" + st.workers_ep,
                      "--set", "worker.id=w1", "--set", "worker.database=" + st.conn],
               env={"OMP_THREAD_LIMIT": "1"})
    h.wait_for(lambda: any(wk.get("id") == "w1" for wk in st.status().get("worker_list", []))
               or st.status().get("workers", 0) >= 1, timeout=60, what="the worker to join the broker")
    write(wconf, ["[worker]", "log_level = debug", "jpeg_quality = 80"])
    w.signal(signal.SIGHUP)
    w.wait_log(r"reload: worker\.log_level = debug")
    w.wait_log(r"reload: worker\.jpeg_quality changed to \"80\"; it takes effect at the next restart")
    h.check(w.running, "the worker stopped on SIGHUP")
    h.check("sohoa-worker " not in w.log().split("reload:")[0], "the worker logged at info under log_level=warning")


h.run_test(main)
