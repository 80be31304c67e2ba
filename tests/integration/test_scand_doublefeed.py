"""A double feed, as each backend tells it (tests/sane/personas): the
officer hears "double feed" and the sheet to rescan from.

- fujitsu: df-thickness and df-length are inactive until df-action is
  set; set in that order, detection is on from the first batch after the
  open (before, the first batch ran with no method while the log said
  detection was on, and the stuck sheet went through unseen);
- canon_dr, kvs1025: a double feed is JAMMED like a jam, with no sensor:
  with detection on, the officer is told "double feed or jam";
- avision: paper-length (detection by length) is switched on;
- epsonds: a double feed is an I/O error; the scanner is not lost: no
  device-lost, the next batch scans on the same handle."""

import harness as h
from scand import Station
from spine import Stack


def double_feed(s, backend, reason, en):
    st = Station(s, backend, backend=backend, device=None, scenario={"sheets": 4, "double_feed_at": 2})
    st.wait_ready()
    r = st.scan()
    h.check_eq((r["end"], r["sheet"], r["images"]), ("double-feed", "2", "2"),
               "%s: the first batch after the open stops at the double feed" % backend)
    ev = st.wait_event("double-feed", r["batch"])
    h.check_eq((ev["SOHOA_REASON"], ev["SOHOA_SHEET"]), (reason, "2"), "%s: event" % backend)
    h.check(ev["SOHOA_MESSAGE_EN"].startswith(en), "%s: message %r" % (backend, ev["SOHOA_MESSAGE_EN"]))
    return st


def main():
    s = Stack()
    s.worker("w1")
    st = double_feed(s, "fujitsu", "double-feed", "Double feed at sheet 2.")
    h.check("double-feed detection df-action=Stop, df-thickness, df-length" in st.proc.log(),
            "fujitsu: the methods set after df-action")
    st.proc.term()
    for backend in ("canon_dr", "kvs1025", "avision"):
        double_feed(s, backend, "double-feed-or-jam", "Double feed or jam at sheet 2.").proc.term()
    st = double_feed(s, "epsonds", "double-feed-or-error", "Double feed or scanner error at sheet 2.")
    h.check_eq(st.status()["state"], "ready", "epsonds: the scanner is still the station's")
    h.check_eq(st.events("device-lost"), [], "epsonds: no device-lost for a double feed")
    st.scenario(sheets=2)
    r = st.scan()
    h.check_eq((r["end"], r["images"]), ("feeder-empty", "4"), "epsonds: the next batch scans")
    served = st.served()
    after = served[[i for i, x in enumerate(served) if x.startswith("double-feed sheet=2")][0]:]
    h.check_eq([x for x in after if x.startswith("open ") or x == "close"], [],
               "epsonds: the next batch on the same open handle")


h.run_test(main)
