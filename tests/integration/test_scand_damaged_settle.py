"""A damaged file in the spool settles the batch it belongs to, though its
header does not parse and so names no batch (before, the batch waited for
it for ever):

- a page of the running batch: moved to corrupt/ with its reason (a log
  line); the batch ends with batch-incomplete counting it (its batch is
  the one the daemon spooled it in), and is forgotten; the officer is not
  told of a damaged page "of an earlier run". Ordered: the broker is down
  while the batch is scanned, so every page waits in the spool, unsent;
  one is damaged on disk; the broker starts, and sending finds it.
- the close record of a batch a run before a restart ended but did not
  close (test_scand_unclosed), already in the spool and damaged when the
  daemon starts: listed at start, it names no batch; it is moved to
  corrupt/, spooled again (the daemon knows what it says), stored, and the
  batch settles. Ordered by the fault shim, as in test_scand_unclosed, and
  by the broker, stopped until the daemon has found the file there."""

import signal
import struct
import uuid

import harness as h
import importdata as d
from faults import Faults
from scand import Station
from spine import Stack

# lib/uuid.c's namespace of batch-close records.
NS_CLOSE = uuid.UUID(bytes=bytes([0x5f, 0x0c, 0x1e, 0x7a, 0x3b, 0x2d, 0x4c, 0x8e, 0x9a, 0x61, 0xd4, 0xf2,
                                0xb7, 0xe0, 0x8c, 0x35]))


def damaged_close(s):
    faults = Faults()
    faults.set("open ENOSPC */tmp/????????-????-5???-*")
    st = Station(s, name="st2", scenario={"sheets": 1}, env=faults.env())
    st.wait_ready()
    r = st.scan()
    batch = r["batch"]
    st.proc.wait_log("batch %s: the spool is full: its close record waits for room" % batch)
    h.wait_for(lambda: {p[0] for p in st.pages(batch)} <= set(s.stored()), 30, "the batch's pages stored")
    st.proc.term()
    # Its close record in the spool, as a run would have left it, but with
    # a page header that does not parse: whole, so the listing takes it.
    close = d.uuid5(NS_CLOSE, ("%s/close" % batch).encode())
    header = b"\xff" * 16
    (st.spool / (close + ".page")).write_bytes(b"SOHASPL1" + struct.pack("<QQQQ", 1 << 40, 0, len(header), 0)
                                               + header)
    faults.clear()
    # The broker stopped: nothing is sent, so the damaged file is still in
    # the spool when the daemon spools the close record again at start
    # (finds it there), and only then does sending find it damaged.
    s.broker.suspend()
    st.proc.start()
    st.wait_ready()
    st.proc.wait_log("spooled close %s: batch %s" % (close, batch))
    s.broker.resume()
    st.proc.wait_log(r"page %s is damaged \(.*\): moved to corrupt/" % close, timeout=30)
    st.proc.wait_log("batch %s: its close record %s was damaged in the spool: spooling it again" % (batch, close),
                     timeout=30)
    h.wait_for(lambda: close in s.closes(), 30, "the close record stored")
    st.proc.wait_log("batch %s: its close record \\(2 images\\), spooled after a restart, is stored" % batch,
                     timeout=30)
    h.wait_for(lambda: st.status()["batches_unsettled"] == "0", 10, "the batch forgotten once settled")
    h.wait_for(lambda: st.spooled_files() == [], 10, "spool empty")
    st.proc.term()


def main():
    s = Stack()
    s.worker("w1")
    s.broker.signal(signal.SIGKILL)
    s.broker.wait(5)
    st = Station(s, scenario={"sheets": 2})
    st.wait_ready()
    r = st.scan()
    h.check_eq((r["end"], r["images"]), ("feeder-empty", "4"), "batch scanned with the broker down")
    batch = r["batch"]
    pages = [p[0] for p in st.pages(batch)]
    h.check_eq(st.status()["batches_unsettled"], "1", "the batch waits for its pages")

    damaged = pages[1]
    with open(st.spool / (damaged + ".page"), "r+b") as f:
        f.write(b"GARBAGE!")
    s.broker.start()
    st.proc.wait_log(r"page %s is damaged \(.*\): moved to corrupt/" % damaged, timeout=30)
    ev = st.wait_event("batch-incomplete", batch, timeout=30)
    h.check_eq((ev["SOHOA_IMAGES"], ev["SOHOA_STORED"], ev["SOHOA_FAILED_PAGES"], ev["SOHOA_REASON"]),
               ("4", "3", "1", "pages-refused"), "batch-incomplete counts")
    h.check("3 of 4" in ev["SOHOA_MESSAGE_EN"], "the message counts: %r" % ev["SOHOA_MESSAGE_EN"])
    h.check_eq(st.events("batch-stored", batch), [], "no batch-stored for a batch with a damaged page")
    h.check_eq([e for e in st.events("error") if "earlier run" in e.get("SOHOA_MESSAGE_EN", "")], [],
               "the damaged page told as one of an earlier run")
    h.wait_for(lambda: st.status()["batches_unsettled"] == "0", 10, "the batch forgotten once settled")
    h.check_eq(sorted(s.stored()), sorted(set(pages) - {damaged}), "the other pages stored")
    h.check_eq(sorted(f.name for f in (st.spool / "corrupt").iterdir()), [damaged + ".page"],
               "what was set aside in corrupt/")
    st.proc.term()
    h.check_eq(st.proc.returncode, 0, "sohoa-scand exit status after SIGTERM")

    damaged_close(s)


h.run_test(main)
