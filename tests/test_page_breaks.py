"""A sentence a page break cuts in two is read whole (evidence.pages).

The PDFs are laid out by reportlab, which runs a paragraph on to the next page as
real documents do: filler paragraphs are added until the page break falls inside the
sentence under test. Its halves are then the last paragraph of page 1 and the first
of page 2, and the check must read them as one sentence, quoted from page 1 with a
location naming page 2, the quote found across the two pages of the PDF.
"""

from __future__ import annotations

from pathlib import Path

import pypdfium2 as pdfium
import pytest

from sxcheck.catalogue.loader import load_rules
from sxcheck.evidence import sentences_of
from sxcheck.ingest import read_document

from .conftest import check_json
from .docbuilders import para, title, write_pdf
from .test_sample import assert_quotes_found

KEY = "全市公共停车场（库）共50个，经逐一核查，截至2024年底已有46个实现与市级智慧停车管理平台系统联网，联网率达到92%。"
FILLER = "市直各部门按照职责分工推进智慧城市建设，工作总体平稳有序。"
RULES = load_rules()


def _cut_pdf(folder: Path, before: str = "") -> Path:
    """A PDF whose page break falls inside KEY (after a word, before its figures)."""
    for count in range(5, 40):
        path = write_pdf(
            folder / "佐证材料" / "2024年工作总结.pdf",
            [
                title("2024年智慧城市建设工作总结"),
                *[para(FILLER)] * count,
                para(before + FILLER * 3 + KEY + FILLER * 2),  # long enough to run on
            ],
        )
        pdf = pdfium.PdfDocument(str(path))
        try:
            if len(pdf) < 2:
                continue
            first = pdf[0].get_textpage().get_text_range().replace("\r\n", "")
            tail = first.split("。")[-1]
            if len(tail) > 6 and tail in KEY and "46" not in tail:
                return path
        finally:
            pdf.close()
    raise AssertionError("no filler count put the page break inside the sentence")


@pytest.fixture
def cut(tmp_path: Path) -> Path:
    folder = tmp_path / "停车"
    _cut_pdf(folder)
    (folder / "submission.yaml").write_text(
        'region: 测试市\nlevel: city\nyear: 2024\nindicators:\n  "2.3.3": {numerator: 46, denominator: 50}\n',
        encoding="utf-8",
    )
    return folder


def test_the_cut_sentence_is_one_sentence_quoted_from_its_first_page(cut: Path):
    path = cut / "佐证材料" / "2024年工作总结.pdf"
    units = read_document(path, "a.pdf").units
    assert not any(KEY in u.text for u in units)  # the reader gives two halves
    sentences = sentences_of(units, 2024, RULES.lexicon)
    whole = [s for s in sentences if "经逐一核查" in s.text and "联网率" in s.text]
    assert len(whole) == 1
    evidence = whole[0].evidence
    assert evidence.page == 1 and "至第2页" in evidence.location
    assert evidence.quote.replace(" ", "") == KEY
    assert [q.text for q in whole[0].quantities if q.unit == "个"] == ["50个", "46个"]


def test_the_check_is_backed_by_the_whole_sentence(cut: Path):
    code, report, err = check_json(cut, "--no-store")
    assert code in (0, 1) and report is not None, err
    item = next(j for j in report["indicators"] if j["id"] == "2.3.3")
    assert item["status"] == "pass"
    assert {r["code"] for r in item["reasons"]} >= {"corroborated"}
    assert assert_quotes_found(report, cut) > 0  # across the two pages, as the PDF has it


def test_a_closed_paragraph_at_the_break_is_not_joined(tmp_path: Path):
    path = write_pdf(tmp_path / "a.pdf", [title("工作总结"), *[para(FILLER)] * 70])
    units = read_document(path, "a.pdf").units
    assert {u.page for u in units} >= {1, 2}
    sentences = sentences_of(units, 2024, RULES.lexicon)
    # every filler sentence closes with 。: none is joined across the break
    assert not any("至第" in s.place[2] for s in sentences)


def test_a_heading_ending_its_page_is_not_joined_with_the_next(tmp_path: Path):
    heading = "二、存在问题及原因分析和下一步的改进措施"
    for count in range(20, 80):
        path = write_pdf(
            tmp_path / "b.pdf",
            [title("工作总结"), *[para(FILLER)] * count, para(heading), para(KEY)],
        )
        units = read_document(path, "b.pdf").units
        last = [u for u in units if u.page == 1][-1]
        if last.text == heading and any(u.page == 2 for u in units):
            break
    else:
        raise AssertionError("no filler count put the heading at the foot of page 1")
    sentences = sentences_of(units, 2024, RULES.lexicon)
    assert any(s.text == heading for s in sentences)
    assert not any("至第" in s.place[2] for s in sentences)
