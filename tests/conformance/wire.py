"""The sohoa wire protocol (proto/PROTOCOL.md 1.3) in Python, written from
PROTOCOL.md and sohoa.proto alone: the bodies, generated from sohoa.proto
with `protoc --python_out` into a temporary directory at first use, and the
framing of §2 with the checks on receipt of §2.1, in their order.

    import wire as w
    frames = w.encode(w.HELLO, w.pb.Hello(peer_id="desk-1", role=w.pb.ROLE_STATION))
    msg = w.decode(frames)            # a Msg, or raises Malformed(code, why)
"""

import atexit
import hashlib
import importlib
import os
import shutil
import subprocess
import sys
import tempfile
import uuid
from pathlib import Path

SOURCE_DIR = Path(os.environ.get("SOHOA_SOURCE_DIR") or Path(__file__).resolve().parents[2])
PROTO = SOURCE_DIR / "proto" / "sohoa.proto"

SIGNATURE = b"SOHA"
MAJOR = 1
MINOR = 3
HEADER_LEN = 6
BODY_MAX = 65536            # MSG_BODY_MAX
PARTS_MAX = 5               # MSG_PARTS_MAX, routing id included
ROUTING_ID_MAX = 255

# §4: the commands.
HELLO, WELCOME, HEARTBEAT, PAGE, ACK, READY, JOB, RESULT, STATUS, STATUS_REPLY, BYE = range(1, 12)
NAMES = {HELLO: "HELLO", WELCOME: "WELCOME", HEARTBEAT: "HEARTBEAT", PAGE: "PAGE", ACK: "ACK",
         READY: "READY", JOB: "JOB", RESULT: "RESULT", STATUS: "STATUS", STATUS_REPLY: "STATUS_REPLY",
         BYE: "BYE"}
WITH_IMAGE = (PAGE, JOB)

# §7.6: the namespace of a batch-close record's UUIDv5.
CLOSE_NAMESPACE = uuid.UUID("5f0c1e7a-3b2d-4c8e-9a61-d4f2b7e08c35")
EMPTY_SHA256 = hashlib.sha256(b"").digest()


def _generate():
    """protoc --python_out into a temporary directory; returns the module."""
    out = tempfile.mkdtemp(prefix="sohoa-pb-")
    atexit.register(shutil.rmtree, out, True)
    protoc = shutil.which("protoc") or "/usr/bin/protoc"
    cp = subprocess.run([protoc, "--python_out=" + out, "-I", str(PROTO.parent), str(PROTO)],
                        capture_output=True, text=True)
    if cp.returncode != 0:
        raise RuntimeError("protoc failed on %s: %s" % (PROTO, cp.stderr))
    sys.path.insert(0, out)
    try:
        return importlib.import_module("sohoa_pb2")
    finally:
        sys.path.remove(out)


pb = _generate()

BODIES = {HELLO: pb.Hello, WELCOME: pb.Welcome, HEARTBEAT: pb.Heartbeat, PAGE: pb.Page, ACK: pb.Ack,
          READY: pb.Ready, JOB: pb.Job, RESULT: pb.Result, STATUS: pb.StatusRequest,
          STATUS_REPLY: pb.StatusReply, BYE: pb.Bye}
# Commands whose body carries the broker's epoch (§4).
WITH_EPOCH = (WELCOME, HEARTBEAT, ACK, JOB, STATUS_REPLY, BYE)

ROLE_NAMES = {pb.ROLE_STATION: "station", pb.ROLE_IMPORTER: "importer", pb.ROLE_WORKER: "worker",
              pb.ROLE_ADMIN: "admin"}
STATUS_NAMES = {pb.RESULT_STORED: "STORED", pb.RESULT_STORED_FAILED: "STORED_FAILED",
                pb.RESULT_REJECTED: "REJECTED", pb.RESULT_RESEND: "RESEND", pb.RESULT_BUSY: "BUSY",
                pb.RESULT_INVALID: "INVALID"}


class Malformed(Exception):
    """A message that fails a check of §2.1. code is the errno name msg.h would
    return: EBADMSG, EPROTO, EOPNOTSUPP or EMSGSIZE."""

    def __init__(self, code, why, frames=None):
        super().__init__("%s: %s" % (code, why))
        self.code = code
        self.why = why
        self.frames = frames


class Msg:
    """A message that passed every check: cmd, body (the protobuf message),
    image (bytes, PAGE and JOB only), the sender's minor, the raw body."""

    def __init__(self, cmd, body, image=None, minor=MINOR, raw=b""):
        self.cmd = cmd
        self.body = body
        self.image = image
        self.minor = minor
        self.raw = raw

    @property
    def epoch(self):
        return self.body.epoch if self.cmd in WITH_EPOCH else None

    def __repr__(self):
        text = str(self.body).replace("\n", " ").strip()
        if len(text) > 200:
            text = text[:200] + "..."
        img = "" if self.image is None else " +%d image bytes" % len(self.image)
        return "<%s {%s}%s>" % (NAMES.get(self.cmd, self.cmd), text, img)


def header(major=MAJOR, minor=MINOR):
    return SIGNATURE + bytes([major, minor])


def encode(cmd, body=None, image=None, minor=MINOR, major=MAJOR):
    """The frames of one message (no routing id). body: a protobuf message,
    bytes, or None (empty). Refuses what a sender MUST NOT send (§2.2): a body
    over 65536 bytes. The image limit is the peer's, checked by its caller."""
    if body is None:
        raw = b""
    elif isinstance(body, (bytes, bytearray)):
        raw = bytes(body)
    else:
        raw = body.SerializeToString()
    if len(raw) > BODY_MAX:
        raise ValueError("body of %d bytes is over %d (§2.2)" % (len(raw), BODY_MAX))
    frames = [header(major, minor), bytes([cmd]), raw]
    if cmd in WITH_IMAGE:
        frames.append(b"" if image is None else bytes(image))
    return frames


def _varint(buf, i):
    """(value, next index) of the varint at buf[i]; raises ValueError."""
    shift = value = 0
    while True:
        if i >= len(buf) or shift > 63:
            raise ValueError("truncated varint")
        b = buf[i]
        i += 1
        value |= (b & 0x7F) << shift
        if not b & 0x80:
            return value, i
        shift += 7


def has_field_zero(buf, descriptor):
    """True when the packed message (of the given descriptor) or any message
    nested in it has a field number 0 (§2.1 check 8); raises ValueError on
    bytes that are no protobuf."""
    i = 0
    while i < len(buf):
        tag, i = _varint(buf, i)
        number, wtype = tag >> 3, tag & 7
        if number == 0:
            return True
        if wtype == 0:
            _, i = _varint(buf, i)
        elif wtype == 1:
            i += 8
        elif wtype == 5:
            i += 4
        elif wtype == 2:
            n, i = _varint(buf, i)
            sub = buf[i:i + n]
            if len(sub) != n:
                raise ValueError("truncated field")
            i += n
            field = descriptor.fields_by_number.get(number)
            if field is not None and field.message_type is not None and has_field_zero(sub, field.message_type):
                return True
        else:
            raise ValueError("wire type %d" % wtype)
        if i > len(buf):
            raise ValueError("truncated field")
    return False


def _enum_ok(enum_type, value):
    return value in enum_type.values_by_number


def page_check(page, image_len):
    """msg_page_check() of §2.1 check 8: None, or what is wrong."""
    if len(page.page_uuid) != 16:
        return "page_uuid of %d bytes" % len(page.page_uuid)
    if len(page.batch_uuid) != 16:
        return "batch_uuid of %d bytes" % len(page.batch_uuid)
    if len(page.sha256) != 32:
        return "sha256 of %d bytes" % len(page.sha256)
    if page.image_bytes != image_len:
        return "image_bytes %d, image frame %d" % (page.image_bytes, image_len)
    if page.batch_close and image_len != 0:
        return "a close record with an image"
    if not _enum_ok(pb.PageClass.DESCRIPTOR, page.page_class):
        return "page_class %d" % page.page_class
    if not _enum_ok(pb.Side.DESCRIPTOR, page.side):
        return "side %d" % page.side
    return None


_OUTCOMES = (pb.RESULT_STORED, pb.RESULT_STORED_FAILED, pb.RESULT_REJECTED, pb.RESULT_RESEND)


def _invariants(cmd, body, image):
    """§2.1 check 8 (besides field number 0): None, or what is wrong."""
    if cmd == PAGE:
        return page_check(body, len(image))
    if cmd == JOB:
        if not body.HasField("page"):
            return "JOB without a page"
        return page_check(body.page, len(image))
    if cmd in (ACK, RESULT):
        if len(body.page_uuid) != 16:
            return "page_uuid of %d bytes" % len(body.page_uuid)
        allowed = _OUTCOMES + ((pb.RESULT_BUSY,) if cmd == ACK else ())
        if body.status not in allowed:
            return "status %d" % body.status
        if cmd == ACK and len(body.sha256) not in (0, 32):
            return "sha256 of %d bytes" % len(body.sha256)
    if cmd == HELLO:
        pid = body.peer_id
        if not 1 <= len(pid) <= 64 or any(not 0x20 <= ord(c) <= 0x7E for c in pid):
            return "peer_id %r" % pid
        if body.role not in (pb.ROLE_STATION, pb.ROLE_IMPORTER, pb.ROLE_WORKER, pb.ROLE_ADMIN):
            return "role %d" % body.role
        if len(body.page_uuid) not in (0, 16):
            return "page_uuid of %d bytes" % len(body.page_uuid)
    return None


def decode(frames, max_frame_bytes=None, routing=False):
    """Run the checks of §2.1, in order, on one whole message (a list of
    frames; with routing, frame 0 is a routing id). Returns a Msg, or raises
    Malformed. max_frame_bytes None: no image limit."""
    frames = [bytes(f) for f in frames]
    if len(frames) > (PARTS_MAX if routing else PARTS_MAX - 1) \
            or (routing and frames and len(frames[0]) > ROUTING_ID_MAX):
        raise Malformed("EBADMSG", "%d parts" % len(frames), frames)
    if routing:
        frames = frames[1:]
    # 2. The header.
    if not frames or len(frames[0]) <= len(SIGNATURE) or not frames[0].startswith(SIGNATURE):
        raise Malformed("EBADMSG", "no SOHA header", frames)
    hdr = frames[0]
    if hdr[4] != MAJOR:
        raise Malformed("EPROTO", "major %d" % hdr[4], frames)
    if len(hdr) != HEADER_LEN:
        raise Malformed("EBADMSG", "header of %d bytes" % len(hdr), frames)
    minor = hdr[5]
    # 3, 4, 5. The command and the frame count.
    if len(frames) < 2 or len(frames[1]) != 1:
        raise Malformed("EBADMSG", "no one-byte command frame", frames)
    cmd = frames[1][0]
    if cmd not in BODIES:
        raise Malformed("EOPNOTSUPP", "command %d" % cmd, frames)
    want = 4 if cmd in WITH_IMAGE else 3
    if len(frames) != want:
        raise Malformed("EBADMSG", "%s in %d frames" % (NAMES[cmd], len(frames)), frames)
    raw = frames[2]
    image = frames[3] if cmd in WITH_IMAGE else None
    # 6. Sizes.
    if len(raw) > BODY_MAX:
        raise Malformed("EMSGSIZE", "body of %d bytes" % len(raw), frames)
    if image is not None and max_frame_bytes is not None and len(image) > max_frame_bytes:
        raise Malformed("EMSGSIZE", "image of %d bytes" % len(image), frames)
    # 7. The body.
    body = BODIES[cmd]()
    try:
        if has_field_zero(raw, body.DESCRIPTOR):
            raise Malformed("EBADMSG", "field number 0 in the body", frames)
        body.ParseFromString(raw)
    except Malformed:
        raise
    except Exception as e:  # DecodeError, ValueError
        raise Malformed("EBADMSG", "body does not parse: %s" % e, frames)
    # 8. Invariants.
    why = _invariants(cmd, body, image)
    if why:
        raise Malformed("EBADMSG", why, frames)
    return Msg(cmd, body, image, minor, raw)


# --- helpers for pages ---------------------------------------------------------

def sha256(data):
    return hashlib.sha256(data).digest()


def close_uuid(batch_uuid):
    """The page UUID of a batch's close record (§7.6), as 16 bytes."""
    return uuid.uuid5(CLOSE_NAMESPACE, "%s/close" % uuid.UUID(bytes=bytes(batch_uuid))).bytes


def new_page(image, batch=None, sequence=1, **fields):
    """A Page for image (bytes): a fresh UUIDv4, the batch given (16 bytes) or a
    new one, sha256 and image_bytes of the image. fields set the others."""
    p = pb.Page(page_uuid=uuid.uuid4().bytes, batch_uuid=batch or uuid.uuid4().bytes, sequence=sequence,
                sheet=sequence, side=pb.SIDE_FRONT, sha256=sha256(image), image_bytes=len(image),
                format=pb.FORMAT_PNG, dpi=300, mode="gray")
    for k, v in fields.items():
        setattr(p, k, v)
    return p


def close_record(batch, batch_pages, **fields):
    """The batch-close record of §7.6 for batch (16 bytes)."""
    p = pb.Page(page_uuid=close_uuid(batch), batch_uuid=batch, sequence=0, sheet=0, side=pb.SIDE_UNKNOWN,
                sha256=EMPTY_SHA256, image_bytes=0, batch_close=True, batch_pages=batch_pages,
                last_in_batch=True)
    for k, v in fields.items():
        setattr(p, k, v)
    return p


def hexid(u):
    """A 16-byte UUID as text, for messages."""
    return str(uuid.UUID(bytes=bytes(u))) if len(u) == 16 else bytes(u).hex()
