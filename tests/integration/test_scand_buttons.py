"""Buttons as real backends give them (tests/sane/personas), with no
scanbd: canon_dr's big green button is the option "start", which a
station without [button.*] sections answers to; avision names the pressed
button in the string option "message" ("1:scan": a display number, then
the button), whose token the [button.NAME] regexes match; pixma's
button-1 reads 1 from a press until the device is opened again, so the
daemon opens it again after the batch and a second press starts a second
batch. Presses fall on the Nth read of the option (the daemon polls every
200 ms here)."""

import harness as h
from scand import Station
from spine import Stack

POLL = ["scand.button_poll=200ms"]


def batches(st, n, what):
    h.wait_for(lambda: len(st.events("batch-scanned")) >= n, 30, what)
    return st.events("batch-scanned")


def canon_dr_start(s):
    st = Station(s, "canon", backend="canon_dr", device=None, sets=POLL,
                 scenario={"sheets": 2, "button": "start", "button_presses": "4"})
    st.proc.wait_log(r'button "start" pressed: profile duplex', 15)
    ev = batches(st, 1, "a batch from canon_dr's start button")[0]
    h.check_eq((ev["SOHOA_IMAGES"], ev["SOHOA_PROFILE"]), ("4", "duplex"), "the start button's batch")
    h.check_eq(len(st.events("batch-started")), 1, "one batch from one press")
    st.proc.term()


def avision_message(s):
    st = Station(s, "avision", backend="avision", device=None, sets=POLL,
                 scenario={"sheets": 2, "button": "message", "button_token": "1:scan", "button_presses": "4"},
                 profiles={"duplex": {"duplex": "yes"}, "simplex": {"duplex": "no"}})
    with open(st.conf, "a") as f:
        f.write("\n[button.both]\nmatch = ^duplex$\nprofile = duplex\n"
                "\n[button.front]\nmatch = ^scan$\nprofile = simplex\n")
    st.proc.restart()
    st.wait_ready()
    h.check("1 buttons" in st.proc.log(), "avision's message option is the one button")
    st.proc.wait_log(r'button "message=1:scan" pressed: profile simplex', 15)
    ev = batches(st, 1, "a batch from avision's message")[0]
    h.check_eq((ev["SOHOA_IMAGES"], ev["SOHOA_PROFILE"]), ("2", "simplex"), "the scan token's profile")
    st.proc.term()


def pixma_sticky(s):
    st = Station(s, "pixma", backend="pixma", device=None, sets=POLL,
                 scenario={"sheets": 1, "button": "button-1", "button_presses": "4,12"})
    evs = batches(st, 2, "two batches from two presses of pixma's button-1")
    h.check_eq([e["SOHOA_IMAGES"] for e in evs], ["2", "2"], "both batches scanned the sheet")
    h.wait_for(lambda: st.proc.log().count("opened again: its button reads pressed until then") == 2, 10,
               "the scanner opened again after each press's batch")
    h.check_eq(len(st.events("batch-started")), 2, "one batch per press")


def main():
    s = Stack()
    s.worker("w1")
    canon_dr_start(s)
    avision_message(s)
    pixma_sticky(s)


h.run_test(main)
