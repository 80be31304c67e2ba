"""`sohoactl db migrate` and `sohoactl search` on a throwaway cluster, with
pages stored through workers/store.c (sohoa-storetool): migrations apply once
and are a no-op the second time; a query without accents finds the accented
text; the page with the accents as typed ranks first; a phrase with one
syllable damaged by OCR still matches; an unrelated query finds nothing;
--dossier and --since filter."""

import json

import harness as h

STORETOOL = "tests/helpers/sohoa-storetool"
BATCH = "5ea4c000-0000-4000-8000-000000000001"

PAGES = {
    "5ea4c000-0000-4000-8000-000000000011":
        ("ỦY BAN NHÂN DÂN xã Tân Phú. Cấp giấy chứng nhận quyền sử dụng đất cho ông Nguyễn Văn An,"
         " thửa đất số 123.", "000.00.53.H48-240105-0001"),
    "5ea4c000-0000-4000-8000-000000000012":
        ("Uy ban kiem tra ho so, ban khong dau cua van ban.", "000.00.53.H48-240105-0002"),
    "5ea4c000-0000-4000-8000-000000000013":
        ("Hợp đồng mua bán xe máy giữa hai bên, có công chứng.", "000.00.53.H48-240105-0002"),
}
FAILED_PAGE = "5ea4c000-0000-4000-8000-000000000014"


def search(conn, *args):
    cp = h.run(["sohoactl", "search", "--json", "--db", conn] + list(args))
    try:
        return json.loads(cp.stdout)["hits"]
    except (ValueError, KeyError) as e:
        h.fail("sohoactl search --json printed no hits (%s):\n%s" % (e, cp.stdout))


def pages_of(hits):
    return [hit["page_uuid"] for hit in hits]


def main():
    pg = h.PgCluster().start()
    db = pg.createdb("sohoa_search")
    conn = pg.connstring(db)

    cp = h.run(["sohoactl", "db", "migrate", "--db", conn])
    applied = [line for line in cp.stdout.splitlines() if line.startswith("applied ")]
    h.check_ge(len(applied), 3, "migrations applied the first time")
    h.check_eq(applied[:3], ["applied 001-core.sql", "applied 002-verdict.sql", "applied 003-search.sql"],
               "migrations, in order")
    versions = pg.query("SELECT version FROM schema_migrations ORDER BY version", db)
    h.check_eq(len(versions), len(applied), "versions recorded")
    cp = h.run(["sohoactl", "db", "migrate"], env={"SOHOA_DB": conn})
    h.check(not any(line.startswith("applied") for line in cp.stdout.splitlines()),
            "second migrate applies nothing, printed:\n" + cp.stdout)
    h.check("up to date" in cp.stdout, "second migrate says up to date")
    h.check_eq(pg.query("SELECT version FROM schema_migrations ORDER BY version", db), versions,
               "versions after the second migrate")

    cmds = []
    for i, (page, (text, dossier)) in enumerate(sorted(PAGES.items())):
        cmds += ["put", "--page", page, "--batch", BATCH, "--seq", str(i + 1), "--sheet", str(i + 1),
                 "--image-data", "img%d" % i, "--text", text, "--dossier", dossier, ";"]
    # A failed page has no text and is never a hit, even though its reason has words.
    cmds += ["put", "--page", FAILED_PAGE, "--batch", BATCH, "--seq", "4", "--failed", "Ủy ban: decode error",
             "--image-data", "raw"]
    h.run([STORETOOL, "--db", conn] + cmds)

    ids = sorted(PAGES)
    hits = search(conn, "uy", "ban")
    h.check_eq(sorted(pages_of(hits)), [ids[0], ids[1]], "pages found by 'uy ban'")
    accented = [hit for hit in hits if hit["page_uuid"] == ids[0]][0]
    h.check("[ỦY] [BAN]" in accented["snippet"], "snippet marks the accented words: %r" % accented["snippet"])

    hits = search(conn, "Ủy ban")
    h.check_eq(pages_of(hits), [ids[0], ids[1]], "'Ủy ban': the page with the accents ranks first")
    h.check_eq([hit["match"] for hit in hits], ["exact", "unaccented"], "kinds of match for 'Ủy ban'")
    h.check(hits[0]["score_micro"] > hits[1]["score_micro"], "exact scores above unaccented: %r" % hits)

    hits = search(conn, "giấy chứng nhặn quyền sử dụng đất")
    h.check_eq(pages_of(hits), [ids[0]], "phrase with a wrong accent on one syllable")
    hits = search(conn, "giấy", "chứnq", "nhận", "quyền", "sử", "dụng", "đất")
    h.check_eq(pages_of(hits), [ids[0]], "phrase with one syllable damaged by OCR (g read as q)")
    h.check_eq(hits[0]["match"], "fuzzy", "the damaged phrase matched through trigrams")

    h.check_eq(search(conn, "đăng ký kết hôn"), [], "a phrase that is in no page")
    h.check_eq(search(conn, "nguyen van binh"), [], "another person's name")
    h.check_eq(search(conn, "decode"), [], "a failed page's reason is not its text")
    h.check_eq(search(conn, "x' OR 1=1 --"), [], "a query with SQL in it is only words")

    h.check_eq(sorted(pages_of(search(conn, "ban", "--dossier", "000.00.53.H48-240105-0002"))), [ids[1], ids[2]],
               "pages of one dossier with 'ban'")
    h.check_eq(search(conn, "ban", "--since", "2999-01-01"), [], "--since in the future")
    h.check_eq(len(search(conn, "ban", "--since", "2000-01-01")), 3, "--since in the past")
    h.check_eq(len(search(conn, "ban", "--limit", "1")), 1, "--limit 1")

    cp = h.run(["sohoactl", "search", "--db", conn, "uy", "ban"])
    h.check("2 hits" in cp.stdout, "table output counts the hits:\n" + cp.stdout)
    cp = h.run(["sohoactl", "search", "--db", conn, "ban", "--since", "not a date"], check=False)
    h.check_eq(cp.returncode, 1, "exit status on a bad --since")


h.run_test(main)
