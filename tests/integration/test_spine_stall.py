"""A peer that starts a large frame and stops sending is cut
(proto/PROTOCOL.md §1.1): libzmq holds a half-received frame whole, so
before, 20 such connections held 1.3 GB for ever. Hostile peers speak raw
ZMTP on the broker's station socket: a greeting, READY, then most of a
15 MiB message frame, and nothing more. The broker's ZMTP heartbeats (a
PING every heartbeat; no whole frame within frame_timeout, and the
connection is closed) cut every one of them, and its memory goes back near
where it was; its peak shows it did hold the frames. Meanwhile a station
and a worker are served."""

import os
import socket

import harness as h
from spine import Stack

MB = 1024 * 1024
STALLED = 6
FRAME = 15 * MB

# ZMTP 3.0 (RFC 23): greeting, READY with the socket type, then a long
# message frame header (flags 0x02) announcing FRAME bytes.
GREETING = b"\xff" + b"\x00" * 8 + b"\x7f" + b"\x03\x00" + b"NULL".ljust(20, b"\x00") + b"\x00" + b"\x00" * 31
READY_BODY = b"\x05READY" + b"\x0bSocket-Type" + (6).to_bytes(4, "big") + b"DEALER"
READY = b"\x04" + bytes([len(READY_BODY)]) + READY_BODY
FRAME_HEADER = b"\x02" + FRAME.to_bytes(8, "big")


def vm(pid, field):
    """VmRSS or VmHWM of a process, in bytes."""
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1]) * 1024
    h.fail("no %s for pid %d" % (field, pid))


def stall(path):
    """A connection that sends all but the last byte of a FRAME-byte frame."""
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    sock.connect(path)
    sock.sendall(GREETING + READY + FRAME_HEADER)
    sock.sendall(b"\xa5" * (FRAME - 1))
    sock.settimeout(0.05)
    return sock


def closed(sock):
    """Whether the broker has closed it (what it sent before is read and dropped)."""
    try:
        while True:
            if not sock.recv(65536):
                return True
    except socket.timeout:
        return False
    except OSError:
        return True


def main():
    # A frame over the default 64M would be cut by ZMQ_MAXMSGSIZE at once:
    # max_frame 16M lets the 15 MiB frames in. ASan's quarantine would keep
    # freed frames resident: off, so memory can be seen to come back.
    asan = ":".join(x for x in [os.environ.get("ASAN_OPTIONS", ""), "quarantine_size_mb=0"] if x)
    s = Stack(broker_sets=["broker.max_frame_bytes=16M", "broker.frame_timeout=3s"],
              broker_env={"ASAN_OPTIONS": asan})
    h.wait_for(lambda: s.status(), 15, "the broker's status", retry_on=(h.TestFailure,))
    pid = s.broker.pid
    base = vm(pid, "VmRSS")

    path = s.stations[len("ipc://"):]
    stalled = [stall(path) for _ in range(STALLED)]

    # Served meanwhile.
    s.worker("w")
    src = s.source("station", 20, size=65536)
    src.expect_exit(0, timeout=60)
    s.check_delivered(["station"], 20)

    h.wait_for(lambda: all(closed(x) for x in stalled), 60, "every stalled connection cut")
    peak = vm(pid, "VmHWM")
    h.check_ge(peak, base + STALLED * FRAME * 3 // 4, "the broker's peak memory (the frames were held)")
    h.wait_for(lambda: vm(pid, "VmRSS") <= base + 24 * MB, 30,
               "the broker's memory back near its baseline (%d MiB)" % (base // MB))
    h.check(s.broker.running, "the broker still serves")
    h.check(s.status()["epoch"], "and answers")
    for x in stalled:
        x.close()


h.run_test(main)
