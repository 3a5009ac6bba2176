"""Real parsers on real files: wrapped lines, tables, merged cells, percent formats."""

from __future__ import annotations

from pathlib import Path

from sxcheck.evidence import sentences_of
from sxcheck.ingest import read_document

from .docbuilders import para, table, title, write_docx, write_pdf, write_xlsx

LONG = (
    "截至2024年底，全市中小学校、职业院校和高等学校共四百二十所，其中已有四百一十八所统一提供覆盖"
    "主要教学区域的无线网络，学校无线网络覆盖率达到百分之九十九点五，较上年提高3.2个百分点。"
)


def test_pdf_wrapped_sentence_is_one_sentence(tmp_path: Path):
    path = write_pdf(tmp_path / "报告.pdf", [title("学校无线网络建设情况"), para(LONG)])
    doc = read_document(path, "报告.pdf")
    assert doc.info.status == "ok" and doc.info.kind == "pdf" and doc.info.pages == 1
    assert len(doc.info.sha256) == 64
    sentences = [s.text for s in sentences_of(doc.units)]
    assert LONG in sentences, sentences  # the sentence wrapped over 3+ lines, joined without spaces
    unit = next(u for u in doc.units if LONG in u.text)
    assert unit.page == 1 and unit.location.startswith("paragraph")


def test_pdf_ruled_table_rows_with_caption(tmp_path: Path):
    rows = [
        ["指标", "分子", "分母", "比率"],
        ["5G网络覆盖率", "310", "320", "96.9%"],
        ["IPv6网站支持率", "45", "50", "90.0%"],
    ]
    path = write_pdf(tmp_path / "表.pdf", [para("表1 基础设施指标统计表"), table(rows)])
    doc = read_document(path, "表.pdf")
    table_rows = [u for u in doc.units if u.kind == "table_row"]
    assert [u.text for u in table_rows] == [" | ".join(r) for r in rows]
    assert table_rows[1].location == "table 1 row 2"
    assert "基础设施指标统计表" in table_rows[1].context and "分母" in table_rows[1].context
    # the table's text is not repeated as paragraphs
    assert not any("96.9%" in u.text for u in doc.units if u.kind == "paragraph")


def test_docx_body_order_and_merged_cells_counted_once(tmp_path: Path):
    rows = [["项目", "数量", "备注"], ["合计", "", ""], ["系统总数", "45", "含市级平台"]]
    path = write_docx(
        tmp_path / "通知.docx",
        [
            para("第一段：成立领导小组。"),
            table(rows),
            para("第二段：领导小组办公室设在市大数据中心。"),
        ],
        merges=[(0, 1, 0, 1, 2)],
    )
    doc = read_document(path, "通知.docx")
    assert [u.kind for u in doc.units] == [
        "paragraph",
        "table_row",
        "table_row",
        "table_row",
        "paragraph",
    ]
    merged = doc.units[2]
    assert merged.text == "合计", (
        merged.text
    )  # a 3-column merge is one cell, not "合计 | 合计 | 合计"
    assert doc.units[3].location == "table 1 row 3" and doc.units[4].location == "paragraph 2"


def test_docx_vertical_merge_counted_once(tmp_path: Path):
    rows = [["职务", "姓名"], ["成员", "张某某"], ["", "赵某某"]]
    path = write_docx(tmp_path / "名单.docx", [table(rows)], merges=[(0, 1, 0, 2, 0)])
    doc = read_document(path, "名单.docx")
    # a merged text label belongs to every row it spans (issue 16): repeated, and marked so
    assert [u.text for u in doc.units] == ["职务 | 姓名", "成员 | 张某某", "成员 | 赵某某"]
    assert [c.repeated for c in doc.units[2].cells] == [True, False]


def test_xlsx_percent_format_shown_as_excel_does(tmp_path: Path):
    path = write_xlsx(
        tmp_path / "统计.xlsx",
        {"指标": [["指标名称", "分子", "分母", "比率"], ["学校无线网络覆盖率", 418, 420, 0.995]]},
        percent_columns={"指标": [4]},
    )
    doc = read_document(path, "统计.xlsx")
    assert doc.units[1].text == "学校无线网络覆盖率 | 418 | 420 | 99.5%"
    assert doc.units[1].location == "sheet 指标 row 2" and doc.units[1].kind == "sheet_row"


def test_text_in_gbk_is_read(tmp_path: Path):
    path = tmp_path / "说明.txt"
    path.write_bytes("全市5G网络覆盖率达到96.9%。\n\n第二段。".encode("gb18030"))
    doc = read_document(path, "说明.txt")
    assert doc.units[0].text == "全市5G网络覆盖率达到96.9%。"
    assert doc.units[1].location == "paragraph 2"
