"""The scanner unplugged and plugged back: the daemon notices at its next
button poll, logs it, tells the hook (device-lost), shows the state in
status, retries with backoff while the device is gone, survives, reopens it
when it is back and scans again."""

import os

import harness as h
from scand import Station
from spine import Stack


def main():
    s = Stack()
    s.worker("w1")
    gone = h.path("unplugged")
    st = Station(s, scenario={"sheets": 2, "unplug_file": gone})
    st.wait_ready()
    r = st.scan()
    h.check_eq(r["end"], "feeder-empty", "batch before the unplug")

    gone.write_text("")
    st.proc.wait_log(r"scanner lost \(reading buttons", 10)
    ev = st.wait_event("device-lost")
    h.check("lost" in ev["SOHOA_MESSAGE_EN"], "device-lost message")
    st.proc.wait_log(r"scanner not available .* attempt 3", 10)
    stt = st.status()
    h.check_eq(stt["state"], "absent", "status while unplugged")
    r = st.scan(check=False)
    h.check(r["_rc"] != 0 and "not available" in r["_stderr"], "a scan is refused while unplugged: %r" % r)
    h.check(st.proc.running, "the daemon survives the unplug")

    os.unlink(gone)
    opened = st.proc.log().count("open (owned")
    h.wait_for(lambda: st.proc.log().count("open (owned") > opened, 10, "the scanner reopened")
    h.check_eq(st.status()["state"], "ready", "status after replug")
    r = st.scan()
    h.check_eq((r["end"], r["images"]), ("feeder-empty", "4"), "batch after the replug")
    h.wait_for(lambda: len(s.stored()) == 8, 30, "both batches stored")


h.run_test(main)
