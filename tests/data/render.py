#!/usr/bin/python3
"""Render synthetic 300 dpi A4 test pages of Vietnamese administrative text.

Usage: render.py OUTDIR [NAME...]

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


def main(argv):
    if len(argv) < 2:
        sys.exit(__doc__)
    out = argv[1]
    wanted = set(argv[2:])
    os.makedirs(out, exist_ok=True)
    manifest = {}
    for name, img, truth, meta in variants():
        if wanted and name not in wanted:
            continue
        path = os.path.join(out, name + ".png")
        img.save(path, dpi=(DPI, DPI))
        with open(os.path.join(out, name + ".txt"), "w", encoding="utf-8") as f:
            f.write(truth)
        manifest[name] = dict(meta, image=path, truth=truth)
    with open(os.path.join(out, "manifest.json"), "w", encoding="utf-8") as f:
        json.dump(manifest, f, ensure_ascii=False, indent=1)


if __name__ == "__main__":
    main(sys.argv)
