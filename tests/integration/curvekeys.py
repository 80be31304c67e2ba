"""CURVE keys and ports for the tests that run the broker on tcp:// with
CURVE: sohoactl keygen into the work directory, the environment a client
names its keys in, the keys of a key file, a raw CURVE client socket
(python3-zmq), a free local port, and the broker with CURVE on."""

import socket

import harness as h


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def keygen(name, role=None):
    """sohoactl keygen NAME into the work directory; with role, returns the
    authorized-keys line it prints."""
    argv = ["sohoactl", "keygen", name, "--dir", h.workdir()]
    if role:
        argv += ["--role", role]
    out = h.run(argv).stdout.strip().splitlines()
    return out[-1] if role else None


def keys_env(name):
    """The environment a client names its keys in (the broker's key is "broker")."""
    return {"SOHOA_BROKER_KEY": h.path("broker.key"), "SOHOA_CURVE_KEY": h.path(name + ".key_secret")}


def key_pair(name):
    """(public, secret) Z85 keys of a key_secret file ("public-key = ..." lines)."""
    keys = {}
    for line in h.path(name + ".key_secret").read_text().splitlines():
        k, sep, v = line.partition("=")
        if sep:
            keys[k.strip()] = v.strip().encode()
    return keys["public-key"], keys.get("secret-key")


def curve_dealer(ctx, endpoint, name):
    """A DEALER of the zmq context ctx, connected to endpoint as a CURVE
    client with the keys of name (the broker's key is "broker")."""
    import zmq

    sock = ctx.socket(zmq.DEALER)
    sock.setsockopt(zmq.LINGER, 0)
    sock.curve_serverkey = key_pair("broker")[0]
    sock.curve_publickey, sock.curve_secretkey = key_pair(name)
    sock.connect(endpoint)
    return sock


def curve_broker(*sets):
    """(broker, stations endpoint, workers endpoint): sohoa-broker on two free
    tcp:// ports with CURVE on (its key "broker", its keys file
    authorized_keys in the work directory), heartbeat 250 ms, and sets
    (more "section.key=value")."""
    st_ep = "tcp://127.0.0.1:%d" % free_port()
    wk_ep = "tcp://127.0.0.1:%d" % free_port()
    argv = ["sohoa-broker"]
    for s in ("broker.stations_endpoint=" + st_ep, "broker.workers_endpoint=" + wk_ep, "broker.heartbeat=250ms",
              "broker.curve_key_file=%s" % h.path("broker.key_secret"),
              "broker.authorized_keys_file=%s" % h.path("authorized_keys")) + sets:
        argv += ["--set", s]
    return h.Proc("broker", argv), st_ep, wk_ep
