"""A reference client of the sohoa wire protocol, written from
proto/PROTOCOL.md (1.2) alone: the connection of §13.2, the page source of
§13.3 and the worker of §13.4, with the timers of §13.1.

Every client is one ZeroMQ DEALER served by its own thread (a socket is used
by one thread only): the thread receives, runs the timers and the state
machine, and keeps what it received in `inbox`, in order. A test talks to
it through methods that run in that thread (call()) and waits on the inbox.

    Conn         a bare connection: sends what the test says, keeps what comes
                 (a test's raw peer: malformed frames, wrong commands)
    SessionPeer  Conn + §13.2: HELLO, WELCOME, heartbeats, silence, epoch
    PageSource   SessionPeer + §13.3 (a station or an importer): pagesource.py
    Worker       SessionPeer + §13.4, storing into a Store (idempotent, by
                 UUID): worker.py
They are all reached through this module (sohoaclient.PageSource, ...).
"""

import os
import queue
import threading
import time

import zmq

import wire as w
from wire import pb

_ctx = None
_ctx_lock = threading.Lock()


def context():
    global _ctx
    with _ctx_lock:
        if _ctx is None:
            _ctx = zmq.Context()
            _ctx.setsockopt(zmq.LINGER, 0)
        return _ctx


def now():
    return time.monotonic()


class ClientError(AssertionError):
    pass


_all = []


def close_all():
    """Stop every client's thread (and close its socket)."""
    for c in list(_all):
        c.close()


class Conn:
    """One DEALER on endpoint, its own thread. heartbeat_ms: the interval of
    the automatic HEARTBEAT (auto_heartbeat) and of the timers before a
    WELCOME says otherwise. curve: (server_public, public, secret) in Z85.
    max_frame_bytes: the image limit of the checks on receipt (None: none)."""

    POLL_MS = 20        # the timers' granularity; call() wakes the thread at once

    def __init__(self, endpoint, name="conn", heartbeat_ms=1000, auto_heartbeat=False, curve=None,
                 max_frame_bytes=None, monitor=False, start=True):
        self.endpoint = endpoint
        self.name = name
        self.heartbeat_ms = heartbeat_ms
        self.auto_heartbeat = auto_heartbeat
        self.curve = curve
        self.max_frame_bytes = max_frame_bytes
        self.monitor = monitor
        self.epoch = 0
        self.inbox = []              # (time, Msg or wire.Malformed), in order of arrival
        self.cursor = 0              # the test's reading position in inbox
        self.sent = []               # (time, command) of every message sent
        self.events = []             # (time, what, detail): the state machine's steps
        self.socket_events = []      # (time, zmq event) with monitor
        self.malformed = 0           # messages dropped by §2.1
        self.unexpected = 0          # commands not meant for this client (§4)
        self.send_failures = 0
        self.sockets_opened = 0
        self.silent = False          # sends nothing (a hung peer) while set
        self.sock = None
        self._mon = None
        self._actions = queue.Queue()
        self._wake_r, self._wake_w = os.pipe()      # call() writes a byte: the thread wakes
        os.set_blocking(self._wake_r, False)
        self._poller = None
        self._cond = threading.Condition()
        self._stop = False
        self._error = None
        self.last_rx = self.last_tx = now()
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)
        _all.append(self)
        if start:
            self.start()

    # --- the thread ---------------------------------------------------------------

    def start(self):
        self._thread.start()
        return self

    def _open(self):
        if self.sock is not None:
            self._close()
        s = context().socket(zmq.DEALER)
        s.setsockopt(zmq.LINGER, 0)
        s.setsockopt(zmq.RCVHWM, 0)
        if self.curve:
            server, public, secret = self.curve
            s.curve_serverkey = server.encode() if isinstance(server, str) else server
            s.curve_publickey = public.encode() if isinstance(public, str) else public
            s.curve_secretkey = secret.encode() if isinstance(secret, str) else secret
        if self.monitor:
            self._mon = s.get_monitor_socket()
        s.connect(self.endpoint)
        self.sock = s
        self._poller = zmq.Poller()
        self._poller.register(s, zmq.POLLIN)
        self._poller.register(self._wake_r, zmq.POLLIN)
        if self._mon is not None:
            self._poller.register(self._mon, zmq.POLLIN)
        self.sockets_opened += 1
        self.last_rx = now()
        self.event("socket", self.sockets_opened)

    def _close(self):
        if self._mon is not None:
            self._drain_monitor()
            try:
                self.sock.disable_monitor()
            except zmq.ZMQError:
                pass
            self._mon.close(linger=0)
            self._mon = None
        self.sock.close(linger=0)
        self.sock = None

    def _drain_monitor(self):
        from zmq.utils.monitor import recv_monitor_message
        while True:
            try:
                ev = recv_monitor_message(self._mon, zmq.NOBLOCK)
            except zmq.Again:
                return
            self.socket_events.append((now(), ev["event"]))

    def _run(self):
        try:
            self._open()
            self.on_start()
            while not self._stop:
                ready = dict(self._poller.poll(self.POLL_MS))
                if self._wake_r in ready:
                    try:
                        os.read(self._wake_r, 4096)
                    except BlockingIOError:
                        pass
                if self._mon is not None and self._mon in ready:
                    self._drain_monitor()
                if self.sock in ready:
                    self._receive_all()
                self._run_actions()
                self.on_timer(now())
        except BaseException as e:  # reported to the test by every later call
            self._error = e
            with self._cond:
                self._cond.notify_all()
        finally:
            if self.sock is not None:
                self._close()

    def _receive_all(self):
        while self.sock is not None:
            try:
                frames = self.sock.recv_multipart(zmq.NOBLOCK)
            except zmq.Again:
                return
            self.last_rx = now()
            try:
                msg = w.decode(frames, self.max_frame_bytes)
            except w.Malformed as e:
                self.malformed += 1
                msg = e
            with self._cond:
                self.inbox.append((self.last_rx, msg))
                self._cond.notify_all()
            if isinstance(msg, w.Msg):
                self.on_message(msg)

    def _run_actions(self):
        while True:
            try:
                fn, box = self._actions.get_nowait()
            except queue.Empty:
                return
            try:
                box.append((True, fn(self)))
            except BaseException as e:
                box.append((False, e))
            with self._cond:
                self._cond.notify_all()

    # --- hooks for subclasses (run in the thread) -----------------------------------

    def on_start(self):
        pass

    def on_message(self, msg):
        pass

    def on_timer(self, t):
        if self.auto_heartbeat and not self.silent and (t - self.last_tx) * 1000 >= self.heartbeat_ms:
            self.transmit(w.HEARTBEAT, pb.Heartbeat(epoch=self.epoch))

    def event(self, what, detail=None):
        self.events.append((now(), what, detail))

    def transmit(self, cmd, body=None, image=None, minor=w.MINOR):
        """In the thread: send one message; False when libzmq would block."""
        return self.transmit_frames(w.encode(cmd, body, image, minor), cmd)

    def transmit_frames(self, frames, cmd=None):
        if self.silent:
            return False
        try:
            self.sock.send_multipart(frames, zmq.NOBLOCK)
        except zmq.Again:
            self.send_failures += 1
            return False
        self.last_tx = now()
        self.sent.append((self.last_tx, cmd))
        return True

    def reconnect(self):
        """In the thread: a new socket, so a new connection and routing id."""
        self._open()

    # --- the test's side -------------------------------------------------------------

    def call(self, fn, timeout=10.0):
        """Run fn(self) in the client's thread and return its result."""
        box = []
        self._actions.put((fn, box))
        if self._wake_w is not None:
            os.write(self._wake_w, b"x")
        deadline = now() + timeout
        with self._cond:
            while not box:
                if self._error is not None:
                    raise ClientError("%s: its thread failed: %r" % (self.name, self._error))
                left = deadline - now()
                if left <= 0:
                    raise ClientError("%s: no answer from its thread in %.1f s" % (self.name, timeout))
                self._cond.wait(left)
        ok, value = box[0]
        if not ok:
            raise value
        return value

    def send(self, cmd, body=None, image=None, minor=w.MINOR):
        return self.call(lambda c: c.transmit(cmd, body, image, minor))

    def send_frames(self, frames):
        return self.call(lambda c: c.transmit_frames([bytes(f) for f in frames]))

    def mark(self):
        """A position in the inbox, for since()."""
        with self._cond:
            return len(self.inbox)

    def since(self, mark):
        with self._cond:
            return [m for _, m in self.inbox[mark:]]

    def wait(self, pred, timeout=10.0, what=None, start=None):
        """The first message from the cursor (or start) on for which pred(msg)
        holds; the cursor moves past it. Fails after timeout."""
        pos = self.cursor if start is None else start
        deadline = now() + timeout
        with self._cond:
            while True:
                while pos < len(self.inbox):
                    msg = self.inbox[pos][1]
                    pos += 1
                    if pred(msg):
                        self.cursor = pos
                        return msg
                if self._error is not None:
                    raise ClientError("%s: its thread failed: %r" % (self.name, self._error))
                left = deadline - now()
                if left <= 0:
                    raise ClientError("%s: timed out after %.1f s waiting for %s; received since (but "
                                      "heartbeats): %r" % (self.name, timeout, what or "a message",
                                                           answers([m for _, m in self.inbox[self.cursor:]])[-8:]))
                self._cond.wait(min(left, 0.1))

    def wait_cmd(self, cmd, timeout=10.0, pred=None):
        return self.wait(lambda m: isinstance(m, w.Msg) and m.cmd == cmd and (pred is None or pred(m)),
                         timeout, what=w.NAMES[cmd])

    def until(self, pred, timeout=10.0, what="a condition", interval=0.02):
        """Wait until pred(self) holds, evaluated in the client's thread."""
        deadline = now() + timeout
        while True:
            v = self.call(pred)
            if v:
                return v
            if now() >= deadline:
                raise ClientError("%s: timed out after %.1f s waiting for %s" % (self.name, timeout, what))
            time.sleep(interval)

    def probe(self, with_peers=False, timeout=10.0):
        """Send STATUS on this connection and wait for its STATUS_REPLY.
        Returns (reply, the messages received between the cursor and it).
        The broker handles a connection's messages in order, so what a
        message sent before the probe caused has arrived by then."""
        start = self.cursor
        self.send(w.STATUS, pb.StatusRequest(with_peers=with_peers))
        reply = self.wait_cmd(w.STATUS_REPLY, timeout)
        with self._cond:
            before = [m for _, m in self.inbox[start:self.cursor - 1]]
        return reply.body, before

    def close(self):
        self._stop = True
        if self._thread.is_alive() and threading.current_thread() is not self._thread:
            self._thread.join(5)
        if not self._thread.is_alive() and self._wake_w is not None:
            os.close(self._wake_r)
            os.close(self._wake_w)
            self._wake_r = self._wake_w = None


def is_heartbeat(m, credit=None):
    """A HEARTBEAT (with that credit when given)."""
    return isinstance(m, w.Msg) and m.cmd == w.HEARTBEAT and (credit is None or m.body.credit_bytes == credit)


def answers(msgs):
    """What a broker answered among msgs: everything but its periodic
    HEARTBEATs to a session (credit > 0)."""
    return [m for m in msgs if not (is_heartbeat(m) and m.body.credit_bytes > 0)]


class SessionPeer(Conn):
    """§13.2: says HELLO, takes WELCOME, heartbeats, reconnects when silent,
    and notices a lost session (new epoch, HEARTBEAT credit 0, BYE)."""

    def __init__(self, endpoint, peer_id, role, software="conformance 1.2", **kw):
        self.peer_id = peer_id
        self.role = role
        self.software = software
        self.state = "closed"            # closed, hello, welcomed
        self.welcome = None              # the Welcome of the session
        self.liveness = 3
        self.credit = 0
        self.last_hello = 0.0
        self.hello_due = False
        self.credit0_in_session = []     # HEARTBEATs with credit 0 received while welcomed
        self.byes = []
        super().__init__(endpoint, name=peer_id, **kw)

    @property
    def hb(self):
        return (self.welcome.heartbeat_ms if self.welcome else self.heartbeat_ms) / 1000.0

    @property
    def silence(self):
        return (self.welcome.liveness if self.welcome else self.liveness) * self.hb

    def hello_body(self):
        return pb.Hello(peer_id=self.peer_id, role=self.role, software=self.software)

    def say_hello(self):
        self.last_hello = now()
        self.hello_due = False
        if self.state != "welcomed":
            self.state = "hello"
        self.transmit(w.HELLO, self.hello_body())

    def on_start(self):
        self.say_hello()

    def lose(self, why):
        """The session is lost (§13.2): do what §5.1 step 2 says."""
        was = self.state == "welcomed"
        self.state = "hello"
        self.hello_due = True
        self.event("lost", why)
        if was:
            self.on_session_lost(why)

    def on_session_begin(self):
        pass

    def on_session_lost(self, why):
        pass

    def on_message(self, msg):
        b = msg.body
        if msg.cmd == w.WELCOME:
            if self.state == "welcomed" and b.epoch == self.epoch:
                return  # several HELLOs were queued: nothing new
            self.welcome = b
            self.epoch = b.epoch
            self.credit = b.credit_bytes
            self.state = "welcomed"
            self.hello_due = False
            self.event("welcome", b.epoch)
            self.on_session_begin()
            return
        if msg.cmd == w.BYE:
            self.byes.append(b)
            self.lose("BYE: " + b.reason)
            self.hello_due = False           # at the next HELLO repeat, not at once
            self.last_hello = now()
            return
        if msg.cmd == w.HEARTBEAT and b.credit_bytes == 0:
            if self.state == "welcomed":
                self.credit0_in_session.append(b)
                self.lose("HEARTBEAT with credit 0")
            else:
                self.hello_due = True
            return
        if self.state == "welcomed" and msg.cmd in w.WITH_EPOCH and b.epoch != self.epoch:
            self.lose("epoch %d, session %d" % (b.epoch, self.epoch))
        if msg.cmd == w.HEARTBEAT:
            if self.state == "welcomed" and b.epoch == self.epoch:
                self.credit = b.credit_bytes
                self.on_credit()
            return
        self.on_command(msg)

    def on_credit(self):
        pass

    def on_command(self, msg):
        self.unexpected += 1

    def on_timer(self, t):
        if self.silent:
            return
        if t - self.last_rx >= self.silence:
            self.event("silence", t - self.last_rx)
            was = self.state == "welcomed"
            self.state = "closed"
            self.reconnect()
            self.say_hello()
            if was:
                self.on_session_lost("silence")
            return
        if self.state != "welcomed":
            if t - self.last_hello >= self.hb:
                self.say_hello()
            return
        if (t - self.last_tx) >= self.hb:
            self.transmit(w.HEARTBEAT, self.heartbeat_body())

    def heartbeat_body(self):
        return pb.Heartbeat(epoch=self.epoch)

    # --- the test's side ----------------------------------------------------------------

    def wait_welcomed(self, timeout=10.0, new_since=None):
        """Until welcomed (with an epoch other than new_since, when given)."""
        return self.until(lambda c: c.state == "welcomed" and (new_since is None or c.epoch != new_since),
                          timeout, what="a WELCOME")

    def bye(self, reason="leaving"):
        """Say BYE and stay quiet (the test closes or reuses the connection)."""
        def go(c):
            c.transmit(w.BYE, pb.Bye(epoch=c.epoch, reason=reason))
            c.state = "closed"
            c.silent = True
        self.call(go)


# The roles, built on the above (they import this module: last, on purpose).
from pagesource import PageSource  # noqa: E402,F401
from worker import Store, Worker  # noqa: E402,F401
