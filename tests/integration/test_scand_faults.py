"""Faults mid-batch on the project's own SANE backend: a jam at sheet 4
keeps sheets 1-3 (both sides) and delivers them, closes the batch with
reason jam and names sheet 4, and calls the on_event hook; then an open
cover at sheet 2 and a double feed at sheet 3 (JAMMED with the backend's
double-feed sensor raised) are told apart from a jam; and a declared
count that the feeder does not match names the missing sheets."""

import harness as h
from scand import Station
from spine import Stack


def main():
    s = Stack()
    s.worker("w1")
    st = Station(s, scenario={"sheets": 6, "jam_at": 4})
    st.wait_ready()

    r = st.scan("--sheets", "6", "--dossier", "000.00.53.H48-240101-0042")
    h.check_eq((r["end"], r["sheet"], r["images"], r["sheets"]), ("jam", "4", "6", "3"), "jam batch reply")
    h.check_eq(r["_rc"], 1, "sohoactl scan exit status after a jam")
    pages = st.pages(r["batch"])
    h.check_eq(sorted({p[3] for p in pages}), [1, 2, 3], "sheets kept before the jam")
    h.wait_for(lambda: len(s.stored()) == 6, 30, "sheets 1-3 stored")
    h.check_eq(set(s.stored()), {p[0] for p in pages}, "the stored pages are the kept ones")
    ev = st.wait_event("jam", r["batch"])
    h.check_eq((ev["SOHOA_REASON"], ev["SOHOA_SHEET"], ev["SOHOA_IMAGES"], ev["SOHOA_STATION"]),
               ("jam", "4", "6", "st1"), "jam hook environment")
    h.check_eq(ev["SOHOA_DOSSIER"], "000.00.53.H48-240101-0042", "dossier in the hook")
    h.check("tờ 4" in ev["SOHOA_MESSAGE_VI"] and "sheet 4" in ev["SOHOA_MESSAGE_EN"],
            "messages name sheet 4: %r" % ev["SOHOA_MESSAGE"])
    h.check_eq(st.events("batch-scanned", r["batch"]), [], "a jammed batch is not 'scanned'")
    st.wait_event("batch-stored", r["batch"])
    h.check("cancel" in st.served()[-1] or "cancel" in st.served(), "sane_cancel at the batch end")

    st.scenario(sheets=5, cover_open_at=2)
    r = st.scan()
    h.check_eq((r["end"], r["sheet"], r["images"]), ("cover-open", "2", "2"), "cover open at sheet 2")
    ev = st.wait_event("cover-open", r["batch"])
    h.check_eq(ev["SOHOA_SHEET"], "2", "cover-open hook sheet")

    st.scenario(sheets=5, double_feed_at=3)
    r = st.scan()
    h.check_eq((r["end"], r["sheet"], r["images"]), ("double-feed", "3", "4"), "double feed at sheet 3")
    st.wait_event("double-feed", r["batch"])

    st.scenario(sheets=3)
    r = st.scan("--sheets", "5")
    h.check_eq((r["end"], r["sheets"]), ("feeder-empty", "3"), "short batch")
    ev = st.wait_event("count-mismatch", r["batch"])
    h.check_eq((ev["SOHOA_MISSING_SHEETS"], ev["SOHOA_DECLARED_SHEETS"], ev["SOHOA_SHEETS"]), ("4-5", "5", "3"),
               "missing sheets named")
    h.wait_for(lambda: len(s.stored()) == 6 + 2 + 4 + 6, 30, "every kept page stored")
    h.wait_for(lambda: st.spooled_files() == [], 10, "spool empty")


h.run_test(main)
