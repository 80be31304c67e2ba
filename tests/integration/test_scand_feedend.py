"""Where a batch ends:

- kodakaio's sane_start answers an empty feeder with CANCELLED: that is
  the normal end on that backend (before: every batch ended "stopped",
  with an error event);
- the feeder saying empty half-way through an image is no end: the part
  scanned is not kept, and the officer is told the sheet and side (before:
  a normal end, the partial image dropped silently);
- in duplex, the feeder saying empty where a sheet's back was due leaves
  an odd image count: told as such, naming the sheet (before: passed)."""

import harness as h
from scand import Station
from spine import Stack


def main():
    s = Stack()
    s.worker("w1")
    st = Station(s, "kodak", backend="kodakaio", device=None, scenario={"sheets": 3})
    st.wait_ready()
    r = st.scan()
    h.check_eq((r["end"], r["images"], r["_rc"]), ("feeder-empty", "6", 0), "kodakaio: a normal batch")
    h.check("no-docs (cancelled)" in st.served(), "kodakaio's backend said CANCELLED at the end")
    st.wait_event("batch-scanned", r["batch"])
    h.check_eq(st.events("error"), [], "kodakaio: no error event")
    st.proc.term()

    st = Station(s, "plain", scenario={"sheets": 4, "cut_off_at": 3})
    st.wait_ready()
    r = st.scan()
    h.check_eq((r["end"], r["sheet"], r["images"], r["_rc"]), ("partial-image", "3", "4", 1),
               "cut off half-way through sheet 3's front")
    h.check("sheet 3, front: the feeder said empty in the middle of the image" in r["detail"],
            "the detail names the sheet and side: %r" % r["detail"])
    ev = st.wait_event("error", r["batch"])
    h.check_eq((ev["SOHOA_REASON"], ev["SOHOA_SHEET"]), ("partial-image", "3"), "error event names sheet 3")
    h.check_eq(sorted({p[3] for p in st.pages(r["batch"])}), [1, 2], "sheets 1 and 2 kept, nothing of sheet 3")

    st.scenario(sheets=4, back_missing_at=2)
    r = st.scan()
    h.check_eq((r["end"], r["sheet"], r["images"], r["sheets"]), ("back-missing", "2", "3", "2"),
               "sheet 2's back never came")
    h.check("sheet 2: its back never came" in r["detail"], "the detail names sheet 2: %r" % r["detail"])
    ev = st.wait_event("error", r["batch"])
    h.check_eq((ev["SOHOA_REASON"], ev["SOHOA_SHEET"]), ("back-missing", "2"), "error event names sheet 2")
    h.check_eq(st.events("batch-scanned", r["batch"]), [], "an odd duplex count is not a scanned batch")
    h.wait_for(lambda: len(s.stored()) == 6 + 4 + 3, 30, "every kept page stored")


h.run_test(main)
