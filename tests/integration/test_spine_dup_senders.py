"""Two importers importing the same file send the same page UUID
(proto/PROTOCOL.md §7.1 step 5): the second copy, arriving while the first
is held, is not processed again, and both importers are acknowledged once
the page is stored, instead of the second waiting for its resend timer
(300 s). A third sender with other content under that UUID is told RESEND
then, and its own copy goes to the store, which rejects it."""

import os

import harness as h
from spine import Stack
from workerstack import SENDFILE, parse_send


def sender(s, name, path, *extra):
    argv = [SENDFILE, "--endpoint", s.stations, "--id", name, "--spool", h.path("spool-" + name), "--role",
            "importer", "--wait", "--timeout-ms", "60000"] + list(extra) + [path]
    return h.Proc(name, argv)


def dropped(s):
    return s.status()["counters"]["dropped_duplicate"]


def main():
    s = Stack()
    release = h.path("release")
    s.worker("w", "--hold-file", release)
    page, other = h.path("page.bin"), h.path("other.bin")
    page.write_bytes(os.urandom(5000))
    other.write_bytes(os.urandom(5000))

    a = sender(s, "imp-a", page)
    h.wait_for(lambda: len(s.jobs()) == 1, 30, "the worker holds imp-a's page")
    u = s.jobs()[0][0]
    b = sender(s, "imp-b", page)
    h.wait_for(lambda: dropped(s) == 1, 30, "imp-b's copy at the broker", retry_on=(h.TestFailure,))
    c = sender(s, "imp-c", other, "--page-uuid", u)
    h.wait_for(lambda: dropped(s) == 2, 30, "imp-c's copy at the broker", retry_on=(h.TestFailure,))

    release.write_text("")
    for p in (a, b, c):
        p.expect_exit(0, timeout=40)
    outcomes = {p.name: parse_send(p.out())[1].get(u) for p in (a, b, c)}
    h.check_eq(outcomes["imp-a"], [("stored", "")], "imp-a's outcome")
    h.check_eq(outcomes["imp-b"], [("stored", "")], "imp-b's outcome (the same page)")
    h.check_eq([o[0] for o in outcomes["imp-c"]], ["rejected"], "imp-c's outcome (other content)")
    h.check_eq([j[0] for j in s.jobs()], [u, u], "JOBs: imp-a's copy, then imp-c's")
    h.check_eq(s.stored(), [u], "pages stored")


h.run_test(main)
