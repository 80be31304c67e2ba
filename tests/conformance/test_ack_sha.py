"""§7.5 end-to-end hash, through the project's test worker (lib/workpeer,
an idempotent store by UUID): an ACK STORED or STORED_FAILED from a 1.2
broker carries the SHA-256 of the page as stored:

- the held page's sha256 when the RESULT matched it;
- the held page's again when a stored page is sent again (1.3: no answer
  from the completed cache, the worker's look-up answers);
- Result.sha256 when the broker does not hold the page (a broker restarted
  while the worker held it, the sender not yet resent: by origin_id);
REJECTED (the UUID stored with another hash) carries none. The header of
every ACK says minor 2, so a source holds the broker to the hash."""

import signal

import conform as c
import harness as h
import wire as w
from wire import pb


def testworker(b, name, *extra):
    store = h.path("store-" + name)
    store.mkdir(exist_ok=True)
    log = h.path("jobs-" + name)
    p = h.Proc(name, ["sohoa-testworker", "--endpoint", b.workers, "--id", name, "--store-dir", store,
                      "--job-log", log] + list(extra))
    h.wait_for(lambda: b.status().workers_idle >= 1, 20, what="%s idle" % name)
    return p, log


def main():
    chk = c.Checks()
    b = c.Broker()
    tw, log = testworker(b, "tw1", "--delay-sequence", 3, "--delay-ms", 3000)   # holds the page of sequence 3
    st, wel = b.hello("desk-1", pb.ROLE_STATION, auto_heartbeat=True)

    img = c.image(2500, 1)
    pg = w.new_page(img)
    st.send(w.PAGE, pg, img)
    a = st.wait_cmd(w.ACK)
    chk.eq((a.body.status, a.body.sha256, a.minor), (pb.RESULT_STORED, pg.sha256, w.MINOR),
           "the ACK of a page stored (status, sha256, header minor)")

    st.send(w.PAGE, pg, img)
    a = st.wait_cmd(w.ACK)
    chk.eq((a.body.status, a.body.sha256), (pb.RESULT_STORED, pg.sha256), "the ACK of the page again (from the worker)")

    other = c.image(2500, 2)
    pg2 = w.new_page(other, page_uuid=pg.page_uuid, batch_uuid=pg.batch_uuid)
    st.send(w.PAGE, pg2, other)
    a = st.wait_cmd(w.ACK)
    chk.eq((a.body.status, a.body.sha256), (pb.RESULT_REJECTED, b""), "the ACK of the UUID with other content")

    # The broker restarted while the worker holds a page: the ACK by origin_id carries Result.sha256.
    img3 = c.image(2500, 3)
    pg3 = w.new_page(img3, sequence=3)
    n = len(log.read_text().splitlines())
    st.send(w.PAGE, pg3, img3)
    h.wait_for(lambda: len(log.read_text().splitlines()) > n, 20, what="the worker to take the page")
    tw.signal(signal.SIGSTOP)
    b.restart()
    st.close()
    st, wel = b.hello("desk-1", pb.ROLE_STATION, auto_heartbeat=True)    # not resending the page
    tw.signal(signal.SIGCONT)
    a = st.wait_cmd(w.ACK, timeout=30)
    chk.eq((a.body.page_uuid, a.body.status, a.body.sha256, a.body.epoch),
           (pg3.page_uuid, pb.RESULT_STORED, pg3.sha256, wel.epoch),
           "the ACK of a page the new broker does not hold (uuid, status, sha256, epoch)")
    chk.done()


c.run(main)
