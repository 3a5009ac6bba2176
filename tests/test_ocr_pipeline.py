"""Scans read by OCR inside the pipeline: real scans (tests/scans.py), the real engine.

A package laid out as evidence_samples/晋阳市-2024 whose 领导小组 notice, 考核 notice
and 等保 summary are image-only PDFs (200 dpi, red header, seal, ~1° skew) must
be judged as the same texts in DOCX are; every OCR quote is what OCR read on its
page, with its confidence and box; a re-check with a store OCRs nothing; a page
over the time limit is listed with its reason and never cached.
"""

from __future__ import annotations

import io
import json
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import docx as python_docx
import openpyxl
import pypdfium2 as pdfium
import pytest
from PIL import Image

from sxcheck.ingest import extractor_version
from sxcheck.pipeline import check
from sxcheck.store import open_store
from sxcheck.store.tables import Extraction

from .conftest import ROOT, SAMPLE, run_cli
from .docbuilders import para, title, write_docx, write_pdf
from .scans import image_pdf, page_truth, phone_photo, scan_page

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
READ_BY_OCR = re.compile(r"OCR（第1页，平均置信度(?:0\.9\d|1\.00)）")
QUOTE_MARK = re.compile(r"OCR (?:0\.\d\d|1\.00)")

# name -> (red header, seal, paragraphs): the three notices, as DOCX or as scans
NOTICES: dict[str, tuple[str | None, str, list[str]]] = {
    "02-关于成立晋阳市新型智慧城市建设领导小组的通知": (
        "晋阳市人民政府办公室文件",
        "晋阳市人民政府办公室",
        [
            "关于成立晋阳市新型智慧城市建设领导小组的通知",
            "各县（市、区）人民政府，市直各有关单位：",
            "　　为加强对全市新型智慧城市建设工作的组织领导，经市政府同意，决定成立晋阳市新型智慧城市"
            "建设领导小组。组长由市长王某某担任，副组长由常务副市长李某某担任。",
            "　　领导小组办公室设在市行政审批服务管理局，负责日常工作。领导小组原则上每季度召开一次会议。",
            "晋阳市人民政府办公室",
            "2023年3月6日",
        ],
    ),
    "07-关于印发新型智慧城市建设工作考核办法的通知": (
        "晋阳市人民政府文件",
        "晋阳市人民政府",
        [
            "关于印发晋阳市新型智慧城市建设工作考核办法的通知",
            "各县（市、区）人民政府，市直各有关单位：",
            "　　市政府将新型智慧城市建设纳入市直单位年度目标责任考核，分值占比3%，请认真贯彻执行。",
            "　　市政府办公室印发《晋阳市政务信息化项目建设管理办法》，对项目立项、审批、验收实行全流程管理。",
            "晋阳市人民政府",
            "2024年2月20日",
        ],
    ),
    "08-等保测评情况汇总": (
        None,
        "晋阳市大数据中心",
        [
            "晋阳市智慧城市平台等级保护测评情况汇总",
            "　　2024年，全市智慧城市平台系统总数45个，其中通过等保测评并整改合格的系统42个，"
            "等保合规安全率为93.3%。",
            "晋阳市大数据中心",
            "2024年12月31日",
        ],
    ),
}
KEPT = ("01-晋阳市新型智慧城市建设自评估报告.pdf", "03-2024年智慧城市统计表.xlsx")
MINUTES = "04-领导小组会议纪要.pdf"


def _base(root: Path) -> Path:
    """The sample's declaration, report and workbook, and minutes as a text PDF (its own
    notice, screenshot and scans left out: both variants differ only in the notices)."""
    (root / "佐证材料").mkdir(parents=True)
    shutil.copy(SAMPLE / "submission.yaml", root / "submission.yaml")
    for name in KEPT:
        shutil.copy(SAMPLE / "佐证材料" / name, root / "佐证材料" / name)
    write_pdf(
        root / "佐证材料" / MINUTES,
        [
            title("晋阳市新型智慧城市建设领导小组2024年第一次全体会议纪要"),
            para(
                "2024年3月15日，市长王某某主持召开市新型智慧城市建设领导小组2024年第一次全体会议，"
                "听取2023年智慧城市建设工作汇报，审议通过《晋阳市2024年新型智慧城市建设工作要点》。"
            ),
            para("会议要求，各成员单位要按照职责分工，确保年度任务按期完成。"),
        ],
    )
    return root


def _scan(name: str, seed: int) -> Image.Image:
    header, seal, lines = NOTICES[name]
    skew = 1.0 if seed % 2 else -0.9
    return scan_page(lines, red_header=header, seal=seal, skew=skew, seed=seed)


@pytest.fixture(scope="module")
def packages(tmp_path_factory) -> dict[str, Path]:
    """The same package twice: notices as DOCX, and as image-only PDF scans."""
    base = tmp_path_factory.mktemp("ocr")
    as_docx, as_scans = _base(base / "docx"), _base(base / "scans")
    for seed, (name, (header, _seal, lines)) in enumerate(NOTICES.items(), start=1):
        blocks = ([title(header)] if header else []) + [para(line.strip("　")) for line in lines]
        write_docx(as_docx / "佐证材料" / f"{name}.docx", blocks)
        image_pdf([_scan(name, seed)], as_scans / "佐证材料" / f"{name}.pdf")
    (base / "out").mkdir()
    return {"docx": as_docx, "scans": as_scans, "out": base / "out"}


def _check_cli(package: Path, db: Path, *extra: str) -> tuple[dict, float]:
    started = time.monotonic()
    code, out, err = run_cli("check", str(package), "--db", str(db), "--json", *extra)
    assert code == 0, err
    return json.loads(out), time.monotonic() - started


@pytest.fixture(scope="module")
def first(packages) -> tuple[dict, float]:
    """The scanned package checked once with a store, every report format written."""
    out = packages["out"]
    reports = [
        arg for ext in ("md", "html", "docx", "xlsx") for arg in ("--report", str(out / f"r.{ext}"))
    ]
    return _check_cli(packages["scans"], out / "store.db", *reports)


@pytest.fixture(scope="module")
def second(packages, first) -> tuple[dict, float]:
    return _check_cli(packages["scans"], packages["out"] / "store.db")


def _ocr_evidence(report: dict) -> list[dict]:
    return [
        ev
        for j in report["indicators"]
        for r in j["reasons"]
        for ev in r["evidence"]
        if ev.get("source") == "ocr"
    ]


def test_scans_are_judged_as_the_same_texts_in_docx(packages, first):
    scanned, _ = first
    typed = check(packages["docx"]).model_dump(mode="json")
    for mine, theirs in zip(scanned["indicators"], typed["indicators"], strict=True):
        assert mine["id"] == theirs["id"]
        codes = lambda j: sorted({r["code"] for r in j["reasons"]})  # noqa: E731
        assert (mine["status"], codes(mine)) == (theirs["status"], codes(theirs)), mine["id"]
    statuses = {j["id"]: j["status"] for j in scanned["indicators"]}
    assert statuses["8.1.2"] == "pass" and statuses["7.1.4"] == "partial"  # the scans count
    docs = {Path(d["path"]).stem: d for d in scanned["documents"]}
    for name in NOTICES:
        doc = docs[name]
        assert doc["status"] == "ok" and doc["read_by"] == "ocr" and doc["ocr_pages"] == [1]
        assert doc["needs_ocr"] is False and doc["ocr_confidence"] > 0.9
        assert doc["ocr_engine"].startswith("rapidocr")
    assert docs["01-晋阳市新型智慧城市建设自评估报告"]["read_by"] == "text"
    assert scanned["run"]["pages_ocred"] == 3


def test_every_ocr_quote_is_in_the_ocr_text_of_its_page(packages, first):
    report, _ = first
    quotes = _ocr_evidence(report)
    assert {Path(ev["document"]).stem for ev in quotes} >= set(NOTICES) - {
        "02-关于成立晋阳市新型智慧城市建设领导小组的通知"  # 8.1.1 passes on the minutes as well
    }
    store = open_store(str(packages["out"] / "store.db"))
    pages: dict[tuple[str, int | None], str] = {}
    for ev in quotes:
        key = (ev["sha256"], ev["page"])
        if key not in pages:
            hit = store.lookup(ev["sha256"], extractor_version())
            assert hit is not None
            pages[key] = "".join(u.text for u in hit[1] if u.page == ev["page"])
            assert all(u.source == "ocr" and u.lines for u in hit[1])
        assert ev["quote"] in pages[key]
        assert 0.5 < ev["confidence"] <= 1.0
        left, top, right, bottom = ev["box"]
        assert 0 <= left < right <= 1 and 0 <= top < bottom <= 1
    text_quotes = [
        ev
        for j in report["indicators"]
        for r in j["reasons"]
        for ev in r["evidence"]
        if ev["document"].endswith(".xlsx")
    ]
    assert text_quotes and all(ev["source"] == "text" and ev["box"] is None for ev in text_quotes)


def test_a_recheck_with_the_store_ocrs_no_page(first, second):
    (one, took_first), (two, took_second) = first, second
    assert one["run"]["pages_ocred"] == 3 and two["run"]["pages_ocred"] == 0
    assert two["run"]["documents_from_store"] == len(two["documents"]) == 6
    assert two["run"]["documents_read"] == 0
    assert [d["read_by"] for d in two["documents"]] == [d["read_by"] for d in one["documents"]]
    assert [d["thumbnails"] for d in two["documents"]] == [
        d["thumbnails"] for d in one["documents"]
    ]
    assert took_second < took_first / 2, (took_first, took_second)


def test_thumbnails_are_small_greyscale_jpegs(first):
    report, _ = first
    scans = [d for d in report["documents"] if d["read_by"] == "ocr"]
    for doc in scans:
        uri = doc["thumbnails"]["1"]
        assert uri.startswith("data:image/jpeg;base64,") and len(uri) < 60_000
        import base64

        image = Image.open(io.BytesIO(base64.b64decode(uri.split(",", 1)[1])))
        assert image.format == "JPEG" and image.mode == "L" and image.width == 360


def test_every_renderer_says_how_each_document_was_read(packages, first):
    out = packages["out"]
    markdown = (out / "r.md").read_text(encoding="utf-8")
    assert READ_BY_OCR.search(markdown) and "| 文字层 |" in markdown
    assert QUOTE_MARK.search(markdown)  # an OCR quote is marked with its confidence
    html = (out / "r.html").read_text(encoding="utf-8")
    assert READ_BY_OCR.search(html) and 'class="ocr" title="OCR' in html
    document = python_docx.Document(str(out / "r.docx"))
    cells = {cell.text for table in document.tables for row in table.rows for cell in row.cells}
    assert any(READ_BY_OCR.fullmatch(c) for c in cells) and "文字层" in cells
    assert any(QUOTE_MARK.search(p.text) for p in document.paragraphs)
    book = openpyxl.load_workbook(out / "r.xlsx")
    listed = [row[5] for row in book["材料清单"].iter_rows(min_row=2, values_only=True)]
    assert "文字层" in listed and any(str(v).startswith("OCR（第1页") for v in listed)
    evidence = [row[11] or "" for row in book["评价结果"].iter_rows(min_row=2, values_only=True)]
    assert any(QUOTE_MARK.search(cell) for cell in evidence)
    from rich.console import Console

    from sxcheck.models import Report
    from sxcheck.report.terminal import print_summary

    console = Console(record=True, width=200)
    print_summary(Report.model_validate(first[0]), console)
    assert READ_BY_OCR.search(console.export_text())


def test_html_shows_the_quote_box_on_the_page_thumbnail(packages, first):
    html = (packages["out"] / "r.html").read_text(encoding="utf-8")
    assert '<image id="scan-1" href="data:image/jpeg;base64,' in html
    assert 'class="quote-box"' in html and '<use href="#scan-' in html
    if not CHROMIUM:
        pytest.fail("chromium is needed to render the report (Debian's chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"]
        )
        try:
            page = browser.new_page(viewport={"width": 1200, "height": 1600})
            requests: list[str] = []
            page.on("request", lambda r: requests.append(r.url))
            page.goto((packages["out"] / "r.html").as_uri())
            item = page.locator("details.item", has=page.locator("svg.scan")).first
            item.locator("summary").first.click()
            svg = item.locator("svg.scan").first
            svg.scroll_into_view_if_needed()
            outer, box = svg.bounding_box(), svg.locator("rect.quote-box").bounding_box()
            assert outer and box and 240 <= outer["width"] <= 244  # with its border
            svg.screenshot(path=str(packages["out"] / "scan.png"))
            assert (
                outer["x"] <= box["x"] < box["x"] + box["width"] <= outer["x"] + outer["width"] + 1
            )
            assert (
                outer["y"]
                <= box["y"]
                < box["y"] + box["height"]
                <= outer["y"] + outer["height"] + 1
            )
            drawn = page.evaluate(
                "() => { const i = document.querySelector('image#scan-1');"
                " return i && i.getBBox().width; }"
            )
            assert drawn and drawn > 100  # the thumbnail decoded and laid out
            assert all(r.startswith(("file:", "data:")) for r in requests)
        finally:
            browser.close()


# ------------------------------------------------------------------ other scans


def _mixed_pdf(path: Path, scan: Image.Image) -> Path:
    """Page 1 with a text layer, page 2 a scan (as a city's merged PDF often is)."""
    text = write_pdf(
        path.with_suffix(".text.pdf"), [para("全市5G基站累计建成3200个，实现城区连续覆盖。")]
    )
    scanned = image_pdf([scan], path.with_suffix(".scan.pdf"))
    merged = pdfium.PdfDocument.new()
    for part in (text, scanned):
        merged.import_pages(pdfium.PdfDocument(str(part)))
    merged.save(str(path))
    text.unlink()
    scanned.unlink()
    return path


@pytest.fixture(scope="module")
def formats(tmp_path_factory) -> tuple[dict, dict[str, Image.Image]]:
    root = tmp_path_factory.mktemp("formats")
    (root / "submission.yaml").write_text(
        "region: 晋阳市\nlevel: city\nyear: 2024\n", encoding="utf-8"
    )
    pages = {name: _scan(name, seed) for seed, name in enumerate(NOTICES, start=1)}
    names = list(NOTICES)
    photo = phone_photo(pages[names[0]], seed=4)
    photo.save(root / "领导小组通知-手机拍照.jpg", "JPEG", quality=80)
    first, *rest = [pages[names[1]], pages[names[2]]]
    first.save(root / "考核与等保.tiff", save_all=True, append_images=rest, compression="tiff_lzw")
    _mixed_pdf(root / "建设情况（部分扫描）.pdf", pages[names[2]])
    report = check(root).model_dump(mode="json")
    return report, pages


def _doc(report: dict, name: str) -> dict:
    return next(d for d in report["documents"] if d["path"] == name)


def test_a_phone_photo_a_multipage_tiff_and_a_half_scanned_pdf(formats):
    report, pages = formats
    photo = _doc(report, "领导小组通知-手机拍照.jpg")
    assert photo["kind"] == "image" and photo["status"] == "ok" and photo["read_by"] == "ocr"
    assert photo["ocr_pages"] == [1] and photo["text_units"] >= 4
    tiff = _doc(report, "考核与等保.tiff")
    assert tiff["pages"] == 2 and tiff["ocr_pages"] == [1, 2] and tiff["read_by"] == "ocr"
    assert set(tiff["thumbnails"]) == {"1", "2"}
    mixed = _doc(report, "建设情况（部分扫描）.pdf")
    assert mixed["read_by"] == "text+ocr" and mixed["ocr_pages"] == [2] and not mixed["needs_ocr"]
    assert mixed["notes"] == []
    assert report["run"]["pages_ocred"] == 4
    quotes = [
        ev
        for j in report["indicators"]
        for r in j["reasons"]
        for ev in r["evidence"]
        if ev["document"] == "考核与等保.tiff"
    ]
    assert quotes and {ev["page"] for ev in quotes} <= {1, 2}
    assert all(ev["source"] == "ocr" and ev["box"] for ev in quotes)


def test_what_ocr_read_is_the_page(formats):
    """The units' text of each scan is the page's text (character accuracy ≥ 0.95)."""
    from sxcheck.ingest import read_document
    from sxcheck.ingest.ocr.engine import char_accuracy
    from sxcheck.ingest.ocr.merge import read_scans

    report, pages = formats
    name = list(NOTICES)[2]
    root = Path(report["submission"]["source"])
    doc = read_document(root / "建设情况（部分扫描）.pdf", "x.pdf")
    assert doc.ocr_pending == [2] and doc.info.needs_ocr
    assert read_scans([(root / "建设情况（部分扫描）.pdf", doc)]) == 1
    assert [u.page for u in doc.units] == sorted(u.page for u in doc.units)  # page order
    scanned = "".join(u.text for u in doc.units if u.page == 2)
    assert char_accuracy(page_truth(pages[name], NOTICES[name][0]), scanned) >= 0.95
    for unit in doc.units:
        if unit.source == "ocr":
            assert unit.location.startswith("paragraph ")
            for line in unit.lines:  # each line where it is in its unit's text
                assert unit.text[line.start : line.start + len(line.text)] == line.text


# ------------------------------------------------------------------ limits


def test_a_page_over_the_time_limit_is_listed_and_not_cached(packages, tmp_path):
    root = tmp_path / "pkg"
    (root / "材料").mkdir(parents=True)
    shutil.copy(SAMPLE / "submission.yaml", root / "submission.yaml")
    name = list(NOTICES)[0]
    shutil.copy(packages["scans"] / "佐证材料" / f"{name}.pdf", root / "材料" / f"{name}.pdf")
    shutil.copy(
        packages["docx"] / "佐证材料" / f"{list(NOTICES)[1]}.docx", root / "材料" / "考核.docx"
    )
    db = tmp_path / "store.db"
    report, _ = _check_cli(root, db, "--doc-timeout", "1")
    scan = _doc(report, f"材料/{name}.pdf")
    assert scan["status"] == "error" and scan["error"].startswith("timeout:"), scan
    assert "OCR" in scan["error"] and scan["needs_ocr"] is True
    assert _doc(report, "材料/考核.docx")["status"] == "ok"
    assert report["run"]["pages_ocred"] == 0
    unreadable = [
        r["message"]
        for j in report["indicators"]
        for r in j["reasons"]
        if r["code"] == "document_unreadable"
    ]
    assert any(name in message for message in unreadable)
    store = open_store(str(db))
    assert store.lookup(scan["sha256"], extractor_version()) is None  # a limit's failure: not kept
    assert store.count(Extraction) == 1  # the DOCX is


def test_without_the_engine_scans_are_listed_with_a_clear_reason(packages, tmp_path):
    """The OCR wheel missing (its import fails): every scan says so, nothing is read silently."""
    root = tmp_path / "pkg"
    (root / "材料").mkdir(parents=True)
    shutil.copy(SAMPLE / "submission.yaml", root / "submission.yaml")
    name = list(NOTICES)[0]
    shutil.copy(packages["scans"] / "佐证材料" / f"{name}.pdf", root / "材料" / "通知.pdf")
    program = (
        "import sys; sys.modules['rapidocr'] = None\n"  # as if the wheel were not installed
        "from sxcheck.cli import main\n"
        f"main(['check', {str(root)!r}, '--no-store', '--json'])\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", program], capture_output=True, text=True, timeout=300, cwd=ROOT
    )
    assert done.returncode == 0, done.stderr
    doc = _doc(json.loads(done.stdout), "材料/通知.pdf")
    assert doc["status"] == "error" and doc["error"].startswith("需要OCR：OCR 引擎不可用 ("), doc
    assert "Traceback" not in done.stderr


def test_start_up_does_not_load_the_ocr_engine():
    program = (
        "import sys, sxcheck.cli, sxcheck.pipeline, sxcheck.ingest.ocr.pages\n"
        "print([m for m in ('onnxruntime', 'cv2', 'rapidocr') if m in sys.modules])"
    )
    done = subprocess.run([sys.executable, "-c", program], capture_output=True, text=True, cwd=ROOT)
    assert done.stdout.strip() == "[]", done.stderr


def test_an_extraction_kept_before_revision_0003_is_still_read(tmp_path):
    """The store keeps how a document was read (info_json); rows without it still serve."""
    from sqlmodel import Session

    from sxcheck.models import DocumentInfo, IngestedDocument, TextUnit

    sha = "ab" * 32
    info = DocumentInfo(path="a.txt", sha256=sha, size=3, kind="txt", encoding="GB18030")
    unit = TextUnit(document="a.txt", sha256=sha, location="paragraph 1", text="领导小组")
    store = open_store(str(tmp_path / "s.db"))
    store.save_extractions([IngestedDocument(info=info, units=[unit])], extractor_version())
    hit = store.lookup(sha, extractor_version())
    assert hit is not None and hit[0].encoding == "GB18030"
    with Session(store.engine) as session:
        row = session.get(Extraction, (sha, extractor_version()))
        assert row is not None
        row.info_json = None  # as a row written by an older sxcheck
        session.add(row)
        session.commit()
    hit = store.lookup(sha, extractor_version())
    assert hit is not None and hit[0].kind == "txt" and hit[0].encoding is None
    assert hit[1][0].text == "领导小组"
