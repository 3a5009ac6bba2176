"""A PDF exported by LibreOffice from a DOCX with expanded character spacing (issue 15).

Such a PDF's text comes out of pypdfium2 as "2 0 2 4 年 4 月 1 8 日": every character
spaced. The check must judge it exactly as the same text in a plain DOCX (same status
and reason codes for every item), and every quote must still be the PDF's own text.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import docx
import pypdfium2 as pdfium
import pytest
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Pt

from .conftest import check_json
from .docbuilders import convert_with_libreoffice, para, write_docx

MANIFEST = """region: 晋阳市
level: city
year: 2024
indicators:
  "1.1.1": {numerator: 310, denominator: 320}
  "1.1.2": {value: 285.4, unit: Mbps}
  "2.5.2": {numerator: 418, denominator: 420}
  "7.1.4": {numerator: 42, denominator: 45}
"""
# a 2024 work report as a city writes it; spaced, its figures, dates and 文号 must
# still be read (the brackets of one 文号 as WPS users type them)
PARAGRAPHS = [
    "2024年3月5日，市政府办公室印发《关于成立晋阳市新型智慧城市建设领导小组的通知》"
    "（晋政办发[2024]18号），由市长任组长，分管副市长任副组长。",
    "2024年4月18日，领导小组召开第一次全体会议，审议通过《2024年新型智慧城市建设工作要点》。",
    "截至2024年底，全市320个城市重点公共区域中已有310个实现5G网络覆盖，覆盖率96.9%。",
    "全市固定宽带用户平均下载速率达到285.4Mbps，较上年提高31.6Mbps。",
    "全市共有中小学校420所，其中418所已实现无线网络全覆盖。",
    "全市45个重要信息系统中，已有42个通过网络安全等级保护测评并完成整改。",
    "到2025年，全市重点公共区域5G网络覆盖率力争达到100%。",
]
SPACING_POINTS = 4  # w:spacing of every run (LibreOffice's 字符间距 "加宽 4 磅")


def _spaced_docx(path: Path, paragraphs: list[str], points: int) -> Path:
    """A DOCX whose runs have expanded character spacing (w:spacing in w:rPr, twips)."""
    document = docx.Document()
    for text in paragraphs:
        run = document.add_paragraph().add_run(text)
        run.font.size = Pt(12)
        spacing = OxmlElement("w:spacing")
        spacing.set(qn("w:val"), str(points * 20))
        run._r.get_or_add_rPr().append(spacing)
    document.save(str(path))
    return path


def _to_pdf(source: Path, out_dir: Path) -> Path:
    """LibreOffice's own export (a profile of its own: other soffice runs may be live)."""
    assert shutil.which("soffice"), "LibreOffice (soffice) is required: make system-deps"
    return convert_with_libreoffice(source, "pdf", out_dir)


def _pdf_text(path: Path) -> str:
    """The PDF's text with its visual lines joined (as quotes are matched against)."""
    document = pdfium.PdfDocument(str(path))
    try:
        pages = [document[i].get_textpage().get_text_range() for i in range(len(document))]
    finally:
        document.close()
    return "".join(p.replace("\r\n", "").replace("\n", "") for p in pages)


def _submission(root: Path) -> Path:
    (root / "佐证材料").mkdir(parents=True)
    (root / "submission.yaml").write_text(MANIFEST, encoding="utf-8")
    return root


def _outcomes(report: dict) -> dict[str, tuple[str, list[str]]]:
    return {
        j["id"]: (j["status"], sorted(r["code"] for r in j["reasons"]))
        for j in report["indicators"]
    }


@pytest.fixture(scope="module")
def spaced_pdf(tmp_path_factory) -> Path:
    work = tmp_path_factory.mktemp("spaced")
    source = _spaced_docx(work / "2024年工作总结.docx", PARAGRAPHS, SPACING_POINTS)
    return _to_pdf(source, work)


def test_the_pdf_text_is_spaced(spaced_pdf):
    text = _pdf_text(spaced_pdf)
    assert "2 0 2 4 年" in text and "覆 盖 率" in text and "9 6 . 9 %" in text
    assert "2024年" not in text


def test_judged_as_the_plain_docx_and_quotes_are_the_pdfs_own(spaced_pdf, tmp_path):
    plain = _submission(tmp_path / "plain")
    write_docx(plain / "佐证材料" / "2024年工作总结.docx", [para(p) for p in PARAGRAPHS])
    spaced = _submission(tmp_path / "spaced")
    shutil.copy(spaced_pdf, spaced / "佐证材料" / "2024年工作总结.pdf")

    _, expected, err = check_json(plain, "--no-store")
    assert expected is not None, err
    _, report, err = check_json(spaced, "--no-store")
    assert report is not None, err

    outcomes, wanted = _outcomes(report), _outcomes(expected)
    assert outcomes == wanted
    # the items the text backs are judged on it, not merely failed alike
    assert wanted["1.1.1"][0] == "pass" and "corroborated" in wanted["1.1.1"][1]
    assert wanted["8.1.1"][0] == "pass"
    assert "planned_not_done" not in wanted["1.1.1"][1]

    text = _pdf_text(spaced_pdf)
    quotes = [
        e["quote"]
        for j in report["indicators"]
        for r in j["reasons"]
        for e in r["evidence"]
        if e["document"].endswith(".pdf")
    ]
    assert quotes, "the spaced PDF backs no judgment"
    missing = [q for q in quotes if q not in text]
    assert not missing, missing
    # a figure is shown to the reviewer as the PDF writes it
    notes = [
        f["text"]
        for j in report["indicators"]
        for r in j["reasons"]
        for e in r["evidence"]
        for f in e.get("figures", [])
    ]
    assert "9 6 . 9 %" in notes
