"""A batch is followed until every page and its close record are settled
in the store, however long the batch: 1600 small images stored while the
feeder still runs (more outbox events than a pipe to the main loop could
hold while the batch holds that loop) end with batch-stored counting them
all, and the daemon forgets the batch. A batch with a page the store
refuses ends with batch-incomplete (stored, refused counted) and is
forgotten too. A dossier code of the wrong form, or too long, is refused
by the control socket with the form expected, and nothing is scanned; a
jam's reply says which sheet to rescan from."""

import harness as h
from scand import Station
from spine import Stack

GOOD = "000.00.53.H48-240101-0001"


def refuses_bad_dossiers(st):
    before = len(st.served())
    for bad in ("000.00.53.H48-240101-0001" + "9" * 60, "000.00.53.H48-240101-01", "000.00.53.h48-240101-0001",
                "000.00.53.H48-241301-0001", "00000053H48-240101-0001xx"):
        r = st.scan("--dossier", bad)
        h.check_eq(r["_rc"], 1, "sohoactl scan exit status for dossier %r" % bad)
        h.check("NNN.NN.NN.XNN-yymmdd-NNNN" in r["_stderr"] or "too long" in r["_stderr"],
                "the refusal of %r says what is expected: %r" % (bad, r["_stderr"]))
        h.check("batch" not in r, "no batch for dossier %r" % bad)
    h.check_eq(len(st.served()), before, "the scanner was not touched for a refused dossier")


def many_pages(s, st):
    """800 duplex sheets of 48 x 48 pixels: 1600 images, each stored as the feeder runs."""
    st.scenario(sheets=800, width=48, height=48, frame_delay_ms=3)
    r = st.scan("--dossier", GOOD, "--sheets", "800", timeout=300)
    h.check_eq((r["end"], r["images"]), ("feeder-empty", "1600"), "the long batch's reply")
    pages = st.pages(r["batch"])
    h.check_eq(len(pages), 1600, "pages spooled")
    # The pipe the old daemon used held 64 KiB of 56-byte events: about 1170.
    h.check_ge(len(s.stored()), 1200, "pages already stored when the batch ended")
    ev = st.wait_event("batch-stored", r["batch"], timeout=120)
    h.check_eq((ev["SOHOA_IMAGES"], ev["SOHOA_SHEETS"], ev["SOHOA_DOSSIER"]), ("1600", "800", GOOD),
               "batch-stored counts and dossier")
    h.check_eq(st.events("batch-incomplete", r["batch"]), [], "no batch-incomplete for the long batch")
    h.check_eq(st.status()["batches_unsettled"], "0", "the long batch is forgotten once stored")
    h.check("outbox event dropped" not in st.proc.log(), "no outbox event dropped")
    h.wait_for(lambda: st.spooled_files() == [], 30, "spool empty after the long batch")


def refused_page(s, st):
    """With no worker, a batch waits in the spool; one of its pages is then
    stored with another hash behind the daemon's back: the store refuses it."""
    for w in s.workers:
        w.term()
    st.scenario(sheets=3)
    r = st.scan("--dossier", GOOD)
    h.check_eq((r["end"], r["images"]), ("feeder-empty", "6"), "the batch to refuse a page of")
    victim = st.pages(r["batch"])[2][0]
    (s.store / victim).write_text("0" * 64)
    h.check_eq(st.status()["batches_unsettled"], "1", "the batch waits for its pages")
    s.worker("w2")
    ev = st.wait_event("batch-incomplete", r["batch"], timeout=30)
    h.check_eq((ev["SOHOA_IMAGES"], ev["SOHOA_STORED"], ev["SOHOA_FAILED_PAGES"], ev["SOHOA_REASON"]),
               ("6", "5", "1", "pages-refused"), "batch-incomplete counts")
    h.check("5 of 6" in ev["SOHOA_MESSAGE_EN"], "the message counts: %r" % ev["SOHOA_MESSAGE_EN"])
    h.check_eq(st.events("batch-stored", r["batch"]), [], "no batch-stored for a batch with a refused page")
    h.wait_for(lambda: st.status()["batches_unsettled"] == "0", 10, "the batch with a refused page forgotten")


def jam_names_rescan_sheet(st):
    st.scenario(sheets=5, jam_at=3)
    r = st.scan()
    h.check_eq((r["end"], r["sheet"]), ("jam", "3"), "jam at sheet 3")
    h.check(r["detail"].endswith("rescan from sheet 3"), "the jam's detail names the sheet: %r" % r["detail"])


def main():
    s = Stack()
    s.worker("w1")
    st = Station(s)
    st.wait_ready()
    refuses_bad_dossiers(st)
    many_pages(s, st)
    refused_page(s, st)
    jam_names_rescan_sheet(st)
    st.proc.term()
    h.check_eq(st.proc.returncode, 0, "sohoa-scand exit status after SIGTERM")


h.run_test(main)
