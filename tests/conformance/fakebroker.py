"""A fake broker: a ROUTER that plays the broker to a real client program,
saying exactly what the test wants."""

import queue
import threading
import time

import zmq

import harness as h
import sohoaclient as sc
import wire as w
from wire import pb


class FakeBroker:
    """A ROUTER on an ipc:// endpoint of the work directory, in a thread of
    its own, that plays the broker to a real client program: it keeps every
    message received (time, routing id, Msg or Malformed), in order, and
    sends what the test says. Nothing is answered on its own."""

    def __init__(self, name="fake"):
        self.endpoint = h.ipc_endpoint(name)
        self.inbox = []
        self.cond = threading.Condition()
        self.actions = queue.Queue()
        self.stopping = False
        self.beat = None             # (rid, epoch, credit, interval): HEARTBEATs the fake sends on its own
        self.last_beat = 0.0
        self.sock = sc.context().socket(zmq.ROUTER)
        self.sock.setsockopt(zmq.LINGER, 0)
        self.sock.setsockopt(zmq.ROUTER_MANDATORY, 1)
        self.sock.bind(self.endpoint)
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self):
        while not self.stopping:
            if self.sock.poll(10):
                while True:
                    try:
                        frames = self.sock.recv_multipart(zmq.NOBLOCK)
                    except zmq.Again:
                        break
                    rid = frames[0]
                    try:
                        m = w.decode(frames, routing=True)
                    except w.Malformed as e:
                        m = e
                    with self.cond:
                        self.inbox.append((time.monotonic(), rid, m))
                        self.cond.notify_all()
            if self.beat and time.monotonic() - self.last_beat >= self.beat[3]:
                rid, epoch, credit, _ = self.beat
                self.last_beat = time.monotonic()
                try:
                    self.sock.send_multipart([rid] + w.encode(w.HEARTBEAT, pb.Heartbeat(epoch=epoch,
                                                                                        credit_bytes=credit)),
                                             zmq.NOBLOCK)
                except zmq.ZMQError:
                    pass
            while True:
                try:
                    frames, box = self.actions.get_nowait()
                except queue.Empty:
                    break
                try:
                    self.sock.send_multipart(frames, zmq.NOBLOCK)
                    box.append(True)
                except zmq.ZMQError as e:
                    box.append(e)
                with self.cond:
                    self.cond.notify_all()
        self.sock.close(0)

    def keepalive(self, rid, epoch, credit, interval_ms):
        """From now on, HEARTBEAT {epoch, credit} to rid every interval_ms
        (None: stop), so that the client does not give up on the fake."""
        self.beat = None if rid is None else (rid, epoch, credit, interval_ms / 1000.0)

    def send(self, rid, cmd, body=None, image=None, minor=w.MINOR):
        """Send one message to routing id rid; returns True or the ZMQError."""
        box = []
        self.actions.put(([rid] + w.encode(cmd, body, image, minor), box))
        with self.cond:
            while not box:
                self.cond.wait(1)
        return box[0]

    def wait(self, pred, timeout=20.0, start=0, what="a message"):
        """The first (index, time, rid, msg) from index start on with pred(msg)."""
        deadline = time.monotonic() + timeout
        with self.cond:
            while True:
                for i in range(start, len(self.inbox)):
                    t, rid, m = self.inbox[i]
                    if pred(m):
                        return i, t, rid, m
                left = deadline - time.monotonic()
                if left <= 0:
                    t0 = self.inbox[0][0] if self.inbox else 0
                    raise h.TestFailure("fake broker: timed out after %.0f s waiting for %s; got %s"
                                        % (timeout, what, "".join("\n  %.3f %s %r" % (t - t0, r.hex(), m)
                                                                  for t, r, m in self.inbox[start:][-16:])))
                self.cond.wait(min(left, 0.1))

    def wait_cmd(self, cmd, timeout=20.0, start=0, pred=None):
        return self.wait(lambda m: isinstance(m, w.Msg) and m.cmd == cmd and (pred is None or pred(m)),
                         timeout, start, w.NAMES[cmd])

    def since(self, start):
        with self.cond:
            return [x[2] for x in self.inbox[start:]]

    def mark(self):
        with self.cond:
            return len(self.inbox)

    def close(self):
        self.stopping = True
        self.thread.join(5)
