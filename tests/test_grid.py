"""The grid model (ingest/grid.py): header rows, header paths, row labels, merges.

A corpus of the table shapes offices draw, built in code; each case states the
header path of every body cell, each body row's label and which cells are
repeated from a vertical merge. Grids are written the way readers hand them over:
rows of texts, a merged area's covered positions left "", and merges as
(row, col, rowspan, colspan).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest

from sxcheck.evidence.figures import read_numbers
from sxcheck.ingest.grid import CELL, Cell, Grid, table_units
from sxcheck.limits import MAX_TABLE_COLUMNS
from sxcheck.models import TextUnit


def make_grid(
    rows: list[list[str]], merges: list[tuple[int, int, int, int]] = (), caption: str = ""
) -> Grid:
    covered = {
        (r + i, c + j) for r, c, rs, cs in merges for i in range(rs) for j in range(cs) if i or j
    }
    spans = {(r, c): (rs, cs) for r, c, rs, cs in merges}
    cells = [
        Cell(text, r, c, *spans.get((r, c), (1, 1)))
        for r, row in enumerate(rows)
        for c, text in enumerate(row)
        if (r, c) not in covered
    ]
    return Grid(cells=cells, number=1, caption=caption)


def body(units: list[TextUnit]) -> list[TextUnit]:
    return [u for u in units if u.cells]


@dataclass
class Case:
    name: str
    rows: list[list[str]]
    merges: list[tuple[int, int, int, int]]
    headers: list[list[str]]  # each body row's cells' header paths
    labels: list[str]  # each body row's label
    repeated: list[list[bool]] = field(default_factory=list)  # each body row's flags
    texts: list[str] = field(default_factory=list)  # each body row's text
    caption: str = ""
    in_caption: list[str] = field(default_factory=list)


Y = ["县区", "2024年/重点公共区域数", "2024年/已覆盖数", "2023年/重点公共区域数", "2023年/已覆盖数"]
CASES = [
    Case(
        "two_level_merged_header",
        [
            ["县区", "2024年", "", "2023年", ""],
            ["", "重点公共区域数", "已覆盖数", "重点公共区域数", "已覆盖数"],
            ["城区", "120", "118", "110", "100"],
            ["合计", "320", "310", "300", "280"],
        ],
        [(0, 0, 2, 1), (0, 1, 1, 2), (0, 3, 1, 2)],
        headers=[Y, Y],
        labels=["城区", "合计"],
    ),
    Case(
        # the same table from a reader that lost the merges (blank cells instead)
        "two_level_header_merges_lost",
        [
            ["县区", "2024年", "", "2023年", ""],
            ["", "重点公共区域数", "已覆盖数", "重点公共区域数", "已覆盖数"],
            ["城区", "120", "118", "110", "100"],
        ],
        [],
        headers=[Y],
        labels=["城区"],
    ),
    Case(
        "three_level_with_serial_column",
        [
            ["序号", "县区", "2024年", "", ""],
            ["", "", "覆盖情况", "", "覆盖率（%）"],
            ["", "", "总数", "已覆盖", ""],
            ["1", "城区", "120", "118", "98.3"],
            ["2", "清源县", "80", "76", "95.0"],
        ],
        [(0, 0, 3, 1), (0, 1, 3, 1), (0, 2, 1, 3), (1, 2, 1, 2), (1, 4, 2, 1)],
        headers=[
            ["序号", "县区", "2024年/覆盖情况/总数", "2024年/覆盖情况/已覆盖", "2024年/覆盖率（%）"]
        ]
        * 2,
        labels=["城区", "清源县"],
    ),
    Case(
        "label_merged_down_over_three_rows",
        [
            ["类别", "项目", "投资（万元）"],
            ["基础设施", "5G基站", "1200"],
            ["", "数据中心", "3400"],
            ["", "光纤网络", "800"],
        ],
        [(1, 0, 3, 1)],
        headers=[["类别", "项目", "投资（万元）"]] * 3,
        labels=["基础设施"] * 3,
        repeated=[[False, False, False], [True, False, False], [True, False, False]],
        texts=[
            "基础设施 | 5G基站 | 1200",
            "基础设施 | 数据中心 | 3400",
            "基础设施 | 光纤网络 | 800",
        ],
    ),
    Case(
        # an all-text body (测评结论 符合/基本符合) stays body: words never extend a header
        "rectification_merged_over_five_systems",
        [
            ["系统名称", "等保级别", "测评结论", "整改情况"],
            ["政务云平台", "第三级", "基本符合", "已完成整改"],
            ["城市大脑", "第三级", "符合", ""],
            ["一网通办平台", "第三级", "基本符合", ""],
            ["视频共享平台", "第二级", "符合", ""],
            ["数据共享交换平台", "第三级", "符合", ""],
        ],
        [(1, 3, 5, 1)],
        headers=[["系统名称", "等保级别", "测评结论", "整改情况"]] * 5,
        labels=["政务云平台", "城市大脑", "一网通办平台", "视频共享平台", "数据共享交换平台"],
        repeated=[[False] * 4] + [[False, False, False, True]] * 4,
    ),
    Case(
        "figure_merged_down_counted_once",
        [["县区", "乡镇数", "投资（万元）"], ["城区", "12", "5000"], ["郊区", "8", ""]],
        [(1, 2, 2, 1)],
        headers=[["县区", "乡镇数", "投资（万元）"], ["县区", "乡镇数"]],
        labels=["城区", "郊区"],
        texts=["城区 | 12 | 5000", "郊区 | 8"],
    ),
    Case(
        "total_merged_across_serial_and_name",
        [["序号", "县区", "数量（个）"], ["1", "城区", "120"], ["合计", "", "320"]],
        [(2, 0, 1, 2)],
        headers=[["序号", "县区", "数量（个）"], ["序号", "数量（个）"]],
        labels=["城区", "合计"],
        texts=["1 | 城区 | 120", "合计 | 320"],
    ),
    Case(
        "title_row_and_reporting_line",
        [
            ["2024年5G网络覆盖情况统计表", "", ""],
            ["填报单位：晋阳市工信局", "", "统计时间：2024年12月"],
            ["县区", "重点公共区域数（个）", "已覆盖数（个）"],
            ["城区", "120", "118"],
        ],
        [(0, 0, 1, 3), (1, 0, 1, 2)],
        headers=[["县区", "重点公共区域数（个）", "已覆盖数（个）"]],
        labels=["城区"],
        in_caption=["2024年5G网络覆盖情况统计表", "填报单位：晋阳市工信局", "统计时间"],
    ),
    Case(
        "header_repeated_after_a_page_break",
        [["县区", "数量"], ["城区", "1"], ["县区", "数量"], ["郊区", "2"]],
        [],
        headers=[["县区", "数量"]] * 2,
        labels=["城区", "郊区"],
    ),
    Case(
        "no_figures_first_row_is_header",
        [["姓名", "职务", "单位"], ["张某某", "组长", "市政府"], ["李某", "副组长", "市大数据局"]],
        [],
        headers=[["姓名", "职务", "单位"]] * 2,
        labels=["张某某", "李某"],
    ),
    Case(
        "yes_no_columns",
        [["事项", "是否接入", "是否共享"], ["社保查询", "是", "是"], ["公积金提取", "是", "否"]],
        [],
        headers=[["事项", "是否接入", "是否共享"]] * 2,
        labels=["社保查询", "公积金提取"],
    ),
    Case(
        "years_in_the_header_row",
        [["指标", "2023", "2024"], ["5G基站（个）", "3200", "4100"]],
        [],
        headers=[["指标", "2023", "2024"]],
        labels=["5G基站（个）"],
    ),
    Case(
        "unit_row_under_the_header",
        [["县区", "数量", "比率"], ["", "（个）", "（%）"], ["城区", "12", "96.5"]],
        [],
        headers=[["县区", "数量/（个）", "比率/（%）"]],
        labels=["城区"],
    ),
    Case(
        "column_numbering_row_and_unit_column",
        [
            ["计量单位", "项目", "本期", "上期"],
            ["甲", "乙", "1", "2"],
            ["个", "5G基站", "4100", "3200"],
        ],
        [],
        headers=[["计量单位", "项目", "本期", "上期"]],
        labels=["5G基站"],
    ),
    Case(
        "chinese_ordinal_serial",
        [
            ["序号", "任务", "完成情况"],
            ["（一）", "建设城市大脑", "已完成"],
            ["（二）", "建设一网通办", "已完成"],
        ],
        [],
        headers=[["序号", "任务", "完成情况"]] * 2,
        labels=["建设城市大脑", "建设一网通办"],
    ),
]


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_grid_shapes(case: Case):
    units = table_units(make_grid(case.rows, case.merges, case.caption), "表.docx", "0", "table 1")
    rows = body(units)
    assert [[c.header for c in u.cells] for u in rows] == case.headers
    assert [u.row_label for u in rows] == case.labels
    if case.repeated:
        assert [[c.repeated for c in u.cells] for u in rows] == case.repeated
    if case.texts:
        assert [u.text for u in rows] == case.texts
    for word in case.in_caption:
        assert all(word in u.context for u in units), word
    for u in rows:
        # the contract read_numbers relies on: one header per cell, in the same order
        heads = u.context.split(CELL)
        assert len(heads) == len(u.cells) == u.text.count(CELL) + 1
        assert heads[0].rsplit(" ", 1)[-1] == u.cells[0].header
    # every row is kept (as words or as cells), located by its row number
    assert all(u.location.startswith("table 1 row ") for u in units)


def test_header_paths_give_figures_their_year():
    """2023年 columns are read as 2023 figures, 2024年 ones as 2024 (evaluation 2024)."""
    case = CASES[0]
    units = body(table_units(make_grid(case.rows, case.merges), "表.docx", "0", "table 1"))
    total = units[-1]
    numbers = read_numbers(total.text, total.context, 2024)
    assert [(q.text, q.period) for q in numbers] == [
        ("320", "2024"),
        ("310", "2024"),
        ("300", "2023"),
        ("280", "2023"),
    ]


def test_header_rows_are_words_in_body_order():
    case = CASES[7]  # title + reporting line
    units = table_units(make_grid(case.rows, case.merges), "表.docx", "0", "table 1")
    assert [u.location for u in units] == [f"table 1 row {r}" for r in (1, 2, 3, 4)]
    assert [bool(u.cells) for u in units] == [False, False, False, True]


def test_hostile_span_does_not_size_the_grid():
    grid = Grid(cells=[Cell("合计", 0, 0, 1, 10**9), Cell("1", 1, 0)], number=1)
    assert grid.cols == MAX_TABLE_COLUMNS
    units = table_units(grid, "表.docx", "0", "table 1")
    assert [u.text for u in units] == ["合计", "1"]
