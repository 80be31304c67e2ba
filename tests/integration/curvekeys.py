"""CURVE keys and ports for the tests that run the broker on tcp:// with
CURVE: sohoactl keygen into the work directory, the environment a client
names its keys in, and a free local port."""

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
