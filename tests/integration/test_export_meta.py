"""`sohoactl export DOSSIER` with its Decree 30/2020 Appendix VI metadata
(issue 11, item 9): a dossier whose documents were digitized out of batch
order, one not digitized, a result, and a page captured for it outside any
document; a later dossier reusing a stored document. The PDF follows the
documents; beside it FILE.pdf.meta.json and .xml carry the Appendix VI
fields and, under each document, its pages with their capture and PDF
SHA-256s (checked here against hashes computed from the bytes the test
stored); the XML says what the JSON says. `sohoactl verify` passes, and
fails on a changed XML, a changed JSON, a missing file and totals that do
not add up. A batch, and a dossier code with no dossier row, export as
before, without metadata."""

import hashlib
import json
import shutil
import subprocess
import xml.etree.ElementTree as ET

import dossiers as d
import harness as h

A = d.AGENCY
OWNER = "079303012345"


def sha(text):
    return hashlib.sha256(text.encode()).hexdigest()


def page_text(pdf, n):
    return subprocess.run(["pdftotext", "-f", str(n), "-l", str(n), str(pdf), "-"], capture_output=True, text=True,
                          check=True).stdout.strip()


def export(db, what, name):
    out = h.path(name)
    cp = db.ctl("export", what, "-o", out)
    return out, cp.stdout


def fixture(db):
    db.ctl("agency", "add", A, "UBND xã Tân Phú")
    d1 = db.dossier("--agency", A, "--title", "Đăng ký khai sinh", "--applicant", OWNER, "--received",
                    "2026-11-03 09:15", "--maintenance", "10 năm", "--rights", "Công khai")
    b1 = d.store_batch(db, 1, ["BIRTH", "FORM"], dossier=d1)
    db.ctl("component", "add", d1, "--type-name", "Tờ khai", "--batch", b1, "--pages", "2")
    db.ctl("component", "add", d1, "--type-name", "Giấy chứng sinh", "--code-number", "45",
           "--code-notation", "GCS", "--issued", "2026-10-30", "--organ", "Bệnh viện Từ Dũ",
           "--batch", b1, "--pages", "1", "--code", "GCS-0045")
    db.ctl("component", "add", d1, "--type-name", "Sổ hộ khẩu")
    db.ctl("result", "add", d1, "--batch", d.store_batch(db, 2, ["RESULT"]), "--code", "KQ-0001",
           "--subject", "Trích lục khai sinh")
    d.store_batch(db, 3, ["EXTRA"], dossier=d1)
    db.ctl("dossier", "resolve", d1, "--at", "2026-11-25 10:00")

    d2 = db.dossier("--agency", A, "--title", "Cấp lại", "--applicant", OWNER, "--received", "2026-11-28 09:00")
    db.ctl("component", "add", d2, "--reuse", "GCS-0045")
    db.ctl("component", "add", d2, "--type-name", "Đơn", "--batch", d.store_batch(db, 4, ["REQUEST"], dossier=d2))
    return d1, d2


def page(batch, seq, word, pdf_page):
    return {"PdfPage": pdf_page, "PageUuid": d.page_uuid(batch, seq), "CaptureSha256": sha("scan of " + word),
            "PdfPageSha256": sha(d.pdf(word))}


def check_d1(db, d1):
    pdf, out = export(db, d1, "d1.pdf")
    h.check("metadata %s.meta.json, %s.meta.xml" % (pdf, pdf) in out, "export names the metadata: " + out)
    h.check_eq([page_text(pdf, n) for n in range(1, 5)], ["FORM", "BIRTH", "RESULT", "EXTRA"],
               "PDF pages in document order, the other page last")
    meta = json.loads(h.path("d1.pdf.meta.json").read_text())
    h.check_eq((meta["format"], meta["Pdf"], meta["PdfSha256"]),
               ("sohoa-appendix6/1", "d1.pdf", hashlib.sha256(pdf.read_bytes()).hexdigest()), "the PDF it describes")
    h.check_eq(meta["File"], {
        "FileCode": d1, "OrganId": A, "OrganName": "UBND xã Tân Phú", "Title": "Đăng ký khai sinh",
        "Maintenance": "10 năm", "Rights": "Công khai", "Language": "vi", "StartDate": "2026-11-03",
        "EndDate": "2026-11-25", "DocTotal": 4, "PageTotal": 4, "Description": None, "OwnerId": OWNER,
        "OwnerIdKind": "cccd", "ReceivedAt": "2026-11-03T09:15:00+07:00", "ResolvedAt": "2026-11-25T10:00:00+07:00",
        "ReceivedOnline": False}, "File")
    docs = meta["Documents"]
    h.check_eq([(x["DocOrdinal"], x["TypeName"], x["PageAmount"], x["IsResult"], x["State"], x["DigitizationCode"])
                for x in docs],
               [(1, "Tờ khai", 1, False, "digitized", None), (2, "Giấy chứng sinh", 1, False, "digitized", "GCS-0045"),
                (3, "Sổ hộ khẩu", 0, False, "not_digitized", None), (4, "Kết quả giải quyết", 1, True, "digitized",
                                                                      "KQ-0001")], "Documents")
    h.check_eq((docs[1]["CodeNumber"], docs[1]["CodeNotation"], docs[1]["IssuedDate"], docs[1]["OrganName"]),
               ("45", "GCS", "2026-10-30", "Bệnh viện Từ Dũ"), "document 2's Appendix VI fields")
    h.check_eq(docs[3]["Subject"], "Trích lục khai sinh", "the result's Subject")
    h.check_eq([x["Pages"] for x in docs], [[page(1, 2, "FORM", 1)], [page(1, 1, "BIRTH", 2)], [],
                                            [page(2, 1, "RESULT", 3)]], "each document's pages and SHA-256s")
    h.check_eq(meta["OtherPages"], [page(3, 1, "EXTRA", 4)], "the page of no document")

    root = ET.parse(h.path("d1.pdf.meta.xml")).getroot()
    h.check_eq(root.tag, "Metadata", "XML root")
    h.check_eq((root.findtext("File/FileCode"), root.findtext("File/DocTotal"), root.findtext("File/Maintenance")),
               (d1, "4", "10 năm"), "XML File")
    h.check_eq([x.findtext("TypeName") for x in root.findall("Documents/Document")],
               [x["TypeName"] for x in docs], "XML documents")
    h.check_eq([[(p.findtext("PageUuid"), p.findtext("CaptureSha256"), p.findtext("PdfPageSha256"))
                 for p in x.findall("Pages/Page")] for x in root.findall("Documents/Document")],
               [[(p["PageUuid"], p["CaptureSha256"], p["PdfPageSha256"]) for p in x["Pages"]] for x in docs],
               "XML pages and SHA-256s")
    h.check(root.find("File/Description") is not None and root.findtext("File/Description") == "",
            "a null field is an empty element")

    manifest = json.loads(h.path("d1.pdf.json").read_text())
    h.check_eq(manifest["metadata"], {
        "json": "d1.pdf.meta.json", "json_sha256": hashlib.sha256(h.path("d1.pdf.meta.json").read_bytes()).hexdigest(),
        "xml": "d1.pdf.meta.xml", "xml_sha256": hashlib.sha256(h.path("d1.pdf.meta.xml").read_bytes()).hexdigest()},
        "the manifest names the metadata with its SHA-256s")
    h.check_eq([p["page_uuid"] for p in manifest["pages"]],
               [d.page_uuid(1, 2), d.page_uuid(1, 1), d.page_uuid(2, 1), d.page_uuid(3, 1)], "manifest pages")
    out = db.ctl("verify", pdf, h.path("d1.pdf.json")).stdout
    h.check("ok: metadata JSON and XML as exported, and saying the same" in out and
            "ok: metadata lists the 4 pages under their 4 documents" in out, "verify's metadata checks:\n" + out)
    return pdf


def tampered(db, pdf, change, *says):
    """Change the export's files, verify them (it must fail saying each of
    `says`), put them back."""
    names = ["d1.pdf.json", "d1.pdf.meta.json", "d1.pdf.meta.xml"]
    for n in names:
        shutil.copy(h.path(n), h.path(n + ".orig"))
    change()
    cp = db.ctl("verify", pdf, h.path("d1.pdf.json"), check=False)
    h.check_eq(cp.returncode, 1, "verify's exit status after: %s\n%s" % (says, cp.stdout))
    for s in says:
        h.check(s in cp.stderr, "verify says %r:\n%s" % (s, cp.stderr))
    for n in names:
        shutil.move(h.path(n + ".orig"), h.path(n))


def rehash(key, name):
    m = json.loads(h.path("d1.pdf.json").read_text())
    m["metadata"][key] = hashlib.sha256(h.path(name).read_bytes()).hexdigest()
    h.path("d1.pdf.json").write_text(json.dumps(m))


def check_tampering(db, pdf):
    xml, meta = h.path("d1.pdf.meta.xml"), h.path("d1.pdf.meta.json")

    def edit_xml():
        xml.write_text(xml.read_text().replace("<Maintenance>10 năm</Maintenance>", "<Maintenance>5 năm</Maintenance>"))
        rehash("xml_sha256", "d1.pdf.meta.xml")

    def edit_json():
        meta.write_text(meta.read_text().replace('"10 năm"', '"5 năm"'))

    def swap_pages():
        m = json.loads(meta.read_text())
        m["Documents"][0]["Pages"], m["Documents"][1]["Pages"] = m["Documents"][1]["Pages"], m["Documents"][0]["Pages"]
        m["Documents"][2]["PageAmount"] = 3
        meta.write_text(json.dumps(m, ensure_ascii=False, indent=2) + "\n")
        rehash("json_sha256", "d1.pdf.meta.json")

    tampered(db, pdf, edit_xml, "metadata: the XML does not say what the JSON says")
    tampered(db, pdf, edit_json, "d1.pdf.meta.json: the manifest says SHA-256")
    tampered(db, pdf, lambda: xml.unlink(), "d1.pdf.meta.xml: No such file")
    tampered(db, pdf, swap_pages, "document 3's PageAmount does not count its 0 pages",
             "the page at place 1 does not say PdfPage 1")
    db.ctl("verify", pdf, h.path("d1.pdf.json"))


def check_reuse_and_others(db, d1, d2):
    pdf, _ = export(db, d2, "d2.pdf")
    h.check_eq([page_text(pdf, n) for n in (1, 2)], ["BIRTH", "REQUEST"], "the reused document's page, then the scan")
    docs = json.loads(h.path("d2.pdf.meta.json").read_text())["Documents"]
    h.check_eq([(x["State"], x["ReusedFromDossier"], x["ReusedFromDocOrdinal"], x["ReusedFromCode"], x["Pages"])
                for x in docs],
               [("reused", d1, 2, "GCS-0045", [page(1, 1, "BIRTH", 1)]),
                ("digitized", None, None, None, [page(4, 1, "REQUEST", 2)])], "the reuse in the metadata")
    db.ctl("verify", pdf, h.path("d2.pdf.json"))

    pdf, out = export(db, d.batch_uuid(1), "b1.pdf")
    h.check("metadata" not in json.loads(h.path("b1.pdf.json").read_text()), "a batch's manifest names no metadata")
    h.check(not h.path("b1.pdf.meta.json").exists(), "no metadata for a batch")
    db.ctl("verify", pdf, h.path("b1.pdf.json"))

    loose = A + "-261103-0999"
    d.store_batch(db, 5, ["LOOSE"], dossier=loose)
    pdf, out = export(db, loose, "loose.pdf")
    h.check("no Appendix VI metadata: dossier %s is not registered" % loose in out, "export says so: " + out)
    h.check(not h.path("loose.pdf.meta.json").exists(), "no metadata for an unregistered dossier")
    db.ctl("verify", pdf, h.path("loose.pdf.json"))


def main():
    db = d.Db()
    d1, d2 = fixture(db)
    pdf = check_d1(db, d1)
    check_tampering(db, pdf)
    check_reuse_and_others(db, d1, d2)


h.run_test(main)
