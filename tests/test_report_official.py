"""Official-document facts in every report: 发文机关, 文号, 成文日期, draft, seal.

A Report is built here with documents carrying what evidence.official read
(`DocumentInfo.official`), what the OCR pool saw of seals (`seals`), and
quotes carrying their document's `issued` reference; every format is
rendered from it: the documents table has the five columns, each quote shows
"文号 · 日期 · 草稿" beside it, empty values are "—" or nothing, hostile text
is escaped, and a report stored before these fields existed still renders.
"""

from __future__ import annotations

import io
import json

import docx
import openpyxl
import pytest
from rich.console import Console

from sxcheck.models import (
    DocumentInfo,
    DocumentRef,
    Evidence,
    Judgment,
    OfficialInfo,
    Reason,
    Report,
    RunInfo,
    Status,
    SubmissionInfo,
    Summary,
)
from sxcheck.report import to_json
from sxcheck.report.docx_report import to_docx
from sxcheck.report.html import to_html
from sxcheck.report.markdown import to_markdown
from sxcheck.report.terminal import print_judgment, print_summary
from sxcheck.report.xlsx_report import to_xlsx

NUMBER = "晋阳政办发〔2023〕58号"
ISSUER = "晋阳市人民政府办公室"
DRAFT_NUMBER = "晋数发〔2024〕3号"
HOSTILE_ISSUER = "晋阳市<b>大数据</b>应用局&<script>alert(1)</script>"
NOTICE, DRAFT, SCREENSHOT, PLAIN = (
    "02-关于成立领导小组的通知.pdf",
    "03-实施方案（征求意见稿）.docx",
    "05-平台截图.png",
    "04-说明.txt",
)
SHA = {name: f"{i:064x}" for i, name in enumerate((NOTICE, DRAFT, SCREENSHOT, PLAIN), 1)}


def _evidence(document: str, quote: str, issued: DocumentRef | None, page: int | None = None):
    return Evidence(
        document=document,
        sha256=SHA[document],
        page=page,
        location="paragraph 3",
        quote=quote,
        issued=issued,
    )


def build_report() -> Report:
    notice_ref = DocumentRef(issuer=ISSUER, number=NUMBER, date="2023-05-12")
    draft_ref = DocumentRef(
        issuer=HOSTILE_ISSUER, number=DRAFT_NUMBER, date="2024-06-03", draft="征求意见稿"
    )
    documents = [
        DocumentInfo(
            path=NOTICE,
            sha256=SHA[NOTICE],
            size=1000,
            kind="pdf",
            pages=2,
            read_by="ocr",
            ocr_pages=[1, 2],
            ocr_confidence=0.98,
            seals=[2],
            seal_pages_checked=2,
            official=OfficialInfo(
                issuer=ISSUER,
                number=NUMBER,
                title="晋阳市人民政府办公室关于成立新型智慧城市建设领导小组的通知",
                kind="通知",
                date="2023-05-12",
                date_text="2023年5月12日",
            ),
        ),
        DocumentInfo(
            path=DRAFT,
            sha256=SHA[DRAFT],
            size=2000,
            kind="docx",
            official=OfficialInfo(
                issuer=HOSTILE_ISSUER,
                number=DRAFT_NUMBER,
                kind="方案",
                date="2024-06-03",
                draft="征求意见稿",
            ),
        ),
        DocumentInfo(
            path=SCREENSHOT,
            sha256=SHA[SCREENSHOT],
            size=300,
            kind="image",
            pages=1,
            read_by="ocr",
            ocr_pages=[1],
            seals=[],
            seal_pages_checked=1,
            notes=["扫描件未见印章"],
        ),
        DocumentInfo(path=PLAIN, sha256=SHA[PLAIN], size=50, kind="txt"),
    ]
    reason = Reason(
        code="established",
        message="已成立领导小组",
        evidence=[
            _evidence(NOTICE, "决定成立晋阳市新型智慧城市建设领导小组。", notice_ref, page=1),
            _evidence(DRAFT, "拟由市大数据应用局牵头建设城市运行管理平台。", draft_ref),
            _evidence(PLAIN, "领导小组办公室设在市大数据应用局。", None),
        ],
    )
    judgment = Judgment(
        id="1.1.1",
        name="领导小组",
        first="1",
        second="1.1",
        first_name="保障体系",
        second_name="组织保障",
        kind="qualitative",
        status=Status.PASS,
        score=1.0,
        reasons=[reason],
    )
    return Report(
        run=RunInfo(
            id="run-1", started_at="2024-12-01T00:00:00", tool_version="0.1.0", rules_digest="ab"
        ),
        submission=SubmissionInfo(region="晋阳市", level="city", year=2024),
        summary=Summary(counts={"pass": 1}, scores={"total": 1.0, "1": 1.0, "1.1": 1.0}),
        indicators=[judgment],
        documents=documents,
    )


NOTICE_LINE = f"{NUMBER} · 2023-05-12"
DRAFT_LINE = f"{DRAFT_NUMBER} · 2024-06-03 · 征求意见稿"


@pytest.fixture(scope="module")
def report() -> Report:
    return build_report()


def _docs_rows_md(text: str) -> list[list[str]]:
    table = text.split("## 材料清单", 1)[1].strip().splitlines()
    return [[cell.strip() for cell in row.strip("|").split("|")] for row in table]


def test_markdown_documents_table_and_quotes(report) -> None:
    text = to_markdown(report)
    header, _rule, *rows = _docs_rows_md(text)
    assert header[5:10] == ["发文机关", "文号", "成文日期", "草稿", "印章"]
    by_name = {row[0]: row for row in rows}
    assert by_name[NOTICE][5:10] == [ISSUER, NUMBER, "2023-05-12", "—", "第2页"]
    assert by_name[DRAFT][6:9] == [DRAFT_NUMBER, "2024-06-03", "征求意见稿"]
    assert "&lt;script&gt;" in by_name[DRAFT][5] and "<script>" not in text
    assert by_name[SCREENSHOT][5:10] == ["—", "—", "—", "—", "未见印章"]
    assert by_name[PLAIN][5:10] == ["—"] * 5
    assert f"（{NOTICE_LINE}）" in text and f"（{DRAFT_LINE}）" in text
    quote_lines = [line for line in text.splitlines() if "领导小组办公室设在" in line]
    assert quote_lines and "〔" not in quote_lines[0]  # no issued: nothing beside it


def test_html_documents_table_and_quotes_are_escaped(report) -> None:
    page = to_html(report)
    for name in ("发文机关", "文号", "成文日期", "草稿", "印章"):
        assert f"<th>{name}</th>" in page
    assert f'<td class="official">{NUMBER}</td>' in page
    assert '<td class="official">第2页</td>' in page
    assert '<td class="official">未见印章</td>' in page
    # empty: the notice's 草稿, the draft's 印章, the screenshot's four, the text's five
    assert page.count('<td class="official">—</td>') == 1 + 1 + 4 + 5
    escaped = "晋阳市&lt;b&gt;大数据&lt;/b&gt;应用局&amp;&lt;script&gt;alert(1)&lt;/script&gt;"
    assert f'<td class="official">{escaped}</td>' in page
    assert f'<span class="issued draft">{DRAFT_NUMBER}' in page
    assert "<script>alert(1)" not in page and "<b>大数据" not in page
    assert f'<span class="issued">{NOTICE_LINE}</span>' in page
    assert f'<span class="issued draft">{DRAFT_LINE}</span>' in page
    assert page.count('class="issued') == 2  # the plain quote has none
    # no 文号 read: the issuer stands for it, escaped in the quote's line too
    unnumbered = report.model_copy(deep=True)
    unnumbered.indicators[0].reasons[0].evidence[1].issued.number = None
    assert f'<span class="issued draft">{escaped} · 2024-06-03 · 征求意见稿</span>' in to_html(
        unnumbered
    )


def test_docx_documents_table_and_quotes(report) -> None:
    document = docx.Document(io.BytesIO(to_docx(report)))
    table = document.tables[-1]
    header = [cell.text for cell in table.rows[0].cells]
    assert header[5:10] == ["发文机关", "文号", "成文日期", "草稿", "印章"]
    rows = {row.cells[0].text: [c.text for c in row.cells] for row in table.rows[1:]}
    assert rows[NOTICE][5:10] == [ISSUER, NUMBER, "2023-05-12", "—", "第2页"]
    assert rows[DRAFT][5] == HOSTILE_ISSUER and rows[DRAFT][8] == "征求意见稿"
    assert rows[SCREENSHOT][9] == "未见印章" and rows[PLAIN][5:10] == ["—"] * 5
    paragraphs = [p.text for p in document.paragraphs]
    assert any(p.startswith(f"{NOTICE}（{NOTICE_LINE}） 第1页") for p in paragraphs)
    assert any(p.startswith(f"{DRAFT}（{DRAFT_LINE}）") for p in paragraphs)
    assert any(p.startswith(f"{PLAIN} 第3段") for p in paragraphs)


def test_xlsx_documents_sheet_and_evidence(report) -> None:
    book = openpyxl.load_workbook(io.BytesIO(to_xlsx(report)))
    sheet = book["材料清单"]
    rows = list(sheet.iter_rows(values_only=True))
    assert list(rows[0][7:12]) == ["发文机关", "文号", "成文日期", "草稿", "印章"]
    by_name = {row[0]: row for row in rows[1:]}
    assert list(by_name[NOTICE][7:12]) == [ISSUER, NUMBER, "2023-05-12", "—", "第2页"]
    assert by_name[DRAFT][7] == HOSTILE_ISSUER and by_name[DRAFT][10] == "征求意见稿"
    assert by_name[SCREENSHOT][11] == "未见印章" and by_name[SCREENSHOT][12] == "扫描件未见印章"
    evidence = book["评价结果"].cell(2, 12).value
    assert f"（{NOTICE_LINE}）" in evidence and f"（{DRAFT_LINE}）" in evidence


def test_terminal_summary_and_judgment(report) -> None:
    console = Console(record=True, width=300)
    print_summary(report, console)
    print_judgment(report.indicators[0], console, year=2024)
    text = console.export_text()
    assert (
        f"公文 {NOTICE}: 发文机关 {ISSUER} · 文号 {NUMBER} · 成文日期 2023-05-12 · 印章 第2页"
        in text
    )
    assert f"公文 {SCREENSHOT}: 印章 未见印章" in text
    assert f"公文 {PLAIN}" not in text  # nothing to say: no line
    assert "[b]" not in text and "<b>大数据</b>" in text  # shown as text, never markup
    assert f"{NOTICE}（{NOTICE_LINE}） p.1" in text
    assert f"{DRAFT}（{DRAFT_LINE}）" in text


def test_json_keeps_the_fields(report) -> None:
    data = json.loads(to_json(report))
    assert data["documents"][0]["official"]["number"] == NUMBER
    assert data["documents"][0]["seals"] == [2]
    assert data["indicators"][0]["reasons"][0]["evidence"][1]["issued"]["draft"] == "征求意见稿"


def _strip(value: object) -> object:
    """A report as stored before issue 17: no official, seals or issued keys at all."""
    gone = {"official", "seals", "seal_pages_checked", "issued"}
    if isinstance(value, dict):
        return {k: _strip(v) for k, v in value.items() if k not in gone}
    if isinstance(value, list):
        return [_strip(v) for v in value]
    return value


def test_a_report_stored_before_these_fields_still_renders(report) -> None:
    old = Report.model_validate(_strip(json.loads(to_json(report))))
    assert old.documents[0].official is None and old.documents[0].seals is None
    text = to_markdown(old)
    rows = {row[0]: row for row in _docs_rows_md(text)[2:]}
    assert all(row[5:10] == ["—"] * 5 for row in rows.values())
    assert "〔" not in text.split("## 材料清单")[0].split("## 各项评价")[1]
    page = to_html(old)
    assert 'class="issued' not in page and page.count('<td class="official">—</td>') == 20
    to_docx(old)
    to_xlsx(old)
    console = Console(record=True, width=200)
    print_summary(old, console)
    print_judgment(old.indicators[0], console)
    assert "公文" not in console.export_text()
