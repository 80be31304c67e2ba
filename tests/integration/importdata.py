"""Input files for the import tests, made at test time with Pillow (Debian's
python3-pil): a folder tree of mixed formats, a multi-page TIFF, a scanned
PDF (images only, as a scanner writes it) and a corrupt file, and the ids
sohoactl import must give them (UUIDv5 under its fixed namespaces)."""

import hashlib
import struct
import uuid

from PIL import Image, ImageDraw, ImageFont

# import/importer.c's namespaces.
NS_PAGE = uuid.UUID(bytes=bytes([0x2b, 0x8e, 0x47, 0x51, 0xc3, 0x0a, 0x4f, 0x6d,
                                 0x9e, 0x25, 0x71, 0xd4, 0x0c, 0x88, 0x3a, 0x19]))
NS_BATCH = uuid.UUID(bytes=bytes([0x5d, 0x17, 0xa2, 0x9c, 0x64, 0xf0, 0x48, 0x3b,
                                  0xb1, 0x0e, 0x3c, 0x52, 0x97, 0x6a, 0xd8, 0x04]))

FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"


def uuid5(ns, name):
    """RFC 9562 v5 of bytes (Python's uuid5 wants str)."""
    h = bytearray(hashlib.sha1(ns.bytes + name).digest()[:16])
    h[6] = (h[6] & 0x0F) | 0x50
    h[8] = (h[8] & 0x3F) | 0x80
    return str(uuid.UUID(bytes=bytes(h)))


def sha256_file(p):
    return hashlib.sha256(open(p, "rb").read()).digest()


def page_uuid(path, index):
    return uuid5(NS_PAGE, sha256_file(path) + struct.pack(">I", index))


def batch_uuid(paths):
    return uuid5(NS_BATCH, b"".join(sha256_file(p) for p in paths))


def render(text, size=(1240, 1754), mode="RGB"):
    """A page (A4 at 150 dpi by default) with text large enough to OCR."""
    im = Image.new("RGB", size, "white")
    d = ImageDraw.Draw(im)
    try:
        font = ImageFont.truetype(FONT, max(24, size[0] // 22))
    except OSError:
        font = ImageFont.load_default()
    y = size[1] // 8
    for line in text.split("\n"):
        d.text((size[0] // 10, y), line, fill="black", font=font)
        y += size[0] // 12
    return im.convert(mode)


def make_tree(root, words):
    """root/a: a PNG (300 dpi) and a JPEG (150 dpi: flagged);
    root/b: a 3-page TIFF, a 2-page scanned PDF, a corrupt PNG;
    root/single.tif: a one-page TIFF of its own. words: 8 distinct words,
    one per good page, in page order. Returns (good pages as (path, index)
    in import order, corrupt path)."""
    a, b = root / "a", root / "b"
    a.mkdir(parents=True)
    b.mkdir()
    render("Page " + words[0]).save(a / "p1.png", dpi=(300, 300))
    render("Page " + words[1]).save(a / "p2.jpg", dpi=(150, 150), quality=90)
    frames = [render("Page " + w, mode="L") for w in words[2:5]]
    frames[0].save(b / "multi.tif", save_all=True, append_images=frames[1:], compression="tiff_lzw",
                   dpi=(300, 300))
    pdf = [render("Page " + words[5]), render("Page " + words[6], mode="L")]
    pdf[0].save(b / "scan.pdf", save_all=True, append_images=pdf[1:], resolution=150)
    (b / "zz-broken.png").write_bytes(b"\x89PNG\r\n\x1a\n" + b"not really a PNG" * 64)
    render("Page " + words[7]).save(root / "single.tif", compression="tiff_deflate", dpi=(300, 300))
    good = [(root / "single.tif", 0),
            (a / "p1.png", 0), (a / "p2.jpg", 0),
            (b / "multi.tif", 0), (b / "multi.tif", 1), (b / "multi.tif", 2),
            (b / "scan.pdf", 0), (b / "scan.pdf", 1)]
    return good, b / "zz-broken.png"


def spool_images(spool):
    """{page uuid: image bytes} of the pages in a spool (session/spool.c's files:
    a 40-byte head with the header length at 24 and the image length at 32,
    little-endian, then the header and the image)."""
    out = {}
    for p in spool.glob("*.page"):
        data = p.read_bytes()
        hlen, ilen = struct.unpack_from("<QQ", data, 24)
        out[p.stem] = data[40 + hlen:40 + hlen + ilen]
    return out


def noise(size=(600, 500), seed=0):
    """A grey image of random pixels: its PNG does not compress (about
    width * height bytes), for filling a disk with few pages."""
    import random
    rnd = random.Random(seed)
    return Image.frombytes("L", size, bytes(rnd.getrandbits(8) for _ in range(size[0] * size[1])))


def pdf_with_jpeg(path, jpeg, size, dpi=150):
    """A one-page PDF whose page is one DCT (JPEG) image of size (w, h), grey,
    embedded as the bytes jpeg are (cut short or not): what a scanner writes,
    with nothing checked."""
    w, h = size
    pw, ph = w * 72.0 / dpi, h * 72.0 / dpi
    content = b"q %.2f 0 0 %.2f 0 0 cm /Im0 Do Q" % (pw, ph)
    objs = [b"<< /Type /Catalog /Pages 2 0 R >>",
            b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 %.2f %.2f] /Resources << /XObject << /Im0 4 0 R >> >>"
            b" /Contents 5 0 R >>" % (pw, ph),
            b"<< /Type /XObject /Subtype /Image /Width %d /Height %d /ColorSpace /DeviceGray /BitsPerComponent 8"
            b" /Filter /DCTDecode /Length %d >>\nstream\n" % (w, h, len(jpeg)) + jpeg + b"\nendstream",
            b"<< /Length %d >>\nstream\n" % len(content) + content + b"\nendstream"]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for i, o in enumerate(objs):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % (i + 1) + o + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objs) + 1)
    for off in offsets:
        out += b"%010d 00000 n \n" % off
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objs) + 1, xref)
    path.write_bytes(bytes(out))
