"""Issue 16: tables read as tables, by their headers, and the 合计 check.

Each shape is a whole submission: the document is written in code (DOCX by
write_docx, XLSX by write_xlsx) and cited quotes are looked up in it by another
library (tests.test_sample.assert_quotes_found). The rows reach the facts stage
as the grid model gives them (sxcheck.ingest.grid.table_units over a Grid of the
same cells and merges as the file): the DOCX and XLSX readers are being moved
onto the grid model concurrently, so the rows with cells and header paths are
built from the grid here, and evaluated with sxcheck.pipeline.evaluate. The
XLSX shape is also checked through `sxcheck check` with today's reader.
"""

from __future__ import annotations

import hashlib
from decimal import Decimal
from pathlib import Path

import pytest
import yaml

from sxcheck.catalogue.loader import RuleSet
from sxcheck.evidence import sentences_of
from sxcheck.facts.periods import Periods
from sxcheck.facts.tables import header_role
from sxcheck.ingest.grid import Cell, Grid, table_units
from sxcheck.models import (
    DeclaredMeasure,
    DocumentInfo,
    IngestedDocument,
    Judgment,
    SubmissionInfo,
)
from sxcheck.pipeline import evaluate

from .conftest import ROOT, check_json
from .docbuilders import para, table, write_docx, write_xlsx
from .test_sample import assert_quotes_found

CASES = yaml.safe_load((ROOT / "rules" / "lexicon.cases.yaml").read_text(encoding="utf-8"))

Merge = tuple[int, int, int, int]  # (row, col, last row, last col), inclusive


def grid_of(
    rows: list[list[str]],
    merges: list[Merge] | None = None,
    caption: str = "",
    sheet_rows_from: int | None = None,
) -> Grid:
    """The Grid a reader gives for these rows: a merged area is one cell at its top left;
    `sheet_rows_from`: a sheet's first row number, so every cell has its address."""
    merges = merges or []
    spans = {(r, c): (r2 - r + 1, c2 - c + 1) for r, c, r2, c2 in merges}
    covered = {
        (i, j)
        for r, c, r2, c2 in merges
        for i in range(r, r2 + 1)
        for j in range(c, c2 + 1)
        if (i, j) != (r, c)
    }
    cells = []
    for r, row in enumerate(rows):
        for c, text in enumerate(row):
            if (r, c) in covered or not text:
                continue
            rowspan, colspan = spans.get((r, c), (1, 1))
            address = f"{chr(65 + c)}{r + sheet_rows_from}" if sheet_rows_from else None
            cells.append(Cell(text, r, c, rowspan, colspan, address=address))
    return Grid(cells=cells, number=1, caption=caption, rows=len(rows), cols=len(rows[0]))


def submission(
    rules: RuleSet,
    path: Path,
    grid: Grid,
    location: str,
    declared: dict[str, dict[str, DeclaredMeasure]],
) -> tuple[dict, dict[str, Judgment]]:
    """Evaluate one document read as `grid`: the JSON report and the judgments by item."""
    sha = hashlib.sha256(path.read_bytes()).hexdigest()
    name = path.name
    units = table_units(grid, name, sha, location)
    kind = path.suffix.lstrip(".")
    if kind == "xlsx":
        units = [u.model_copy(update={"kind": "sheet_row"}) for u in units]
    document = IngestedDocument(
        info=DocumentInfo(path=name, sha256=sha, size=path.stat().st_size, kind=kind),
        units=units,
    )
    info = SubmissionInfo(region="晋阳市", level="city", year=2024)
    report = evaluate(rules, [document], info, declared)
    return report.model_dump(mode="json"), {j.id: j for j in report.indicators}


def reasons(judgment: Judgment) -> dict[str, list]:
    out: dict[str, list] = {}
    for reason in judgment.reasons:
        out.setdefault(reason.code, []).append(reason)
    return out


# ---------------------------------------------------------------- rule data


@pytest.mark.parametrize("role", ["numerator", "denominator", "rate"])
def test_header_words_read_as_their_role(rules, role):
    for header in CASES["table_headers"][role]:
        assert header_role(f"2024年/{header}", rules.lexicon.table_headers) == role, header


def test_headers_of_no_role(rules):
    for header in CASES["table_headers"]["none"]:
        assert header_role(header, rules.lexicon.table_headers) is None, header


def test_a_measure_own_names_give_a_role(rules):
    measure = rules.items["1.1.1"].measures[0]
    roles = (measure.numerator or "", measure.denominator or "")
    assert header_role("已实现5G覆盖的公共区域数量", rules.lexicon.table_headers, roles) == (
        "numerator"
    )
    assert header_role("城市重点公共区域数量", rules.lexicon.table_headers, roles) is None


def test_sum_row_labels(rules):
    sums = {w.replace(" ", "") for w in rules.lexicon.table_headers.sum_row}
    for label in CASES["sum_row"]["sums"]:
        assert label.replace(" ", "") in sums, label
    for label in CASES["sum_row"]["parts"]:
        assert label.replace(" ", "") not in sums, label


# ---------------------------------------------------------------- two-level header

CAPTION = "2024年各县区城市重点公共区域5G网络覆盖情况统计表"
TWO_LEVEL = [
    ["县区", "2024年", "", "", "2023年", "", ""],
    ["", "覆盖数", "总数", "覆盖率", "覆盖数", "总数", "覆盖率"],
    ["城区", "150", "152", "98.7%", "140", "152", "92.1%"],
    ["清源县", "90", "95", "94.7%", "80", "95", "84.2%"],
    ["阳曲县", "70", "73", "95.9%", "60", "73", "82.2%"],
    ["合计", "310", "320", "96.9%", "280", "320", "87.5%"],
]
TWO_LEVEL_MERGES: list[Merge] = [(0, 0, 1, 0), (0, 1, 0, 3), (0, 4, 0, 6)]


def two_level_docx(path: Path, rows: list[list[str]], merges: list[Merge]) -> Path:
    return write_docx(
        path, [para(CAPTION), table(rows)], merges=[(0, r, c, r2, c2) for r, c, r2, c2 in merges]
    )


@pytest.fixture
def two_level(tmp_path):
    path = two_level_docx(tmp_path / "5G覆盖统计表.docx", TWO_LEVEL, TWO_LEVEL_MERGES)
    return path, grid_of(TWO_LEVEL, TWO_LEVEL_MERGES, caption=CAPTION)


def test_the_2024_total_backs_the_declared_ratio(rules, two_level):
    path, grid = two_level
    report, judged = submission(
        rules,
        path,
        grid,
        "table 1",
        {"1.1.1": {"coverage": DeclaredMeasure(numerator=310, denominator=320)}},
    )
    judgment = judged["1.1.1"]
    codes = reasons(judgment)
    assert judgment.status == "pass", judgment.reasons
    assert "corroborated" in codes and "inconsistent_figures" not in codes
    (support,) = codes["corroborated"][0].evidence
    assert support.location == "table 1 row 6"
    assert support.quote.startswith("县区=合计 | 2024年/覆盖数=310 | 2024年/总数=320")
    # the figure compared is named by its column; 2023's are set aside, never compared
    assert support.cell == "column 覆盖数 (2024年), column 总数 (2024年), column 覆盖率 (2024年)"
    aside = codes["figures_set_aside"][0]
    assert "2023年数据280" in aside.message
    notes = {n.text: n for n in support.figures}
    assert notes["310"].used and notes["310"].period == "2024"
    assert not notes["280"].used and notes["280"].period == "2023"
    assert assert_quotes_found(report, path.parent) >= 2


def test_the_2023_columns_do_not_back_the_declaration(rules, two_level):
    path, grid = two_level
    _, judged = submission(
        rules,
        path,
        grid,
        "table 1",
        {"1.1.1": {"coverage": DeclaredMeasure(numerator=280, denominator=320)}},
    )
    codes = reasons(judged["1.1.1"])
    assert "corroborated" not in codes
    # the 2024 total states another figure: it contradicts the declaration
    assert "inconsistent_figures" in codes
    assert "310/320" in codes["inconsistent_figures"][0].message


def test_undeclared_the_2024_total_is_the_figure_used(rules, two_level):
    path, grid = two_level
    _, judged = submission(rules, path, grid, "table 1", {})
    codes = reasons(judged["1.1.1"])
    assert "evidence_figures_used" in codes
    assert "310/320" in codes["evidence_figures_used"][0].message


# ---------------------------------------------------------------- the 合计 check


def test_a_total_that_does_not_add_up_is_inconsistent(rules, tmp_path):
    rows = [list(r) for r in TWO_LEVEL]
    rows[2] = ["城区", "145", "152", "95.4%", "140", "152", "92.1%"]  # 145+90+70 = 305
    path = two_level_docx(tmp_path / "5G覆盖统计表.docx", rows, TWO_LEVEL_MERGES)
    report, judged = submission(
        rules,
        path,
        grid_of(rows, TWO_LEVEL_MERGES, caption=CAPTION),
        "table 1",
        {"1.1.1": {"coverage": DeclaredMeasure(numerator=310, denominator=320)}},
    )
    judgment = judged["1.1.1"]
    assert judgment.status == "partial"
    (total,) = [r for r in judgment.reasons if r.rule and r.rule.endswith("/inconsistent_total")]
    assert total.code == "inconsistent_figures"
    assert "“2024年/覆盖数”列合计310，分项之和305" in total.message
    assert "总数" not in total.message  # 152+95+73 = 320: that column adds up
    locations = [e.location for e in total.evidence]
    assert locations == ["table 1 row 6", "table 1 row 3", "table 1 row 4", "table 1 row 5"]
    assert assert_quotes_found(report, path.parent) >= 4


def test_a_figure_merged_down_counts_once(rules, tmp_path):
    rows = [list(r) for r in TWO_LEVEL]
    # one 总数 of 168 for 清源县 and 阳曲县 together, merged down over their two rows
    rows[3] = ["清源县", "90", "168", "", "80", "168", ""]
    rows[4] = ["阳曲县", "70", "", "", "60", "", ""]
    merges = [*TWO_LEVEL_MERGES, (3, 2, 4, 2), (3, 5, 4, 5)]
    path = two_level_docx(tmp_path / "5G覆盖统计表.docx", rows, merges)
    _, judged = submission(
        rules,
        path,
        grid_of(rows, merges, caption=CAPTION),
        "table 1",
        {"1.1.1": {"coverage": DeclaredMeasure(numerator=310, denominator=320)}},
    )
    codes = reasons(judged["1.1.1"])
    assert judged["1.1.1"].status == "pass", judged["1.1.1"].reasons
    assert "inconsistent_figures" not in codes


def test_a_table_with_subtotals_is_not_summed(rules, tmp_path):
    rows = [
        ["县区", "覆盖数", "总数"],
        ["城区", "150", "152"],
        ["其中：开发区", "40", "40"],
        ["清源县", "160", "168"],
        ["合计", "310", "320"],
    ]
    path = write_docx(tmp_path / "覆盖.docx", [table(rows)])
    _, judged = submission(
        rules,
        path,
        grid_of(rows, caption=CAPTION),
        "table 1",
        {"1.1.1": {"coverage": DeclaredMeasure(numerator=310, denominator=320)}},
    )
    assert judged["1.1.1"].status == "pass", judged["1.1.1"].reasons


# ---------------------------------------------------------------- a wide sheet

WIDE = [
    ["2024年智慧城市建设指标统计表", "", "", ""],
    ["指标名称", "分子", "分母", "比率"],
    ["城市重点公共区域5G网络覆盖率", "310", "320", "96.9%"],
    ["学校无线网络覆盖率", "418", "420", "99.5%"],
    ["三级以上医疗机构电子病历普及率", "12", "12", "100.0%"],
]
WIDE_DECLARED = {
    "1.1.1": {"coverage": DeclaredMeasure(numerator=310, denominator=320)},
    "2.5.2": {"school_wifi": DeclaredMeasure(numerator=418, denominator=420)},
    "2.4.1": {"emr": DeclaredMeasure(numerator=12, denominator=12)},
}


def wide_xlsx(path: Path) -> Path:
    rows: list[list[object]] = [
        WIDE[0][:1],
        WIDE[1],
        *([r[0], int(r[1]), int(r[2]), int(r[1]) / int(r[2])] for r in WIDE[2:]),
    ]
    return write_xlsx(path, {"指标统计": rows}, percent_columns={"指标统计": [4]})


def test_a_wide_sheet_backs_three_items_at_once(rules, tmp_path):
    path = wide_xlsx(tmp_path / "指标统计表.xlsx")
    report, judged = submission(
        rules,
        path,
        grid_of(WIDE, [(0, 0, 0, 3)], sheet_rows_from=1),
        "sheet 指标统计",
        WIDE_DECLARED,
    )
    for item, row in (("1.1.1", 3), ("2.5.2", 4), ("2.4.1", 5)):
        judgment = judged[item]
        assert judgment.status == "pass", (item, judgment.reasons)
        (support,) = reasons(judgment)["corroborated"][0].evidence
        # the row names its cell range; the figures compared name their cells
        assert support.location == f"sheet 指标统计 row {row} (指标统计!A{row}:D{row})"
        assert support.cell == f"指标统计!B{row}, 指标统计!C{row}, 指标统计!D{row}"
        assert support.quote.startswith("指标名称=")
    assert assert_quotes_found(report, path.parent) >= 3


def test_a_wide_sheet_through_the_reader(tmp_path):
    """The same sheet as a whole submission through `sxcheck check` (today's reader or the
    grid one): the three items are backed and every quote is found in the workbook."""
    root = tmp_path / "submission"
    wide_xlsx(root / "指标统计表.xlsx")
    (root / "submission.yaml").write_text(
        yaml.safe_dump(
            {
                "region": "晋阳市",
                "level": "city",
                "year": 2024,
                "indicators": {
                    "1.1.1": {"numerator": 310, "denominator": 320},
                    "2.5.2": {"numerator": 418, "denominator": 420},
                    "2.4.1": {"numerator": 12, "denominator": 12},
                },
            },
            allow_unicode=True,
        ),
        encoding="utf-8",
    )
    code, report, err = check_json(root, "--no-store")
    assert code == 0, err
    assert report is not None
    by_id = {j["id"]: j for j in report["indicators"]}
    for item in ("1.1.1", "2.5.2", "2.4.1"):
        assert by_id[item]["status"] == "pass", by_id[item]["reasons"]
        assert "corroborated" in {r["code"] for r in by_id[item]["reasons"]}
    assert assert_quotes_found(report, root) >= 3


# ---------------------------------------------------------------- the evidence stage


def test_a_row_quote_names_its_headers_and_keeps_its_text():
    grid = grid_of(TWO_LEVEL, TWO_LEVEL_MERGES, caption=CAPTION)
    units = table_units(grid, "t.docx", "0" * 64, "table 2")
    sentences = sentences_of(units, 2024)
    total = next(s for s in sentences if s.row_label == "合计")
    assert total.text == "合计 | 310 | 320 | 96.9% | 280 | 320 | 87.5%"
    assert total.evidence.quote == (
        "县区=合计 | 2024年/覆盖数=310 | 2024年/总数=320 | 2024年/覆盖率=96.9% | "
        "2023年/覆盖数=280 | 2023年/总数=320 | 2023年/覆盖率=87.5%"
    )
    assert total.evidence.location == "table 2 row 6"
    # the figures of a labelled quote are still noted, as written in the row
    noted = Periods({2024}).noted(total)
    assert [(n.text, n.period, n.used) for n in noted.figures][:3] == [
        ("310", "2024", True),
        ("320", "2024", True),
        ("96.9%", "2024", True),
    ]
    header = next(s for s in sentences if s.evidence.location == "table 2 row 2")
    assert header.evidence.quote == header.text  # a header row has no cells: quoted as is


def test_a_sheet_row_names_its_range_and_a_quoted_sheet_name():
    grid = grid_of(WIDE, [(0, 0, 0, 3)], sheet_rows_from=1)
    units = table_units(grid, "s.xlsx", "0" * 64, "sheet 2024 统计")
    row = sentences_of(units, 2024)[2]
    assert row.evidence.location == "sheet 2024 统计 row 3 ('2024 统计'!A3:D3)"
    assert Decimal("310") in [q.value for q in row.quantities]


def test_columns_are_read_by_header_not_by_position(rules, tmp_path):
    """桩车比例 is 充电桩数量 / 新能源汽车数量; the sheet lists the cars first. Read as a
    line of text the first figure would be the numerator (28000/5600); by header the
    充电桩 column is."""
    rows = [
        ["县区", "新能源汽车保有量（辆）", "充电桩数量（个）"],
        ["城区", "16000", "3400"],
        ["清源县", "12000", "2200"],
        ["合计", "28000", "5600"],
    ]
    path = write_docx(
        tmp_path / "充电设施.docx", [para("2024年新能源汽车与充电设施统计"), table(rows)]
    )
    _, judged = submission(
        rules, path, grid_of(rows, caption="2024年新能源汽车与充电设施统计"), "table 1", {}
    )
    (used,) = [r for r in judged["4.2.2"].reasons if r.code == "evidence_figures_used"]
    assert "5600/28000" in used.message
    (row,) = used.evidence
    assert row.cell == "column 充电桩数量（个）, column 新能源汽车保有量（辆）"


SERVICE_SHEET = [
    ["汾泽市2024年政务服务事项办理情况统计表"],
    ["填报单位：汾泽市行政审批服务管理局", None, None, "统计截止：2024年12月31日"],
    [
        "序号",
        "实施部门",
        "政务服务事项总数（项）",
        "使用电子证照办理事项数（项）",
        "线下一站式办理事项数（项）",
    ],
    [1, "市行政审批服务管理局", 402, 391, 398],
    [2, "市公安局", 168, 162, 165],
    [3, "市人社局", 666, 634, 638],
    ["合计", None, 1236, 1187, 1201],
]


def test_a_total_row_backs_each_measure_its_columns_name(tmp_path):
    """One sheet, two measures: its header names 电子证照 and 一站式 for every row, and each
    is a none_of word of the other measure. The 合计 row still backs each by its own
    columns (read by header), and its part rows are no rival claims."""
    root = tmp_path / "汾泽市-2024"
    write_xlsx(
        root / "佐证材料" / "政务服务事项统计表.xlsx",
        {"2024年": SERVICE_SHEET},
        merges={"2024年": ["A7:B7"]},
    )
    (root / "submission.yaml").write_text(
        "region: 汾泽市\nlevel: city\nyear: 2024\nindicators:\n"
        '  "2.1.1": {numerator: 1187, denominator: 1236}\n'
        '  "2.1.2": {numerator: 1201, denominator: 1236}\n',
        encoding="utf-8",
    )
    code, report, err = check_json(root, "--no-store")
    assert report is not None, err
    items = {i["id"]: i for i in report["indicators"]}
    for item in ("2.1.1", "2.1.2"):
        codes = {r["code"] for r in items[item]["reasons"]}
        assert items[item]["status"] == "pass", items[item]["reasons"]
        assert "corroborated" in codes and "inconsistent_figures" not in codes
    cited = [e for r in items["2.1.1"]["reasons"] for e in r["evidence"]]
    assert {e["location"] for e in cited} == {"sheet 2024年 row 7 (2024年!A7:E7)"}
    assert "D7" in (cited[0]["cell"] or "")
    assert_quotes_found(report, root)


HOSPITALS = [
    [
        "序号",
        "医疗机构名称",
        "等级",
        "年度诊疗人次（人次）",
        "",
        "预约诊疗率（%）",
        "电子病历系统",
        "",
    ],
    ["", "", "", "总诊疗人次", "其中：预约诊疗人次", "", "是否建立", "应用水平分级（级）"],
    ["1", "市人民医院", "三级甲等", "210000", "136500", "65.0", "是", "5"],
    ["2", "市中医医院", "三级甲等", "180000", "126000", "70.0", "是", "4"],
    ["3", "市第二人民医院", "三级乙等", "150000", "99000", "66.0", "是", "4"],
    ["合计", "", "", "540000", "361500", "66.9", "", ""],
]
HOSPITAL_MERGES: list[Merge] = [(0, 0, 1, 0), (0, 1, 1, 1), (0, 2, 1, 2), (0, 3, 0, 4)]
HOSPITAL_MERGES += [(0, 5, 1, 5), (0, 6, 0, 7)]


def test_a_rows_other_rate_and_counts_are_not_the_measure_its_headers_name(rules, tmp_path):
    """A hospital table read for 电子病历普及率: its 预约诊疗率 column and its 诊疗人次
    counts belong to 2.4.2 (the headers say so), so they contradict nothing of 2.4.1,
    whose own columns (电子病历系统/是否建立) state no figure; 2.4.2 is backed by the 合计."""
    path = write_docx(
        tmp_path / "医疗机构统计表.docx",
        [para("全市三级医疗机构预约诊疗及电子病历建设情况"), table(HOSPITALS)],
        merges=[(0, r, c, r2, c2) for r, c, r2, c2 in HOSPITAL_MERGES],
    )
    _, judged = submission(
        rules,
        path,
        grid_of(HOSPITALS, HOSPITAL_MERGES, caption="全市三级医疗机构预约诊疗及电子病历建设情况"),
        "table 1",
        {
            "2.4.1": {"emr": DeclaredMeasure(numerator=3, denominator=3)},
            "2.4.2": {"appointment": DeclaredMeasure(numerator=361500, denominator=540000)},
        },
    )
    assert "inconsistent_figures" not in reasons(judged["2.4.1"])
    assert "corroborated" in reasons(judged["2.4.2"])
