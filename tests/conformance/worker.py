"""§13.4 a worker of the reference client, and the idempotent Store the
reference workers share (by page UUID; close records by their count)."""

import collections
import threading

import wire as w
from sohoaclient import ClientError, SessionPeer, now
from wire import pb


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
        if self.in_hand is not None and self.due is not None and t >= self.due and not (self.silent or self.hold):
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
