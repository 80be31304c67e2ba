"""Dossiers, components, results and the owner's store through sohoactl, on
a throwaway PostgreSQL (issue 11, items 6 and 7):

* codes <OrganId>-<yymmdd>-<NNNN> by the day received in Vietnam time, one
  counter per agency and day; 55 `dossier add` processes held at the
  counter's row lock and let go together give 50 codes without a repeat or
  a gap, the 5 whose insert fails taking their numbers back;
* each identifier rule refused with its reason, and valid ones filed;
* a dossier received online takes no scan;
* `result add` links a digitized result under a digitization code no other
  document has; documents and results are filed under the owner, found by
  `store lookup` (type matched without accents), and reused by a later
  dossier of the same owner: counted as reused, no new scan, no new filing;
  another owner's dossier cannot take them."""

import json
import subprocess

import dossiers as d
import harness as h

A, B = d.AGENCY, d.AGENCY_B
OWNER = "001098000123"          # CCCD: Ha Noi, a man born in 1998
OTHER = "0100233488"            # MST


def check_agencies(db):
    db.ctl("agency", "add", A, "UBND xã Tân Phú")
    db.ctl("agency", "add", B, "UBND xã Tân Hòa")
    db.refused("agency", "add", "000.00.53.H4", "x", says="is no organ code")
    db.refused("agency", "add", "000.00.53.h48", "x", says="is no organ code")
    h.check(A in db.ctl("agency", "list").stdout, "agency list names %s" % A)


def check_identifiers(db):
    """Every rule of lib/ident.c as the desk meets it: refused with its reason, nothing filed."""
    add = ["dossier", "add", "--agency", A, "--title", "t", "--received", "2026-10-01 09:00"]
    bad = [
        ("00109800012", "neither a CCCD (12 digits), a CMND (9 digits) nor an MST"),
        ("097098000123", "097 is no province code"),
        ("003098000123", "003 is no province code"),
        ("001405000123", "born in 2105"),
        ("01234567X", "neither a CCCD"),
        ("0100233480", "check digit (10th) should be 8, not 0"),
        ("0100000000", "digits 3 to 9 are all zero"),
        ("0110000010", "admit no check digit"),
        ("0314409058-000", "branch 000"),
        ("0314409058002", "after a dash: 0314409058-002"),
    ]
    for ident, says in bad:
        db.refused(*add, "--applicant", ident, says=says)
    db.refused(*add, "--applicant", "0100233488", "--id-kind", "cccd", says="a CCCD number is 12 digits")
    db.refused(*add, "--applicant", "012345678", "--id-kind", "passport", says="say cccd, cmnd or mst")
    db.refused(*add, "--applicant", "079303012345", "--id-kind", "mst", says="give it as a CCCD")
    h.check_eq(db.value("SELECT count(*) FROM dossier"), "0", "dossiers after the refusals")
    h.check_eq(db.value("SELECT count(*) FROM owner"), "0", "owners after the refusals")

    good = [("079303012345", None, "cccd"), ("012345678", None, "cmnd"), ("025123456789", "cmnd", "cmnd"),
            ("0100233488", None, "mst"), ("0314409058-002", None, "mst")]
    for ident, kind, stored in good:
        code = db.dossier(*add[2:], "--applicant", ident, *(["--id-kind", kind] if kind else []))
        h.check_eq(db.value("SELECT o.id_kind FROM dossier JOIN owner o USING (owner_id)"
                            " WHERE dossier_code = '%s'" % code), stored, "kind filed for %s" % ident)
    # The refusals took no number: the five codes of that day follow each other.
    h.check_eq([r[0] for r in db.query("SELECT dossier_code FROM dossier ORDER BY 1")],
               ["%s-261001-%04d" % (A, i) for i in range(1, 6)], "codes after refusals and acceptances")


def check_days(db):
    """The yymmdd is the day received in Vietnam (UTC+7); each agency and day counts from 0001."""
    base = ["--title", "t", "--applicant", OWNER]
    h.check_eq(db.dossier("--agency", A, "--received", "2026-11-03 23:30", *base), A + "-261103-0001", "late evening")
    h.check_eq(db.dossier("--agency", A, "--received", "2026-11-03T17:30:00Z", *base), A + "-261104-0001",
               "00:30 in Vietnam is the next day")
    h.check_eq(db.dossier("--agency", B, "--received", "2026-11-03 08:00", *base), B + "-261103-0001",
               "another agency, its own numbers")
    h.check_eq(db.dossier("--agency", A, "--received", "2026-11-03 08:00", *base), A + "-261103-0002",
               "the same day again")
    db.refused("dossier", "add", "--agency", "000.00.53.H50", *base, says="no agency 000.00.53.H50")
    db.refused("dossier", "add", "--agency", A, "--title", "t", says="--applicant are needed")


def waiting_sohoactl(db):
    return int(db.value("SELECT count(*) FROM pg_stat_activity WHERE application_name = 'sohoactl'"
                        " AND wait_event_type = 'Lock'"))


def check_concurrent_codes(db):
    """55 processes wait together on the day's counter row, held by another
    session; when it lets go, 50 get 0002..0051 once each and the 5 whose
    insert fails (end before start) leave no gap."""
    day = "2026-11-05"
    first = db.dossier("--agency", A, "--title", "first", "--applicant", OWNER, "--received", day + " 08:00")
    h.check_eq(first, A + "-261105-0001", "the day's first code")
    holder = subprocess.Popen(["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1",
                               db.conn + " application_name=holder"],
                              stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    procs = []
    try:
        holder.stdin.write("BEGIN;\nSELECT last FROM dossier_counter WHERE agency_code = '%s' AND day = '%s'"
                           " FOR UPDATE;\n" % (A, day))
        holder.stdin.flush()
        h.wait_for(lambda: db.value("SELECT count(*) FROM pg_stat_activity WHERE application_name = 'holder'"
                                    " AND state = 'idle in transaction'") == "1", 30, what="the holder's lock")
        for i in range(55):
            # Distinct applicants: the owner rows are not what they wait on.
            argv = [h.program("sohoactl"), "dossier", "add", "--db", db.conn, "--agency", A, "--title", "c%d" % i,
                    "--applicant", "001098%06d" % i, "--received", day + " 09:%02d" % (i % 60)]
            if i % 11 == 10:
                argv += ["--start-date", "2026-11-05", "--end-date", "2026-11-01"]
            procs.append(subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                          stdin=subprocess.DEVNULL))
        h.wait_for(lambda: waiting_sohoactl(db) == 55, 120, what="55 sohoactl waiting on the counter's lock")
        holder.stdin.write("COMMIT;\n")
        holder.stdin.close()
        h.check_eq(holder.wait(30), 0, "the holder's psql")
        outs = [p.communicate(timeout=120) + (p.returncode,) for p in procs]
    finally:
        for p in procs + [holder]:
            if p.poll() is None:
                p.kill()
    codes = [out.strip() for out, err, rc in outs if rc == 0]
    failed = [err for out, err, rc in outs if rc != 0]
    h.check_eq(len(codes), 50, "dossiers added")
    h.check_eq(len(set(codes)), 50, "distinct codes")
    h.check_eq(sorted(codes), ["%s-261105-%04d" % (A, n) for n in range(2, 52)], "codes 0002..0051, no gap")
    h.check_eq(len(failed), 5, "inserts refused")
    h.check(all("end date 2026-11-01 is before the start date" in e for e in failed), "their reason: %r" % failed)
    h.check(not any(d.SANITIZER.search(e) for _, e, _ in outs), "sanitizer reports from the 55")
    h.check_eq(db.value("SELECT last FROM dossier_counter WHERE agency_code = '%s' AND day = '%s'" % (A, day)),
               "51", "the counter")
    after = db.dossier("--agency", A, "--title", "after", "--applicant", OWNER, "--received", day + " 17:00")
    h.check_eq(after, A + "-261105-0052", "the next code after the crowd")


def check_results_and_store(db):
    """Documents and a result of one dossier, digitized by batches and filed under the owner."""
    code = db.dossier("--agency", A, "--title", "Đăng ký khai sinh", "--applicant", OWNER,
                      "--applicant-name", "Nguyễn Văn An", "--received", "2026-11-10 09:00")
    b1 = d.store_batch(db, 1, ["FORM", "BIRTHA", "BIRTHB"], dossier=code)
    b2 = d.store_batch(db, 2, ["RESULT"])
    other = db.dossier("--agency", A, "--title", "x", "--applicant", OTHER, "--received", "2026-11-10 10:00")
    b3 = d.store_batch(db, 3, ["ELSEWHERE"], dossier=other)

    out = db.ctl("component", "add", code, "--type-name", "Tờ khai", "--batch", b1, "--pages", "1").stdout
    h.check_eq(out.strip(), code + " component 1: digitized, 1 page, filed under " + OWNER, "component add")
    db.ctl("component", "add", code, "--type-name", "Giấy khai sinh", "--code-number", "123",
           "--code-notation", "KS", "--issued", "1998-05-02", "--batch", b1, "--pages", "2-3", "--code", "KS-0001")
    db.refused("component", "add", code, "--type-name", "x", "--batch", b1, "--pages", "3",
               says="already component 2 of dossier " + code)
    db.refused("component", "add", code, "--type-name", "x", "--batch", d.batch_uuid(99),
               says="no batch %s in the store" % d.batch_uuid(99))
    db.refused("component", "add", code, "--type-name", "x", "--batch", b3,
               says="was captured for dossier %s, not %s" % (other, code))
    db.refused("component", "add", code, "--type-name", "x", "--batch", b2, "--pages", "4-9",
               says="has no stored page in sequences 4-9")
    db.refused("component", "add", code, "--batch", "not-a-uuid", says="not a batch UUID")
    db.refused("component", "add", code, "--pages", "3-1", says="say FIRST-LAST")
    out = db.ctl("component", "add", code, "--type-name", "Sổ hộ khẩu").stdout
    h.check_eq(out.strip(), code + " component 3: not_digitized, 0 pages", "a component not digitized yet")

    db.refused("result", "add", code, "--batch", b2, says="the --code are needed")
    db.refused("result", "add", code, "--batch", b2, "--code", "KQ 1", says="use 1 to 64 letters, digits, . _ / -")
    db.refused("result", "add", code, "--batch", b2, "--code", "KS-0001",
               says="digitization code KS-0001 is already component 2 of dossier " + code)
    out = db.ctl("result", "add", code, "--batch", b2, "--code", "KQ-2026-0001",
                 "--type-name", "Giấy khai sinh (bản chính)").stdout
    h.check_eq(out.strip(), code + " result 4: digitized, 1 page, digitization code KQ-2026-0001, filed under "
               + OWNER, "result add")
    h.check_eq(db.query("SELECT is_result, digitization_code FROM component WHERE dossier_code = '%s'"
                        " AND doc_ordinal = 4" % code), [["t", "KQ-2026-0001"]], "the result's row")

    online = db.dossier("--agency", A, "--title", "online", "--applicant", OWNER, "--online",
                        "--received", "2026-11-11 09:00")
    db.refused("component", "add", online, "--type-name", "x", "--batch", b2, "--pages", "1",
               says="was received online: its documents are not scanned")
    db.ctl("component", "add", online, "--type-name", "Tờ khai điện tử")

    items = json.loads(db.ctl("store", "lookup", "--owner", OWNER, "--json").stdout)["items"]
    h.check_eq([(i["store_id"], i["kind"], i["type_name"], i["digitization_code"], i["doc_ordinal"], i["pages"])
                for i in items],
               [(1, "document", "Tờ khai", None, 1, 1), (2, "document", "Giấy khai sinh", "KS-0001", 2, 2),
                (3, "result", "Giấy khai sinh (bản chính)", "KQ-2026-0001", 4, 1)], "the owner's store")
    found = json.loads(db.ctl("store", "lookup", "--owner", OWNER, "--type", "giay khai sinh", "--json").stdout)
    h.check_eq([i["store_id"] for i in found["items"]], [2, 3], "--type without accents")
    h.check_eq(json.loads(db.ctl("store", "lookup", "--owner", OTHER, "--json").stdout)["items"], [],
               "another owner's store")
    db.refused("store", "lookup", "--owner", "0100233480", says="check digit")
    return code, items


def check_reuse(db, first, items):
    """A later dossier of the owner reuses the stored birth certificate and
    result: reused, not scanned; the store counts the reuse."""
    later = db.dossier("--agency", A, "--title", "Cấp lại", "--applicant", OWNER, "--received", "2026-11-20 09:00")
    links = db.value("SELECT count(*) FROM component_batch")
    filed = db.value("SELECT count(*) FROM store_item")
    out = db.ctl("component", "add", later, "--reuse", "2").stdout
    h.check_eq(out.strip(), later + " component 1: reused, 2 pages", "reuse by store id")
    out = db.ctl("component", "add", later, "--reuse", "KQ-2026-0001").stdout
    h.check_eq(out.strip(), later + " component 2: reused, 1 page", "reuse by digitization code")
    db.refused("component", "add", later, "--reuse", "2", says="is already component 1 of " + later)
    db.refused("component", "add", later, "--reuse", "99", says="nothing in the store is store item 99")
    db.refused("component", "add", later, "--reuse", "2", "--batch", d.batch_uuid(1), says="Usage")
    h.check_eq(db.value("SELECT count(*) FROM component_batch"), links, "batch links after reuse (no scan)")
    h.check_eq(db.value("SELECT count(*) FROM store_item"), filed, "store items after reuse (no new filing)")
    h.check_eq(db.query("SELECT doc_ordinal, state, pages FROM component_state WHERE dossier_code = '%s'"
                        " ORDER BY 1" % later), [["1", "reused", "2"], ["2", "reused", "1"]], "states of the reuse")
    shown = json.loads(db.ctl("dossier", "show", later, "--json").stdout)
    h.check_eq([(c["type_name"], c["state"], c["store_id"], c["reused_from_dossier"]) for c in shown["components"]],
               [("Giấy khai sinh", "reused", 2, first), ("Giấy khai sinh (bản chính)", "reused", 3, first)],
               "dossier show of the reuse")
    reused = {i["store_id"]: i["reused"] for i in
              json.loads(db.ctl("store", "lookup", "--owner", OWNER, "--json").stdout)["items"]}
    h.check_eq(reused, {1: 0, 2: 1, 3: 1}, "reuse counts in the store")

    stranger = db.dossier("--agency", A, "--title", "x", "--applicant", OTHER, "--received", "2026-11-21 09:00")
    db.refused("component", "add", stranger, "--reuse", "2", says="belongs to %s, not to %s" % (OWNER, OTHER))
    # Said to be the owner's document (a parent filing for a child): allowed.
    out = db.ctl("component", "add", stranger, "--reuse", "2", "--owner", OWNER).stdout
    h.check("reused" in out, "reuse with --owner: " + out)


def check_show_list_resolve(db, code):
    shown = json.loads(db.ctl("dossier", "show", code, "--json").stdout)
    h.check_eq((shown["dossier_code"], shown["agency_code"], shown["owner_id"], shown["owner_id_kind"],
                shown["owner_name"], shown["received_at"], shown["received_online"], shown["language"]),
               (code, A, OWNER, "cccd", "Nguyễn Văn An", "2026-11-10 09:00", False, "vi"), "dossier show")
    h.check_eq([(c["doc_ordinal"], c["kind"], c["state"], c["pages"]) for c in shown["components"]],
               [(1, "document", "digitized", 1), (2, "document", "digitized", 2), (3, "document", "not_digitized", 0),
                (4, "result", "digitized", 1)], "components shown")
    text = db.ctl("dossier", "show", code).stdout
    h.check("CCCD %s Nguyễn Văn An" % OWNER in text and "KS-0001" in text, "dossier show as text:\n" + text)
    db.refused("dossier", "show", A + "-261110-0999", says="no dossier")

    listed = json.loads(db.ctl("dossier", "list", "--owner", OWNER, "--month", "2026-11", "--json").stdout)
    h.check(code in [x["dossier_code"] for x in listed["dossiers"]], "list --owner --month has %s" % code)
    row = [x for x in listed["dossiers"] if x["dossier_code"] == code][0]
    h.check_eq((row["components"], row["components_available"], row["results_digitized"]), (3, 2, 1),
               "list's component figures")
    h.check_eq(json.loads(db.ctl("dossier", "list", "--month", "2026-09", "--json").stdout)["dossiers"], [],
               "a month without dossiers")
    db.refused("dossier", "list", "--month", "2026-13", says="say YYYY-MM")

    db.refused("dossier", "resolve", code, "--at", "2026-11-09 09:00", says="was received after 2026-11-09 09:00")
    h.check_eq(db.ctl("dossier", "resolve", code, "--at", "2026-11-25 16:00").stdout.strip(),
               code + " resolved at 2026-11-25 16:00", "resolve")
    db.refused("dossier", "resolve", code, says="already resolved at 2026-11-25 16:00")


def main():
    db = d.Db()
    check_agencies(db)
    check_identifiers(db)
    check_days(db)
    check_concurrent_codes(db)
    code, items = check_results_and_store(db)
    check_reuse(db, code, items)
    check_show_list_resolve(db, code)


h.run_test(main)
