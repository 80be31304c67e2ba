"""Nothing lost, nothing let in, nothing silent, in a station's spool:

- a second sohoa-scand on the same spool is refused at once, naming the
  spool and the first one's pid, before it touches anything: the first
  one's half-written page in tmp/ and its spooled pages stay as they are.

The broker is down while the batch is scanned, so that every page waits
in the spool only (none queued in the broker)."""

import signal

import harness as h
from scand import Station
from spine import Stack


def main():
    s = Stack()
    s.broker.signal(signal.SIGKILL)
    s.broker.wait(5)
    st = Station(s, scenario={"sheets": 2})
    st.wait_ready()
    r = st.scan()
    h.check_eq((r["end"], r["images"]), ("feeder-empty", "4"), "batch scanned with the broker down")
    pages = [p[0] for p in st.pages(r["batch"])]
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


h.run_test(main)
