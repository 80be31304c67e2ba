"""A scanner without buttons (the project's backend built as kodakaio) is
checked while idle every scand.probe_interval: unplugged, the officer is
told at once (device-lost), without waiting for the next batch to fail;
plugged back under a new USB name, the station says so (device-back) and
scans. No batch is asked for in between."""

import harness as h
from scand import Bus, Station
from spine import Stack


def main():
    s = Stack()
    s.worker("w1")
    bus = Bus()
    bus.plug("K-1", "Kodak", "ESP 7250")
    st = Station(s, backend="kodakaio", device=None, bus=bus, scenario={"sheets": 2},
                 scand={"device_serial": "K-1", "probe_interval": "200ms"})
    st.wait_ready()
    h.check("0 buttons" in st.proc.log(), "kodakaio has no buttons")

    bus.unplug("K-1")
    ev = st.wait_event("device-lost")
    h.check("idle check" in ev["SOHOA_MESSAGE_EN"], "lost by the idle check: %r" % ev["SOHOA_MESSAGE_EN"])
    h.check_eq(st.status()["state"], "absent", "status while unplugged")
    h.check_eq(st.events("batch-started"), [], "no batch was needed to notice")

    new = bus.plug("K-1", "Kodak", "ESP 7250")
    ev = st.wait_event("device-back", timeout=20)
    h.check_eq(ev["SOHOA_MESSAGE_VI"], "Máy quét đã kết nối lại.", "device-back message")
    h.check_eq(st.status()["device"], "kodakaio:" + new, "open again under its new name")
    r = st.scan()
    h.check_eq((r["end"], r["images"]), ("feeder-empty", "4"), "a batch after the replug")


h.run_test(main)
