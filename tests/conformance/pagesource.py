"""§13.3 a page source (a station or an importer) of the reference client:
pages unsent, in flight, held or gone; sent oldest first within the credit;
what each ACK does to a page (§7.5); the resend timer and the BUSY pause."""

import collections

import wire as w
from sohoaclient import SessionPeer, now
from wire import pb


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
                # Kept as it is (§7.5): in flight, its resend timer sends it again.
                self.acks_mismatch += 1
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
