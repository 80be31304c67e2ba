"""A scanner button starts a batch: sohoatest's `scan` option reads true
once, at its 4th read, so the daemon sees the press only by polling it
again and again after the scanner is open; it then starts the profile that
[button.NAME] maps the button to, and the pages are stored. The `email`
button, matched by no [button.*] section, is not polled at all.

Ordered, not timed: the backend's log says when the button read true, and
every frame of the batch must come after that line (no batch at start-up,
none from another read); how long a press takes to become an image is a
figure for bench/, not a test."""

import re

import harness as h
from scand import Station
from spine import Stack

PRESSED = "button scan pressed"


def main():
    s = Stack()
    s.worker("w1")
    st = Station(s, scenario={"sheets": 2, "button": "scan", "button_after": 4},
                 profiles={"duplex": {"duplex": "yes"}, "simplex": {"duplex": "no"}}, start=False)
    # Only the scan button, and to the simplex profile.
    with open(st.conf, "a") as f:
        f.write("\n[button.front-panel]\nmatch = ^scan$\nprofile = simplex\n")
    st.proc.start()
    st.wait_ready()
    h.check(re.search(r"scanner \S+ open .*, 1 buttons", st.proc.log()), "one button option matched ^scan$")
    st.proc.wait_log(r'button "scan" pressed: profile simplex', 30)
    ev = st.wait_event("batch-scanned")
    h.check_eq((ev["SOHOA_IMAGES"], ev["SOHOA_PROFILE"]), ("2", "simplex"), "the button's batch")
    pages = st.pages(ev["SOHOA_BATCH"])
    h.check_eq([(p[3], p[4]) for p in pages], [(1, "front"), (2, "front")], "simplex pages from the button")

    served = st.served()
    press = served.index(PRESSED) if PRESSED in served else len(served)
    h.check_eq([line for line in served[:press] if line.startswith("frame ")], [],
               "frames the scanner served before its button read pressed")
    h.check_eq(served.count(PRESSED), 1, "reads of the button that found it pressed")
    h.check(any(line.split()[0] == "open" for line in served[:press] if line),
            "the scanner was open before its button read pressed")
    h.check_eq(len([line for line in served if line.startswith("frame ")]), 2, "frames the scanner served")

    h.wait_for(lambda: len(s.stored()) == 2, 30, "button batch stored")
    st.wait_event("batch-stored", ev["SOHOA_BATCH"])
    h.check_eq(len(st.events("batch-started")), 1, "exactly one batch from one press")
    h.check_eq(st.proc.log().count("pressed: profile"), 1, "presses the daemon logged")


h.run_test(main)
