"""§1.1 what a connection can hold, and for how long: the broker closes a
connection on which no whole ZMTP frame arrives within frame_timeout (3 s
here) of a PING, and one still in its ZMTP handshake after frame_timeout;
a healthy idle peer is never cut (libzmq answers the PINGs).

A hand-made ZMTP 3.1 peer (NULL mechanism, over the broker's ipc:// socket)
starts a 1 MiB frame, sends 1000 bytes of it and stops; another sends half
a greeting and stops. Each must see its connection closed, not before
frame_timeout (a slow sender has that long for a frame) and not much
later; a DEALER that sends nothing keeps its connection throughout."""

import socket
import struct
import threading
import time

import conform as c
import zmq

FRAME_TIMEOUT = 3.0


def greeting():
    """ZMTP 3.1 greeting (PINGs are 3.1): signature, version, mechanism NULL, as-server 0, filler."""
    return b"\xff" + b"\x00" * 8 + b"\x7f" + b"\x03\x01" + b"NULL".ljust(20, b"\x00") + b"\x00" + b"\x00" * 31


def ready():
    """READY command with Socket-Type DEALER (a short command frame)."""
    name, value = b"Socket-Type", b"DEALER"
    body = b"\x05READY" + bytes([len(name)]) + name + struct.pack(">I", len(value)) + value
    return b"\x04" + bytes([len(body)]) + body


def until_closed(sock, out, key, t0):
    """Read until the peer closes; out[key] = seconds from t0, and
    out[key + " pings"] the ZMTP PING commands seen (roughly: the bytes)."""
    out[key + " pings"] = 0
    tail = b""
    try:
        while True:
            data = sock.recv(65536)
            if not data:
                break
            out[key + " pings"] += (tail + data).count(b"\x04PING")
            tail = data[-4:]
    except OSError:
        pass
    out[key] = time.monotonic() - t0


def main():
    chk = c.Checks()
    b = c.Broker(heartbeat_ms=500, liveness=100, sets=["broker.frame_timeout=%dms" % (FRAME_TIMEOUT * 1000)])
    path = b.stations[len("ipc://"):]
    closed = {}
    threads = []

    # A frame started and never finished.
    mid = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    mid.connect(path)
    mid.sendall(greeting())
    mid.settimeout(10)
    peer = b""
    while len(peer) < 64:
        peer += mid.recv(64 - len(peer))
    mid.settimeout(None)
    mid.sendall(ready())
    t_mid = time.monotonic()
    mid.sendall(b"\x02" + struct.pack(">Q", 1 << 20) + b"x" * 1000)    # a long message frame, 1000 bytes of 1 MiB

    # A handshake left half done.
    half = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    half.connect(path)
    t_half = time.monotonic()
    half.sendall(greeting()[:20])

    for s, key, t0 in ((mid, "mid-frame", t_mid), (half, "handshake", t_half)):
        t = threading.Thread(target=until_closed, args=(s, closed, key, t0), daemon=True)
        t.start()
        threads.append(t)

    # An idle, healthy peer.
    idle = b.conn(monitor=True)
    t_idle = time.monotonic()
    for t in threads:
        t.join(FRAME_TIMEOUT + 20)
    # Idle for two frame_timeouts at least: every PING of the first was
    # answered, or the broker would have closed it by then.
    left = 2 * FRAME_TIMEOUT - (time.monotonic() - t_idle)
    if left > 0:
        time.sleep(left)
    for key in ("mid-frame", "handshake"):
        got = closed.get(key)
        if key == "mid-frame":
            chk.check(closed.get(key + " pings", 0) >= 1, "%s: ZMTP PINGs from the broker: none" % key)
        chk.check(got is not None, "%s: the broker closed the connection within %.0f s" % (key, FRAME_TIMEOUT + 20))
        if got is not None:
            chk.check(got >= FRAME_TIMEOUT - 1, "%s: closed after %.1f s, before frame_timeout (%.0f s)"
                      % (key, got, FRAME_TIMEOUT))
    chk.eq([ev for _, ev in idle.call(lambda x: list(x.socket_events)) if ev == zmq.EVENT_DISCONNECTED], [],
           "disconnections of an idle DEALER over %.0f s" % (2 * FRAME_TIMEOUT))
    st = b.status()
    chk.check(b.proc.running and st.epoch != 0, "the broker serves on")
    mid.close()
    half.close()
    chk.done()


c.run(main)
