"""Nothing scanned is lost: SIGKILL of the daemon mid-batch, then a
restart, delivers every image that reached the spool exactly once; with the
broker down the whole batch scans into the spool and is delivered when the
broker is back."""

import signal

import harness as h
from scand import Station
from spine import Stack


def main():
    s = Stack()
    s.worker("w1", "--delay-ms", "50")
    st = Station(s, scenario={"sheets": 30, "frame_delay_ms": 100})
    st.wait_ready()
    cli = h.Proc("scan-1", ["sohoactl", "scan", "--socket", st.socket])
    h.wait_for(lambda: len(st.pages()) >= 12, 30, "12 pages spooled")
    st.proc.kill()
    cli.wait(10)
    spooled = {p[0] for p in st.pages()}
    h.check(len(spooled) < 60, "killed mid-batch (%d of 60)" % len(spooled))
    st.proc.start()
    st.wait_ready()
    h.wait_for(lambda: st.spooled_files() == [], 30, "the spool replayed and emptied after the restart")
    stored = set(s.stored())
    h.check(spooled <= stored, "every page logged as spooled is stored")
    # At most the image being spooled at the kill reached the disk without its log line.
    h.check_le(len(stored - spooled), 1, "pages stored that were never spooled")
    jobs = [j[0] for j in s.jobs()]
    h.check_eq(len(stored), len(set(jobs) & stored), "every stored page came through a worker")

    # The broker down for a whole batch.
    before = len(s.stored())
    s.broker.signal(signal.SIGKILL)
    s.broker.wait(5)
    st.scenario(sheets=5)
    r = st.scan()
    h.check_eq((r["end"], r["images"]), ("feeder-empty", "10"), "batch with the broker down")
    h.check_eq(len(st.spooled_files()), 10, "the batch waits in the spool")
    s.broker.start()
    h.wait_for(lambda: len(s.stored()) == before + 10, 30, "delivered after the broker returned")
    h.wait_for(lambda: st.spooled_files() == [], 10, "spool empty")
    h.check_eq(len(s.stored()), len(set(s.stored())), "stored once each")


h.run_test(main)
