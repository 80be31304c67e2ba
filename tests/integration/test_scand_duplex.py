"""Duplex on the project's own SANE backend (tests/sane): sheets from fixture
images, sides alternating front/back and labelled as the backend served
them, with duplex chosen by the source ("ADF Duplex") on one scanner and by
an adf-mode option on another; unknown line counts and a warming lamp on
the way; a line-art profile encoded G4; double-feed detection switched on
and the driver's blank skipping switched off."""

import hashlib
import re

import harness as h
from scand import Station, write_ppm
from spine import Stack

SHEETS = 4


def fixtures():
    d = h.path("fixtures")
    d.mkdir()
    for sheet in range(1, SHEETS + 1):
        for side, base in (("front", 40), ("back", 160)):
            write_ppm(d / ("sheet-%03d-%s.ppm" % (sheet, side)), 160, 220,
                      lambda x, y, s=sheet, b=base: (b + s * 10, (x * 3 + s) & 255, (y + b) & 255))
    return d


def served_frames(st):
    return [(int(m.group(1)), m.group(2)) for m in
            (re.search(r"^frame sheet=(\d+) side=(\w+)", line) for line in st.served()) if m]


def check_duplex_batch(s, st, r, what):
    h.check_eq(r["end"], "feeder-empty", what + ": end")
    h.check_eq((r["images"], r["sheets"]), (str(2 * SHEETS), str(SHEETS)), what + ": images, sheets")
    pages = st.pages(r["batch"])
    h.check_eq([(p[3], p[4]) for p in pages],
               [(k // 2 + 1, "front" if k % 2 == 0 else "back") for k in range(2 * SHEETS)],
               what + ": (sheet, side) of each page in sequence")
    h.check_eq([(p[3], p[4]) for p in pages], served_frames(st)[-2 * SHEETS:],
               what + ": labels match what the scanner served")
    h.check_eq(len({p[6] for p in pages}), 2 * SHEETS, what + ": every side a distinct image")
    return pages


def main():
    s = Stack()
    s.worker("w1")
    fx = fixtures()
    st = Station(s, "a", scenario={"sheets": SHEETS, "fixtures": fx, "unknown_lines": "yes", "warming_up": 2},
                 profiles={"duplex": {"duplex": "yes"},
                           "lineart": {"duplex": "no", "mode": "lineart", "encoding": "g4"}})
    st.wait_ready()
    r = st.scan("--dossier", "000.00.53.H48-240101-0007", "--sheets", str(SHEETS))
    pages = check_duplex_batch(s, st, r, "duplex by source")
    h.check("duplex by source" in st.proc.log(), "the daemon chose the ADF Duplex source")
    applied = [line for line in st.served() if line.startswith("frame ")]
    h.check(all("double_feed_detection=1" in line and "blank_skip=0" in line for line in applied),
            "double-feed detection on and blank skip off for every frame: %r" % applied[:2])
    h.check(any("warming up" in line for line in st.proc.log().splitlines()), "the warming lamp was waited for")
    h.wait_for(lambda: len(s.stored()) == 2 * SHEETS, 30, "duplex pages stored")
    h.check_eq(set(s.stored()), {p[0] for p in pages}, "stored pages")

    r = st.scan("--profile", "lineart")
    h.check_eq((r["end"], r["images"]), ("feeder-empty", str(SHEETS)), "line-art simplex batch")
    lines = [p for p in st.pages(r["batch"])]
    h.check_eq({p[4] for p in lines}, {"front"}, "simplex pages are fronts")
    h.check("g4" in st.proc.log(), "line-art profile encodes G4")
    h.check(all("mode=Lineart" in line for line in st.served() if line.startswith("frame "))
            is False and "mode=Lineart" in [x for x in st.served() if x.startswith("frame ")][-1],
            "the scanner was set to line-art for the line-art profile")
    h.wait_for(lambda: len(s.stored()) == 3 * SHEETS, 30, "line-art pages stored")

    # Another scanner that says duplex with an adf-mode option.
    h.wait_for(lambda: st.spooled_files() == [], 10, "first station's spool empty")
    st.proc.term()
    st2 = Station(s, "b", scenario={"sheets": SHEETS, "fixtures": fx, "duplex_style": "adf-mode"})
    st2.wait_ready()
    r = st2.scan()
    pages2 = check_duplex_batch(s, st2, r, "duplex by adf-mode")
    h.check("duplex by adf-mode" in st2.proc.log(), "the daemon used adf-mode")
    h.check_eq([p[6] for p in pages2], [p[6] for p in pages],
               "the same fixtures give the same images whichever way duplex is asked")
    h.wait_for(lambda: len(s.stored()) == 5 * SHEETS, 30, "all pages stored")
    h.wait_for(lambda: st2.spooled_files() == [], 10, "second station's spool empty")
    # The fixture bytes themselves are what the sides are checked against.
    h.check(hashlib.sha256((fx / "sheet-001-front.ppm").read_bytes()).hexdigest() !=
            hashlib.sha256((fx / "sheet-001-back.ppm").read_bytes()).hexdigest(), "fixtures differ")


h.run_test(main)
