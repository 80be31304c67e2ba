"""Every option a profile changes is set back before the next batch, and
simplex is asked for explicitly: a simplex batch after a duplex one on a
backend that switches duplex by an adf-mode option (kodakaio) or a duplex
bool (kvs1025) scans fronts only, labelled as such (the bug: 6 images of 3
sheets, all 'front', sheets 1-6). kvs1025's source is fixed to "adf" and
not settable: the daemon scans from it instead of refusing. A backend
option set by one profile's sane_options is back to its value at open for
the next profile. The plain test backend's adf-mode case fails on the
daemon before this change; kodakaio and kvs1025 failed earlier still
(CANCELLED at the feed's end, the fixed source refused)."""

import harness as h
from scand import Station
from spine import Stack

SHEETS = 3
PROFILES = {"duplex": {"duplex": "yes"}, "simplex": {"duplex": "no"}}


def duplex_then_simplex(s, backend, **scenario):
    st = Station(s, backend + "".join(scenario), backend=backend,
                 device="sohoatest:adf" if backend == "sohoatest" else None, profiles=PROFILES,
                 scenario=dict(sheets=SHEETS, **scenario))
    st.wait_ready()
    r = st.scan("--profile", "duplex")
    h.check_eq((r["end"], r["images"], r["sheets"]), ("feeder-empty", str(2 * SHEETS), str(SHEETS)),
               "%s: duplex batch" % backend)
    n = len(st.frames())
    r = st.scan("--profile", "simplex")
    h.check_eq((r["end"], r["images"], r["sheets"]), ("feeder-empty", str(SHEETS), str(SHEETS)),
               "%s: simplex batch after the duplex one" % backend)
    h.check_eq(st.frames()[n:], [(k, "front", False) for k in range(1, SHEETS + 1)],
               "%s: the scanner served fronts only, in simplex" % backend)
    h.check_eq([(p[3], p[4]) for p in st.pages(r["batch"])], [(k, "front") for k in range(1, SHEETS + 1)],
               "%s: labels of the simplex batch" % backend)
    r = st.scan("--profile", "duplex")
    h.check_eq((r["images"], r["sheets"]), (str(2 * SHEETS), str(SHEETS)), "%s: duplex again" % backend)
    st.proc.term()
    return st


def sane_options_set_back(s):
    st = Station(s, "plain", profiles={"bright": {"duplex": "no", "sane_options": "brightness=40"},
                                       "plain": {"duplex": "no"}})
    st.wait_ready()
    st.scan("--profile", "bright")
    n = len(st.served())
    st.scan("--profile", "plain")
    later = st.served()[n:]
    h.check("set brightness=0" in later, "brightness set back to its value at open: %r" % later[:8])
    h.check(later.index("set brightness=0") < min(i for i, x in enumerate(later) if x.startswith("frame ")),
            "set back before the next batch's first frame")


def main():
    s = Stack()
    s.worker("w1")
    duplex_then_simplex(s, "sohoatest", duplex_style="adf-mode")
    duplex_then_simplex(s, "kodakaio")
    st = duplex_then_simplex(s, "kvs1025")
    h.check('source "adf"' in st.proc.log(), "kvs1025 scanned from its fixed source")
    sane_options_set_back(s)


h.run_test(main)
