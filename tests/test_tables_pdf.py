"""PDF tables read as tables (issue 16): spans, three-line tables, tables across pages.

Every case is a real PDF laid out by reportlab (tests/docbuilders.py) and read
by the real reader; each states what a reader of the page sees: the header path
of every column, each body row's label, and the page each row is on.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import pypdfium2 as pdfium
import pytest

from sxcheck.ingest import read_document
from sxcheck.ingest.pdf import _may_have_table
from sxcheck.models import TextUnit

from .conftest import check_json
from .docbuilders import Block, page_break, para, table, title, write_pdf

HEADER = ["学校类别", "学校总数", "覆盖学校数", "覆盖率"]
BODY = [[f"第{i}学区", str(10 + i), str(9 + i), "90%"] for i in range(1, 38)]
TOTAL = ["合计", "420", "418", "99.5%"]
PROSE = "全市持续推进教育信息化建设，各学区按照统一规划完成校园网络改造，" * 6


@dataclass
class Case:
    """A PDF and what its table rows must read as."""

    blocks: list[Block]
    headers: list[str]  # the header path of each column of the body rows
    labels: list[str]  # each body row's label, in order
    pages: dict[str, int] = field(default_factory=dict)  # label -> page of its row
    tables: int = 1  # distinct tables ("table N") in the document
    header_rows: int = 1  # rows read as header text (repeated headers included)


def _intro() -> list[Block]:
    """Enough prose that the table starts mid-page and breaks onto page 2."""
    return [title("学校无线网络建设情况"), *[para(PROSE) for _ in range(3)]]


CASES = {
    "ruled-38-rows-header-repeated": Case(
        blocks=[*_intro(), para("表1 学校无线网络覆盖情况"), table([HEADER, *BODY, TOTAL])],
        headers=HEADER,
        labels=[r[0] for r in BODY] + ["合计"],
        pages={"第1学区": 1, "合计": 2, "第37学区": 2},
        header_rows=2,
    ),
    "ruled-38-rows-header-not-repeated": Case(
        blocks=[
            *_intro(),
            para("表1 学校无线网络覆盖情况"),
            table([HEADER, *BODY, TOTAL], repeat_rows=0),
        ],
        headers=HEADER,
        labels=[r[0] for r in BODY] + ["合计"],
        pages={"第1学区": 1, "合计": 2},
    ),
    "two-level-merged-header": Case(
        blocks=[
            para("表2 学校无线网络覆盖率（分年度）"),
            table(
                [
                    ["区域", "2023年", "", "2024年", ""],
                    ["", "学校数", "覆盖率", "学校数", "覆盖率"],
                    ["城区", "100", "90%", "110", "95%"],
                    ["郊区", "50", "80%", "60", "85%"],
                ],
                spans=[(1, 0, 2, 0), (3, 0, 4, 0), (0, 0, 0, 1)],
                repeat_rows=2,
            ),
        ],
        headers=["区域", "2023年/学校数", "2023年/覆盖率", "2024年/学校数", "2024年/覆盖率"],
        labels=["城区", "郊区"],
        pages={"城区": 1},
        header_rows=2,
    ),
    "label-merged-down": Case(
        blocks=[
            para("表3 信息系统等级保护备案情况"),
            table(
                [
                    ["类别", "系统", "等级"],
                    ["政务", "OA系统", "三级"],
                    ["", "审批系统", "二级"],
                    ["民生", "社保系统", "三级"],
                ],
                spans=[(0, 1, 0, 2)],
            ),
        ],
        headers=["类别", "系统", "等级"],
        labels=["政务", "政务", "民生"],
    ),
    "three-line-table": Case(
        blocks=[
            para(PROSE),
            para("表4 各学区学校无线网络覆盖情况"),
            table([HEADER, *BODY[:5], TOTAL], style="three_line"),
            para(PROSE),
        ],
        headers=HEADER,
        labels=[r[0] for r in BODY[:5]] + ["合计"],
        pages={"合计": 1},
    ),
}


def _rows(units: list[TextUnit]) -> list[TextUnit]:
    return [u for u in units if u.kind == "table_row"]


def _page_texts(path: Path) -> list[str]:
    """Each page's text as pypdfium2 reads it, whitespace removed."""
    doc = pdfium.PdfDocument(str(path))
    try:
        texts = []
        for page in doc:
            textpage = page.get_textpage()
            texts.append(re.sub(r"\s+", "", textpage.get_text_range()))
            textpage.close()
            page.close()
        return texts
    finally:
        doc.close()


@pytest.mark.parametrize("name", list(CASES))
def test_pdf_table_reads_as_a_table(tmp_path: Path, name: str):
    case = CASES[name]
    path = write_pdf(tmp_path / f"{name}.pdf", case.blocks)
    doc = read_document(path, path.name)
    assert doc.info.status == "ok", doc.info
    rows = _rows(doc.units)
    body = [u for u in rows if u.cells]
    assert [u.row_label for u in body] == case.labels, [u.text for u in rows]
    for unit in body:
        if unit.row_label != "合计" and len(unit.cells) == len(case.headers):
            assert [c.header for c in unit.cells] == case.headers, unit
    assert len(rows) - len(body) == case.header_rows, [u.text for u in rows if not u.cells]
    assert len({u.location.split(" row ")[0] for u in rows}) == case.tables
    for label, page in case.pages.items():
        assert next(u for u in body if u.row_label == label).page == page, label
    # each row's cells are on its page, and no table cell is repeated as a paragraph
    pages = _page_texts(path)
    for unit in rows:
        assert unit.page is not None
        for cell in unit.text.split(" | "):
            assert cell.replace(" ", "") in pages[unit.page - 1], (cell, unit.page)
    paragraphs = " ".join(u.text for u in doc.units if u.kind == "paragraph")
    assert "99.5%" not in paragraphs and "第3学区" not in paragraphs


def test_a_table_across_a_page_break_is_one_table_with_each_rows_page(tmp_path: Path):
    path = write_pdf(tmp_path / "跨页.pdf", CASES["ruled-38-rows-header-repeated"].blocks)
    doc = read_document(path, path.name)
    assert doc.info.pages == 2
    rows = _rows(doc.units)
    assert {u.location.split(" row ")[0] for u in rows} == {"table 1"}
    total = next(u for u in rows if u.row_label == "合计")
    assert total.page == 2 and "学校无线网络覆盖情况" in total.context
    assert [c.header for c in total.cells] == HEADER and total.cells[2].text == "418"
    # the row numbers run on through the break: header, 37 學区 rows, the repeated header, 合计
    assert total.location == "table 1 row 40"
    repeated = [u for u in rows if u.text == " | ".join(HEADER)]
    assert [u.page for u in repeated] == [1, 2] and not any(u.cells for u in repeated)


def test_a_new_captioned_table_at_the_top_of_the_next_page_is_not_a_continuation(
    tmp_path: Path,
):
    """Same column count and positions, but its own 表2 caption: a second table."""
    other = [
        ["系统", "等级", "备案号", "测评结论"],
        *[[f"系统{i}", "三级", f"BA-{i}", "符合"] for i in range(3)],
    ]
    path = write_pdf(
        tmp_path / "两表.pdf",
        [
            *_intro(),
            table([HEADER, *BODY[:12]]),
            page_break(),
            para("表2 信息系统等级保护情况"),
            table(other),
        ],
    )
    doc = read_document(path, path.name)
    rows = _rows(doc.units)
    assert doc.info.pages == 2 and {u.page for u in rows} == {1, 2}
    tables = {u.location.split(" row ")[0]: u.page for u in rows}
    assert tables == {"table 1": 1, "table 2": 2}
    assert next(u for u in rows if u.row_label == "系统0").context.startswith("表2")


def test_a_header_and_footer_rule_around_prose_is_not_a_table(tmp_path: Path):
    path = tmp_path / "页眉页脚.pdf"
    _write_ruled_prose(path)
    doc = pdfium.PdfDocument(str(path))
    try:
        page = doc[0]
        assert _may_have_table(page) is None
        page.close()
    finally:
        doc.close()
    read = read_document(path, path.name)
    assert not _rows(read.units)
    assert any("校园网络改造" in u.text for u in read.units if u.kind == "paragraph")


def _write_ruled_prose(path: Path, table_block: Block | None = None) -> None:
    """A page the way Word exports a report: a header rule, prose (and a table), a
    footer rule."""
    from reportlab.lib.pagesizes import A4
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Table

    from .docbuilders import BODY as BODY_STYLE
    from .docbuilders import CELL, FONT, _pdf_table_style

    def furniture(canvas, doc) -> None:  # noqa: ANN001 - reportlab's callback
        width, height = A4
        canvas.setFont(FONT, 9)
        canvas.drawString(72, height - 50, "晋阳市新型智慧城市建设自评估报告")
        canvas.line(72, height - 56, width - 72, height - 56)
        canvas.line(72, 60, width - 72, 60)
        canvas.drawString(width / 2, 46, "1")

    story = [Paragraph(PROSE, BODY_STYLE) for _ in range(3)]
    if table_block is not None:
        grid = Table([[Paragraph(c, CELL) for c in row] for row in table_block.rows])
        grid.setStyle(_pdf_table_style(table_block))
        story[2:2] = [Paragraph("表5 各学区学校无线网络覆盖情况", BODY_STYLE), grid]
    doc = SimpleDocTemplate(str(path), pagesize=A4, leftMargin=72, rightMargin=72)
    doc.build(story, onFirstPage=furniture)


def test_a_three_line_table_between_page_header_and_footer_rules(tmp_path: Path):
    """The header and footer rules stay outside: only the bands in columns are the table."""
    path = tmp_path / "三线表.pdf"
    _write_ruled_prose(path, table([HEADER, *BODY[:5], TOTAL], style="three_line"))
    doc = read_document(path, path.name)
    rows = _rows(doc.units)
    assert [u.row_label for u in rows if u.cells] == [r[0] for r in BODY[:5]] + ["合计"]
    assert rows[0].text == " | ".join(HEADER) and not rows[0].cells
    total = rows[-1]
    assert [c.header for c in total.cells] == HEADER and "表5" in total.context
    paragraphs = [u.text for u in doc.units if u.kind == "paragraph"]
    assert "晋阳市新型智慧城市建设自评估报告" in paragraphs
    assert sum("校园网络改造" in t for t in paragraphs) == 3


def test_submission_total_row_on_page_two_backs_the_declared_ratio(tmp_path: Path):
    """A 自评估报告 whose table breaks over a page: its 合计 row, on page 2, backs 2.5.2."""
    root = tmp_path / "s"
    header = [
        "学校类别",
        "学校总数",
        "统一提供并覆盖主要教学区域的无线网络的学校数量",
        "学校无线网络覆盖率",
    ]
    # 20 学区 of 21 schools each; two 学区 have one school without coverage: 420 and 418,
    # so the 合计 row agrees with its parts (the facts stage adds them up over the break)
    body = [
        [
            f"第{i}学区中小学校",
            "21",
            "20" if i in (3, 17) else "21",
            "95.2%" if i in (3, 17) else "100%",
        ]
        for i in range(1, 21)
    ]
    write_pdf(
        root / "佐证材料" / "自评估报告.pdf",
        [
            title("岚川市新型智慧城市建设自评估报告"),
            *[para(PROSE) for _ in range(3)],
            para("表1 全市学校无线网络覆盖情况统计表"),
            table([header, *body, ["合计", "420", "418", "99.5%"]]),
        ],
    )
    (root / "submission.yaml").write_text(
        "region: 岚川市\nlevel: city\nyear: 2024\nindicators:\n"
        '  "2.5.2": {numerator: 418, denominator: 420}\n',
        encoding="utf-8",
    )
    code, report, err = check_json(root, "--no-store")
    assert report is not None, err
    judgment = next(j for j in report["indicators"] if j["id"] == "2.5.2")
    codes = {r["code"] for r in judgment["reasons"]}
    assert judgment["status"] == "pass" and "corroborated" in codes, judgment["reasons"]
    support = next(r for r in judgment["reasons"] if r["code"] == "corroborated")
    pages = _page_texts(root / "佐证材料" / "自评估报告.pdf")
    total = next(e for e in support["evidence"] if e["page"] == 2)
    assert total["location"] == "table 1 row 23" and "合计" in total["quote"], total
    # a row is quoted as "header=cell | ...": each cell is on the quoted page, each
    # header in the document (on page 2 because the header row is repeated there)
    for evidence in support["evidence"]:
        for part in evidence["quote"].split(" | "):
            head, _, cell = part.rpartition("=")
            assert cell.replace(" ", "") in pages[evidence["page"] - 1], evidence
            assert head.replace(" ", "") in pages[evidence["page"] - 1], evidence


WRAPPED_HEADER = ["指标名称", "分子口径", "分子", "分母口径", "分母", "完成值"]
WRAPPED_BODY = [
    [
        "重点用能单位在线监测率",
        "纳入能耗在线监测的重点用能单位数量（家）",
        "12",
        "重点用能单位总数（家）",
        "12",
        "100.0%",
    ],
    [
        "信息资源部门间共享率",
        "编制目录并提供共享服务的政府部门数量（个）",
        "37",
        "应开展信息共享的政府部门总数（个）",
        "38",
        "97.4%",
    ],
    [
        "自然灾害预警发布率",
        "及时通过预警信息发布系统发布预警的自然灾害数（次）",
        "23",
        "遭遇的自然灾害总数（次）",
        "23",
        "100.0%",
    ],
]


def test_a_three_line_table_with_wrapped_cells_keeps_one_row_per_indicator(tmp_path: Path):
    """Long 口径 cells wrap onto two or three lines; with no rules between rows each
    line would be a row of its own. They are joined back: one row per indicator,
    its figures with the whole name, and the row backs its item."""
    root = tmp_path / "丹岭县-2024"
    path = root / "佐证材料" / "自评估报告（摘要）.pdf"
    write_pdf(
        path,
        [
            para(PROSE),
            para("表3 2024年主要量化指标完成情况"),
            # the 口径 columns narrow, as offices set them: their text wraps, figures do not
            table(
                [WRAPPED_HEADER, *WRAPPED_BODY],
                style="three_line",
                widths=[62, 150, 36, 150, 36, 50],
            ),
            para("注：完成值=分子/分母。"),
        ],
    )
    rows = [u for u in _rows(read_document(path, path.name).units) if u.cells]
    assert [u.row_label for u in rows] == [r[0] for r in WRAPPED_BODY]
    assert [c.text for c in rows[1].cells] == WRAPPED_BODY[1]
    assert [c.header for c in rows[1].cells] == WRAPPED_HEADER
    (root / "submission.yaml").write_text(
        'region: 丹岭县\nlevel: county\nyear: 2024\nindicators:\n  "4.2.1": {numerator: 12, denominator: 12}\n',
        encoding="utf-8",
    )
    code, report, err = check_json(root, "--no-store")
    assert report is not None, err
    item = {i["id"]: i for i in report["indicators"]}["4.2.1"]
    assert item["status"] == "pass", item["reasons"]
    assert "corroborated" in {r["code"] for r in item["reasons"]}
