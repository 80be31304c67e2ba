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
    PageSource   SessionPeer + §13.3 (a station or an importer)
    Worker       SessionPeer + §13.4, storing into a Store (idempotent, by UUID)
"""

import collections
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

    POLL_MS = 10

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
                poller = zmq.Poller()
                poller.register(self.sock, zmq.POLLIN)
                if self._mon is not None:
                    poller.register(self._mon, zmq.POLLIN)
                ready = dict(poller.poll(self.POLL_MS))
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


class Page:
    def __init__(self, page, image):
        self.page = page
        self.image = image
        self.state = "unsent"        # unsent, in flight, held, gone
        self.sent_at = 0.0
        self.sends = 0
        self.outcome = None          # how it went: "deleted", "set aside"


class PageSource(SessionPeer):
    """§13.3: a station (ROLE_STATION) or an importer (ROLE_IMPORTER). Pages
    are added with add(); acks holds every ACK (uuid, status, reason, sha256),
    gone every page deleted or set aside, by UUID."""

    def __init__(self, endpoint, peer_id, role=pb.ROLE_STATION, resend_ms=300000, busy_pause_ms=250,
                 lenient_hash=False, **kw):
        # lenient_hash: take an ACK STORED without sha256 as from a minor-1
        # broker (not §7.5: for tests of other rules, so that a broker that
        # leaves the hash out fails the tests of §7.5 only).
        self.lenient_hash = lenient_hash
        self.pages = collections.OrderedDict()   # uuid -> Page, oldest first
        self.resend_ms = resend_ms
        self.busy_pause_ms = busy_pause_ms
        self.paused_until = 0.0
        self.acks = []
        self.gone = collections.OrderedDict()    # uuid -> "deleted" / "set aside"
        self.deletions = collections.Counter()
        self.acks_mismatch = 0
        self.acks_unknown = 0
        self.busy = 0
        self.hashes = {}                         # uuid -> sha256 of every page added
        super().__init__(endpoint, peer_id, role, **kw)

    # --- in the thread ---------------------------------------------------------------------

    def inflight(self):
        return [p for p in self.pages.values() if p.state == "in flight"]

    def heartbeat_body(self):
        fl = self.inflight()
        return pb.Heartbeat(epoch=self.epoch, pages_unacked=len(fl), bytes_unacked=sum(len(p.image) for p in fl))

    def pump(self):
        if self.state != "welcomed" or self.silent or now() < self.paused_until:
            return
        fl = self.inflight()
        bytes_fl = sum(len(p.image) for p in fl)
        for u, p in self.pages.items():
            if p.state != "unsent":
                continue
            if len(p.image) > self.welcome.max_frame_bytes:
                p.state = "held"
                continue
            if fl and bytes_fl + len(p.image) > self.credit:
                return
            p.page.origin_id = self.peer_id
            if not self.transmit(w.PAGE, p.page, p.image):
                return
            p.state = "in flight"
            p.sent_at = now()
            p.sends += 1
            fl.append(p)
            bytes_fl += len(p.image)

    def on_session_begin(self):
        for p in self.pages.values():
            if p.state == "held":
                p.state = "unsent"
        self.pump()

    def on_session_lost(self, why):
        for p in self.pages.values():
            if p.state == "in flight":
                p.state = "unsent"

    def on_credit(self):
        self.pump()

    def _gone(self, u, how):
        p = self.pages.pop(u)
        p.state = "gone"
        p.outcome = how
        self.gone[u] = how
        if how == "deleted":
            self.deletions[u] += 1

    def on_command(self, msg):
        if msg.cmd != w.ACK:
            self.unexpected += 1
            return
        a = msg.body
        u = bytes(a.page_uuid)
        self.acks.append((u, a.status, a.reason, bytes(a.sha256)))
        p = self.pages.get(u)
        if p is None:
            self.acks_unknown += 1
            return
        if a.status in (pb.RESULT_STORED, pb.RESULT_STORED_FAILED):
            if msg.minor < 2 or bytes(a.sha256) == bytes(p.page.sha256) or (self.lenient_hash and not a.sha256):
                self._gone(u, "deleted")
            else:
                # Kept and sent again (§7.5). After a pause like BUSY's: §7.5
                # names none, but without one a broker that leaves the hash
                # out has the page resent as fast as the cache answers it.
                self.acks_mismatch += 1
                p.state = "unsent"
                self.paused_until = now() + self.busy_pause_ms / 1000.0
        elif a.status == pb.RESULT_REJECTED:
            self._gone(u, "set aside")
        elif a.status == pb.RESULT_RESEND:
            if w.sha256(p.image) != bytes(p.page.sha256):
                self._gone(u, "set aside")
            else:
                p.state = "unsent"
        elif a.status == pb.RESULT_BUSY:
            self.busy += 1
            p.state = "unsent"
            self.paused_until = now() + self.busy_pause_ms / 1000.0
        self.pump()

    def on_timer(self, t):
        super().on_timer(t)
        for p in self.pages.values():
            if p.state == "in flight" and (t - p.sent_at) * 1000 >= self.resend_ms:
                p.state = "unsent"
        self.pump()

    # --- the test's side ----------------------------------------------------------------

    def add(self, image, **fields):
        """Spool a page of image (bytes); returns its UUID (16 bytes)."""
        return self.add_page(w.new_page(image, **fields), image)

    def add_page(self, page, image=b""):
        def go(c):
            u = bytes(page.page_uuid)
            c.pages[u] = Page(page, image)
            c.hashes[u] = bytes(page.sha256)
            c.gone.pop(u, None)        # the same UUID again (a close record): a page of its own
            c.pump()
            return u
        return self.call(go)

    def outcome(self, u):
        return self.call(lambda c: c.gone.get(u))

    def acks_for(self, u):
        return self.call(lambda c: [a for a in c.acks if a[0] == u])

    def wait_gone(self, uuids, timeout=20.0):
        uuids = list(uuids)
        self.until(lambda c: all(u in c.gone for u in uuids), timeout,
                   what="%d pages acknowledged for good" % len(uuids))
        return self.call(lambda c: [c.gone[u] for u in uuids])

    def wait_ack(self, u, status=None, timeout=20.0):
        """The first ACK for page u (of that status) from the cursor on."""
        return self.wait_cmd(w.ACK, timeout,
                             pred=lambda m: bytes(m.body.page_uuid) == u and (status is None or m.body.status == status))


class Store:
    """What the reference workers store, shared by them: idempotent by page
    UUID (a repeat with the same hash is STORED, another hash REJECTED), close
    records by their count (§7.6). writes counts every page processed."""

    def __init__(self):
        self.lock = threading.Lock()
        self.pages = {}
        self.closes = {}
        self.writes = collections.Counter()

    def put(self, page, store_only):
        u = bytes(page.page_uuid)
        with self.lock:
            self.writes[u] += 1
            if page.batch_close:
                have = self.closes.setdefault(u, page.batch_pages)
                if have != page.batch_pages:
                    return pb.RESULT_REJECTED, "closed with another count", b""
                return pb.RESULT_STORED, "", bytes(page.sha256)
            have = self.pages.setdefault(u, bytes(page.sha256))
            if have != bytes(page.sha256):
                return pb.RESULT_REJECTED, "stored with another hash", b""
            if store_only:
                return pb.RESULT_STORED_FAILED, "quarantined", have
            return pb.RESULT_STORED, "", have


class Worker(SessionPeer):
    """§13.4. Every JOB is verified and stored in store, delay_ms after it
    came, unless hold is set: then it stays in hand until finish(). jobs
    holds every JOB taken (the Job bodies), dropped_jobs those that came
    while busy. result: a function (job) -> (status, reason, sha256) that
    replaces the store."""

    def __init__(self, endpoint, peer_id, store=None, hold=False, result=None, delay_ms=0, **kw):
        self.store = store if store is not None else Store()
        self.hold = hold
        self.delay_ms = delay_ms
        self.due = None
        self.result = result
        self.in_hand = None          # the Msg of the JOB in hand
        self.jobs = []
        self.dropped_jobs = []
        self.leaving = False
        super().__init__(endpoint, peer_id, pb.ROLE_WORKER, **kw)

    def hello_body(self):
        h = super().hello_body()
        if self.in_hand is not None:
            h.page_uuid = bytes(self.in_hand.body.page.page_uuid)
        return h

    def on_session_begin(self):
        if self.in_hand is None and not self.leaving:
            self.transmit(w.READY, pb.Ready(capacity=1))

    def on_command(self, msg):
        if msg.cmd != w.JOB:
            self.unexpected += 1
            return
        if self.in_hand is not None or self.leaving:
            self.dropped_jobs.append(msg.body)
            return
        self.in_hand = msg
        self.jobs.append(msg.body)
        self.event("job", bytes(msg.body.page.page_uuid))
        if self.hold:
            return
        if self.delay_ms:
            self.due = now() + self.delay_ms / 1000.0
        else:
            self._finish()

    def on_timer(self, t):
        super().on_timer(t)
        if self.in_hand is not None and self.due is not None and t >= self.due and not self.silent:
            self._finish()

    def _outcome(self, job, image):
        if self.result is not None:
            return self.result(job)
        if w.sha256(image) != bytes(job.page.sha256):
            return pb.RESULT_RESEND, "the image does not match its sha256", b""
        return self.store.put(job.page, job.store_only)

    def _finish(self):
        msg, self.in_hand, self.due = self.in_hand, None, None
        job = msg.body
        status, reason, sha = self._outcome(job, msg.image)
        self.transmit(w.RESULT, pb.Result(page_uuid=job.page.page_uuid, status=status, reason=reason,
                                          origin_id=job.page.origin_id, batch_uuid=job.page.batch_uuid,
                                          sha256=sha))
        self.event("result", bytes(job.page.page_uuid))
        if self.leaving:
            self.transmit(w.BYE, pb.Bye(epoch=self.epoch, reason="draining"))
            self.state = "closed"
            self.silent = True

    # --- the test's side ----------------------------------------------------------------

    def finish(self):
        """Finish the page in hand (store it, send its RESULT)."""
        def go(c):
            if c.in_hand is None:
                raise ClientError("%s holds no page" % c.peer_id)
            c._finish()
        self.call(go)

    def wait_job(self, n=1, timeout=20.0):
        """Wait until n JOBs were taken in all; returns the n-th."""
        self.until(lambda c: len(c.jobs) >= n, timeout, what="JOB number %d" % n)
        return self.call(lambda c: c.jobs[n - 1])

    def job_count(self):
        return self.call(lambda c: len(c.jobs))

    def leave(self):
        """SIGTERM (§13.4): finish the page in hand, then BYE; BYE now if idle."""
        def go(c):
            c.leaving = True
            if c.in_hand is None:
                c.transmit(w.BYE, pb.Bye(epoch=c.epoch, reason="draining"))
                c.state = "closed"
                c.silent = True
        self.call(go)
