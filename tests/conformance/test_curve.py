"""§1 and §5.2 with CURVE: the ZAP handler admits only authorized keys, on
the station endpoint the roles station, importer and admin, on the worker
endpoint only worker (a refused key gets no session and delivers nothing);
and a HELLO must say the role of its key: otherwise, checked before
anything else of the HELLO, it is not welcomed, counted
dropped_wrong_role (every one), answered BYE {epoch, "role X does not
match the key's role Y"} once per connection, later HELLOs dropped
unanswered. In its own role a key is served."""

import conform as c
import harness as h
import sohoaclient as sc
import wire as w
import zmq
from wire import pb

ROLES = {"station": pb.ROLE_STATION, "importer": pb.ROLE_IMPORTER, "admin": pb.ROLE_ADMIN, "worker": pb.ROLE_WORKER}


def keygen(name, role=None):
    """sohoactl keygen: (public, secret) in Z85, and the authorized_keys line."""
    d = h.path("keys")
    d.mkdir(exist_ok=True)
    cp = h.run(["sohoactl", "keygen", name, "--dir", d] + (["--role", role] if role else []))
    kv = {}
    for line in (d / (name + ".key_secret")).read_text().splitlines():
        if "=" in line and not line.startswith("#"):
            k, v = line.split("=", 1)
            kv[k.strip()] = v.strip()
    line = [x for x in cp.stdout.splitlines() if role and x.startswith(role + " ")]
    return kv["public-key"], kv["secret-key"], (line[0] if line else None)


def wrong(role, key_role):
    return "role %s does not match the key's role %s" % (role, key_role)


def main():
    chk = c.Checks()
    bpub, bsec, _ = keygen("broker")
    keys = {r: keygen("k-" + r, r) for r in ROLES}
    stranger = keygen("stranger")
    auth = h.path("authorized_keys")
    auth.write_text("".join(k[2] + "\n" for k in keys.values()))
    b = c.Broker(sets=["broker.curve_key_file=%s" % h.path("keys", "broker.key_secret"),
                       "broker.authorized_keys_file=%s" % auth],
                 curve=(bpub, keys["admin"][0], keys["admin"][1]))

    def conn(key, endpoint="stations", **kw):
        return b.conn(endpoint, curve=(bpub, key[0], key[1]), monitor=True, **kw)

    def refused_by_zap(cn, what):
        cn.until(lambda x: any(ev == zmq.EVENT_HANDSHAKE_FAILED_AUTH for _, ev in x.socket_events), 20,
                 what="%s: the handshake refused" % what)

    epoch = b.status().epoch
    # Keys of the other endpoint, and unknown keys, are refused by ZAP.
    for what, key, ep in (("a station key on the worker endpoint", keys["station"], "workers"),
                          ("a worker key on the station endpoint", keys["worker"], "stations"),
                          ("an unknown key", stranger, "stations")):
        cn = conn(key, ep)
        role = pb.ROLE_WORKER if ep == "workers" else pb.ROLE_STATION
        cn.send(w.HELLO, pb.Hello(peer_id="x", role=role))
        img = c.image(100)
        cn.send(w.PAGE, w.new_page(img), img)
        try:
            refused_by_zap(cn, what)
        except sc.ClientError as e:
            chk.check(False, str(e))
        chk.eq(cn.since(0), [], "%s: messages received" % what)

    # A HELLO in another role than its key's: BYE once per connection.
    for key_role, role in (("station", "importer"), ("importer", "station"), ("admin", "station"),
                           ("station", "admin")):
        cn = conn(keys[key_role])
        before = b.counters()
        p = c.Prober(cn)
        got = []
        for i in range(3):
            _, ans = p.send(cmd=w.HELLO, body=pb.Hello(peer_id="desk-%s-%s" % (key_role, role), role=ROLES[role]))
            got += ans
        chk.eq([(m.cmd, m.body.epoch, m.body.reason) for m in got], [(w.BYE, epoch, wrong(role, key_role))],
               "a %s key saying %s three times: answers" % (key_role, role))
        chk.eq(c.pick(c.delta(before, p.counters), "dropped_wrong_role"), {"dropped_wrong_role": 3},
               "a %s key saying %s three times: counters" % (key_role, role))
    wk = conn(keys["worker"], "workers")
    wk.send(w.HELLO, pb.Hello(peer_id="w-x", role=pb.ROLE_STATION))
    wk.send(w.HEARTBEAT, pb.Heartbeat())
    m = wk.wait(lambda m: True, what="an answer to a worker key saying STATION")
    chk.check(isinstance(m, w.Msg) and m.cmd == w.BYE and m.body.reason == wrong("station", "worker"),
              "a worker key saying STATION: first answer %r" % m)

    # Checked before anything else: a wrong role with the id of a live peer is a wrong role.
    st, _ = b.hello("desk-1", pb.ROLE_STATION, curve=(bpub, keys["station"][0], keys["station"][1]),
                    auto_heartbeat=True)
    cn = conn(keys["importer"])
    _, ans = c.Prober(cn).send(cmd=w.HELLO, body=pb.Hello(peer_id="desk-1", role=pb.ROLE_STATION))
    chk.eq([(m.cmd, m.body.reason) for m in ans], [(w.BYE, wrong("station", "importer"))],
           "an importer key saying STATION with the id of a live station")

    # In their own roles the keys are served.
    store = sc.Store()
    worker = b.worker("w1", store, curve=(bpub, keys["worker"][0], keys["worker"][1]))
    for role in ("station", "importer"):
        src = b.source("src-" + role, role=ROLES[role], curve=(bpub, keys[role][0], keys[role][1]))
        u = src.add(c.image(500, len(role)))
        chk.eq(src.wait_gone([u]), ["deleted"], "a page from the %s key" % role)
    adm = conn(keys["admin"])
    adm.send(w.HELLO, pb.Hello(peer_id="adm", role=pb.ROLE_ADMIN))
    m = adm.wait(lambda m: True, what="an answer to the admin")
    chk.check(isinstance(m, w.Msg) and m.cmd == w.WELCOME and m.body.credit_bytes == 0,
              "the admin key saying ADMIN: answered %r" % m)
    chk.eq(worker.job_count(), 2, "JOBs to the worker")
    chk.done()


c.run(main)
