"""A scanner button starts a batch: sohoatest's `scan` option reads true at
its 4th poll (the daemon polls every 500 ms); the daemon starts the
profile that [button.NAME] maps the button to, and the pages are stored.
The `email` button, mapped to nothing, is never polled into a batch."""

import time

import harness as h
from scand import Station
from spine import Stack


def main():
    s = Stack()
    s.worker("w1")
    t0 = time.monotonic()
    st = Station(s, scenario={"sheets": 2, "button": "scan", "button_after": 4},
                 profiles={"duplex": {"duplex": "yes"}, "simplex": {"duplex": "no"}})
    # Only the scan button, and to the simplex profile.
    with open(st.conf, "a") as f:
        f.write("\n[button.front-panel]\nmatch = ^scan$\nprofile = simplex\n")
    st.proc.restart()
    st.wait_ready()
    h.check("1 buttons" in st.proc.log(), "one button option matched ^scan$")
    m = st.proc.wait_log(r'button "scan" pressed: profile simplex', 15)
    h.check(m, "button press logged")
    h.check_ge(time.monotonic() - t0, 1.0, "seconds before the 4th poll (500 ms apart)")
    ev = st.wait_event("batch-scanned")
    h.check_eq((ev["SOHOA_IMAGES"], ev["SOHOA_PROFILE"]), ("2", "simplex"), "the button's batch")
    pages = st.pages(ev["SOHOA_BATCH"])
    h.check_eq([(p[3], p[4]) for p in pages], [(1, "front"), (2, "front")], "simplex pages from the button")
    h.wait_for(lambda: len(s.stored()) == 2, 30, "button batch stored")
    st.wait_event("batch-stored", ev["SOHOA_BATCH"])
    h.check_eq(len(st.events("batch-started")), 1, "exactly one batch from one press")


h.run_test(main)
