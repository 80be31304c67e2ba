"""SIGKILL of a worker mid-page, of the broker mid-stream (then restarted)
and of a station (then restarted): nothing lost, nothing stored twice,
nothing acknowledged twice, no page stuck in a spool."""

import harness as h
from spine import Stack


def station_acks(s):
    return len(s.acks("station"))


def main():
    s = Stack()
    w1 = s.worker("w1", "--delay-ms", "15")
    s.worker("w2", "--delay-ms", "15")
    a = s.source("station", 600, size=16384, extra=["--resend-ms", "20000"])
    s.source("importer", 300, size=16384, role="importer", seed=7, extra=["--resend-ms", "20000"])

    # A worker dies holding a page: the page goes to the other worker.
    h.wait_for(lambda: station_acks(s) >= 50, 60, "50 station pages stored")
    w1.kill()
    s.worker("w3", "--delay-ms", "15")
    h.wait_for(lambda: s.status()["counters"]["redispatched"] >= 1, 15,
               "the dead worker's page redispatched", retry_on=(h.TestFailure,))

    # The broker dies mid-stream and comes back with a new epoch.
    h.wait_for(lambda: station_acks(s) >= 150, 60, "150 station pages stored")
    epoch_before = s.status()["epoch"]
    s.broker.kill()
    s.broker.start()
    h.wait_for(lambda: s.status()["epoch"] != epoch_before, 15, "broker back with a new epoch",
               retry_on=(h.TestFailure,))

    # The station dies mid-stream; restarted, it replays its spool.
    h.wait_for(lambda: station_acks(s) >= 300, 60, "300 station pages stored")
    a.kill()
    left = len(s.spooled("station"))
    h.check(left > 0, "the station still had pages to send when killed (%d)" % left)
    a.argv[a.argv.index("--pages") + 1] = "0"
    a.start()

    a.expect_exit(0, timeout=120)
    s.sources["importer"].expect_exit(0, timeout=120)
    s.check_delivered(["station", "importer"], 900)


h.run_test(main)
