"""The store's verdict reaches the desk (issue 11, items 1 and 2; proto
1.3, PROTOCOL.md §7.7): sohoa-scand on the project's SANE backend, the
real broker, sohoa-worker and PostgreSQL. A duplex batch of six sheets
blank on every back is accepted as single-sided and the station's hook
says so; one whose feeder gives no back for sheet 4 is not ok, and the
hook names sheet 4 in Vietnamese and English; declared 12 sheets,
scanned 11 is not ok either. A station that is gone when its batch is
judged hears the verdict when it comes back and sends its spool again.
Sheet 4 scanned again with `sohoactl batch rescan` makes the batch ok;
`batch show` and `batch list` say so."""

from PIL import Image, ImageDraw

import harness as h
from scand import Station
from workerstack import WorkerStack


def fixtures(name, sheets, blank_backs):
    """sheet-NNN-front/back.ppm: fronts with bars of 'text', backs white or
    with bars of their own."""
    d = h.path("fixtures-" + name)
    d.mkdir()
    for sheet in range(1, sheets + 1):
        for side in ("front", "back"):
            img = Image.new("RGB", (400, 560), (255, 255, 255))
            if side == "front" or not blank_backs:
                draw = ImageDraw.Draw(img)
                for line in range(8):
                    y = 40 + 60 * line + (5 if side == "back" else 0)
                    draw.rectangle([30 + 7 * sheet, y, 300 + 9 * ((line + sheet) % 7), y + 18], fill=(0, 0, 0))
            img.save(d / ("sheet-%03d-%s.ppm" % (sheet, side)))
    return d


def verdict(s, batch, cols):
    rows = s.pg.query("SELECT %s FROM batch_verdict WHERE batch_uuid = '%s'" % (cols, batch), s.db)
    return rows[0] if rows else None


def told(st, batch, kind):
    """The hook's one event of that kind for batch (waiting for it)."""
    ev = st.wait_event(kind, batch, timeout=120)
    h.check_eq(len(st.events(kind, batch)), 1, "%s told once for %s" % (kind, batch))
    return ev


def sohoactl_db(s, *args):
    return h.run(["sohoactl"] + list(args) + ["--db", s.conn], check=True).stdout


def rescan_sheet_4(s, st, batch, inked):
    """`sohoactl batch rescan BATCH --sheets 4` at the station: the new
    images of sheet 4 replace the old front, kept and marked superseded,
    and the verdict, computed again, is ok; the desk hears it."""
    again = h.path("fixtures-again")
    again.mkdir()
    for side in ("front", "back"):
        (again / ("sheet-001-%s.ppm" % side)).write_bytes((inked / ("sheet-004-%s.ppm" % side)).read_bytes())
    st.scenario(sheets=1, fixtures=again)
    before = int(verdict(s, batch, "revision")[0])
    cp = h.run(["sohoactl", "batch", "rescan", batch, "--sheets", "4", "--socket", st.socket], check=False,
               timeout=120)
    out = dict(line.split("=", 1) for line in cp.stdout.splitlines() if "=" in line)
    h.check_eq((cp.returncode, out.get("images"), out.get("end")), (0, "2", "feeder-empty"),
               "the rescan scanned sheet 4's two sides: %s" % cp.stderr)
    h.check_eq([(p[3], p[4]) for p in st.pages(out["batch"])], [(4, "front"), (4, "back")],
               "the rescan's images are numbered as sheet 4")
    ev = told(st, batch, "verdict-ok")
    h.check(int(ev["SOHOA_VERDICT_REVISION"]) > before, "a newer verdict on the first batch: %r" % ev)
    h.check_eq(verdict(s, batch, "ok, sheets_present, images, superseded_pages, rescans"),
               ["t", "4", "8", "1", "1"], "ok once sheet 4 was scanned again; the old front superseded")
    h.check("quét lại tờ 4" in ev["SOHOA_VERDICT_VI"], "the verdict says sheet 4 was rescanned: %r" % ev)
    rows = s.pg.query("SELECT p.batch_uuid = '%s', p.side, p.superseded_by IS NOT NULL FROM page p"
                      " WHERE p.sheet = 4 AND p.batch_uuid IN ('%s', '%s') ORDER BY 1 DESC, 2"
                      % (batch, batch, out["batch"]), s.db)
    h.check_eq(rows, [["t", "front", "t"], ["f", "back", "f"], ["f", "front", "f"]],
               "sheet 4: the old front kept and superseded, the new sides current")
    shown = sohoactl_db(s, "batch", "show", out["batch"])
    h.check(("batch " + batch) in shown and "verdict ok" in shown, "show of a rescan shows its batch:\n" + shown)
    h.check_eq(len([line for line in shown.splitlines() if "superseded by " + out["batch"][:8] in line]), 1,
               "one image shown replaced by the rescan:\n" + shown)
    h.check_eq(len([line for line in shown.splitlines() if line.split()[:1] == ["4"]]), 3,
               "sheet 4's three images shown:\n" + shown)
    listed = sohoactl_db(s, "batch", "list", "--station", "desk", "--verdict", "ok")
    h.check(batch in listed and out["batch"] not in listed, "listed as ok, the rescan with it:\n" + listed)
    listed = sohoactl_db(s, "batch", "list", "--verdict", "mismatch")
    h.check(batch not in listed, "no longer listed as a mismatch:\n" + listed)


def main():
    s = WorkerStack()
    w = s.worker("w1")
    blank = fixtures("blank", 6, True)
    inked = fixtures("inked", 12, False)
    st = Station(s, "desk", scenario={"sheets": 6, "fixtures": blank},
                 profiles={"duplex": {"duplex": "yes"}, "simplex": {"duplex": "no"}})
    st.wait_ready()

    # Six sheets, every back blank: one single-sided document, all well.
    r = st.scan("--sheets", "6")
    h.check_eq((r["end"], r["images"], r["sheets"]), ("feeder-empty", "12", "6"), "the blank-backed batch")
    ev = told(st, r["batch"], "verdict-ok")
    h.check_eq(verdict(s, r["batch"], "ok, single_sided, sheets_present, pages_blank"), ["t", "t", "6", "6"],
               "accepted single-sided, the six blank backs kept")
    h.check("một mặt" in ev["SOHOA_VERDICT_VI"] and "single-sided" in ev["SOHOA_VERDICT_EN"],
            "the hook says it was taken as single-sided: %r / %r" % (ev["SOHOA_VERDICT_VI"],
                                                                    ev["SOHOA_VERDICT_EN"]))
    h.check_eq((ev["SOHOA_REASON"], ev["SOHOA_SHEETS"], ev["SOHOA_DECLARED_SHEETS"]), ("ok", "6", "6"),
               "the verdict's figures in the hook")
    h.check_eq(st.events("verdict-mismatch", r["batch"]), [], "no mismatch told")

    # Sheet 4's back never comes: the feeder stops there.
    st.scenario(sheets=6, fixtures=inked, back_missing_at=4)
    r = st.scan()
    h.check_eq((r["end"], r["images"], r["sheets"]), ("back-missing", "7", "4"), "sheet 4's back never came")
    ev = told(st, r["batch"], "verdict-mismatch")
    h.check("thiếu mặt sau tờ 4" in ev["SOHOA_MESSAGE_VI"],
            "the hook names sheet 4 in Vietnamese: %r" % ev["SOHOA_MESSAGE_VI"])
    h.check("the back of sheet 4" in ev["SOHOA_MESSAGE_EN"], "and in English: %r" % ev["SOHOA_MESSAGE_EN"])
    h.check_eq((ev["SOHOA_REASON"], ev["SOHOA_RESCAN_SHEETS"]), ("back-missing", "4"),
               "what is wrong, and the sheet to scan again")
    h.check_eq(verdict(s, r["batch"], "ok, sheets_missing_back"), ["f", "{4}"], "the store's verdict")
    h.check_eq(st.events("verdict-ok", r["batch"]), [], "no ok told")
    rescan_sheet_4(s, st, r["batch"], inked)

    # Declared 12, the feeder held 11 (one side each).
    st.scenario(sheets=11, fixtures=inked)
    r = st.scan("--profile", "simplex", "--sheets", "12")
    h.check_eq((r["images"], r["sheets"]), ("11", "11"), "eleven sheets scanned")
    ev = told(st, r["batch"], "verdict-mismatch")
    h.check("11 ảnh, khai 12 tờ" in ev["SOHOA_MESSAGE_VI"], "declared and scanned: %r" % ev["SOHOA_MESSAGE_VI"])
    h.check("11 images, 12 sheets declared" in ev["SOHOA_MESSAGE_EN"], "in English: %r" % ev["SOHOA_MESSAGE_EN"])
    h.check_eq(ev["SOHOA_REASON"], "declared", "what is wrong")

    # A station gone when its batch is judged: no worker while it scans,
    # so the broker holds the batch; the station stops; the worker comes
    # and the verdict is made; the station comes back and hears it.
    h.wait_for(lambda: st.spooled_files() == [], 120, "the station's spool empty")
    w.term()
    st.scenario(sheets=6, fixtures=blank)
    r = st.scan("--sheets", "6")
    h.check_eq((r["end"], r["images"]), ("feeder-empty", "12"), "the batch scanned with no worker")
    batch = r["batch"]
    h.wait_for(lambda: sum(c.get("queued_pages", 0) for c in s.status().get("classes", [])) >= 13, 60,
               "the broker holds the twelve pages and the close record")
    st.proc.term()
    h.check(len(st.spooled_files()) == 13, "the station left its batch unacknowledged in its spool")
    w = s.worker("w2")
    h.wait_for(lambda: verdict(s, batch, "ok") == ["t"], 120, "the verdict made while the station is away")
    h.wait_for(lambda: s.status().get("counters", {}).get("acks_unroutable", 0) >= 13, 60,
               "the broker could not tell the station")
    h.check_eq(st.events("verdict-ok", batch), [], "nothing told while the station is away")
    st = Station(s, "desk", scenario={"sheets": 6, "fixtures": blank},
                 profiles={"duplex": {"duplex": "yes"}, "simplex": {"duplex": "no"}})
    st.wait_ready()
    ev = told(st, batch, "verdict-ok")
    h.check("một mặt" in ev["SOHOA_VERDICT_VI"], "the verdict heard on reconnect: %r" % ev["SOHOA_VERDICT_VI"])
    h.wait_for(lambda: st.spooled_files() == [], 60, "the spool empty once the cache answered")
    h.check(w.running, "worker still serving")


h.run_test(main)
