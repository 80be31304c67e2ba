"""Just enough of the sohoa wire format, by hand, for tests that speak raw
ZeroMQ to the broker (python3-zmq, no protobuf module): the header, protobuf
fields of the few bodies these tests send, and a reader for the fields of
what comes back."""

HDR = b"SOHA\x01\x01"

HELLO, WELCOME, HEARTBEAT, PAGE, ACK, BYE = 1, 2, 3, 4, 5, 11
ROLE_STATION = 1
ROLE_IMPORTER, ROLE_ADMIN = 2, 4
STORED, STORED_FAILED, REJECTED, RESEND, BUSY = 1, 2, 3, 4, 5


def varint(n):
    out = b""
    while True:
        b = n & 0x7F
        n >>= 7
        if n:
            out += bytes([b | 0x80])
        else:
            return out + bytes([b])


def field_bytes(num, data):
    return varint(num << 3 | 2) + varint(len(data)) + data


def field_varint(num, v):
    return varint(num << 3) + varint(v)


def hello(peer_id, role=ROLE_STATION):
    return field_bytes(1, peer_id.encode()) + field_varint(2, role)


def fields(body):
    """{field number: value} of a protobuf body (varints and bytes only; the
    last occurrence wins)."""
    out, i = {}, 0

    def read_varint():
        nonlocal i
        shift = v = 0
        while True:
            b = body[i]
            i += 1
            v |= (b & 0x7F) << shift
            shift += 7
            if not b & 0x80:
                return v

    while i < len(body):
        key = read_varint()
        num, wire = key >> 3, key & 7
        if wire == 0:
            out[num] = read_varint()
        elif wire == 2:
            n = read_varint()
            out[num] = body[i:i + n]
            i += n
        else:
            raise ValueError("wire type %d not handled" % wire)
    return out


def recv_command(sock, command, timeout_ms, keepalive=False):
    """The body of the next message of that command, skipping others (the
    broker's heartbeats); None when none comes in time. keepalive: send a
    HEARTBEAT every 100 ms meanwhile, so the broker does not count us dead."""
    import time
    deadline = time.monotonic() + timeout_ms / 1000.0
    while True:
        left = int((deadline - time.monotonic()) * 1000)
        if left <= 0:
            return None
        if keepalive:
            sock.send_multipart([HDR, bytes([HEARTBEAT]), b""])
        if not sock.poll(min(left, 100) if keepalive else left):
            continue
        frames = sock.recv_multipart()
        if len(frames) >= 3 and frames[1] == bytes([command]):
            return frames[2]


WORKER_ROLE = 3
READY, JOB, RESULT = 6, 7, 8


def result(page_uuid, status, sha256, origin_id, batch_uuid):
    return (field_bytes(1, page_uuid) + field_varint(2, status) + field_bytes(4, origin_id) +
            field_bytes(5, batch_uuid) + field_bytes(6, sha256))


def page(page_uuid, batch_uuid, image, sequence=1):
    """A Page body for image: its uuids, sequence, sha256 and length."""
    import hashlib
    return (field_bytes(1, page_uuid) + field_bytes(2, batch_uuid) + field_varint(3, sequence) +
            field_varint(4, 1) + field_bytes(6, hashlib.sha256(image).digest()) +
            field_varint(7, len(image)))


def dealer(ctx, endpoint, hello_as=None, role=ROLE_STATION):
    """A DEALER connected to endpoint (linger 0); with hello_as, it says HELLO
    and returns once welcomed (None if not within 5 s)."""
    import zmq
    sock = ctx.socket(zmq.DEALER)
    sock.setsockopt(zmq.LINGER, 0)
    sock.connect(endpoint)
    if hello_as is not None:
        sock.send_multipart([HDR, bytes([HELLO]), hello(hello_as, role)])
        if recv_command(sock, WELCOME, 5000) is None:
            return None
    return sock


def context():
    """A zmq.Context; fails the test when python3-zmq is missing (./run setup
    installs it)."""
    try:
        import zmq
    except ImportError:
        import harness
        harness.fail("python3-zmq is missing: ./run setup installs it")
    return zmq.Context()


STATUS, STATUS_REPLY = 9, 10


def answers_before_status(sock, timeout_ms=30000):
    """Commands the broker sends this connection (on the stations endpoint)
    before it answers a STATUS request sent now: the broker takes one
    connection's messages in order and answers in order, so once the
    STATUS_REPLY is in, every answer to what was sent before it is too.
    Fails when no STATUS_REPLY comes in time."""
    import time
    sock.send_multipart([HDR, bytes([STATUS]), b""])
    deadline = time.monotonic() + timeout_ms / 1000.0
    heard = []
    while True:
        left = int((deadline - time.monotonic()) * 1000)
        if left <= 0 or not sock.poll(left):
            raise AssertionError("no STATUS_REPLY in %d ms (heard %r)" % (timeout_ms, heard))
        frames = sock.recv_multipart()
        if len(frames) >= 2 and frames[1] == bytes([STATUS_REPLY]):
            return heard
        heard.append(frames[1][0] if len(frames) >= 2 and frames[1] else None)
