"""Issue 14: the trail shows what each number of a quote is and whether it was compared.

A real report is built from a submission written here (a 规划 with a target and a
report with the year's figures). Its figures as the facts stage noted them are
checked end to end; then the same report, loaded from its JSON, gets a known set
of FigureNotes on one quote so every renderer (HTML, Markdown, DOCX, XLSX, the
terminal and `sxcheck show RUN ITEM`) is held to the same tags from
`sxcheck/report/figure_labels.py`.
"""

from __future__ import annotations

import io
import json
from pathlib import Path

import docx
import openpyxl
import pytest
from rich.console import Console

from sxcheck.models import Evidence, FigureNote, Report
from sxcheck.report.docx_report import to_docx
from sxcheck.report.figure_labels import figure_label, figure_tag, figures_line
from sxcheck.report.html import to_html
from sxcheck.report.markdown import to_markdown
from sxcheck.report.terminal import print_judgment
from sxcheck.report.xlsx_report import to_xlsx

from .conftest import run_cli

DECLARATION = (
    'region: 晋阳市\nlevel: city\nyear: 2024\nindicators:\n  "1.1.1": {numerator: 310, '
    "denominator: 320}\n"
)
PLAN = "到2025年，全市重点场所5G网络覆盖率达到100%。\n"
QUOTE = "截至2024年底，全市重点公共区域320个，已实现5G网络覆盖的310个，覆盖率96.9%。"

# One quote's numbers, one of each kind a reviewer must tell apart.
NOTES = [
    FigureNote(text="96.9%", role="figure", period="2024", used=True),
    FigureNote(text="45%", role="figure", period="2020"),
    FigureNote(text="100%", role="figure", period="target"),
    FigureNote(text="3个百分点", role="figure", period="change"),
    FigureNote(text="〔2024〕15号", role="identifier"),
    FigureNote(text="2024年底", role="date"),
    FigureNote(text="72.8分", role="score", period="current"),
    FigureNote(text="28.6万元", role="money", period="2024"),
    FigureNote(text="88%", role="figure", period="current"),
]
LABELS = [
    "✓ 96.9%（2024年，已比对）",
    "45%（2020年数据）",
    "100%（目标值）",
    "3个百分点（增减变化）",
    "〔2024〕15号（编号/序号）",
    "2024年底（日期）",
    "72.8分（得分）",
    "28.6万元（金额，2024年，未比对）",
    "88%（当前，未比对）",
]


@pytest.fixture(scope="module")
def checked(tmp_path_factory) -> tuple[Path, dict]:
    """A submission checked by the CLI (stored, so `show` can read it back) and its JSON."""
    root = tmp_path_factory.mktemp("figures") / "sub"
    (root / "佐证材料").mkdir(parents=True)
    (root / "submission.yaml").write_text(DECLARATION, encoding="utf-8")
    (root / "佐证材料" / "规划.txt").write_text(PLAN, encoding="utf-8")
    (root / "佐证材料" / "报告.txt").write_text(QUOTE + "\n", encoding="utf-8")
    out = root.parent / "report.json"
    code, _, err = run_cli("check", str(root), "--quiet", "--report", str(out))
    assert code in (0, 1), err
    return out, json.loads(out.read_text(encoding="utf-8"))


def _item(report: Report, item_id: str = "1.1.1"):
    return next(j for j in report.indicators if j.id == item_id)


def _quoted(report: Report) -> list[Evidence]:
    return [ev for r in _item(report).reasons for ev in r.evidence if ev.quote == QUOTE]


@pytest.fixture
def bare(checked) -> Report:
    """The real report with no figures noted anywhere (as reports were before issue 14)."""
    report = Report.model_validate_json(checked[0].read_text(encoding="utf-8"))
    for judgment in report.indicators:
        for reason in judgment.reasons:
            for ev in reason.evidence:
                ev.figures = []
    assert _quoted(report), "the report quotes the sentence for 1.1.1"
    return report


@pytest.fixture
def noted(bare) -> Report:
    """The same report with the known notes on the quote of 1.1.1."""
    for ev in _quoted(bare):
        ev.figures = list(NOTES)
    return bare


# ------------------------------------------------------------------ the labels


def test_each_role_and_period_has_its_tag():
    assert [figure_label(n, 2024) for n in NOTES] == LABELS
    assert figures_line(NOTES, 2024) == "数字：" + "  ".join(LABELS)
    assert figures_line([], 2024) == ""


def test_a_year_reads_as_other_data_only_against_the_evaluation_year():
    old = FigureNote(text="45%", role="figure", period="2020")
    assert figure_tag(old, 2024) == "2020年数据"
    assert figure_tag(old, 2020) == "2020年，未比对"
    assert figure_tag(old, None) == "2020年，未比对"  # without the year, no judgement on it
    used = FigureNote(text="310个", role="figure", period="current", used=True)
    assert figure_label(used, 2024) == "✓ 310个（当前，已比对）"


# ------------------------------------------------------------------ every renderer


def test_html_shows_the_tags_under_the_quote(noted):
    html = to_html(noted)
    line = next(part for part in html.split("</li>") if '<div class="figures">' in part)
    assert f"<blockquote><mark>{QUOTE}</mark></blockquote>" in line  # the quote unchanged
    for label in LABELS:
        assert label in line
    assert '<span class="fig used">✓ 96.9%（2024年，已比对）</span>' in line
    assert '<span class="fig aside">100%（目标值）</span>' in line


def test_markdown_docx_xlsx_and_terminal_show_the_same_line(noted):
    line = figures_line(NOTES, 2024)

    markdown = to_markdown(noted)
    assert f"    - {line}" in markdown.replace("\\", "")

    document = docx.Document(io.BytesIO(to_docx(noted)))
    texts = [p.text for p in document.paragraphs]
    assert texts[texts.index(f"“{QUOTE}”") + 1] == line  # right under its quote

    sheet = openpyxl.load_workbook(io.BytesIO(to_xlsx(noted)))["评价结果"]
    row = next(r for r in sheet.iter_rows(values_only=True) if r[0] == "1.1.1")
    assert line in row[11]  # the 佐证 column: the figures beside their quote

    console = Console(record=True, width=400, color_system=None)
    print_judgment(_item(noted), console, year=2024)
    assert line in console.export_text()


def test_figure_text_is_escaped_like_every_submission_text(bare):
    hostile = [
        FigureNote(text="<script>alert(1)</script>", role="figure", period="2024", used=True),
        FigureNote(text="[bold]9[/bold]*9*", role="identifier"),
        FigureNote(text="1\x1b]0;x\x07", role="date"),
    ]
    for ev in _quoted(bare):
        ev.figures = hostile
    html = to_html(bare)
    assert "<script>alert" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    markdown = to_markdown(bare)
    assert "<script>" not in markdown and "\\*9\\*" in markdown
    console = Console(record=True, width=400, color_system=None)
    print_judgment(_item(bare), console, year=2024)
    text = console.export_text()
    assert "[bold]9[/bold]*9*（编号/序号）" in text and "\x1b" not in text
    to_docx(bare), to_xlsx(bare)  # lxml and openpyxl accept the cleaned text


def test_without_figures_nothing_is_added(bare):
    html = to_html(bare)
    assert '<div class="figures">' not in html
    assert f"<mark>{QUOTE}</mark>" in html
    assert "数字：" not in to_markdown(bare)
    document = docx.Document(io.BytesIO(to_docx(bare)))
    quote = next(p for p in document.paragraphs if p.text == f"“{QUOTE}”")
    assert len(quote.runs) == 1 and quote.runs[0].italic
    assert not any("已比对" in p.text for p in document.paragraphs)
    sheet = openpyxl.load_workbook(io.BytesIO(to_xlsx(bare)))["评价结果"]
    row = next(r for r in sheet.iter_rows(values_only=True) if r[0] == "1.1.1")
    assert "数字：" not in row[11]
    console = Console(record=True, width=400, color_system=None)
    print_judgment(_item(bare), console, year=2024)
    assert "数字：" not in console.export_text()


# ------------------------------------------------------------------ end to end


def test_the_pipeline_notes_the_year_figure_as_used(checked):
    _, data = checked
    item = next(j for j in data["indicators"] if j["id"] == "1.1.1")
    notes = [
        note
        for reason in item["reasons"]
        for ev in reason["evidence"]
        if ev["quote"] == QUOTE
        for note in ev["figures"]
    ]
    assert any(n["text"] == "96.9%" and n["used"] for n in notes), notes
    assert not any(r["code"] == "inconsistent_figures" for r in item["reasons"])
    report = Report.model_validate(data)
    assert "✓ 96.9%（" in to_html(report)


def test_show_run_item_prints_the_figures(checked):
    _, data = checked
    code, out, err = run_cli("show", data["run"]["id"], "1.1.1")
    assert code == 0, err
    assert "✓ 96.9%（" in out and "已比对）" in out
