"""Nothing lost, nothing let in, nothing silent, in a station's spool:

- a second sohoa-scand on the same spool is refused at once, naming the
  spool and the first one's pid, before it touches anything: the first
  one's half-written page in tmp/ and its spooled pages stay as they are;
- a spooled page that cannot be read at a restart (EIO, from the fault
  shim) stays in the spool, never in corrupt/; a log line says so, the
  station's status and the broker's (`sohoactl status`) count it, and it
  is sent once it reads again;
- a spooled page damaged on disk is moved to corrupt/ with a log line, and
  counted in both statuses; the rest of the batch is delivered.

The broker is down while the batch is scanned, so that every page waits
in the spool only (none queued in the broker) when the station restarts."""

import os
import signal

import harness as h
from faults import Faults
from scand import Station
from spine import Stack


def peer(s, name):
    for p in s.status().get("peers", []):
        if p["peer_id"] == name:
            return p
    return {}


def main():
    s = Stack()
    s.broker.signal(signal.SIGKILL)
    s.broker.wait(5)
    faults = Faults()
    st = Station(s, scenario={"sheets": 2}, env=faults.env())
    st.wait_ready()
    r = st.scan()
    h.check_eq((r["end"], r["images"]), ("feeder-empty", "4"), "batch scanned with the broker down")
    pages = [p[0] for p in st.pages(r["batch"])]
    close = st.closes(r["batch"])[r["batch"]][0]
    before = sorted(st.spooled_files())
    h.check_eq(len(before), 5, "the batch's 4 pages and its close record wait in the spool")

    # 1. A second daemon on the same spool: refused, nothing touched.
    half = st.spool / "tmp" / ("%s.page.1.1" % pages[0])
    half.write_bytes(b"SOHASPL1 half-written")
    st2 = Station(s, name="st2", scenario={"sheets": 1}, sets=["scand.spool_dir=%s" % st.spool])
    st2.proc.expect_exit(1, timeout=30)
    h.check("spool %s is in use by process %d" % (st.spool, st.proc.pid) in st2.proc.log(),
            "the second daemon names the spool and the first one's pid:\n" + st2.proc.tail())
    h.check(half.exists(), "the first daemon's half-written page is still in tmp/")
    h.check_eq(sorted(st.spooled_files()), before, "the first daemon's spooled pages")
    h.check(st.proc.running, "the first daemon still runs")
    half.unlink()

    # 2. A restart with one page unreadable and one damaged.
    st.proc.term()
    unreadable, damaged = pages[0], pages[1]
    faults.set("read EIO %s.page" % unreadable)
    with open(st.spool / (damaged + ".page"), "r+b") as f:
        f.write(b"GARBAGE!")
    s.broker.start()
    st.proc.start()
    st.wait_ready()
    st.proc.wait_log(r"cannot read page %s: Input/output error; it stays in the spool" % unreadable)
    st.proc.wait_log(r"page %s is damaged \(not a spool file.*\): moved to corrupt/" % damaged)
    s.worker("w1")
    rest = set(pages[2:])
    h.wait_for(lambda: rest <= set(s.stored()), 30, "the readable pages stored")
    h.wait_for(lambda: s.closes() == [close], 30, "the close record stored")
    h.wait_for(lambda: st.spooled_files() == [unreadable + ".page"], 10,
               "only the unreadable page stays in the spool")
    h.check(unreadable not in s.stored(), "the unreadable page was not sent")
    h.check_eq(sorted(os.listdir(st.spool / "corrupt")), [damaged + ".page"], "what was set aside in corrupt/")
    status = st.status()
    h.check_eq(status.get("spool_corrupt"), "1", "station status: pages set aside as corrupt")
    h.check_eq(status.get("spool_unreadable"), "1", "station status: pages unreadable now")
    h.check(int(status.get("spool_read_errors", "0")) >= 1, "station status: read errors %r" % status)
    p = h.wait_for(lambda: peer(s, "st1") if peer(s, "st1").get("spool_unreadable") == 1 else None, 10,
                   "sohoactl status shows the station's unreadable page")
    h.check_eq(p["spool_corrupt"], 1, "sohoactl status: the station's corrupt pages")
    h.check(p["spool_read_errors"] >= 1, "sohoactl status: the station's read errors (%r)" % p)
    table = h.run(["sohoactl", "status", "--broker", s.stations]).stdout
    h.check("spool: 1 corrupt" in table, "the status table shows the station's spool trouble:\n" + table)

    # 3. The error clears: the page is read, sent and stored, once.
    faults.clear()
    st.proc.wait_log(r"page %s reads again: sending it" % unreadable, timeout=60)
    h.wait_for(lambda: unreadable in s.stored(), 30, "the page stored once it reads")
    h.wait_for(lambda: st.spooled_files() == [], 10, "spool empty")
    h.check_eq(len(s.stored()), 3, "pages stored: all but the damaged one, once each")
    h.wait_for(lambda: st.status().get("spool_unreadable") == "0", 10, "station status: nothing unreadable")


h.run_test(main)
