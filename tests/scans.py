"""Realistic scans of Chinese official documents, rendered from text, for the OCR tests.

Real evidence packages hold scanned 红头文件: a red title and rule, FangSong-like
body text, a red round 公章 stamped over the last lines, a page a degree off
square, speckle from the scanner glass, and phone photos of screens. The OCR
tests need such pages with a known truth, so they are drawn here with Pillow
from the text itself. Everything is deterministic from `seed`, so a failing
accuracy figure can be reproduced page by page.

    from tests.scans import scan_page, image_pdf
    page = scan_page(["关于……的通知", "各区县人民政府：", "……"], red_header="晋阳市人民政府文件",
                     seal="晋阳市人民政府", skew=0.8, noise=0.3, seed=7)

`page.info["seal_box"]` holds the seal's box (fractions, like OcrLine.box) and
`page.info["lines"]` the wrapped lines as drawn, so a test knows the truth.
"""

from __future__ import annotations

import io
import math
import random
from functools import cache
from pathlib import Path

from PIL import Image, ImageChops, ImageDraw, ImageFilter, ImageFont

FONT_DIR = Path("/usr/share/fonts/opentype/noto")
SERIF = FONT_DIR / "NotoSerifCJK-Regular.ttc"  # body: the nearest installed face to 仿宋
SERIF_BOLD = FONT_DIR / "NotoSerifCJK-Bold.ttc"  # 红头 title: 小标宋-like
SANS_BOLD = FONT_DIR / "NotoSansCJK-Bold.ttc"  # seal text: 公章 use a bold 黑体/宋体
SC_INDEX = 2  # the Simplified Chinese face inside each .ttc (JP, KR, SC, TC, HK)

A4_INCHES = (8.27, 11.69)
RED = (212, 24, 30)
INK = (22, 22, 26)
# 公文 layout (GB/T 9704): 三号 body (16 pt), 28-pt line pitch, 37/26 mm side margins
BODY_PT = 16
LINE_PITCH_PT = 28
MARGIN_MM = (28, 37, 26, 35)  # left, top, right, bottom
# no line starts with these (避头点): they are carried back onto the previous line
NO_LINE_START = set("，。、；：？！）》〕】”’%")


@cache
def font(path: Path, px: int) -> ImageFont.FreeTypeFont:
    """A font at a pixel size, cached: loading a .ttc costs ~10 ms each time."""
    return ImageFont.truetype(str(path), px, index=SC_INDEX)


def _px(points: float, dpi: int) -> int:
    return round(points / 72 * dpi)


def _mm(mm: float, dpi: int) -> int:
    return round(mm / 25.4 * dpi)


def wrap(text: str, face: ImageFont.FreeTypeFont, width: int) -> list[str]:
    """Break one paragraph into lines that fit `width` pixels, as a word processor does.

    Chinese text breaks between any two characters, except that a closing
    mark never starts a line; a Latin word or number is not split.
    """
    tokens: list[str] = []
    for ch in text:
        if (
            tokens
            and ch.isascii()
            and ch.isalnum()
            and tokens[-1][-1:].isascii()
            and tokens[-1][-1:].isalnum()
        ):
            tokens[-1] += ch
        elif tokens and ch in ".,-" and tokens[-1][-1:].isdigit():
            tokens[-1] += ch  # keep 3,218 and 96.5 and 2024-04 together
        else:
            tokens.append(ch)
    lines: list[str] = []
    current = ""
    for token in tokens:
        if current and face.getlength(current + token) > width and token not in NO_LINE_START:
            lines.append(current)
            current = token
        else:
            current += token
    if current or not lines:
        lines.append(current)
    return lines


def _draw_header(draw: ImageDraw.ImageDraw, title: str, dpi: int, page_w: int, top: int) -> int:
    """The red 发文机关标志 and the red rule beneath it; returns the y where the body starts."""
    size = _px(36, dpi)
    face = font(SERIF_BOLD, size)
    left, right = _mm(MARGIN_MM[0], dpi), page_w - _mm(MARGIN_MM[2], dpi)
    while face.getlength(title) > right - left and size > _px(18, dpi):
        size -= 2
        face = font(SERIF_BOLD, size)
    width = face.getlength(title)
    draw.text(((page_w - width) / 2, top), title, font=face, fill=RED)
    rule_y = top + size + _mm(12, dpi)
    draw.rectangle((left, rule_y, right, rule_y + max(2, _mm(0.8, dpi))), fill=RED)
    return rule_y + _mm(10, dpi)


def _seal_image(text: str, diameter: int, rng: random.Random) -> Image.Image:
    """A red round 公章: double-weight ring, five-pointed star, the organ's name on an arc.

    Drawn as an RGBA layer; the ink is slightly uneven, as a rubber stamp leaves it.
    """
    scale = 2  # drawn at twice the size, then reduced: smooth edges like real ink
    d = diameter * scale
    layer = Image.new("RGBA", (d, d), (0, 0, 0, 0))
    draw = ImageDraw.Draw(layer)
    ring = max(4, d // 28)
    colour = (*RED, 235)
    draw.ellipse((ring // 2, ring // 2, d - ring // 2, d - ring // 2), outline=colour, width=ring)
    # star
    cx = cy = d / 2
    outer, inner = d * 0.17, d * 0.17 * 0.382
    points = []
    for k in range(10):
        radius = outer if k % 2 == 0 else inner
        angle = -math.pi / 2 + k * math.pi / 5
        points.append((cx + radius * math.cos(angle), cy + radius * math.sin(angle)))
    draw.polygon(points, fill=colour)
    # the name along the upper arc, each character rotated to face the centre
    chars = list(text)
    span = min(250.0, 24.0 * len(chars) + 20)  # degrees of arc the name covers
    size = int(d * 0.13)
    face = font(SANS_BOLD, size)
    radius = d / 2 - ring * 1.6 - size * 0.6
    for i, ch in enumerate(chars):
        theta = -90 - span / 2 + span * (i + 0.5) / len(chars)  # degrees, 0 = east
        glyph = Image.new("RGBA", (size * 2, size * 2), (0, 0, 0, 0))
        ImageDraw.Draw(glyph).text((size / 2, size / 2 - size * 0.12), ch, font=face, fill=colour)
        glyph = glyph.rotate(-(theta + 90), resample=Image.Resampling.BICUBIC)
        gx = cx + radius * math.cos(math.radians(theta)) - size
        gy = cy + radius * math.sin(math.radians(theta)) - size
        layer.alpha_composite(glyph, (round(gx), round(gy)))
    # uneven ink: fade random blotches of the stamp
    alpha = layer.getchannel("A")
    mask = Image.new("L", (d, d), 255)
    mdraw = ImageDraw.Draw(mask)
    for _ in range(14):
        r = rng.uniform(0.05, 0.2) * d
        x, y = rng.uniform(0, d), rng.uniform(0, d)
        mdraw.ellipse((x - r, y - r, x + r, y + r), fill=rng.randint(150, 230))
    mask = mask.filter(ImageFilter.GaussianBlur(d / 30))
    layer.putalpha(ImageChops.multiply(alpha, mask))
    return layer.resize((diameter, diameter), Image.Resampling.LANCZOS)


def _stamp(page: Image.Image, seal: Image.Image, at: tuple[int, int]) -> None:
    """Press the seal onto the page as ink does: it darkens, never lightens (multiply)."""
    x, y = at
    w, h = seal.size
    region = page.crop((x, y, x + w, y + h))
    tint = Image.new("RGB", seal.size, (255, 255, 255))
    tint.paste(seal.convert("RGB"), mask=seal.getchannel("A"))
    page.paste(ImageChops.multiply(region, tint), (x, y))


def draw_seal(
    page: Image.Image,
    text: str,
    centre: tuple[float, float],
    *,
    diameter_mm: float = 42,
    rotation: float = 0.0,
    strength: float = 1.0,
    wear: float = 0.0,
    oval: float = 1.0,
    seed: int = 0,
) -> tuple[float, float, float, float]:
    """Stamp a red round 公章 on `page` (in place) centred at `centre` (fractions of the
    page); return its box (fractions, like OcrLine.box).

    `strength` < 1 is a faint stamp (less ink), `wear` the share of the stamp where
    the ink did not take (blotches with none), `oval` the height over the width (an
    oval 45 × 30 mm seal is 0.67); the page's dpi is its info's (200 if none).
    """
    rng = random.Random(seed)
    dpi = round(page.info.get("dpi", (200, 200))[0])
    diameter = _mm(diameter_mm, dpi)
    stamp = _seal_image(text, diameter, rng)
    alpha = stamp.getchannel("A").point(lambda a: round(a * strength))
    if wear > 0:
        gone = Image.new("L", stamp.size, 255)
        gdraw = ImageDraw.Draw(gone)
        for _ in range(round(12 * wear)):
            r = rng.uniform(0.06, 0.16) * diameter
            x, y = rng.uniform(0, diameter), rng.uniform(0, diameter)
            gdraw.ellipse((x - r, y - r, x + r, y + r), fill=0)
        alpha = ImageChops.multiply(alpha, gone.filter(ImageFilter.GaussianBlur(diameter / 60)))
    stamp.putalpha(alpha)
    if oval != 1.0:
        stamp = stamp.resize((diameter, max(1, round(diameter * oval))), Image.Resampling.LANCZOS)
    if rotation:
        stamp = stamp.rotate(rotation, resample=Image.Resampling.BICUBIC, expand=True)
    w, h = stamp.size
    x = round(centre[0] * page.size[0] - w / 2)
    y = round(centre[1] * page.size[1] - h / 2)
    _stamp(page, stamp, (x, y))
    return (x / page.size[0], y / page.size[1], (x + w) / page.size[0], (y + h) / page.size[1])


def _add_noise(page: Image.Image, noise: float, rng: random.Random) -> Image.Image:
    """Scanner dirt: grey speckle, a faint grey cast and a little blur, scaled by `noise`."""
    import numpy as np

    if noise <= 0:
        return page
    gen = np.random.default_rng(rng.randrange(2**32))
    arr = np.asarray(page, dtype=np.float32)
    arr = arr - 12 * noise  # paper is never quite white on a scan
    arr += gen.normal(0, 10 * noise, arr.shape[:2])[..., None]
    speckle = gen.random(arr.shape[:2]) < 0.0025 * noise
    arr[speckle] = gen.uniform(40, 160, int(speckle.sum()))[:, None]
    out = Image.fromarray(np.clip(arr, 0, 255).astype(np.uint8), "RGB")
    return out.filter(ImageFilter.GaussianBlur(0.35 + 0.5 * noise))


def _is_title(number: int, paragraph: str) -> bool:
    """The first paragraph, if short and not a sentence, is the 标题: centred."""
    return number == 0 and len(paragraph) <= 30 and paragraph[-1:] not in "：。；:"


def _is_signature(number: int, count: int, paragraph: str) -> bool:
    """The last two short paragraphs without a full stop are the 落款 and 成文日期: right-aligned."""
    return 0 < number >= count - 2 and len(paragraph) <= 20 and paragraph[-1:] not in "：。；:）)"


def scan_page(
    lines: list[str],
    *,
    dpi: int = 200,
    red_header: str | None = None,
    seal: str | None = None,
    skew: float = 0.0,
    noise: float = 0.0,
    seed: int = 0,
) -> Image.Image:
    """An A4 page at `dpi` with the given paragraphs, as a scanner would return it.

    Each item of `lines` is a paragraph, wrapped to the text width (a long one
    becomes several lines). Paragraphs that start with two full-width spaces
    keep their indent. The seal is stamped over the last lines of text, offset
    to the right like a real 公章 over the 落款 and date.
    """
    rng = random.Random(seed)
    page_w, page_h = round(A4_INCHES[0] * dpi), round(A4_INCHES[1] * dpi)
    page = Image.new("RGB", (page_w, page_h), (255, 255, 255))
    draw = ImageDraw.Draw(page)
    left, top = _mm(MARGIN_MM[0], dpi), _mm(MARGIN_MM[1], dpi)
    text_w = page_w - left - _mm(MARGIN_MM[2], dpi)
    y = _draw_header(draw, red_header, dpi, page_w, top) if red_header else top
    face = font(SERIF, _px(BODY_PT, dpi))
    pitch = _px(LINE_PITCH_PT, dpi)
    bottom = page_h - _mm(MARGIN_MM[3], dpi)
    drawn: list[str] = []
    boxes: list[tuple[int, int, int]] = []  # y, x-start, x-end of each drawn line
    for number, paragraph in enumerate(lines):
        for line in wrap(paragraph, face, text_w):
            if y + pitch > bottom:
                break
            x = left
            if _is_title(number, paragraph):
                x = left + (text_w - face.getlength(line)) / 2
            elif _is_signature(number, len(lines), paragraph):
                x = left + text_w - face.getlength(line) - _px(BODY_PT * 2, dpi)
            draw.text((x, y), line, font=face, fill=INK)
            drawn.append(line)
            boxes.append((y, int(x), int(x + face.getlength(line))))
            y += pitch
    seal_box = None
    if seal:
        diameter = _mm(42, dpi)  # 公章 are 42 mm across (GA 241)
        stamp = _seal_image(seal, diameter, rng)
        stamp = stamp.rotate(rng.uniform(-12, 12), resample=Image.Resampling.BICUBIC)
        last_y = boxes[-1][0] if boxes else top
        sx = page_w - _mm(MARGIN_MM[2], dpi) - diameter - _mm(rng.uniform(4, 14), dpi)
        sy = max(top, last_y - diameter // 2 - rng.randint(0, pitch // 2))
        _stamp(page, stamp, (sx, sy))
        seal_box = (sx / page_w, sy / page_h, (sx + diameter) / page_w, (sy + diameter) / page_h)
    if skew:
        page = page.rotate(skew, resample=Image.Resampling.BICUBIC, fillcolor=(255, 255, 255))
    page = _add_noise(page, noise, rng)
    page.info["lines"] = drawn
    page.info["seal_box"] = seal_box
    page.info["dpi"] = (dpi, dpi)
    return page


def image_pdf(pages: list[Image.Image], path: Path, dpi: int = 200) -> Path:
    """Write the pages as an image-only PDF (no text layer), as a scanner's PDF is."""
    path = Path(path)
    first, *rest = [p.convert("RGB") for p in pages]
    first.save(path, "PDF", resolution=float(dpi), save_all=True, append_images=rest)
    return path


def phone_photo(page: Image.Image, seed: int = 0) -> Image.Image:
    """A phone photo of the page: slight perspective, uneven light, soft JPEG detail."""
    import numpy as np

    rng = random.Random(seed)
    w, h = page.size
    jitter = [rng.uniform(0.01, 0.035) for _ in range(8)]
    # corners of the page as seen by the camera, mapped back from the output square
    src = [
        (-jitter[0] * w, -jitter[1] * h),
        (w * (1 + jitter[2]), jitter[3] * h),
        (w * (1 - jitter[4]), h * (1 + jitter[5])),
        (jitter[6] * w, h * (1 - jitter[7])),
    ]
    dst = [(0, 0), (w, 0), (w, h), (0, h)]
    coeffs = _perspective_coeffs(dst, src)
    photo = page.convert("RGB").transform(
        (w, h),
        Image.Transform.PERSPECTIVE,
        coeffs,
        Image.Resampling.BICUBIC,
        fillcolor=(90, 88, 84),
    )
    # uneven light: brighter near a random point, darker towards the far corner
    gen = np.random.default_rng(seed)
    lx, ly = gen.uniform(0.2, 0.8) * w, gen.uniform(0.1, 0.5) * h
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    dist = np.hypot(xx - lx, yy - ly) / math.hypot(w, h)
    light = 1.04 - 0.35 * dist
    warm = np.array([1.0, 0.98, 0.93], dtype=np.float32)
    arr = np.asarray(photo, dtype=np.float32) * light[..., None] * warm
    photo = Image.fromarray(np.clip(arr, 0, 255).astype(np.uint8), "RGB")
    photo = photo.filter(ImageFilter.GaussianBlur(0.8))
    buffer = io.BytesIO()
    photo.save(buffer, "JPEG", quality=72)
    buffer.seek(0)
    return Image.open(buffer).convert("RGB")


def _perspective_coeffs(
    dst: list[tuple[float, float]], src: list[tuple[float, float]]
) -> tuple[float, ...]:
    """The 8 coefficients Pillow's PERSPECTIVE transform needs to map `dst` points to `src`."""
    import numpy as np

    rows = []
    for (x, y), (u, v) in zip(dst, src, strict=True):
        rows.append([x, y, 1, 0, 0, 0, -u * x, -u * y])
        rows.append([0, 0, 0, x, y, 1, -v * x, -v * y])
    a = np.array(rows, dtype=np.float64)
    b = np.array([c for point in src for c in point], dtype=np.float64)
    return tuple(float(c) for c in np.linalg.solve(a, b))


def page_truth(page: Image.Image, red_header: str | None = None) -> str:
    """The text a perfect OCR reads on a page from scan_page, without whitespace."""
    lines = ([red_header] if red_header else []) + list(page.info.get("lines", []))
    return "".join("".join(line.split()) for line in lines)
