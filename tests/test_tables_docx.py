"""DOCX tables read as grids (issue 16): merges from the XML, then header paths and labels.

Each document is a real .docx written by python-docx (tests/docbuilders.py
`write_docx`, merges as Word writes them: `w:gridSpan` across, `w:vMerge` down);
two whole submissions then check that a 合计 row under a merged two-level header
backs 1.1.1 with its 2024 columns, and an 等保 list with a merged 整改情况 backs
7.1.4 row by row.
"""

from __future__ import annotations

import copy
from pathlib import Path

import docx
from docx.oxml import OxmlElement
from docx.oxml.ns import qn

from sxcheck.ingest import read_document
from sxcheck.models import TextUnit

from .conftest import check_json
from .docbuilders import para, table, write_docx

HEAD = "region: 岚川市\nlevel: city\nyear: 2024\nindicators:\n"

COVERAGE = [
    ["县区", "2024年", "", "2023年", ""],
    ["", "重点公共区域数（个）", "已覆盖数（个）", "重点公共区域数（个）", "已覆盖数（个）"],
    ["迎泽区", "120", "118", "110", "96"],
    ["杏花岭区", "110", "106", "100", "90"],
    ["清源县", "90", "86", "85", "70"],
    ["合计", "320", "310", "295", "256"],
]
COVERAGE_MERGES = [(0, 0, 0, 1, 0), (0, 0, 1, 0, 2), (0, 0, 3, 0, 4)]
SYSTEMS = [
    ["序号", "系统名称", "等保级别", "测评结论", "整改情况"],
    ["1", "政务云平台", "第三级", "基本符合", "已完成整改，复测合格"],
    ["2", "城市大脑运营平台", "第三级", "符合", ""],
    ["3", "一网通办平台", "第三级", "基本符合", ""],
    ["4", "视频共享平台", "第二级", "符合", ""],
    ["5", "数据共享交换平台", "第三级", "符合", ""],
]
SYSTEMS_MERGES = [(0, 1, 4, 5, 4)]


def _rows(path: Path) -> list[TextUnit]:
    return [u for u in read_document(path, path.name).units if u.kind == "table_row"]


def _body(path: Path) -> list[TextUnit]:
    return [u for u in _rows(path) if u.cells]


def test_two_level_merged_header(tmp_path: Path):
    path = write_docx(
        tmp_path / "覆盖.docx",
        [para("表1 全市5G网络覆盖情况"), table(COVERAGE)],
        merges=COVERAGE_MERGES,
    )
    rows = _body(path)
    assert [u.row_label for u in rows] == ["迎泽区", "杏花岭区", "清源县", "合计"]
    assert [c.header for c in rows[-1].cells] == [
        "县区",
        "2024年/重点公共区域数（个）",
        "2024年/已覆盖数（个）",
        "2023年/重点公共区域数（个）",
        "2023年/已覆盖数（个）",
    ]
    assert rows[-1].text == "合计 | 320 | 310 | 295 | 256"
    assert rows[-1].location == "table 1 row 6"
    assert rows[-1].context.startswith("表1 全市5G网络覆盖情况 县区 | 2024年/")


def test_three_level_header_with_serial_column(tmp_path: Path):
    rows = [
        ["序号", "县区", "2024年", "", ""],
        ["", "", "覆盖情况", "", "覆盖率（%）"],
        ["", "", "总数", "已覆盖", ""],
        ["1", "迎泽区", "120", "118", "98.3"],
    ]
    merges = [(0, 0, 0, 2, 0), (0, 0, 1, 2, 1), (0, 0, 2, 0, 4), (0, 1, 2, 1, 3), (0, 1, 4, 2, 4)]
    path = write_docx(tmp_path / "三级.docx", [table(rows)], merges=merges)
    (row,) = _body(path)
    assert [c.header for c in row.cells] == [
        "序号",
        "县区",
        "2024年/覆盖情况/总数",
        "2024年/覆盖情况/已覆盖",
        "2024年/覆盖率（%）",
    ]
    assert row.row_label == "迎泽区" and row.location == "table 1 row 4"


def test_label_merged_down_over_three_rows_is_repeated(tmp_path: Path):
    rows = [
        ["类别", "项目", "投资（万元）"],
        ["基础设施", "5G基站", "1200"],
        ["", "数据中心", "3400"],
        ["", "光纤网络", "800"],
    ]
    path = write_docx(tmp_path / "项目.docx", [table(rows)], merges=[(0, 1, 0, 3, 0)])
    body = _body(path)
    assert [u.text for u in body] == [
        "基础设施 | 5G基站 | 1200",
        "基础设施 | 数据中心 | 3400",
        "基础设施 | 光纤网络 | 800",
    ]
    assert [u.cells[0].repeated for u in body] == [False, True, True]


def test_rectification_merged_over_five_systems(tmp_path: Path):
    path = write_docx(tmp_path / "等保.docx", [table(SYSTEMS)], merges=SYSTEMS_MERGES)
    body = _body(path)
    assert len(body) == 5  # an all-text list: the header is its first row only
    assert all(u.cells[-1].text == "已完成整改，复测合格" for u in body)
    assert [u.cells[-1].repeated for u in body] == [False, True, True, True, True]
    assert all(u.cells[-1].header == "整改情况" for u in body)
    assert [u.row_label for u in body][:2] == ["政务云平台", "城市大脑运营平台"]


def test_figure_merged_down_counts_once(tmp_path: Path):
    rows = [["县区", "乡镇数", "投资（万元）"], ["城区", "12", "5000"], ["郊区", "8", ""]]
    path = write_docx(tmp_path / "投资.docx", [table(rows)], merges=[(0, 1, 2, 2, 2)])
    assert [u.text for u in _body(path)] == ["城区 | 12 | 5000", "郊区 | 8"]


def test_total_merged_across_two_columns(tmp_path: Path):
    rows = [["序号", "县区", "数量（个）"], ["1", "城区", "120"], ["合计", "", "320"]]
    path = write_docx(tmp_path / "合计.docx", [table(rows)], merges=[(0, 2, 0, 2, 1)])
    total = _body(path)[-1]
    assert total.text == "合计 | 320" and total.row_label == "合计"
    assert [(c.header, c.column) for c in total.cells] == [("序号", 0), ("数量（个）", 2)]


def test_title_row_and_reporting_line_are_the_caption(tmp_path: Path):
    rows = [
        ["2024年5G网络覆盖情况统计表", "", ""],
        ["填报单位：岚川市工信局", "", "统计时间：2024年12月"],
        ["县区", "重点公共区域数（个）", "已覆盖数（个）"],
        ["城区", "120", "118"],
    ]
    path = write_docx(
        tmp_path / "统计.docx", [table(rows)], merges=[(0, 0, 0, 0, 2), (0, 1, 0, 1, 1)]
    )
    (row,) = _body(path)
    assert [c.header for c in row.cells] == ["县区", "重点公共区域数（个）", "已覆盖数（个）"]
    assert "2024年5G网络覆盖情况统计表" in row.context and "填报单位：岚川市工信局" in row.context


def test_header_repeated_mid_table_is_skipped(tmp_path: Path):
    rows = [["县区", "数量"], ["城区", "1"], ["县区", "数量"], ["郊区", "2"]]
    path = write_docx(tmp_path / "续表.docx", [table(rows)])
    units = _rows(path)
    assert [bool(u.cells) for u in units] == [False, True, False, True]
    assert [u.row_label for u in units if u.cells] == ["城区", "郊区"]


def test_table_without_figures_is_headed_by_its_first_row(tmp_path: Path):
    rows = [
        ["姓名", "职务", "单位"],
        ["张某某", "组长", "市政府"],
        ["李某", "副组长", "市大数据局"],
    ]
    path = write_docx(tmp_path / "名单.docx", [para("领导小组成员名单"), table(rows)])
    body = _body(path)
    assert [u.row_label for u in body] == ["张某某", "李某"]
    assert body[0].context == "领导小组成员名单 姓名 | 职务 | 单位"


def test_grid_before_and_nested_table(tmp_path: Path):
    """A row that starts one grid column in (w:gridBefore) keeps its cells under their
    headers; a table inside a cell is flattened into that cell's text."""
    path = write_docx(
        tmp_path / "嵌套.docx",
        [table([["县区", "数量", "联系人"], ["城区", "12", ""], ["郊区", "8", "王某"]])],
    )
    document = docx.Document(str(path))
    tbl = document.tables[0]
    tr = tbl.rows[2]._tr  # 郊区 row: drop its first cell, say it starts one column in
    tr.remove(tr.tc_lst[0])
    props = tr.get_or_add_trPr()
    before = OxmlElement("w:gridBefore")
    before.set(qn("w:val"), "1")
    props.insert(0, before)
    inner = document.add_table(rows=2, cols=2)
    for (r, c), text in {(0, 0): "张某", (0, 1): "139", (1, 0): "李某", (1, 1): "138"}.items():
        inner.cell(r, c).text = text
    tc = tbl.rows[1].cells[2]._tc
    tc.append(copy.deepcopy(inner._tbl))
    tc.append(OxmlElement("w:p"))  # a cell ends with a paragraph
    inner._tbl.getparent().remove(inner._tbl)
    document.save(str(path))
    city, suburb = _body(path)
    assert city.text == "城区 | 12 | 张某 139；李某 138"
    assert [(c.header, c.text) for c in suburb.cells] == [("数量", "8"), ("联系人", "王某")]


def _check(root: Path) -> dict:
    code, report, err = check_json(root, "--no-store")
    assert report is not None, err
    return report


def _item(report: dict, item_id: str) -> dict:
    return next(j for j in report["indicators"] if j["id"] == item_id)


def test_submission_total_row_under_a_merged_header_backs_5g_coverage(tmp_path: Path):
    """合计 310/320 in the 2024年 columns corroborates the declared 310/320; the 2023年
    columns (256/295) are last year's figures, set aside, not a contradiction."""
    root = tmp_path / "s"
    (root / "佐证材料").mkdir(parents=True)
    (root / "submission.yaml").write_text(
        HEAD + '  "1.1.1": {numerator: 310, denominator: 320}\n', encoding="utf-8"
    )
    write_docx(
        root / "佐证材料" / "5G网络覆盖情况.docx",
        [para("岚川市城市重点公共区域5G网络覆盖情况统计表"), table(COVERAGE)],
        merges=COVERAGE_MERGES,
    )
    judgment = _item(_check(root), "1.1.1")
    codes = {r["code"] for r in judgment["reasons"]}
    assert judgment["status"] == "pass", judgment
    assert "corroborated" in codes and "inconsistent_figures" not in codes, judgment
    assert "figures_set_aside" in codes, judgment  # the 2023年 columns
    support = next(r for r in judgment["reasons"] if r["code"] == "corroborated")
    assert [e["location"] for e in support["evidence"]] == ["table 1 row 6"]
    used = {f["text"]: f["used"] for f in support["evidence"][0]["figures"]}
    assert used == {"320": True, "310": True, "295": False, "256": False}


def test_submission_dengbao_list_with_merged_rectification_backs_7_1_4(tmp_path: Path):
    root = tmp_path / "s"
    (root / "佐证材料").mkdir(parents=True)
    (root / "submission.yaml").write_text(
        HEAD + '  "7.1.4": {numerator: 5, denominator: 5}\n', encoding="utf-8"
    )
    write_docx(
        root / "佐证材料" / "等保测评情况.docx",
        [para("岚川市智慧城市平台信息系统网络安全等级保护测评情况"), table(SYSTEMS)],
        merges=SYSTEMS_MERGES,
    )
    judgment = _item(_check(root), "7.1.4")
    codes = {r["code"] for r in judgment["reasons"]}
    assert judgment["status"] == "pass", judgment
    assert "corroborated" in codes and "inconsistent_figures" not in codes, judgment
    cited = {e["location"] for r in judgment["reasons"] for e in r["evidence"]}
    assert {f"table 1 row {n}" for n in range(2, 7)} <= cited, cited
