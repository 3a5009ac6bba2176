"""The DOCX as a government archive files it, read back from real runs of two samples.

A4 pages (the 材料清单 on landscape A4), "第 N 页 共 M 页" in the footer as PAGE and
NUMPAGES fields, the report's own properties (title, region, run, tool version,
created time), the full SHA-256 of every file, fixed column widths on the grid and
on every cell, and Chinese words for places and statuses. LibreOffice renders it to
PDF as a reader's machine would: every page is A4 and numbered; page 1 and the first
landscape page are kept as PNG under build/test-reports/ to look at.
"""

from __future__ import annotations

import datetime as dt
import re
import shutil
import subprocess
from pathlib import Path

import docx
import pypdfium2 as pdfium
import pytest
from docx.oxml.ns import qn

from sxcheck.report.view import STATUS_ZH
from sxcheck.report.zh_labels import DOC_STATUS_ZH, cell_zh, location_zh, note_zh, when_zh

from .conftest import ROOT, sample_reports

BUILD = ROOT / "build" / "test-reports"
SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")
SAMPLES = ("晋阳市-2024", "清源县-2024")
A4_PT = (595.3, 841.9)


@pytest.fixture(scope="module", params=SAMPLES)
def made(request, tmp_path_factory) -> dict:
    data, paths = sample_reports(request.param, tmp_path_factory.mktemp("docx"), "docx")
    return {
        "name": request.param,
        "data": data,
        "path": paths["docx"],
        "document": docx.Document(str(paths["docx"])),
    }


def _mm(length: int | None) -> float:
    return round((length or 0) / 36000, 1)


def test_every_section_is_a4_with_archive_margins(made):
    sections = made["document"].sections
    assert len(sections) == 2  # the report, then the 材料清单 on landscape A4
    portrait, landscape = sections
    assert (_mm(portrait.page_width), _mm(portrait.page_height)) == (210.0, 297.0)
    assert (_mm(landscape.page_width), _mm(landscape.page_height)) == (297.0, 210.0)
    for section in sections:
        assert _mm(section.left_margin) == 28.0 and _mm(section.right_margin) == 26.0
        assert _mm(section.top_margin) == 30.0 and _mm(section.bottom_margin) == 28.0


def test_footer_numbers_pages_with_page_and_numpages_fields(made):
    sections = made["document"].sections
    footer = sections[0].footer
    assert not footer.is_linked_to_previous
    assert sections[1].footer.is_linked_to_previous  # the landscape pages number on
    xml = footer._element
    codes = [t.text.strip() for t in xml.iter(qn("w:instrText"))]
    assert codes == ["PAGE", "NUMPAGES"]
    kinds = [c.get(qn("w:fldCharType")) for c in xml.iter(qn("w:fldChar"))]
    assert kinds == ["begin", "separate", "end"] * 2
    # the cached results stand for the numbers: 第 1 页 共 1 页 until a reader updates them
    assert footer.paragraphs[0].text == "第 1 页 共 1 页"


def test_properties_are_the_reports_own(made):
    data, core = made["data"], made["document"].core_properties
    region, run = data["submission"]["region"], data["run"]
    assert core.title == f"{region}新型智慧城市试点建设评价核查报告"
    assert core.subject == region
    assert core.author == "sxcheck" and core.last_modified_by == "sxcheck"
    assert run["id"] in core.keywords and f"sxcheck {run['tool_version']}" in core.keywords
    assert run["id"] in core.comments and run["rules_digest"] in core.comments
    assert core.identifier == run["id"] and core.language == "zh-CN"
    started = dt.datetime.fromisoformat(run["started_at"]).astimezone(dt.UTC)
    assert core.created == started and core.modified >= started
    assert "python-docx" not in " ".join(str(v) for v in (core.author, core.comments, core.title))


def test_materials_list_has_every_files_full_sha256(made):
    hashes, reading = made["document"].tables[-2:]
    assert [c.text for c in hashes.rows[0].cells] == ["序号", "文件", "大小（字节）", "SHA-256"]
    rows = {row.cells[1].text: row.cells[3].text for row in hashes.rows[1:]}
    assert rows == {d["path"]: d["sha256"] for d in made["data"]["documents"]}
    assert all(re.fullmatch(r"[0-9a-f]{64}", sha) for sha in rows.values())
    statuses = {row.cells[3].text for row in reading.rows[1:]}
    assert statuses <= set(DOC_STATUS_ZH.values()) and "已读取" in statuses
    kinds = {row.cells[1].text for row in reading.rows[1:]}
    assert not kinds & {"pdf", "image", "docx", "xlsx", "wps"}  # 类型 in words: PDF, 图片 …


def _widths(table) -> tuple[list[int], list[list[int]]]:
    grid = [int(c.get(qn("w:w"))) for c in table._tbl.tblGrid.findall(qn("w:gridCol"))]
    cells = [
        [int(tc.tcPr.find(qn("w:tcW")).get(qn("w:w"))) for tc in tr.findall(qn("w:tc"))]
        for tr in table._tbl.findall(qn("w:tr"))
    ]
    return grid, cells


def test_tables_have_fixed_widths_on_grid_and_every_cell(made):
    document = made["document"]
    portrait, landscape = (
        int(s.page_width - s.left_margin - s.right_margin) / 635 for s in document.sections
    )
    for table in document.tables:
        layout = table._tbl.tblPr.find(qn("w:tblLayout"))
        assert layout is not None and layout.get(qn("w:type")) == "fixed"
        grid, cells = _widths(table)
        assert all(row == grid for row in cells)  # Word reads the cells, LibreOffice the grid
        assert abs(sum(grid) - portrait) < 2 or abs(sum(grid) - landscape) < 2
        header = table.rows[0]._tr.trPr.find(qn("w:tblHeader"))
        assert header is not None  # repeated on each page
    hashes, reading = document.tables[-2:]
    grid, _ = _widths(hashes)
    assert grid[3] / 20 * 0.3528 >= 100  # 64 hex digits in 8-point mono on one line (mm)
    grid, _ = _widths(reading)
    # the file name's column is the widest: Chinese names wrap in a few lines, not per character
    assert grid[0] == max(grid) and grid[0] / 20 * 0.3528 >= 35
    assert min(grid) / 20 * 0.3528 >= 9  # 页数, 草稿: never a character per line


def test_places_and_statuses_are_said_in_chinese(made):
    document, data = made["document"], made["data"]
    text = "\n".join(p.text for p in document.paragraphs)
    evidence = [e for j in data["indicators"] for r in j["reasons"] for e in r["evidence"]]
    assert evidence
    for ev in evidence:
        assert location_zh(ev["location"]) in text
    assert not re.search(r"\b(paragraph|table|sheet|column|row) \d", text)
    assert re.search(r"第\d+段", text) and re.search(r"表\d+第\d+行", text)
    assert re.search(r"工作表“[^”]+”第\d+行", text)
    assert "sha256" not in text  # 校验值
    assert [c.text for c in document.tables[0].rows[0].cells][:4] == list(STATUS_ZH.values())
    headings = [p.text for p in document.paragraphs if p.style.name == "Heading 3"]
    assert len(headings) == len(data["indicators"])
    for heading, judgment in zip(headings, data["indicators"], strict=True):
        assert f"{STATUS_ZH[judgment['status']]}  " in heading


def test_chinese_words_for_places_notes_and_times():
    assert location_zh("paragraph 12") == "第12段"
    assert location_zh("table 3 row 4") == "表3第4行"
    assert (
        location_zh("sheet 统计表 row 14 (统计表!A14:D14)")
        == "工作表“统计表”第14行（统计表!A14:D14）"
    )
    assert (
        location_zh("sheet 2024 row 统计 row 3 (hidden sheet, hidden row, hidden column C)")
        == "工作表“2024 row 统计”第3行（隐藏工作表、隐藏行、隐藏列C）"
    )
    assert location_zh("slide 2") == "slide 2"  # a place not known: as written
    assert cell_zh("column 分子（件）, column 3") == "列“分子（件）”、第3列"
    assert cell_zh("统计表!B14, 统计表!C14") == "统计表!B14、统计表!C14"
    assert (
        note_zh("converted from .wps to DOCX by LibreOffice")
        == "已由LibreOffice从.wps转换为DOCX读取"
    )
    assert note_zh("OCR found no text on page(s) 2–3") == "第2–3页OCR未识别出文字"
    assert note_zh("something new") == "something new"
    assert when_zh("2026-12-02T12:58:21+00:00") == "2026年12月2日 12:58:21（UTC）"
    assert when_zh("2024-05-01T08:00:00+08:00") == "2024年5月1日 08:00:00（UTC+08:00）"


def to_pdf(source: Path, out: Path) -> Path:
    """LibreOffice's PDF of a file, with a private profile (never the user's)."""
    if not SOFFICE:
        pytest.skip("LibreOffice is not installed (.ci/run installs Debian's libreoffice-writer)")
    profile = out / "lo-profile"
    result = subprocess.run(
        [
            SOFFICE,
            f"-env:UserInstallation={profile.as_uri()}",
            "--headless",
            "--convert-to",
            "pdf",
            "--outdir",
            str(out),
            str(source),
        ],
        capture_output=True,
        text=True,
        timeout=180,
        env={"HOME": str(out), "PATH": "/usr/bin:/bin"},
    )
    pdf = out / f"{source.stem}.pdf"
    assert pdf.exists(), result.stderr
    return pdf


def _a4(size: tuple[float, float]) -> bool:
    width, height = sorted(size)
    return abs(width - A4_PT[0]) < 1 and abs(height - A4_PT[1]) < 1


def test_libreoffice_renders_a4_pages_numbered_page_of_pages(made, tmp_path):
    pdf = pdfium.PdfDocument(str(to_pdf(made["path"], tmp_path)))
    pages = len(pdf)
    assert pages > 3
    texts = [pdf[i].get_textpage().get_text_range() for i in range(pages)]
    for number, (page, text) in enumerate(zip(pdf, texts, strict=True), start=1):
        assert _a4(page.get_size()), (number, page.get_size())
        assert f"第 {number} 页 共 {pages} 页" in text, number
    portrait = [i for i in range(pages) if pdf[i].get_size()[0] < pdf[i].get_size()[1]]
    landscape = [i for i in range(pages) if i not in portrait]
    assert portrait[0] == 0 and landscape and min(landscape) > max(portrait)
    flat = "".join(texts[landscape[0]].split())
    assert "四、材料清单" in flat and made["data"]["documents"][0]["sha256"] in flat
    assert "新型智慧城市试点建设评价核查报告" in "".join(texts[0].split())
    BUILD.mkdir(parents=True, exist_ok=True)
    for index, name in ((0, "page1"), (1, "page2"), (landscape[0], "materials")):
        image = pdf[index].render(scale=1.5).to_pil()
        image.save(BUILD / f"docx-{made['name']}-{name}.png")
