"""A batch left without a close record by a daemon stop is never passed
over in silence at the next start:

- killed by SIGKILL between images (while scanning), the batch's end is
  unknown: the restarted daemon logs a warning naming the batch and saying
  it stays unclosed, tells the officer (batch-interrupted), sends no close
  record, and says it once (not again at the next start); its spooled
  pages are delivered;
- stopped (SIGTERM) after the batch ended but while its close record was
  waiting for spool room (the fault shim makes the spool refuse the close
  record, a UUIDv5 file, with ENOSPC), the end is known: the restarted
  daemon says so, spools the close record it can compute (the same record,
  same UUID and count) once there is room, and delivers it."""

import re

import harness as h
from faults import Faults
from scand import Station
from spine import Stack

CUT_OFF = "batch %s \\(profile duplex, dossier -, started [^)]*\\) was cut off"


def main():
    s = Stack()
    s.worker("w1")

    # 1. SIGKILL while scanning: unclosed, said once.
    st = Station(s, scenario={"sheets": 30, "frame_delay_ms": 100})
    st.wait_ready()
    cli = h.Proc("scan-1", ["sohoactl", "scan", "--socket", st.socket])
    h.wait_for(lambda: len(st.pages()) >= 4, 30, "4 pages spooled")
    st.proc.kill()
    cli.wait(10)
    batch = st.pages()[0][1]
    spooled = {p[0] for p in st.pages(batch)}
    st.scenario(sheets=1)
    st.proc.start()
    st.wait_ready()
    st.proc.wait_log(CUT_OFF % batch)
    h.check("no close record is sent: the batch stays unclosed" in st.proc.log(),
            "the warning says what the daemon does about it:\n" + st.proc.tail())
    ev = st.wait_event("batch-interrupted", batch)
    h.check_eq(ev["SOHOA_REASON"], "cut-off", "the officer's event")
    h.wait_for(lambda: spooled <= set(s.stored()), 30, "the cut-off batch's spooled pages delivered")
    h.wait_for(lambda: st.spooled_files() == [], 10, "spool empty")
    h.check_eq(st.closes(batch), {}, "no close record for the cut-off batch")
    h.check_eq(s.closes(), [], "the workers saw no close record")
    st.proc.term()
    st.proc.start()
    st.wait_ready()
    h.check_eq(len(re.findall(CUT_OFF % batch, st.proc.log())), 1,
               "the cut-off batch is told once, not at every start")
    st.proc.term()

    # 2. Stopped while the close record waits for room: closed at the next start.
    faults = Faults()
    faults.set("open ENOSPC */tmp/????????-????-5???-*")
    st2 = Station(s, name="st2", scenario={"sheets": 3}, env=faults.env())
    st2.wait_ready()
    r = st2.scan()
    h.check_eq((r["end"], r["images"]), ("feeder-empty", "6"), "batch scanned")
    n = int(r["images"])
    st2.proc.wait_log("batch %s: the spool is full: its close record waits for room" % r["batch"])
    h.wait_for(lambda: {p[0] for p in st2.pages(r["batch"])} <= set(s.stored()), 30, "the batch's pages stored")
    h.check_eq(st2.closes(r["batch"]), {}, "no close record spooled before the stop")
    st2.proc.term()
    st2.proc.start()
    st2.wait_ready()
    st2.proc.wait_log(r"batch %s \(profile duplex, dossier -\) ended \(feeder-empty\) with %d images before "
                      r"the daemon stopped, but its close record was never spooled: spooling it now"
                      % (r["batch"], n))
    faults.clear()
    close = h.wait_for(lambda: st2.closes(r["batch"]).get(r["batch"]), 60, "the close record spooled")
    h.check_eq(close[1], n, "images the close record counts")
    h.wait_for(lambda: close[0] in s.closes(), 30, "the close record stored")
    h.wait_for(lambda: st2.spooled_files() == [], 30, "spool empty")
    st2.proc.wait_log("batch %s: its close record \\(%d images\\), spooled after a restart, is stored"
                      % (r["batch"], n))
    h.check(not st2.events("batch-interrupted"), "a batch whose end was known is not called cut off")


h.run_test(main)
