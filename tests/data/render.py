#!/usr/bin/python3
"""Render synthetic 300 dpi A4 test pages of Vietnamese administrative text.

Usage: render.py OUTDIR [NAME...]

Without names, the standard set; the extra pages (two columns of English
in small type on a scanned-looking grey page, 6 pt print, a colour page
with a red stamp and a blue signature, a noisy colour blank back) only
when named, or all of them with the name "extra".

Writes OUTDIR/<name>.png (dpi recorded in the file), OUTDIR/<name>.txt (the
ground-truth text, empty for blank pages) and OUTDIR/manifest.json, which
says for each page how it was made: rotation applied, skew, whether it is
blank and whether it counts as clean or degraded for the error-rate limits.
Needs Debian's python3-pil and fonts-dejavu-core or fonts-noto-core.
"""
import json
import os
import random
import sys

from PIL import Image, ImageDraw, ImageFilter, ImageFont

DPI = 300
A4 = (2480, 3508)
MARGIN = 250

TITLE = "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"
MOTTO = "Độc lập - Tự do - Hạnh phúc"
HEADING = "ĐƠN ĐỀ NGHỊ CẤP GIẤY CHỨNG NHẬN QUYỀN SỬ DỤNG ĐẤT"
BODY = [
    "Kính gửi: Ủy ban nhân dân huyện Đông Anh, thành phố Hà Nội.",
    "Tôi tên là Nguyễn Thị Hồng Nhung, sinh năm 1978, số căn cước công dân "
    "001178012345 do Cục Cảnh sát quản lý hành chính về trật tự xã hội cấp ngày "
    "15 tháng 3 năm 2021, thường trú tại thôn Đoài, xã Uy Nỗ.",
    "Tôi đề nghị được cấp giấy chứng nhận quyền sử dụng đất, quyền sở hữu nhà ở và "
    "tài sản khác gắn liền với đất đối với thửa đất số 127, tờ bản đồ số 09, diện "
    "tích 184,5 mét vuông, mục đích sử dụng là đất ở tại nông thôn.",
    "Nguồn gốc sử dụng đất: nhận thừa kế từ cha mẹ năm 2009, sử dụng ổn định, không "
    "có tranh chấp, phù hợp với quy hoạch sử dụng đất đã được phê duyệt.",
    "Kèm theo đơn này gồm: bản sao giấy tờ về quyền sử dụng đất, sơ đồ thửa đất, "
    "tờ khai lệ phí trước bạ và chứng từ thực hiện nghĩa vụ tài chính.",
    "Tôi xin cam đoan nội dung kê khai trên đơn là đúng sự thật, nếu sai tôi hoàn "
    "toàn chịu trách nhiệm trước pháp luật.",
]
SIGNATURE = "Người nhận hồ sơ (ký, ghi rõ họ tên)"

FONTS = [
    "/usr/share/fonts/truetype/dejavu/DejaVuSerif.ttf",
    "/usr/share/fonts/truetype/noto/NotoSerif-Regular.ttf",
    "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
    "/usr/share/fonts/truetype/noto/NotoSans-Regular.ttf",
]


def font(size):
    for path in FONTS:
        if os.path.exists(path):
            return ImageFont.truetype(path, size)
    sys.exit("render.py: no DejaVu or Noto font under /usr/share/fonts")


def wrap(draw, text, fnt, width):
    lines, line = [], ""
    for word in text.split():
        trial = (line + " " + word).strip()
        if draw.textlength(trial, font=fnt) <= width:
            line = trial
        else:
            lines.append(line)
            line = word
    if line:
        lines.append(line)
    return lines


def text_page(paragraphs, size=46, ink=20, paper=255):
    """An upright page with the paragraphs; returns (image, truth text)."""
    img = Image.new("L", A4, paper)
    draw = ImageDraw.Draw(img)
    fnt = font(size)
    y = MARGIN
    truth = []
    for i, para in enumerate(paragraphs):
        lines = wrap(draw, para, fnt, A4[0] - 2 * MARGIN)
        for line in lines:
            x = MARGIN if i >= 3 else (A4[0] - draw.textlength(line, font=fnt)) / 2
            draw.text((x, y), line, font=fnt, fill=ink)
            truth.append(line)
            y += int(size * 1.6)
        y += int(size * 0.8)
    return img, "\n".join(truth) + "\n"


def full_page(**kw):
    return text_page([TITLE, MOTTO, HEADING] + BODY, **kw)


def one_line_page():
    img = Image.new("L", A4, 255)
    draw = ImageDraw.Draw(img)
    fnt = font(46)
    x = A4[0] - MARGIN - draw.textlength(SIGNATURE, font=fnt)
    draw.text((x, 2400), SIGNATURE, font=fnt, fill=20)
    return img, SIGNATURE + "\n"


def add_noise(img, sigma):
    """Gaussian noise of the given sigma (fast path through ImageChops)."""
    from PIL import ImageChops
    noise = Image.effect_noise(img.size, sigma)
    # img + noise - 128, clipped: ImageChops.add with offset.
    return ImageChops.add(img, noise, scale=1.0, offset=-128)


def blank_back(seed):
    """A back side: faint mirrored bleed-through of the front, speckle and noise."""
    front, _ = full_page(ink=20)
    ghost = front.transpose(Image.Transpose.FLIP_LEFT_RIGHT).filter(ImageFilter.GaussianBlur(2))
    # Bleed-through at about 15% contrast: 255 -> 255, ink 20 -> ~218.
    ghost = ghost.point(lambda v: 218 + (v * 37) // 255)
    rnd = random.Random(seed)
    draw = ImageDraw.Draw(ghost)
    for _ in range(300):
        x, y = rnd.randrange(A4[0]), rnd.randrange(A4[1])
        draw.point((x, y), fill=rnd.randrange(0, 120))
    return add_noise(ghost, 10), ""


def rotate(img, angle):
    """Rotate counter-clockwise by angle degrees, keeping the size, white fill."""
    return img.rotate(angle, resample=Image.Resampling.BICUBIC, expand=False, fillcolor=255)


def variants():
    clean, truth = full_page()
    yield "clean", clean, truth, dict(rotate=0, skew=0.0, blank=False, quality="clean")
    for a in (3.0, -3.0, 5.0, -5.0):
        name = "skew_%s%d" % ("p" if a > 0 else "m", abs(a))
        yield name, rotate(clean, a), truth, dict(rotate=0, skew=a, blank=False, quality="clean")
    # The page as the scanner saw it; "rotate" is the clockwise turn that
    # makes it upright again.
    yield "upside_down", clean.transpose(Image.Transpose.ROTATE_180), truth, \
        dict(rotate=180, skew=0.0, blank=False, quality="clean")
    yield "sideways_90", clean.transpose(Image.Transpose.ROTATE_90), truth, \
        dict(rotate=90, skew=0.0, blank=False, quality="clean")
    yield "sideways_270", clean.transpose(Image.Transpose.ROTATE_270), truth, \
        dict(rotate=270, skew=0.0, blank=False, quality="clean")
    yield "noise", add_noise(clean, 25), truth, \
        dict(rotate=0, skew=0.0, blank=False, quality="degraded")
    grey, _ = full_page(ink=60, paper=190)
    yield "grey_background", add_noise(rotate(grey, 1.5), 12), truth, \
        dict(rotate=0, skew=1.5, blank=False, quality="degraded")
    tinted = Image.merge("RGB", (grey.point(lambda v: min(255, v + 50)), grey.point(lambda v: min(255, v + 35)), grey))
    yield "colour_paper", tinted, truth, dict(rotate=0, skew=0.0, blank=False, quality="degraded")
    line, ltruth = one_line_page()
    yield "one_line", line, ltruth, dict(rotate=0, skew=0.0, blank=False, quality="clean")
    back, _ = blank_back(7)
    yield "blank_back", back, "", dict(rotate=0, skew=0.0, blank=True, quality="blank")
    yield "blank_white", Image.new("L", A4, 255), "", \
        dict(rotate=0, skew=0.0, blank=True, quality="blank")


# Two columns of English, as in a journal or a bulletin: the text layer
# must keep the columns apart (left column, then right).
COLUMNS = [
    "The one-stop shop receives applications for land use certificates, business "
    "registration and civil status records every working day, from eight in the morning "
    "until half past four in the afternoon.",
    "Each dossier is checked at the desk against the list of required papers. The officer "
    "gives the applicant a receipt with the dossier code and the date on which the result "
    "will be returned.",
    "Papers are scanned on both sides at the reception desk. A blank back is flagged and "
    "kept, so that the count of images always matches the count of sheets received.",
    "Archived dossiers are digitized by the back office in batches, at low priority, "
    "without slowing the scanners at the desks.",
    "The searchable copy of each page is kept with its text, so that later dossiers may "
    "reuse a result instead of asking the citizen for the same paper again.",
    "Every month the office reports, per agency, how many components were digitized, how "
    "many were reused, and how many dossiers were resolved on time.",
    "Officers who find a page unreadable ask for the original again before the dossier is "
    "accepted, and note the reason in the register.",
    "Questions about a dossier may be sent by letter, by telephone or through the public "
    "service portal, quoting the code printed on the receipt.",
]


def two_column_page(size=36):
    """A grey, slightly noisy page with a heading across and two columns;
    the truth reads the heading, the left column, then the right."""
    img = Image.new("L", A4, 255)
    draw = ImageDraw.Draw(img)
    head = font(int(size * 1.5))
    title = "NOTICE TO APPLICANTS: HOW DOSSIERS ARE RECEIVED"
    draw.text(((A4[0] - draw.textlength(title, font=head)) / 2, MARGIN), title, font=head, fill=20)
    fnt = font(size)
    gap = 110
    width = (A4[0] - 2 * MARGIN - gap) // 2
    top = MARGIN + int(size * 4)
    truth = [title]
    for col, paras in enumerate((COLUMNS[:4], COLUMNS[4:])):
        x, y = MARGIN + col * (width + gap), top
        for para in paras:
            for line in wrap(draw, para, fnt, width):
                draw.text((x, y), line, font=fnt, fill=20)
                truth.append(line)
                y += int(size * 1.45)
            y += int(size * 0.9)
    return img, "\n".join(truth) + "\n"


def stamp_page():
    """The clean page in colour with a red round stamp over the signature
    line and a blue signature: colours that must survive in the PDF."""
    page, truth = full_page()
    img = Image.merge("RGB", (page, page, page))
    draw = ImageDraw.Draw(img)
    cx, cy, r = 1750, 2900, 260
    red = (200, 30, 40)
    for k in range(14):
        draw.ellipse((cx - r + k, cy - r + k, cx + r - k, cy + r - k), outline=red)
    draw.ellipse((cx - r + 60, cy - r + 60, cx + r - 60, cy + r - 60), outline=red, width=8)
    star = font(150)
    draw.text((cx - 55, cy - 95), "★", font=star, fill=red)
    pts = [(1500 + 12 * i, 3150 + int(40 * ((i % 7) - 3) * (-1) ** i)) for i in range(45)]
    draw.line(pts, fill=(20, 40, 170), width=7)
    return img, truth


def colour_blank_back(seed):
    """A colour scan of an empty back: cream paper, faint bleed-through,
    scanner noise in each channel."""
    grey, _ = blank_back(seed)
    from PIL import ImageChops
    bands = [grey.point(lambda v, d=d: max(0, min(255, v + d))) for d in (0, -6, -22)]
    return Image.merge("RGB", [ImageChops.add(b, Image.effect_noise(A4, 6), 1.0, -128) for b in bands]), ""


def extras():
    page, truth = two_column_page()
    yield "two_columns", add_noise(rotate(page.point(lambda v: v * 215 // 255 + 15), 0.8), 8), truth, \
        dict(rotate=0, skew=0.8, blank=False, quality="degraded")
    small, struth = full_page(size=25)
    yield "small_print", small, struth, dict(rotate=0, skew=0.0, blank=False, quality="clean")
    stamp, sttruth = stamp_page()
    yield "stamp", stamp, sttruth, dict(rotate=0, skew=0.0, blank=False, quality="clean")
    back, _ = colour_blank_back(11)
    yield "blank_colour", back, "", dict(rotate=0, skew=0.0, blank=True, quality="blank")


EXTRAS = ("two_columns", "small_print", "stamp", "blank_colour")


def main(argv):
    if len(argv) < 2:
        sys.exit(__doc__)
    out = argv[1]
    wanted = set(argv[2:])
    os.makedirs(out, exist_ok=True)
    manifest = {}
    pages = variants()
    if wanted:
        pages = (p for p in list(variants()) + list(extras()) if p[0] in wanted or "extra" in wanted
                 and p[0] in EXTRAS)
    for name, img, truth, meta in pages:
        path = os.path.join(out, name + ".png")
        img.save(path, dpi=(DPI, DPI))
        with open(os.path.join(out, name + ".txt"), "w", encoding="utf-8") as f:
            f.write(truth)
        manifest[name] = dict(meta, image=path, truth=truth)
    with open(os.path.join(out, "manifest.json"), "w", encoding="utf-8") as f:
        json.dump(manifest, f, ensure_ascii=False, indent=1)


if __name__ == "__main__":
    main(sys.argv)
