"""Choosing the station's scanner as scanbd lets an administrator do, on
the project's backend built as epjitsu and kodakaio (tests/sane/personas:
USB names libusb:BBB:DDD, which change at every power cycle):

- by exact name: after a power cycle renames it, the daemon finds it again
  under its new name by its USB serial number (sysfs), and says so
  (device-lost, then device-back);
- by serial, or by the exact names they had: two stations on one host
  keep their own scanners when a power cycle swaps the scanners' USB
  addresses (the old name is the other scanner's now);
- with no key at all: two scanners with a feeder and none chosen is
  refused with both names; alone, the scanner is taken and pinned: after a
  power cycle the station takes it back, never the other one now free."""

import harness as h
from scand import Bus, Station
from spine import Stack

EPJ = ("FUJITSU", "ScanSnap S1300i")
KODAK = ("Kodak", "ESP 7250")


def wait_device(st, name, what):
    h.wait_for(lambda: st.status().get("device") == name and st.status().get("state") == "ready", 20, what)


def by_exact_name(s):
    bus = Bus("bus-named")
    name = bus.plug("EPJ-A", *EPJ)
    st = Station(s, "named", backend="epjitsu", device="epjitsu:" + name, bus=bus, scenario={"sheets": 2})
    st.wait_ready()
    r = st.scan()
    h.check_eq((r["end"], r["images"]), ("feeder-empty", "4"), "batch before the power cycle")

    bus.unplug("EPJ-A")
    st.wait_event("device-lost")
    new = bus.plug("EPJ-A", *EPJ)
    h.check(new != name, "the power cycle gave the scanner a new name (%s, was %s)" % (new, name))
    ev = st.wait_event("device-back", timeout=20)
    h.check_eq(ev["SOHOA_MESSAGE_EN"], "Scanner back: epjitsu:%s." % new, "device-back names the new name")
    wait_device(st, "epjitsu:" + new, "the station's scanner under its new name")
    r = st.scan()
    h.check_eq((r["end"], r["images"]), ("feeder-empty", "4"), "batch after the power cycle")
    st.proc.term()


def two_stations(s, by):
    """Two stations, by serial or by the exact names they had at the start."""
    bus = Bus("bus-" + by)
    bus.plug("EPJ-1", *EPJ, dev=6)
    bus.plug("EPJ-2", *EPJ, dev=7)
    if by == "serial":
        keys = [dict(device=None, scand={"device_serial": "EPJ-1"}),
                dict(device=None, scand={"device_serial": "EPJ-2"})]
    else:
        keys = [dict(device="epjitsu:libusb:001:006"), dict(device="epjitsu:libusb:001:007")]
    a = Station(s, "a-" + by, backend="epjitsu", bus=bus, **keys[0])
    b = Station(s, "b-" + by, backend="epjitsu", bus=bus, **keys[1])
    wait_device(a, "epjitsu:libusb:001:006", "%s on EPJ-1" % a.name)
    wait_device(b, "epjitsu:libusb:001:007", "%s on EPJ-2" % b.name)

    # Both power-cycled; they come back on each other's USB address.
    bus.unplug("EPJ-1")
    bus.unplug("EPJ-2")
    a.wait_event("device-lost")
    b.wait_event("device-lost")
    bus.plug("EPJ-2", *EPJ, dev=6)
    bus.plug("EPJ-1", *EPJ, dev=7)
    wait_device(a, "epjitsu:libusb:001:007", "%s back on EPJ-1, now at 001:007" % a.name)
    wait_device(b, "epjitsu:libusb:001:006", "%s back on EPJ-2, now at 001:006" % b.name)
    h.check("open libusb:001:007" in a.served(), "%s's backend opened EPJ-1's new address" % a.name)
    for st in (a, b):
        r = st.scan()
        h.check_eq(r["end"], "feeder-empty", "%s scans after the swap" % st.name)
        st.proc.term()


def unconfigured(s):
    bus = Bus("bus-free")
    bus.plug("KOD-1", *KODAK)
    bus.plug("KOD-2", *KODAK)
    st = Station(s, "free", backend="kodakaio", device=None, bus=bus, scand={"probe_interval": "200ms"})
    st.proc.wait_log(r"scanner not available \(2 scanners with a feeder \(kodakaio:libusb:001:\d+, "
                     r"kodakaio:libusb:001:\d+\): choose one", 15)
    h.check_eq(st.status()["state"], "absent", "no scanner taken while two could be meant")
    served = st.served()
    h.check_eq(len([x for x in served if x.startswith("open ")]), len([x for x in served if x == "close"]),
               "every scanner looked at was closed again")

    bus.unplug("KOD-2")
    st.wait_ready()
    first = st.status()["device"]
    h.check_eq(first, "kodakaio:" + bus.name("KOD-1"), "alone, KOD-1 is taken")
    bus.plug("KOD-2", *KODAK)
    # A power cycle of KOD-1: KOD-2 is free and has a feeder, but is not the station's.
    bus.unplug("KOD-1")
    st.wait_event("device-lost")
    st.proc.wait_log(r"scanner not available \(the station's scanner is not there", 15)
    back = bus.plug("KOD-1", *KODAK)
    wait_device(st, "kodakaio:" + back, "back on KOD-1 under its new name")
    h.check("open " + bus.name("KOD-2") not in st.served(), "KOD-2 was never kept: %r" % st.served()[-6:])
    r = st.scan()
    h.check_eq(r["end"], "feeder-empty", "the unconfigured station scans on its own scanner")


def main():
    s = Stack()
    s.worker("w1")
    by_exact_name(s)
    two_stations(s, "serial")
    two_stations(s, "name")
    unconfigured(s)


h.run_test(main)
