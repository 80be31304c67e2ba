"""What the dossier tests share (test_dossier.py, test_report.py,
test_export_meta.py): a migrated throwaway database with agencies, sohoactl
run against it, and batches of pages stored through workers/store.c
(sohoa-storetool), each page a small real PDF whose one line of text names
it, so that a merged export can be read back page by page."""

import json
import re

import harness as h

STORETOOL = "tests/helpers/sohoa-storetool"
AGENCY = "000.00.53.H48"
AGENCY_B = "000.00.53.H49"
SANITIZER = re.compile(r"AddressSanitizer|LeakSanitizer|runtime error: ")


class Db:
    """A cluster with one migrated database; sohoactl pointed at it."""

    def __init__(self, name="sohoa"):
        self.pg = h.PgCluster().start()
        self.db = self.pg.createdb(name)
        self.conn = self.pg.connstring(self.db)
        self.ctl("db", "migrate")

    def ctl(self, *args, check=True):
        """sohoactl ARGS --db CONN; the CompletedProcess. Refusals must exit 1
        with a message and no sanitizer report."""
        args = [str(a) for a in args]
        cp = h.run(["sohoactl"] + args + ["--db", self.conn], check=check)
        h.check(not SANITIZER.search(cp.stderr), "sanitizer report from sohoactl %s:\n%s" % (args, cp.stderr))
        return cp

    def refused(self, *args, says):
        """sohoactl ARGS must exit 1 and say `says` on stderr; returns stderr."""
        cp = self.ctl(*args, check=False)
        h.check_eq(cp.returncode, 1, "exit status of sohoactl %s (stderr: %s)" % (list(args), cp.stderr.strip()))
        h.check(says in cp.stderr, "sohoactl %s says %r, got:\n%s" % (list(args), says, cp.stderr))
        return cp.stderr

    def dossier(self, *args):
        """`dossier add` ARGS; the new code."""
        return self.ctl("dossier", "add", *args).stdout.strip()

    def value(self, sql):
        return self.pg.value(sql, self.db)

    def query(self, sql):
        return self.pg.query(sql, self.db)


def pdf(text):
    """A one-page PDF 1.4 whose page shows `text` (Helvetica, ASCII)."""
    content = b"BT /F1 24 Tf 72 720 Td (" + text.encode() + b") Tj ET"
    objs = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 5 0 R >> >>"
        b" /Contents 4 0 R >>",
        b"<< /Length %d >>\nstream\n" % len(content) + content + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out, offsets = b"%PDF-1.4\n", []
    for i, o in enumerate(objs):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % (i + 1) + o + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objs) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objs) + 1, xref)
    return out.decode()


def batch_uuid(n):
    return "ba7c0000-0000-4000-8000-%012x" % n


def page_uuid(batch, seq):
    return "9a9e0000-0000-4000-8000-%06x%06x" % (batch, seq)


def store_batch(db, n, words, dossier=None, failed=()):
    """Stores batch n: one page per word (sequence 1..), each a PDF showing
    its word, captured for `dossier` when given; sequences in `failed` are
    stored failed (no PDF). Returns the batch UUID."""
    cmds = []
    for seq, word in enumerate(words, 1):
        c = ["put", "--page", page_uuid(n, seq), "--batch", batch_uuid(n), "--seq", str(seq),
             "--image-data", "scan of %s" % word]
        if seq in failed:
            c += ["--failed", "decode error"]
        else:
            c += ["--pdf-data", pdf(word), "--text", word]
        if dossier:
            c += ["--dossier", dossier]
        if seq == len(words):
            c += ["--last"]
        cmds += (c + [";"])
    cp = h.run([STORETOOL, "--db", db.conn] + cmds[:-1])
    results = [json.loads(line)["result"] for line in cp.stdout.splitlines() if line.strip()]
    h.check_eq(results, ["stored"] * len(words), "pages of batch %d stored" % n)
    return batch_uuid(n)
