"""Under systemd a worker's messages reach the journal with their fields:
SOHOA_PAGE=, SOHOA_BATCH= and SOHOA_STATION= on every line about a page
(so `journalctl SOHOA_PAGE=UUID` shows its story), PRIORITY= warning for a
page stored failed, info for one stored well, and nothing of it on stderr;
a station's lines about a batch carry it (and the page, once spooled), so
`journalctl SOHOA_BATCH=` shows a scan beside its OCR.
journald is played by a datagram socket at its own path, and the worker's
stderr is "the journal's stream" by $JOURNAL_STREAM (its device and inode),
as systemd sets it. Needs root and no journald on this machine."""

import os
import socket
import struct

import harness as h
from scand import Station
from workerstack import WorkerStack, render

JOURNAL = "/run/systemd/journal/socket"


def parse(datagram):
    """journald's native protocol: KEY=VALUE lines, or KEY, a 64-bit length and binary data."""
    fields, i = {}, 0
    while i < len(datagram):
        nl = datagram.index(b"\n", i)
        line = datagram[i:nl]
        if b"=" in line:
            k, v = line.split(b"=", 1)
            i = nl + 1
        else:
            k = line
            (n,) = struct.unpack("<Q", datagram[nl + 1:nl + 9])
            v = datagram[nl + 9:nl + 9 + n]
            i = nl + 9 + n + 1
        fields[k.decode()] = v.decode("utf-8", "replace")
    return fields


class FakeJournal:
    def __init__(self):
        self.made = []
        d = os.path.dirname(JOURNAL)
        for p in ["/run/systemd", d]:
            try:
                os.mkdir(p, 0o755)
                self.made.append(p)
            except FileExistsError:
                pass
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        try:
            self.sock.bind(JOURNAL)
        except OSError as e:  # another run of this test holds it
            self.sock.close()
            self.remove_dirs()
            h.skip("cannot take %s: %s" % (JOURNAL, e))
        self.sock.setblocking(False)
        self.messages = []

    def drain(self):
        while True:
            try:
                self.messages.append(parse(self.sock.recv(1 << 20)))
            except BlockingIOError:
                return self.messages

    def remove_dirs(self):
        for p in reversed(self.made):
            try:
                os.rmdir(p)
            except OSError:
                pass  # another run put something there meanwhile

    def close(self):
        self.sock.close()
        os.unlink(JOURNAL)
        self.remove_dirs()


def main():
    if os.geteuid() != 0:
        h.skip("needs root (journald's socket path)")
    if os.path.exists(JOURNAL):
        h.skip("a journald runs here: its socket is taken")
    pages = render("clean")
    bad = h.path("cut.png")
    bad.write_bytes(pages["clean"].read_bytes()[:4000])
    st = WorkerStack()
    journal = FakeJournal()
    try:
        run(st, journal, pages, bad)
    finally:
        journal.close()


def run(st, journal, pages, bad):
    log = h.path("wj.log")
    log.touch()
    s = os.stat(log)
    h.Proc("wj", ["sohoa-worker", "--set", "worker.endpoint=" + st.workers_ep, "--set", "worker.id=wj",
                  "--set", "worker.database=" + st.conn],
           env={"OMP_THREAD_LIMIT": "1", "JOURNAL_STREAM": "%d:%d" % (s.st_dev, s.st_ino)})
    h.wait_for(lambda: st.status().get("workers", 0) >= 1, timeout=60, what="the worker to join the broker")
    good, _, stats = st.send([pages["clean"]], "desk1", "--last")
    h.check_eq(stats["stored"], 1, "good page answered")
    cut, events, _ = st.send([bad], "desk2", "--last")
    h.check_eq([e[0] for e in events.get(cut[0], [])], ["stored_failed"], "outcome of the cut page")

    def about(uuid):
        return [m for m in journal.drain() if m.get("SOHOA_PAGE") == uuid]

    for uuid, station, level, words in [(good[0], "desk1", "6", "stored (processed)"),
                                        (cut[0], "desk2", "4", "stored failed")]:
        batch = st.page(uuid, "batch_uuid")[0]
        msgs = h.wait_for(lambda: [m for m in about(uuid) if words in m.get("MESSAGE", "")], timeout=30,
                          what="the journal message of page %s" % uuid)
        m = msgs[0]
        h.check_eq(m.get("PRIORITY"), level, "PRIORITY of %r" % m.get("MESSAGE"))
        h.check_eq(m.get("SOHOA_BATCH"), batch, "SOHOA_BATCH of page %s" % uuid)
        h.check_eq(m.get("SOHOA_STATION"), station, "SOHOA_STATION of page %s" % uuid)
        h.check_eq(m.get("SYSLOG_IDENTIFIER"), "sohoa-worker", "SYSLOG_IDENTIFIER")
        h.check(uuid not in log.read_text(), "page %s also logged on stderr:\n%s" % (uuid, log.read_text()))
    # Messages about no page carry no page field.
    start = [m for m in journal.drain() if "sohoa-worker 0.1" in m.get("MESSAGE", "")]
    h.check(start and "SOHOA_PAGE" not in start[0], "the start message: %r" % start)
    # Whatever still reaches stderr (a library's own words) carries a priority prefix.
    for line in log.read_text().splitlines():
        h.check(line.startswith("<"), "a line on stderr without a priority prefix: %r" % line)
    station_batch(st, journal)


def station_batch(st, journal):
    """A station's lines about a batch carry it too (and its page lines the
    page): one SOHOA_BATCH= shows the scan and the OCR of each page. Its
    messages go to the journal alone, so they are read there."""
    log = h.path("scand-st1.log")
    log.touch()
    s = os.stat(log)
    station = Station(st, scenario={"sheets": 1}, env={"JOURNAL_STREAM": "%d:%d" % (s.st_dev, s.st_ino)})

    def said(words, batch=None, ident="sohoa-scand"):
        return [m for m in journal.drain() if m.get("SYSLOG_IDENTIFIER") == ident
                and words in m.get("MESSAGE", "") and (batch is None or m.get("SOHOA_BATCH") == batch)]

    h.wait_for(lambda: said("open ("), timeout=15, what="the station's scanner open, in the journal")
    batch = station.scan()["batch"]
    h.wait_for(lambda: st.pg.value("SELECT count(*) FROM page WHERE batch_uuid = '%s'" % batch, st.db) == "2",
               timeout=120, what="the station's two pages stored")
    pages = [r[0] for r in st.pg.query("SELECT page_uuid FROM page WHERE batch_uuid = '%s'" % batch, st.db)]
    h.wait_for(lambda: said("ended", batch), timeout=30, what="the station's end of batch, with its batch")
    for u in pages:
        spooled = h.wait_for(lambda: said("spooled page " + u, batch), timeout=30,
                             what="the station's spooled line of page %s, with its batch" % u)
        h.check_eq(spooled[0].get("SOHOA_PAGE"), u, "SOHOA_PAGE of the spooled line")
        h.wait_for(lambda: [m for m in said("page " + u, batch, "sohoa-worker") if m.get("SOHOA_PAGE") == u],
                   timeout=30, what="the worker's line of page %s under the same batch" % u)
    h.check_eq({m.get("SOHOA_STATION") for m in journal.drain() if m.get("SOHOA_BATCH") == batch}, {"st1"},
               "SOHOA_STATION of the batch's messages")
    h.check("spooled page" not in log.read_text(), "the station's lines also on stderr")


h.run_test(main)
