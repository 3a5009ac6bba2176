"""Red round seals on scanned pages (sxcheck.ingest.ocr.seals), measured on drawn pages.

Positives are pages with a 公章 drawn the way tests/scans.py draws one (ring,
star, the organ's name on the arc, uneven ink): over the 落款, over body text,
rotated, faint, worn, oval, large and small, two on one page, on a noisy scan,
a phone photo and at 150/300 dpi. Negatives are what else is red on a 红头文件
or its attachments: the 发文机关标志 and its rule (one organ and a 联合发文
header), a red table and a square red table frame, red body text, a red square
logo and a red disc badge, a red rectangular 审核 stamp, a pen's red circle
around a line, a leader's red-pen 批示, a red 环形图 (donut chart) and red photo
areas (a banner, lanterns), and a plain phone photo. Every page must be
classified right; the precision and recall are printed (`pytest -s`).

Measured (this corpus, 2 shared cores): 21 of 21 positive pages found, 0 of 18
negative pages marked (precision 1.00, recall 1.00); a median 20 ms a page at
200 dpi (the page reduced by a whole factor to ~900 px across), against ~2 s of
OCR. The closest calls: the donut chart (rim 0.64 and inside 0.42, limits 0.60
and 0.40) and the faint stamps before the saturation floor was lowered to 40.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable

import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFilter

from sxcheck.ingest.ocr.seals import find_seals
from sxcheck.models import DocumentInfo
from tests.scans import (
    RED,
    SERIF,
    SERIF_BOLD,
    draw_seal,
    font,
    image_pdf,
    phone_photo,
    scan_page,
)

NOTICE = [
    "关于开展2024年度新型智慧城市建设评价自查工作的通知",
    "各县（市、区）人民政府，市直各有关单位：",
    "　　按照省新型智慧城市建设评价工作安排，市政府决定在全市开展年度自查。各单位要对照评价指标"
    "逐项梳理建设成效，于2024年4月30日前将自评报告及佐证材料报送市大数据应用局。",
    "　　自查工作由市新型智慧城市建设领导小组办公室统筹，各成员单位按职责分工负责，确保材料真实、"
    "数据准确、佐证完整。",
    "晋阳市人民政府办公室",
    "2024年3月26日",
]
HEADER = "晋阳市人民政府办公室文件"
ORGAN = "晋阳市人民政府办公室"


def _page(seed: int = 0, **options: object) -> Image.Image:
    return scan_page(NOTICE, red_header=HEADER, seed=seed, **options)  # type: ignore[arg-type]


def _stamped(seed: int, centre: tuple[float, float], **options: object) -> Image.Image:
    page = _page(seed)
    draw_seal(page, ORGAN, centre, seed=seed, **options)  # type: ignore[arg-type]
    return page


def _px(page: Image.Image, box: tuple[float, float, float, float]) -> tuple[int, ...]:
    w, h = page.size
    return (round(box[0] * w), round(box[1] * h), round(box[2] * w), round(box[3] * h))


# ---------------------------------------------------------------- positives
def _two_seals() -> Image.Image:
    page = _page(3)
    draw_seal(page, ORGAN, (0.35, 0.62), seed=1)
    draw_seal(page, "晋阳市大数据应用局", (0.68, 0.62), seed=2, rotation=8)
    return page


def _photo() -> Image.Image:
    return phone_photo(_page(4, seal=ORGAN), seed=4)


POSITIVES: dict[str, Callable[[], Image.Image]] = {
    **{
        f"over the 落款 (seed {seed})": (
            lambda seed=seed: _page(seed, seal=ORGAN, skew=0.9 - 0.4 * seed, noise=0.1 * seed)
        )
        for seed in range(5)
    },
    "over body text": lambda: _stamped(5, (0.5, 0.42)),
    "rotated 35°": lambda: _stamped(6, (0.7, 0.6), rotation=35),
    "rotated 160°": lambda: _stamped(7, (0.7, 0.6), rotation=160),
    "faint (45% ink)": lambda: _stamped(8, (0.7, 0.6), strength=0.45),
    "faint and rotated": lambda: _stamped(9, (0.7, 0.6), strength=0.55, rotation=-20),
    "worn (ink missing in places)": lambda: _stamped(10, (0.7, 0.6), wear=0.35),
    "oval 45 × 30 mm": lambda: _stamped(11, (0.7, 0.6), diameter_mm=45, oval=0.67),
    "large 60 mm": lambda: _stamped(12, (0.6, 0.6), diameter_mm=60),
    "small 35 mm": lambda: _stamped(13, (0.7, 0.6), diameter_mm=35),
    "two seals (联合发文)": _two_seals,
    "noisy scan": lambda: _page(14, seal=ORGAN, noise=0.9, skew=-1.4),
    "phone photo": _photo,
    "at 150 dpi": lambda: scan_page(NOTICE, red_header=HEADER, seal=ORGAN, dpi=150, seed=15),
    "at 300 dpi": lambda: scan_page(NOTICE, red_header=HEADER, seal=ORGAN, dpi=300, seed=16),
    "no 红头, seal only": lambda: scan_page(NOTICE, seal="晋阳市大数据中心", seed=17),
    "faint and worn, under text": lambda: _stamped(18, (0.45, 0.45), strength=0.6, wear=0.25),
}


# ---------------------------------------------------------------- negatives
def _joint_header() -> Image.Image:
    """A 联合发文 header: two organs stacked, 文件 beside them, the red rule below."""
    page = scan_page(NOTICE[1:], seed=20)
    draw = ImageDraw.Draw(page)
    face, big = font(SERIF_BOLD, 80), font(SERIF_BOLD, 150)
    draw.text((230, 260), "晋阳市人民政府办公室", font=face, fill=RED)
    draw.text((230, 360), "晋阳市大数据应用局", font=face, fill=RED)
    draw.text((1100, 270), "文件", font=big, fill=RED)
    draw.rectangle((220, 500, 1440, 506), fill=RED)
    return page


def _red_table(square: bool) -> Image.Image:
    page = scan_page(NOTICE[:3], seed=21)
    draw = ImageDraw.Draw(page)
    left, top = 260, 900
    width, height = (520, 520) if square else (1150, 600)
    rows, cols = (5, 3) if square else (8, 5)
    for r in range(rows + 1):
        y = top + r * height // rows
        draw.line((left, y, left + width, y), fill=RED, width=4)
    for c in range(cols + 1):
        x = left + c * width // cols
        draw.line((x, top, x, top + height), fill=RED, width=4)
    cell = font(SERIF, 30)
    for r in range(rows):
        for c in range(cols):
            draw.text(
                (left + 12 + c * width // cols, top + 20 + r * height // rows),
                "数据",
                font=cell,
                fill=(20, 20, 20),
            )
    return page


def _red_logo(shape: str) -> Image.Image:
    """A red emblem: a filled square or disc with white characters (a unit's logo)."""
    page = scan_page(NOTICE, seed=22)
    draw = ImageDraw.Draw(page)
    box = (1150, 1500, 1450, 1800)
    if shape == "square":
        draw.rectangle(box, fill=RED)
    else:
        draw.ellipse(box, fill=RED)
    draw.text((1205, 1570), "晋阳", font=font(SERIF_BOLD, 95), fill=(255, 255, 255))
    return page


def _rect_stamp() -> Image.Image:
    """A rectangular red 审核 stamp (not a 公章): frame and text."""
    page = scan_page(NOTICE, seed=23)
    draw = ImageDraw.Draw(page)
    draw.rectangle((1050, 1650, 1400, 1900), outline=RED, width=8)
    draw.text((1090, 1700), "已审核", font=font(SERIF_BOLD, 90), fill=RED)
    draw.text((1090, 1810), "2024.3.26", font=font(SERIF_BOLD, 50), fill=RED)
    return page


def _pen_circle() -> Image.Image:
    """A reviewer's red pen circling a sentence: a ring with only black text inside."""
    page = scan_page(NOTICE, seed=24)
    draw = ImageDraw.Draw(page)
    draw.ellipse((380, 820, 760, 1150), outline=RED, width=5)
    return page


def _red_text() -> Image.Image:
    page = scan_page(NOTICE, seed=25)
    draw = ImageDraw.Draw(page)
    face = font(SERIF, 44)
    for row, line in enumerate(("（此件公开发布）", "请各单位于4月30日前报送，逾期视为未自查。")):
        draw.text((240, 1900 + row * 80), line, font=face, fill=RED)
    return page


def _photo_patch(shape: str, seed: int) -> Image.Image:
    """A photo printed on the page: a red banner in a meeting hall, or a red lantern."""
    page = scan_page(NOTICE[:3], seed=seed)
    rng = np.random.default_rng(seed)
    w, h = (1100, 650) if shape == "banner" else (420, 460)
    noise = rng.normal(0, 1, (h // 10, w // 10))
    texture = np.asarray(
        Image.fromarray(((noise - noise.min()) / np.ptp(noise) * 255).astype(np.uint8)).resize(
            (w, h), Image.Resampling.BICUBIC
        ),
        dtype=np.float32,
    )
    rgb = np.empty((h, w, 3), np.float32)
    rgb[..., 0] = 150 + 0.35 * texture
    rgb[..., 1] = 20 + 0.25 * texture
    rgb[..., 2] = 25 + 0.2 * texture
    if shape == "banner":  # hall below the banner: grey-brown, people
        rgb[h // 3 :, :, :] = (90 + 0.3 * texture[h // 3 :, :, None]) * np.array([1.0, 0.85, 0.7])
        photo = Image.fromarray(np.clip(rgb, 0, 255).astype(np.uint8), "RGB")
        ImageDraw.Draw(photo).text(
            (60, 40), "新型智慧城市建设推进会", font=font(SERIF_BOLD, 70), fill=(250, 230, 120)
        )
        page.paste(photo, (260, 900))
    else:  # a lantern: a textured red oval with gold bands, on a dark photo background
        photo = Image.new("RGB", (w + 120, h + 160), (60, 58, 70))
        lantern = Image.fromarray(np.clip(rgb, 0, 255).astype(np.uint8), "RGB")
        oval = Image.new("L", (w, h), 0)
        ImageDraw.Draw(oval).ellipse((0, 0, w, h), fill=255)
        photo.paste(lantern, (60, 80), oval)
        draw = ImageDraw.Draw(photo)
        draw.rectangle((60 + w // 3, 40, 60 + 2 * w // 3, 90), fill=(200, 160, 40))
        draw.rectangle((60 + w // 3, h + 70, 60 + 2 * w // 3, h + 120), fill=(200, 160, 40))
        page.paste(photo.filter(ImageFilter.GaussianBlur(1.2)), (700, 950))
    return page


def _donut_chart() -> Image.Image:
    """A statistics report's 环形图: a thick red ring (93% done), the figure in its hole."""
    page = scan_page(NOTICE[:3], seed=33)
    draw = ImageDraw.Draw(page)
    box = (600, 1000, 960, 1360)
    draw.pieslice(box, -90, 245, fill=RED)
    draw.pieslice(box, 245, 270, fill=(200, 200, 205))
    draw.ellipse((680, 1080, 880, 1280), fill=(255, 255, 255))
    draw.text((712, 1150), "93%", font=font(SERIF_BOLD, 56), fill=RED)
    return page


def _pen_remarks(seed: int) -> Image.Image:
    """A leader's red-pen 批示 in the margin: loose strokes and a signature, no ring."""
    page = scan_page(NOTICE, seed=seed)
    draw = ImageDraw.Draw(page)
    rng = random.Random(seed)
    left, top = 1000, 1500
    for _ in range(9):
        x, y = left + rng.uniform(0, 320), top + rng.uniform(0, 300)
        points = [(x, y)]
        for _ in range(6):
            x, y = x + rng.uniform(-40, 60), y + rng.uniform(-30, 30)
            points.append((x, y))
        draw.line(points, fill=RED, width=5, joint="curve")
    draw.text((left + 20, top + 320), "同意。王某某 3.28", font=font(SERIF, 48), fill=RED)
    return page


def _grey_header_only() -> Image.Image:
    return _page(26, skew=0.6, noise=0.4)


NEGATIVES: dict[str, Callable[[], Image.Image]] = {
    "红头 title and rule": _grey_header_only,
    "红头 title, another organ": lambda: scan_page(
        NOTICE, red_header="晋阳市大数据应用局文件", seed=27
    ),
    "联合发文 header": _joint_header,
    "red table": lambda: _red_table(square=False),
    "square red table frame": lambda: _red_table(square=True),
    "red square logo": lambda: _red_logo("square"),
    "red disc badge": lambda: _red_logo("disc"),
    "rectangular 审核 stamp": _rect_stamp,
    "red pen circle around a line": _pen_circle,
    "red body text": _red_text,
    "red banner photo": lambda: _photo_patch("banner", 28),
    "red lantern photo": lambda: _photo_patch("lantern", 29),
    "red lantern photo (another)": lambda: _photo_patch("lantern", 30),
    "red 环形图 (donut chart)": _donut_chart,
    "red-pen 批示": lambda: _pen_remarks(34),
    "red-pen 批示 (another)": lambda: _pen_remarks(35),
    "plain colour scan": lambda: phone_photo(scan_page(NOTICE, seed=31), seed=31),
    "noisy 红头 scan": lambda: _page(32, noise=0.9, skew=1.2),
}


@pytest.fixture(scope="module")
def measured() -> dict[str, tuple[bool, bool, float]]:
    """Each page's truth, what was found and the seconds it took."""
    out: dict[str, tuple[bool, bool, float]] = {}
    for truth, pages in ((True, POSITIVES), (False, NEGATIVES)):
        for name, build in pages.items():
            page = build()
            started = time.perf_counter()
            seals = find_seals(page)
            out[name] = (truth, bool(seals), time.perf_counter() - started)
    return out


def test_every_seal_is_found_and_nothing_else_red(measured) -> None:
    tp = sum(1 for truth, found, _ in measured.values() if truth and found)
    fp = sum(1 for truth, found, _ in measured.values() if not truth and found)
    fn = sum(1 for truth, found, _ in measured.values() if truth and not found)
    seconds = sorted(s for *_, s in measured.values())
    print(
        f"\nseals: {tp} found of {tp + fn} positive pages, {fp} of {len(NEGATIVES)} negative pages"
        f" marked; precision {tp / max(1, tp + fp):.2f}, recall {tp / max(1, tp + fn):.2f};"
        f" median {seconds[len(seconds) // 2] * 1000:.0f} ms a page"
    )
    wrong = [name for name, (truth, found, _) in measured.items() if truth != found]
    assert not wrong, f"misclassified: {wrong}"


def test_the_seal_is_found_where_it_was_stamped() -> None:
    page = _page(1, seal=ORGAN)
    seals = find_seals(page)
    assert seals is not None and len(seals) == 1
    left, top, right, bottom = page.info["seal_box"]
    found = seals[0].box
    assert abs(found[0] - left) < 0.02 and abs(found[2] - right) < 0.02
    assert abs(found[1] - top) < 0.02 and abs(found[3] - bottom) < 0.02


def test_two_seals_are_two() -> None:
    seals = find_seals(_two_seals())
    assert seals is not None and len(seals) == 2


def test_a_greyscale_scan_is_not_checked() -> None:
    """No colour, no way to tell a seal from a grey ring: None (not checked), never []."""
    grey = _page(2, seal=ORGAN).convert("L").convert("RGB")
    assert find_seals(grey) is None
    assert find_seals(_page(2)) == []  # the red 红头 makes the page a colour one


def test_a_page_is_checked_quickly() -> None:
    page = _page(1, seal=ORGAN)
    find_seals(page)
    started = time.perf_counter()
    for _ in range(5):
        find_seals(page)
    assert (time.perf_counter() - started) / 5 < 0.25  # OCR of the page takes ~2 s


def test_a_tiny_or_blank_page_is_handled() -> None:
    assert not find_seals(Image.new("RGB", (3, 2), (255, 0, 0)))
    assert find_seals(Image.new("RGB", (400, 300), (220, 20, 30))) == []  # all red: no ring
    assert find_seals(Image.new("RGB", (40, 40), (255, 255, 255))) is None


# ---------------------------------------------------------------- through the pipeline
SHORT = [
    "关于报送2024年度智慧城市建设自查材料的通知",
    "各县（市、区）大数据中心：",
    "　　请于4月30日前报送自查报告及佐证材料。",
    "晋阳市大数据中心",
    "2024年3月26日",
]


@pytest.fixture(scope="module")
def checked(tmp_path_factory) -> tuple[dict[str, DocumentInfo], dict[str, DocumentInfo]]:
    """Scans read by the real OCR pool (read_scans, as pipeline.read_submission does):
    a two-page image-only PDF sealed on its last page, an unsealed PNG notice, a
    greyscale JPEG of a sealed one; then read again from the extraction store."""
    from sxcheck.ingest import extractor_version, read_document
    from sxcheck.ingest.ocr.merge import read_scans
    from sxcheck.store import open_store

    root = tmp_path_factory.mktemp("seals")
    body = scan_page(SHORT[:3], red_header="晋阳市大数据中心文件", seed=40)
    last = scan_page(SHORT[3:], seal="晋阳市大数据中心", seed=41)
    image_pdf([body, last], root / "自查通知.pdf")
    scan_page(SHORT, red_header="晋阳市大数据中心文件", seed=42).save(root / "未盖章通知.png")
    grey = scan_page(SHORT, seal="晋阳市大数据中心", seed=43).convert("L")
    grey.save(root / "灰度扫描.jpg", quality=85)
    names = ("自查通知.pdf", "未盖章通知.png", "灰度扫描.jpg")
    documents = [(root / name, read_document(root / name, name)) for name in names]
    assert read_scans(documents) == 4
    store = open_store(f"sqlite:///{root.parent / (root.name + '.db')}")
    store.save_extractions([doc for _, doc in documents], extractor_version())
    again = {name: read_document(root / name, name, cache=store) for name in names}
    assert all(doc.from_store for doc in again.values())
    return (
        {doc.info.path: doc.info for _, doc in documents},
        {name: doc.info for name, doc in again.items()},
    )


def test_scans_report_their_sealed_pages(checked) -> None:
    read, _ = checked
    sealed = read["自查通知.pdf"]
    assert sealed.read_by == "ocr" and sealed.ocr_pages == [1, 2]
    assert sealed.seals == [2] and sealed.seal_pages_checked == 2
    assert not any("印章" in note for note in sealed.notes)
    unsealed = read["未盖章通知.png"]
    assert unsealed.seals == [] and unsealed.seal_pages_checked == 1
    assert "扫描件未见印章" in unsealed.notes  # noted, not failed
    assert unsealed.status == "ok" and unsealed.text_units >= 3
    grey = read["灰度扫描.jpg"]
    assert grey.seals is None and grey.seal_pages_checked == 0  # no colour: could not tell
    assert not any("印章" in note for note in grey.notes)


def test_seals_are_kept_with_the_stored_read(checked) -> None:
    read, again = checked
    for name, info in read.items():
        stored = again[name]
        assert (stored.seals, stored.seal_pages_checked, stored.notes) == (
            info.seals,
            info.seal_pages_checked,
            info.notes,
        )


def test_a_text_document_is_not_checked() -> None:
    from sxcheck.ingest import parse_document

    doc = parse_document("通知全文。".encode(), "a.txt", "0" * 64)
    assert doc.info.seals is None and doc.info.seal_pages_checked == 0
