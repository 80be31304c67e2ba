"""The worker's page pipeline on rendered Vietnamese pages (tests/data/render.py)
through sohoa-pagetool: orientation, skew within 0.1 degree, blank flags, the
character error rate (<= 2% clean, <= 5% degraded) and the searchable PDF
(pdftotext finds the text; text and blank pages are a G4 stencil of the ink
at full size over a JPEG background at 200 dpi in the page's colour or
grey; without that, one JPEG or lossless picture at full page size, and a
baseline JPEG input embedded as it is; line-art G4; PDF >= 1.4; page size
from the dpi). Real scans of tests are measured and
printed; only what is reliably true of them is asserted."""

import difflib
import json
import os
import re
import shutil
import subprocess

import harness as h
from pagecheck import ENV, PYTHON, cer, pagetool

# More pages made from rendered ones (Debian's python3-pil, as render.py): a
# colour scan with mild scanner noise (a noise-free page compresses well
# whatever the encoding; a real one does not), line-art, a 1 bpp G4 TIFF,
# the page in 6 pt print (25 px at 300 dpi), too small to be read at half
# resolution and to be oriented by Leptonica, upright and upside down, and a
# page in English (the worker reads vie+eng: vie alone misreads English).
DERIVE = """
import sys
from PIL import Image, ImageChops
colour, clean, scan, lineart, render_dir, small, small_truth = sys.argv[1:8]
img = Image.open(colour).convert("RGB")
noise = Image.merge("RGB", [Image.effect_noise(img.size, 4) for _ in range(3)])
ImageChops.add(img, noise, scale=1.0, offset=-128).save(scan, dpi=(300, 300))
Image.open(clean).point(lambda v: 255 if v >= 128 else 0).convert("1").save(
    lineart, compression="group4", dpi=(300, 300))
sys.path.insert(0, render_dir)
import render
page, truth = render.full_page(size=25)
page.save(small, dpi=(300, 300))
page.transpose(Image.Transpose.ROTATE_180).save(small.replace(".png", "_ud.png"), dpi=(300, 300))
open(small_truth, "w", encoding="utf-8").write(truth)
page, truth = render.text_page([
    "SOCIALIST REPUBLIC OF VIET NAM", "Independence - Freedom - Happiness",
    "APPLICATION FOR A CERTIFICATE OF LAND USE RIGHTS",
    "To: The People's Committee of Dong Anh District, Hanoi.",
    "My name is Nguyen Thi Hong Nhung, born in 1978, citizen identity card number 001178012345 "
    "issued by the Police Department for Administrative Management of Social Order on 15 March 2021.",
    "I hereby request a certificate of land use rights for parcel number 127, map sheet 09, "
    "with an area of 184.5 square metres, enclosing the parcel diagram and the fee receipts."])
page.save(small.replace("small_print.png", "english.png"), dpi=(300, 300))
open(small_truth.replace("small_print.txt", "english.txt"), "w", encoding="utf-8").write(truth)
"""


def derive_pages(pages_dir, manifest):
    scan, lineart = pages_dir / "colour_scan.png", pages_dir / "line_art.tif"
    small, small_truth = pages_dir / "small_print.png", pages_dir / "small_print.txt"
    h.run([PYTHON, "-c", DERIVE, manifest["colour_paper"]["image"], manifest["clean"]["image"],
           str(scan), str(lineart), str(h.data("render.py").parent), str(small), str(small_truth)],
          timeout=60)
    manifest["colour_scan"] = dict(manifest["colour_paper"], image=str(scan))
    manifest["line_art"] = dict(manifest["clean"], image=str(lineart))
    manifest["small_print"] = dict(manifest["clean"], image=str(small),
                                   truth=small_truth.read_text(encoding="utf-8"))
    manifest["english"] = dict(manifest["clean"], image=str(pages_dir / "english.png"),
                               truth=(pages_dir / "english.txt").read_text(encoding="utf-8"))
    manifest["small_print_ud"] = dict(manifest["small_print"], image=str(pages_dir / "small_print_ud.png"),
                                      rotate=180)


def word_boxes(pdf):
    """(text, xMin, yMin) of each word of pdf's text layer, in points."""
    out = subprocess.run(["pdftotext", "-bbox", "-enc", "UTF-8", pdf, "-"], capture_output=True,
                         text=True, check=True).stdout
    return [(m.group(3), float(m.group(1)), float(m.group(2))) for m in
            re.finditer(r'<word xMin="([\d.]+)" yMin="([\d.]+)"[^>]*>([^<]*)</word>', out)]


def check_reduced_read(results, pdf_dir):
    """Grey and colour 300 dpi pages with body text are read at 150 dpi;
    their text layer lies where the same page's words lie when read at
    300 dpi (line_art: the clean page in 1 bpp, which is always read at its
    own resolution); 6 pt print is read again at 300 dpi."""
    for name in ("clean", "noise", "colour_scan", "skew_p5", "upside_down"):
        h.check_eq((results[name]["ocr_dpi"], results[name]["ocr_reads"]), (150, 1),
                   "%s read at (dpi, times)" % name)
    h.check_eq((results["line_art"]["ocr_dpi"], results["line_art"]["ocr_reads"]), (300, 1),
               "line_art read at (dpi, times)")
    # Small print is known small before reading (the x-height of its
    # marks): read once, at full resolution, not reduced and then again.
    h.check_eq((results["small_print"]["ocr_dpi"], results["small_print"]["ocr_reads"]), (300, 1),
               "small_print read at (dpi, times)")
    # Leptonica cannot tell which way up 6 pt print is; OSD and a reading
    # each way it and Leptonica point settle it.
    for name in ("small_print", "small_print_ud"):
        h.check_eq((results[name]["orient_method"], results[name]["rotate"]),
                   ("reading", 0 if name == "small_print" else 180), "%s (orientation method, rotation)" % name)
    reduced = word_boxes(str(pdf_dir / "clean.pdf"))
    full = word_boxes(str(pdf_dir / "line_art.pdf"))
    h.check_ge(len(reduced), 200, "words in clean.pdf's text layer")
    match = difflib.SequenceMatcher(None, [w[0] for w in reduced], [w[0] for w in full], autojunk=False)
    pairs = [(reduced[b.a + i], full[b.b + i]) for b in match.get_matching_blocks() for i in range(b.size)]
    h.check_ge(len(pairs), 0.9 * len(full), "words of clean.pdf found in line_art.pdf")
    worst = max(max(abs(a[1] - b[1]), abs(a[2] - b[2])) for a, b in pairs)
    print("text layer read at 150 against 300 dpi: %d words, at most %.2f pt apart" % (len(pairs), worst))
    h.check_le(worst, 2.0, "largest distance in points between a word read at 150 and 300 dpi")


def check_pdf(pdf, page, truth):
    info = subprocess.run(["pdfinfo", pdf], capture_output=True, text=True, check=True).stdout
    version = float(re.search(r"PDF version:\s+([\d.]+)", info).group(1))
    h.check_ge(version, 1.4, "%s PDF version" % pdf)
    w_pt, h_pt = map(float, re.search(r"Page size:\s+([\d.]+) x ([\d.]+) pts", info).groups())
    # 100% scale: points = pixels * 72 / dpi (the pipeline keeps the size).
    h.check(abs(w_pt - page["width"] * 72.0 / page["dpi"]) < 1.0 and
            abs(h_pt - page["height"] * 72.0 / page["dpi"]) < 1.0 or
            abs(w_pt - page["height"] * 72.0 / page["dpi"]) < 1.0 and
            abs(h_pt - page["width"] * 72.0 / page["dpi"]) < 1.0,
            "%s page size %.1fx%.1f pt for %dx%d px at %d dpi" % (pdf, w_pt, h_pt, page["width"],
                                                                   page["height"], page["dpi"]))
    images = [l.split() for l in subprocess.run(["pdfimages", "-list", pdf], capture_output=True, text=True,
                                                 check=True).stdout.splitlines()[2:]]
    # page num type width height color comp bpc enc interp object ID x-ppi y-ppi ...
    # The page as scanned: colour stays colour, grey grey. A text or blank
    # page: its ink as a 1 bpp G4 stencil at full size over a JPEG
    # background at 200 dpi (the rules' least); otherwise one picture at
    # full size (JPEG, or lossless Flate for a noise-free page when
    # smaller), line-art 1 bpp G4.
    expected = {"colour": ("rgb", 8), "grey": ("gray", 8), "bilevel": ("gray", 1)}[page["kind"]]
    if page.get("pdf_picture") == "mrc":
        h.check(1 <= len(images) <= 2, "%s: background and at most one stencil: %s" % (pdf, images))
        bg = images[0]
        h.check((bg[2], bg[5], int(bg[7]), bg[8]) == ("image",) + expected + ("jpeg",),
                "%s background (type, colour, bpc, enc) of a %s page: %s" % (pdf, page["kind"], bg[2:9]))
        h.check(int(bg[12]) >= 200 and int(bg[13]) >= 200, "%s background at %s x %s ppi" % (pdf, bg[12], bg[13]))
        if len(images) == 2:
            m = images[1]
            h.check(m[2] == "stencil" and m[8] == "ccitt" and sorted((int(m[3]), int(m[4]))) ==
                    sorted((page["width"], page["height"])), "%s ink: full-size G4 stencil: %s" % (pdf, m[2:9]))
        enc = "mrc"
    else:
        h.check_eq(len(images), 1, "%s images" % pdf)
        cols = images[0]
        iw, ih, colour, bpc, enc = int(cols[3]), int(cols[4]), cols[5], int(cols[7]), cols[8]
        encodings = ("ccitt",) if page["kind"] == "bilevel" else ("jpeg", "image")
        h.check(expected == (colour, bpc) and enc in encodings, "%s image (colour, bpc, enc) of a %s page: %s"
                % (pdf, page["kind"], (colour, bpc, enc)))
        h.check(sorted((iw, ih)) == sorted((page["width"], page["height"])),
                "%s image %dx%d is the full page %dx%d" % (pdf, iw, ih, page["width"], page["height"]))
    if truth:
        text = subprocess.run(["pdftotext", "-enc", "UTF-8", pdf, "-"], capture_output=True,
                              text=True, check=True).stdout
        h.check_le(cer(truth, text), 0.05, "%s pdftotext CER" % pdf)
    return enc


def check_encodings(manifest, results, pdf_dir):
    """Text and blank pages are ink over a background (mrc), line-art G4.
    Without that (--no-mrc): scans (noise) are JPEG; a noise-free page is
    stored lossless when that is smaller (text on plain paper is), pixel
    for pixel, and its PDF is smaller than the same page in JPEG; a
    deskewed noise-free page is JPEG (rotation blurs it: lossless would be
    larger)."""
    for name in ("clean", "noise", "grey_background", "colour_scan", "skew_p5", "upside_down", "one_line",
                 "blank_back", "blank_white"):
        h.check_eq(results[name]["enc"], "mrc", "%s encoding" % name)
    h.check_eq(results["line_art"]["enc"], "ccitt", "line_art encoding")
    whole = h.path("whole")
    whole.mkdir()
    names = ("noise", "grey_background", "colour_scan", "skew_p5", "blank_back", "clean", "upside_down",
             "one_line", "blank_white")
    wr = pagetool([manifest[n]["image"] for n in names], whole, timeout=200, flags=["--no-ocr", "--no-mrc"])
    for name in names[:5]:
        h.check_eq(wr[name]["pdf_picture"], "jpeg", "%s encoding without mrc" % name)
    for name in names[5:]:
        h.check_eq(wr[name]["pdf_picture"], "flate", "%s encoding without mrc (Flate)" % name)
    extract = h.path("lossless")
    extract.mkdir()
    h.run(["pdfimages", "-png", str(whole / "clean.pdf"), str(extract / "clean")], timeout=60)
    same = h.run([PYTHON, "-c", "import sys; from PIL import Image, ImageChops; "
                  "a, b = (Image.open(f).convert('L') for f in sys.argv[1:3]); "
                  "print(a.size == b.size and ImageChops.difference(a, b).getbbox() is None)",
                  str(extract / "clean-000.png"), manifest["clean"]["image"]], timeout=60).stdout.strip()
    h.check_eq(same, "True", "clean.pdf's image without mrc is the page, pixel for pixel")
    jpeg = h.run(["workers/sohoa-pagetool", "--no-ocr", "--jpeg-quality", "50", "--no-lossless", "--no-mrc",
                  manifest["clean"]["image"]], timeout=60, env=ENV)
    h.check_le(wr["clean"]["pdf_size"], json.loads(jpeg.stdout)["pdf_size"],
               "clean.pdf (lossless) against the same page in JPEG")
    # Ink over a background beats both.
    for name in names:
        h.check_le(results[name]["pdf_size"], wr[name]["pdf_size"], "%s: mrc against one picture" % name)


def check_legible(manifest, pdf_dir):
    """What the PDF shows reads as well as the page: Tesseract on the PDF's
    picture (pdftoppm at 300 dpi) of the noisy grey page and of the colour
    scan on tinted paper (dark ink there has some chroma: it must stay ink,
    not be taken for a coloured mark) reads within the clean-page bound."""
    shown = h.path("shown")
    shown.mkdir()
    for name in ("noise", "colour_scan"):
        png = shown / name
        h.run(["pdftoppm", "-r", "300", "-singlefile", "-png", str(pdf_dir / (name + ".pdf")), str(png)], timeout=120)
        cp = h.run(["tesseract", str(png) + ".png", "-", "--psm", "3", "-l", "vie+eng"], timeout=300, env=ENV)
        c = cer(manifest[name]["truth"], cp.stdout)
        print("%s: Tesseract on the PDF's picture, CER %.2f%%" % (name, 100 * c))
        h.check_le(c, 0.02, "%s CER of the PDF's picture" % name)


def main():
    if not shutil.which("pdfinfo"):
        h.skip("poppler-utils (pdfinfo, pdfimages, pdftotext) not installed")
    pages_dir = h.path("pages")
    h.run([PYTHON, h.data("render.py"), pages_dir], timeout=60)
    manifest = json.loads((pages_dir / "manifest.json").read_text(encoding="utf-8"))
    derive_pages(pages_dir, manifest)
    pdf_dir = h.path("pdf")
    pdf_dir.mkdir()
    results = pagetool([m["image"] for m in manifest.values()], pdf_dir, timeout=800)

    for name, m in manifest.items():
        r = results.get(name)
        h.check(r is not None and "error" not in r, "%s processed: %s" % (name, r))
        text = r["text"]
        print("%-16s blank=%-5s marks=%-4d rotate=%-3d (%s %.1f) skew=%+.3f conf=%.1f CER=%s ms=%s"
              % (name, r["blank"], r["blank_marks"], r["rotate"], r["orient_method"], r["orient_conf"],
                 r["skew"], r["skew_conf"],
                 "%.4f" % cer(m["truth"], text) if m["truth"] else "-", r["timings_ms"]))
        h.check_eq(r["blank"], m["blank"], "%s blank flag" % name)
        h.check_eq(r["dpi"], 300, "%s dpi" % name)
        if m["blank"]:
            h.check_eq(r["words"], 0, "%s: no OCR on a blank page" % name)
        else:
            h.check_eq(r["rotate"], m["rotate"], "%s rotation" % name)
            if name != "one_line":
                h.check(abs(r["skew"] - m["skew"]) <= 0.1,
                        "%s skew %.3f, rendered %.1f" % (name, r["skew"], m["skew"]))
            limit = 0.02 if m["quality"] == "clean" else 0.05
            h.check_le(cer(m["truth"], text), limit, "%s CER" % name)
        r["enc"] = check_pdf(str(pdf_dir / (name + ".pdf")), r, m["truth"])
    check_reduced_read(results, pdf_dir)
    check_encodings(manifest, results, pdf_dir)
    check_legible(manifest, pdf_dir)

    # JPEG, not lossless: the noisy colour scan's PDF is a fraction of its
    # PNG (Flate, as Tesseract alone would embed it); the quality is a knob.
    scan = results["colour_scan"]
    png_size = os.path.getsize(manifest["colour_scan"]["image"])
    print("colour_scan: PNG %d bytes, PDF %d bytes" % (png_size, scan["pdf_size"]))
    h.check_le(scan["pdf_size"], png_size / 4, "colour_scan PDF bytes against its PNG")
    def no_ocr_size(image, quality):
        cp = h.run(["workers/sohoa-pagetool", "--no-ocr", "--no-mrc", "--jpeg-quality", str(quality), image],
                   timeout=60, env=ENV)
        return json.loads(cp.stdout)["pdf_size"]

    high = no_ocr_size(manifest["colour_scan"]["image"], 85)
    h.check_le(no_ocr_size(manifest["colour_scan"]["image"], 40), high * 0.8,
               "colour_scan PDF bytes at JPEG quality 40 against 85")
    h.check_le(scan["pdf_size"], high * 0.6, "colour_scan PDF bytes at the default quality against 85")
    bad = h.run(["workers/sohoa-pagetool", "--no-ocr", "--jpeg-quality", "101",
                 manifest["blank_white"]["image"]], timeout=60, env=ENV, check=False)
    h.check(bad.returncode != 0 and "error" in json.loads(bad.stdout),
            "JPEG quality 101 refused: %s" % bad.stdout)

    # A page that arrives as a baseline JPEG and needs no turning is shown
    # with its own JPEG, byte for byte (no second generation loss); a turned
    # one is encoded again.
    jpegs = {}
    for name in ("clean", "upside_down"):
        jpegs[name] = pages_dir / (name + ".jpg")
        h.run([PYTHON, "-c", "import sys; from PIL import Image; Image.open(sys.argv[1]).save(sys.argv[2],"
               " quality=90, dpi=(300, 300))", manifest[name]["image"], str(jpegs[name])], timeout=60)
    # (A text page is ink over a background; its own JPEG serves a page
    # drawn as one picture.)
    jr = pagetool(list(jpegs.values()), pdf_dir, timeout=200, flags=["--no-mrc"])
    h.check_eq((jr["clean"]["pdf_picture"], jr["upside_down"]["pdf_picture"]), ("original", "jpeg"),
               "PDF shows the JPEG as received (upright, turned)")
    h.check_eq(jr["upside_down"]["rotate"], 180, "upside_down.jpg rotation")
    for name in jpegs:
        check_pdf(str(pdf_dir / (name + ".pdf")), jr[name], manifest[name]["truth"])
    extract = h.path("extract")
    extract.mkdir()
    h.run(["pdfimages", "-j", str(pdf_dir / "clean.pdf"), str(extract / "img")], timeout=60)
    h.check_eq((extract / "img-000.jpg").read_bytes(), jpegs["clean"].read_bytes(),
               "JPEG embedded in clean.pdf is the file as received")

    # Real scans: measured and printed; asserted only: every page decodes,
    # none is blank or turned, the text-heavy ones read as text.
    real = sorted((h.SOURCE_DIR / "tests" / "data").glob("nonexistent")) or \
        sorted(p for p in [h.SOURCE_DIR.parent / "shared" / "testdata" / "real-scans"] if p.exists())
    scans = sorted(real[0].glob("*.png")) if real else []
    if scans:
        rr = pagetool(scans, pdf_dir, timeout=200)
        for name, r in sorted(rr.items()):
            h.check("error" not in r, "%s decodes: %s" % (name, r))
            print("real %-12s %dx%d %s blank=%s rotate=%d (%s) skew=%+.2f (conf %.1f) chars=%d conf=%d ms=%.0f"
                  % (name, r["width"], r["height"], r["kind"], r["blank"], r["rotate"],
                     r["orient_method"], r["skew"], r["skew_conf"], len(r["text"]), r["mean_conf"],
                     r["timings_ms"]["total"]))
            h.check(not r["blank"], "%s is not blank" % name)
            # Every one is upright; OSD alone turned the decorative
            # lettering of imgsrc003 upside down.
            h.check_eq(r["rotate"], 0, "%s rotation" % name)
            # No dpi in these files: a guessed 300 is never read reduced.
            h.check_eq((r["dpi_assumed"], r["ocr_dpi"]), (True, r["dpi"]), "%s (dpi assumed, read at)" % name)
            check_pdf(str(pdf_dir / (name + ".pdf")), r, None)
        for name in ("imgsrc001", "typewriter"):
            if name in rr:
                h.check_ge(len(rr[name]["text"]), 400, "%s text length" % name)
                h.check_eq(rr[name]["rotate"], 0, "%s upright" % name)


h.run_test(main)
