"""A TCP endpoint relaying to a broker's ipc:// socket, whose connections a
test can make fall silent (a network that loses everything) or close."""

import select
import socket
import threading


class Relay:
    """A TCP endpoint relaying every connection to the ipc:// socket of a
    broker, so a test can cut a connection without closing it: silence()
    stops relaying on the connections open now (they stay open, their bytes
    are thrown away both ways), as a network that loses everything would.
    Connections made later are relayed."""

    def __init__(self, ipc_endpoint):
        self.target = ipc_endpoint[len("ipc://"):]
        self.listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(64)
        self.endpoint = "tcp://127.0.0.1:%d" % self.listener.getsockname()[1]
        self.lock = threading.Lock()
        self.pairs = []      # [client socket, broker socket, silenced]
        self.stopping = False
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while not self.stopping:
            try:
                cl, _ = self.listener.accept()
            except OSError:
                return
            up = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            try:
                up.connect(self.target)
            except OSError:
                cl.close()
                up.close()
                continue
            pair = [cl, up, False]
            with self.lock:
                self.pairs.append(pair)
            threading.Thread(target=self._pump, args=(pair,), daemon=True).start()

    def _pump(self, pair):
        cl, up = pair[0], pair[1]
        socks = [cl, up]
        try:
            while not self.stopping:
                r, _, _ = select.select(socks, [], [], 0.1)
                for s in r:
                    data = s.recv(65536)
                    if not data:
                        if pair[2]:
                            # Silenced: the other side must not hear the close either.
                            socks.remove(s)
                            if not socks:
                                return
                            continue
                        return
                    if not pair[2]:
                        (up if s is cl else cl).sendall(data)
        except OSError:
            pass
        finally:
            if pair[2] is not True:
                cl.close()
                up.close()

    def silence(self):
        """Every connection open now falls silent (and stays open)."""
        with self.lock:
            n = 0
            for p in self.pairs:
                if not p[2]:
                    p[2] = True
                    n += 1
            return n

    def cut(self):
        """Every connection open now is closed towards the broker at once
        (shutdown() before this returns: the broker reads its end), as when
        a peer's process or host goes away. Returns how many."""
        with self.lock:
            n = 0
            for p in self.pairs:
                if not p[2]:
                    p[2] = "cut"     # its pump closes both once it reads their ends
                    for s in p[:2]:
                        try:
                            s.shutdown(socket.SHUT_RDWR)
                        except OSError:
                            pass
                    n += 1
            return n

    def connections(self):
        with self.lock:
            return len([p for p in self.pairs if not p[2]])

    def close(self):
        self.stopping = True
        self.listener.close()
