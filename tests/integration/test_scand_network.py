"""Network scanners (the project's backend built as sane-airscan, which
lists its eSCL/WSD devices only when local_only is false): not found
among local devices; found with scand.network = yes, or by exact name;
and a line-art profile takes eSCL's one-bit mode, which sane-airscan
calls "Halftone" (encoded G4)."""

import harness as h
from scand import Station
from spine import Stack

NAME = "airscan:HP LaserJet MFP (eSCL)"
LINEART = {"lineart": {"duplex": "no", "mode": "lineart"}}


def main():
    s = Stack()
    s.worker("w1")
    local = Station(s, "local", backend="airscan", device=None, scand={"device_match": "^airscan:"},
                    profiles=LINEART)
    local.proc.wait_log(r"scanner not available \(no scanner matches \(0 other scanners seen\)", 15)
    h.check("get_devices local_only=1: 0" in local.served(), "listed with local_only: none")
    local.proc.term()

    st = Station(s, "net", backend="airscan", device=None,
                 scand={"device_match": "^airscan:", "network": "yes"}, profiles=LINEART,
                 scenario={"sheets": 2})
    st.wait_ready()
    h.check_eq(st.status()["device"], NAME, "found among network devices")
    r = st.scan()
    h.check_eq((r["end"], r["images"]), ("feeder-empty", "2"), "a line-art batch")
    h.check('mode "Halftone"' in st.proc.log(), "line-art is sane-airscan's Halftone")
    h.check(all("mode=Halftone" in x for x in st.served() if x.startswith("frame ")), "the scanner was set so")
    h.check("g4" in st.proc.log(), "one-bit pages encoded G4")
    st.proc.term()

    named = Station(s, "named", backend="airscan", device=NAME, profiles=LINEART)
    named.wait_ready()
    h.check_eq(named.status()["device"], NAME, "opened by its exact name without network listing")


h.run_test(main)
