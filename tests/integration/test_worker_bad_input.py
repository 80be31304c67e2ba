"""Input the worker cannot process is still stored, raw: a truncated TIFF, a
PNG with a bad CRC, a PNG header claiming 60000 x 60000 pixels and an empty
file are each stored failed with their original bytes and a clear reason,
and the worker goes on serving (a good page after them is stored with its
text); a page whose OCR passes the time limit is stored failed with its
original bytes and its image-only PDF."""

import hashlib
import struct
import subprocess
import zlib

import harness as h
from workerstack import WorkerStack, render

from PIL import Image


def png_chunk(kind, data):
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def make_bad_files(clean_png):
    d = h.path("bad")
    d.mkdir()
    files = {}
    tiff = d / "full.tif"
    Image.open(clean_png).save(tiff, compression="tiff_lzw", dpi=(300, 300))
    data = tiff.read_bytes()
    files["truncated TIFF"] = d / "truncated.tif"
    files["truncated TIFF"].write_bytes(data[: len(data) // 2])

    data = bytearray(clean_png.read_bytes())
    idat = data.index(b"IDAT")
    data[idat + 4 + 100] ^= 0xFF  # inside the chunk's data: its CRC no longer matches
    files["PNG with a bad CRC"] = d / "badcrc.png"
    files["PNG with a bad CRC"].write_bytes(bytes(data))

    ihdr = struct.pack(">IIBBBBB", 60000, 60000, 8, 0, 0, 0, 0)
    files["60000x60000 header"] = d / "huge.png"
    files["60000x60000 header"].write_bytes(b"\x89PNG\r\n\x1a\n" + png_chunk(b"IHDR", ihdr)
                                            + png_chunk(b"IDAT", zlib.compress(b"\0" * 64))
                                            + png_chunk(b"IEND", b""))
    files["zero bytes"] = d / "empty.png"
    files["zero bytes"].write_bytes(b"")
    return files


def sha(data):
    return hashlib.sha256(data).hexdigest()


def check_failed(s, u, path, reason_part, kinds):
    row = s.page(u, "status, failure_reason, ocr_text IS NULL")
    h.check(row is not None, "a row for %s" % path)
    h.check_eq((row[0], row[2]), ("failed", "t"), "status and text of %s" % path)
    h.check(reason_part in row[1], "reason for %s mentions %r: %r" % (path, reason_part, row[1]))
    h.check_eq(s.blob_kinds(u), kinds, "blobs of %s" % path)
    original = s.blob(u, "original").read_bytes() if "original" in kinds else b""
    h.check_eq(sha(original), sha(path.read_bytes()), "original bytes kept for %s" % path)
    return row[1]


def main():
    pages = render("clean", "one_line")
    bad = make_bad_files(pages["clean"])
    s = WorkerStack()
    w = s.worker("w1")

    expect = {"truncated TIFF": "decode: image header is truncated or corrupt",
              "PNG with a bad CRC": "decode: image data is truncated or corrupt",
              "60000x60000 header": "decode: image is larger than the configured limit (30000 pixels a side",
              "zero bytes": "decode: image is empty"}
    for what, path in bad.items():
        spooled, events, _ = s.send([path], "desk")
        u = spooled[0]
        h.check_eq([e[0] for e in events.get(u, [])], ["stored_failed"], "outcome of the %s" % what)
        reason = check_failed(s, u, path, expect[what], ["original"])
        h.check_eq(events[u][0][1], reason, "reason sent back to the sender for the %s" % what)
        print("%s: %s" % (what, reason))

    # The worker keeps serving: a good page after the bad ones.
    spooled, events, _ = s.send([pages["clean"]], "desk")
    h.check_eq([e[0] for e in events.get(spooled[0], [])], ["stored"], "a good page after the bad ones")
    h.check_ge(int(s.page(spooled[0], "length(ocr_text)")[0]), 800, "text of the good page")
    h.check(w.running, "worker still serving")

    # OCR past its time limit: failed, original and image-only PDF kept.
    w.term()
    w2 = s.worker("w2", sets=["worker.ocr_time_limit=1ms"])
    spooled, events, _ = s.send([pages["one_line"]], "desk")
    u = spooled[0]
    h.check_eq([e[0] for e in events.get(u, [])], ["stored_failed"], "outcome of the OCR time-out")
    reason = check_failed(s, u, pages["one_line"], "OCR time limit", ["original", "pdf"])
    h.check_eq(reason, "OCR time limit (1 ms)", "reason of the OCR time-out")
    pdf = s.blob(u, "pdf")
    h.check(pdf.read_bytes().startswith(b"%PDF-1."), "the image-only PDF is a PDF")
    txt = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    h.check_eq(txt.strip(), "", "no text layer after the OCR time-out")
    h.check(w2.running, "second worker still serving")
    h.check_eq(s.pg.value("SELECT count(*) FILTER (WHERE status = 'failed') || '/' || count(*) FROM page", s.db),
               "5/6", "failed pages of all stored")


h.run_test(main)
