"""A client refused for its role or its id (BYE, PROTOCOL.md §5.2)
reconnects every few seconds until an operator fixes it, and each
connection is refused again: the broker counts every refusal, but logs a
peer id's first refusal for a reason only, and the count of the rest in
one line (every 10 minutes while they go on, and at shutdown). Ordered by
the BYE each connection hears and by dropped_wrong_role in STATUS, never
by time: a station key saying HELLO as an importer on 10 connections in
turn, then 10 connections saying HELLO with the id of a live station."""

import json

import harness as h
from curvekeys import curve_broker, curve_dealer, keygen, keys_env
from rawwire import BYE, HDR, HEARTBEAT, HELLO, ROLE_IMPORTER, ROLE_STATION, WELCOME, fields, hello

try:
    import zmq
except ImportError:  # python3-zmq is installed by ./run setup
    zmq = None

TIMES = 10


def say_hello(ctx, endpoint, peer_id, role):
    """A new CURVE connection with the station's key says HELLO: its socket
    and (command, body fields) of the broker's answer."""
    sock = curve_dealer(ctx, endpoint, "desk1")
    sock.send_multipart([HDR, bytes([HELLO]), hello(peer_id, role)])
    while True:
        if not sock.poll(30000):
            h.fail("no answer to HELLO as %s in 30 s" % peer_id)
        frames = sock.recv_multipart()
        if len(frames) == 3 and frames[1][0] in (WELCOME, BYE):
            return sock, (frames[1][0], fields(frames[2]))


def refused_again(ctx, endpoint, peer_id, role, reason, holder=None):
    """TIMES connections in turn, each refused with one BYE."""
    for i in range(TIMES):
        if holder:
            # The live station goes on being heard while the others try its id.
            holder.send_multipart([HDR, bytes([HEARTBEAT]), b""])
        sock, answer = say_hello(ctx, endpoint, peer_id, role)
        h.check_eq(answer[0], BYE, "answer to connection %d" % (i + 1))
        h.check_eq(answer[1].get(2), reason.encode(), "reason of the BYE to connection %d" % (i + 1))
        sock.close()


def lines(broker, text):
    return [line for line in broker.log().splitlines() if text in line]


def main():
    if zmq is None:
        h.fail("python3-zmq is missing: ./run setup installs it")
    keygen("broker")
    h.path("authorized_keys").write_text(keygen("desk1", "station") + "\n" + keygen("ops", "admin") + "\n")
    # Liveness (100 x 250 ms) far beyond the test: the live station holds its id.
    broker, st_ep, _ = curve_broker("broker.liveness=100")
    ctx = zmq.Context()

    role = "role importer does not match the key's role station"
    refused_again(ctx, st_ep, "desk1", ROLE_IMPORTER, role)
    st = json.loads(h.run(["sohoactl", "status", "--broker", st_ep, "--json"], env=keys_env("ops")).stdout)
    h.check_eq(st["counters"]["dropped_wrong_role"], TIMES, "HELLOs refused for their role, each counted")
    h.check_eq(len(lines(broker, "HELLO as importer desk1 refused on the station endpoint")), 1,
               "log lines about %d connections refused for their role" % TIMES)

    holder, answer = say_hello(ctx, st_ep, "desk1", ROLE_STATION)
    h.check_eq(answer[0], WELCOME, "answer to the station in its own role")
    taken = "peer id desk1 is in use by a live connection"
    refused_again(ctx, st_ep, "desk1", ROLE_STATION, taken, holder=holder)
    h.check_eq(len(lines(broker, "HELLO as desk1 from a second connection refused")), 1,
               "log lines about %d connections refused for a live station's id" % TIMES)
    holder.send_multipart([HDR, bytes([BYE]), b""])
    holder.close()
    ctx.term()

    # The rest, counted, said at shutdown (every 10 minutes while it goes on).
    h.check_eq(broker.term(30), 0, "broker exit status")
    for reason in (role, taken):
        summary = [l for l in lines(broker, "HELLO as desk1 on the station endpoint refused %d more times"
                                    % (TIMES - 1)) if "(%s)" % reason in l]
        h.check_eq(len(summary), 1, "summary lines of the refusals for %r:\n%s" % (reason, broker.tail()))


h.run_test(main)
