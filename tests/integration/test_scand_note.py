"""Sticky notes (issue 11, item 4; PROTOCOL.md §7.8): a sheet with a note
is scanned twice, with the note and without it, as the guide requires.
sohoa-scand on the project's SANE backend, the broker, sohoa-worker and
PostgreSQL: `sohoactl scan --note 3` numbers the two passes of sheet 3 as
sheet 3, the first marked the note pass, and the store's verdict takes
them as a pair, not as a duplicate or an order error; a profile with
note_first (a button for notes) does it for the first sheet of a duplex
batch; a note pass whose plain pass never came is not ok, and named."""

from PIL import Image, ImageDraw

import harness as h
from scand import Station
from workerstack import WorkerStack


def fixtures(name, feeds, notes):
    """sheet-NNN-front/back.ppm for each feed (the backend numbers feeds
    as sheets): bars of 'text', and a yellow note on the feeds in notes."""
    d = h.path("fixtures-" + name)
    d.mkdir()
    for feed in range(1, feeds + 1):
        for side in ("front", "back"):
            img = Image.new("RGB", (400, 560), (255, 255, 255))
            draw = ImageDraw.Draw(img)
            for line in range(8):
                y = 40 + 60 * line + (5 if side == "back" else 0)
                draw.rectangle([30 + 7 * feed, y, 300 + 9 * ((line + feed) % 7), y + 18], fill=(0, 0, 0))
            if feed in notes and side == "front":
                draw.rectangle([220, 300, 380, 460], fill=(250, 230, 90))
            img.save(d / ("sheet-%03d-%s.ppm" % (feed, side)))
    return d


def verdict(s, batch, cols):
    rows = s.pg.query("SELECT %s FROM batch_verdict WHERE batch_uuid = '%s'" % (cols, batch), s.db)
    return rows[0] if rows else None


def main():
    s = WorkerStack()
    w = s.worker("w1")
    st = Station(s, "desk", scenario={"sheets": 5, "fixtures": fixtures("simplex", 5, {3})},
                 profiles={"simplex": {"duplex": "no"}, "note": {"duplex": "yes", "note_first": "yes"}})
    st.wait_ready()

    # Four sheets, sheet 3 with a note: five feeds.
    r = st.scan("--note", "3", "--sheets", "4")
    h.check_eq((r["end"], r["images"], r["sheets"]), ("feeder-empty", "5", "4"), "five images of four sheets")
    pages = st.pages(r["batch"])
    h.check_eq([p[3] for p in pages], [1, 2, 3, 3, 4], "both passes numbered as sheet 3")
    h.check("note pass" in st.proc.log(), "the daemon logged the note pass")
    ev = st.wait_event("verdict-ok", r["batch"], timeout=120)
    h.check_eq(verdict(s, r["batch"], "ok, sheets_present, images, note_pairs, out_of_order_sequences, "
                                      "duplicate_sequences"),
               ["t", "4", "4", "{3}", "{}", "{}"], "a pair, not an order error or a duplicate")
    h.check_eq(s.pg.query("SELECT sequence, note_pass FROM page WHERE batch_uuid = '%s' AND sheet = 3"
                          " ORDER BY sequence" % r["batch"], s.db), [["3", "t"], ["4", "f"]],
               "the first pass of sheet 3 is the note pass")
    h.check("giấy ghi chú" in ev["SOHOA_VERDICT_VI"], "the desk hears of the pair: %r" % ev["SOHOA_VERDICT_VI"])

    # A profile for notes: the first sheet of a duplex batch, fed twice.
    st.scenario(sheets=3, fixtures=fixtures("duplex", 3, {1}))
    r = st.scan("--profile", "note")
    h.check_eq((r["images"], r["sheets"]), ("6", "2"), "six images of two sheets")
    h.check_eq([(p[3], p[4]) for p in st.pages(r["batch"])],
               [(1, "front"), (1, "back"), (1, "front"), (1, "back"), (2, "front"), (2, "back")],
               "the note pass and the plain pass of sheet 1, then sheet 2")
    st.wait_event("verdict-ok", r["batch"], timeout=120)
    h.check_eq(verdict(s, r["batch"], "ok, note_pairs, sheets_missing_back"), ["t", "{1}", "{}"],
               "a pair in duplex")

    # The note pass of sheet 4, and then the feeder is empty.
    st.scenario(sheets=4, fixtures=fixtures("unpaired", 4, {4}))
    r = st.scan("--profile", "simplex", "--note", "4")
    h.check_eq(r["images"], "4", "four images")
    ev = st.wait_event("verdict-mismatch", r["batch"], timeout=120)
    h.check_eq((verdict(s, r["batch"], "ok, unpaired_notes"), ev["SOHOA_REASON"], ev["SOHOA_RESCAN_SHEETS"]),
               (["f", "{4}"], "note-unpaired", "4"), "a note pass alone is not ok")
    h.check("tờ 4" in ev["SOHOA_MESSAGE_VI"] and "sticky note" in ev["SOHOA_MESSAGE_EN"],
            "named: %r / %r" % (ev["SOHOA_MESSAGE_VI"], ev["SOHOA_MESSAGE_EN"]))
    h.check(w.running, "worker still serving")


h.run_test(main)
