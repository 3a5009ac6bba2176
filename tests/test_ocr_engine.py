"""The OCR engine and page rendering on real rendered images (real engine, no mocks).

Deskew, reading order and boxes, a seal over text, every image type a
submission holds (png, jpg, tif incl. multi-page, bmp, phone photos), the
decompression-bomb refusal, and an image-only PDF rendered back.
"""

from __future__ import annotations

import io
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from sxcheck.errors import DocumentError
from sxcheck.ingest.ocr import engine_name, recognise
from sxcheck.ingest.ocr.engine import char_accuracy, normalise
from sxcheck.ingest.ocr.render import (
    deskew,
    frame_count,
    image_pages,
    open_image,
    prepare,
    remove_seals,
    render_pdf_page,
)
from tests.scans import image_pdf, page_truth, phone_photo, scan_page

NOTICE = [
    "关于开展2024年度新型智慧城市建设评价工作的通知",
    "各县（市、区）大数据中心：",
    "　　根据省评价工作安排，现将有关事项通知如下。评价覆盖全市11个县（市、区），"
    "共69项三级指标，自评得分不低于85.5分的单位可申报示范。",
    "　　请于2024年4月18日前报送自评报告和佐证材料，联系电话：0351-4012345。",
    "晋阳市大数据应用局",
    "2024年3月26日",
]


def _bytes(image: Image.Image, kind: str, **options: object) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, kind, **options)
    return buffer.getvalue()


@pytest.fixture(scope="module")
def sealed_page() -> Image.Image:
    return scan_page(
        NOTICE,
        red_header="晋阳市大数据应用局文件",
        seal="晋阳市大数据应用局",
        skew=0.9,
        noise=0.4,
        seed=5,
    )


@pytest.fixture(scope="module")
def sealed_lines(sealed_page: Image.Image) -> list:
    return recognise(prepare(sealed_page))


def test_deskew_recovers_a_small_skew() -> None:
    """A page scanned 1.2° off square is found within 0.3° and turned back."""
    for skew in (1.2, -1.2):
        page = scan_page(NOTICE * 2, skew=skew, noise=0.3, seed=2)
        squared, angle = deskew(page)
        assert abs(angle - skew) <= 0.3, (skew, angle)
        assert abs(deskew(squared)[1]) <= 0.3
    assert deskew(scan_page(NOTICE, seed=3))[1] == pytest.approx(0.0, abs=0.1)


def test_lines_have_boxes_in_the_page_in_reading_order(sealed_lines: list) -> None:
    assert len(sealed_lines) >= 8
    for line in sealed_lines:
        left, top, right, bottom = line.box
        assert 0 <= left < right <= 1 and 0 <= top < bottom <= 1, line
        assert 0 < line.confidence <= 1
    tops = [line.box[1] for line in sealed_lines]
    assert tops == sorted(tops)
    assert sealed_lines[0].text == "晋阳市大数据应用局文件"  # the red 红头 is read too
    assert "关于开展2024年度新型智慧城市建设评价工作的通知" in sealed_lines[1].text


def test_a_seal_over_text_does_not_lose_the_lines_under_it(
    sealed_page: Image.Image, sealed_lines: list
) -> None:
    """The seal covers the 落款 and date; they are read, and so is the sentence above them."""
    seal = sealed_page.info["seal_box"]
    under = [line for line in sealed_lines if line.box[1] < seal[3] and line.box[3] > seal[1]]
    assert len(under) >= 2, "no line was found under the seal"
    read = "".join(line.text for line in sealed_lines)
    for needle in ("晋阳市大数据应用局", "2024年3月26日", "0351-4012345", "2024年4月18日"):
        assert needle in read
    assert char_accuracy(page_truth(sealed_page, "晋阳市大数据应用局文件"), read) > 0.98


def test_remove_seals_keeps_the_red_header() -> None:
    page = scan_page(NOTICE, red_header="晋阳市大数据应用局文件", seal="晋阳市大数据应用局", seed=9)
    cleaned = remove_seals(page)
    left, top, right, bottom = page.info["seal_box"]
    w, h = page.size
    header = cleaned.crop((0, 0, w, int(top * h) - 10))
    assert header.tobytes() == page.crop((0, 0, w, int(top * h) - 10)).tobytes()
    seal_area = cleaned.crop(
        (int(left * w), int(top * h), int(right * w), int(bottom * h))
    ).convert("RGB")
    rgb = np.asarray(seal_area).astype(int)
    red = int(((rgb[:, :, 0] > 150) & (rgb[:, :, 0] - rgb[:, :, 1:].max(axis=2) > 60)).sum())
    assert red < 50


@pytest.mark.parametrize("kind", ["png", "jpeg", "tiff", "bmp"])
def test_each_image_type_opens(kind: str) -> None:
    page = scan_page(NOTICE[:3], dpi=100, seed=1)
    image = open_image(_bytes(page, kind))
    assert image.mode == "RGB" and image.size == page.size


def test_a_multi_page_tiff_is_one_page_per_frame() -> None:
    pages = [scan_page([f"第{n}页", *NOTICE[:2]], dpi=100, seed=n) for n in range(1, 4)]
    data = _bytes(pages[0], "TIFF", save_all=True, append_images=pages[1:], compression="tiff_lzw")
    assert frame_count(data) == 3
    frames = list(image_pages(data))
    assert [frame.size for frame in frames] == [page.size for page in pages]
    assert open_image(data, frame=2).tobytes() == pages[2].convert("RGB").tobytes()


def test_exif_orientation_is_applied() -> None:
    page = scan_page(NOTICE[:2], dpi=80, seed=1)
    exif = Image.Exif()
    exif[0x0112] = 6  # the camera was turned: rotate 90° clockwise to view
    turned = page.transpose(Image.Transpose.ROTATE_90)
    image = open_image(_bytes(turned, "JPEG", exif=exif.tobytes()))
    assert image.size == page.size


def test_a_decompression_bomb_is_refused_with_a_reason() -> None:
    """A 1-bit 30,000 × 30,000 PNG is a few KB on disk and 2.7 GB as RGB."""
    bomb = _bytes(Image.new("1", (30_000, 30_000), 1), "PNG")
    assert len(bomb) < 1_000_000
    for call in (
        lambda: open_image(bomb),
        lambda: frame_count(bomb),
        lambda: list(image_pages(bomb)),
    ):
        with pytest.raises(DocumentError) as caught:
            call()
        message = str(caught.value)
        assert "\n" not in message and "MAX_IMAGE_PIXELS" in message


def test_junk_is_refused_with_a_reason() -> None:
    with pytest.raises(DocumentError, match="not a readable image"):
        open_image(b"\x89PNG\r\n\x1a\n" + b"\0" * 64)
    with pytest.raises(DocumentError):
        render_pdf_page(b"%PDF-1.4 truncated", 0)


def test_render_pdf_page_round_trips_an_image_pdf(tmp_path: Path) -> None:
    pages = [scan_page(NOTICE, seed=1), scan_page(NOTICE[:3], seed=2)]
    pdf = image_pdf(pages, tmp_path / "scan.pdf", dpi=200)
    for index, page in enumerate(pages):
        for source in (pdf, pdf.read_bytes()):
            rendered = render_pdf_page(source, index, dpi=200)
            assert (
                abs(rendered.size[0] - page.size[0]) <= 2
                and abs(rendered.size[1] - page.size[1]) <= 2
            )
    read = "".join(line.text for line in recognise(render_pdf_page(pdf, 1, dpi=200)))
    assert "关于开展2024年度新型智慧城市建设评价工作的通知" in read
    with pytest.raises(DocumentError, match="page 3 does not exist"):
        render_pdf_page(pdf, 2)


def test_a_phone_photo_of_a_page_is_read() -> None:
    photo = phone_photo(scan_page(NOTICE, seed=4), seed=4)
    read = "".join(
        line.text for line in recognise(prepare(open_image(_bytes(photo, "JPEG", quality=80))))
    )
    assert "2024年4月18日" in read and "0351-4012345" in read


def test_doc_number_brackets_are_restored() -> None:
    assert normalise("晋数发[2024]35号") == "晋数发〔2024〕35号"
    assert normalise("晋政办发【2023〕8号") == "晋政办发〔2023〕8号"
    assert normalise("（2024—2026年）") == "（2024—2026年）"


def test_engine_name_names_the_engine_and_version() -> None:
    assert engine_name().startswith("rapidocr 3.")


def test_importing_the_ocr_package_loads_no_engine() -> None:
    """Starting sxcheck stays cheap: the OCR package adds no numpy, OpenCV or onnxruntime."""
    code = (
        "import sys; import sxcheck.ingest; before = set(sys.modules); import sxcheck.ingest.ocr, "
        "sxcheck.ingest.ocr.render, sxcheck.ingest.ocr.rapid, sxcheck.ingest.ocr.tesseract; "
        "heavy = {'numpy', 'cv2', 'onnxruntime', 'rapidocr'}; "
        "print(sorted(m for m in set(sys.modules) - before if m.split('.')[0] in heavy))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_rapidocr_needs_no_network(tmp_path: Path) -> None:
    """With sockets disabled, the engine still loads its models (from the wheel) and reads."""
    code = (
        "import socket\n"
        "def refuse(*a, **k): raise OSError('network access attempted')\n"
        "socket.socket.connect = refuse; socket.create_connection = refuse; socket.getaddrinfo = refuse\n"
        "from PIL import Image, ImageDraw\n"
        "from tests.scans import scan_page\n"
        "from sxcheck.ingest.ocr import recognise\n"
        "print(''.join(l.text for l in recognise(scan_page(['离线识别测试2024'], dpi=150))))\n"
    )
    env = {
        "HTTP_PROXY": "http://127.0.0.1:9",
        "HTTPS_PROXY": "http://127.0.0.1:9",
        "PATH": "/usr/bin:/bin",
    }
    root = Path(__file__).resolve().parent.parent
    out = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        cwd=root,
        env={**env, "PYTHONPATH": str(root)},
    )
    assert out.returncode == 0, out.stderr[-2000:]
    assert "离线识别测试2024" in out.stdout
    assert "network access attempted" not in out.stderr
    assert out.stderr.strip() == "", "RapidOCR logged: " + out.stderr[-500:]  # INFO logging is off
