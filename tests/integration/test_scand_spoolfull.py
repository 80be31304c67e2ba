"""A full spool stops scanning with a clear error and loses nothing
already scanned: with no worker to store pages, scand.max_spool_bytes is
reached mid-batch; the batch ends spool-full naming the sheet, the hook is
told, and once a worker runs every spooled page is stored, and the batch's
close record, which waited for room if it had none, follows them."""

import harness as h
from scand import Station
from spine import Stack


def main():
    s = Stack()
    st = Station(s, scenario={"sheets": 20}, sets=["scand.max_spool_bytes=40K"])
    st.wait_ready()
    r = st.scan()
    h.check_eq(r["end"], "spool-full", "batch end with the spool full")
    n = int(r["images"])
    h.check(0 < n < 40, "some images spooled before the limit (%d)" % n)
    h.check("rescan from sheet" in r["detail"], "the reply says where to rescan: %r" % r["detail"])
    ev = st.wait_event("spool-full", r["batch"])
    h.check_eq(ev["SOHOA_IMAGES"], str(n), "spool-full hook counts")
    h.check_eq(len(st.spooled_pages()), n, "every scanned image kept in the spool")
    s.worker("w1")
    h.wait_for(lambda: len(s.stored()) == n, 30, "kept images stored once a worker runs")
    h.check_eq(set(s.stored()), {p[0] for p in st.pages(r["batch"])}, "the stored pages are the spooled ones")
    h.wait_for(lambda: st.spooled_files() == [], 10, "spool empty")
    close = st.closes(r["batch"]).get(r["batch"])
    h.check(close is not None, "the batch's close record was spooled")
    h.check_eq(close[1], n, "images the close record counts")
    h.wait_for(lambda: s.closes() == [close[0]], 10, "the close record stored")
    st.wait_event("batch-stored", r["batch"])


h.run_test(main)
