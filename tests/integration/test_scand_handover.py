"""Hand-over: with scand.release_between_batches the station closes the
scanner after each batch (state "released"), so that another program
(saned, an eSCL server; here scanimage itself) can open it between
batches; `sohoactl scan` opens it again for the next batch. Without it the
daemon holds the scanner and scanimage finds it busy: the contrast the
setting makes. The test backend takes a lock per scanner across
processes, as a claimed USB interface is busy for a second program."""

import harness as h
from scand import Bus, Station
from spine import Stack


def main():
    s = Stack()
    s.worker("w1")
    bus = Bus()
    name = "epjitsu:" + bus.plug("EPJ-H")
    held = Station(s, "held", backend="epjitsu", device=name, bus=bus)
    held.wait_ready()
    cp = held.scanimage("-d", name, "-A")
    h.check(cp.returncode != 0 and "busy" in cp.stderr.lower(),
            "a held scanner is busy for scanimage: %d %r" % (cp.returncode, cp.stderr[-300:]))
    held.proc.term()

    st = Station(s, "shared", backend="epjitsu", device=name, bus=bus, scenario={"sheets": 2},
                 scand={"release_between_batches": "yes"})
    st.proc.wait_log(r"open \(released between batches\)", 15)
    st.proc.wait_log(r"released until the next batch", 15)
    h.check_eq(st.status()["state"], "released", "idle and released")
    cp = st.scanimage("-d", name, "-A", check=True)
    h.check("--source" in cp.stdout, "scanimage opened the released scanner and listed its options")

    r = st.scan()
    h.check_eq((r["end"], r["images"]), ("feeder-empty", "4"), "a batch opens it again")
    h.wait_for(lambda: st.status()["state"] == "released", 10, "released after the batch")
    st.scanimage("-d", name, "-A", check=True)
    r = st.scan()
    h.check_eq((r["end"], r["images"]), ("feeder-empty", "4"), "and again after scanimage used it")
    h.wait_for(lambda: len(s.stored()) == 8, 30, "both batches stored")


h.run_test(main)
