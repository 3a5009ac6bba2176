"""XLSX sheets and sheet furniture for Excel users: 汇总 first, measures as columns, print setup.

An auditor opens the workbook to a summary (region, level, year, total, the first-
and second-level scores and the statuses counted), filters the items, reads each
measure's 分子, 分母 and 比率 as numbers, and prints: every sheet is A4 landscape,
one page wide, its header row repeated on each page, with widths that fit Chinese
text (a CJK character is about two Latin ones wide).
"""

from __future__ import annotations

import math
import unicodedata
from collections import Counter
from collections.abc import Iterable, Sequence
from typing import Any

from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.properties import PageSetupProperties
from openpyxl.worksheet.worksheet import Worksheet

from sxcheck.models import Judgment, Report
from sxcheck.report.docx_layout import display_width
from sxcheck.report.view import LEVEL_ZH, STATUS_ZH, profile_label, tree
from sxcheck.report.zh_labels import MEASURE_KIND_ZH, SOURCE_ZH, when_zh
from sxcheck.review_file import DECISION_STATUSES, REVIEW_INPUT, ROLES

SCORE_FORMAT = "0.0"  # every score, 0-100 with one decimal as every report shows them
ITEM_SCORE_FORMAT = SCORE_FORMAT  # items and measures too: one scale everywhere
RATIO_FORMAT = "0.0%"
COUNT_FORMAT = "#,##0.##"
HEADER_FILL = PatternFill("solid", fgColor="DCE3EC")
BOLD = Font(name="Calibri", size=11, bold=True)  # the workbook's face: a bare bold falls back


def header_row(sheet: Worksheet, names: Sequence[str], row: int = 1) -> None:
    """A bold, shaded header row."""
    for column, name in enumerate(names, start=1):
        cell = sheet.cell(row, column, name)
        cell.font = BOLD
        cell.fill = HEADER_FILL
        cell.alignment = Alignment(vertical="center", wrap_text=True)


INPUT_FILL = PatternFill("solid", fgColor="FFF8DC")  # the cells a reviewer fills in
INPUT_WIDTHS = (12, 36, 10, 10, 12)  # 复核结论 复核理由 复核人 角色 有效期至


def review_inputs(sheet: Worksheet, first: int, rows: int) -> None:
    """The empty block a reviewer fills in Excel, from column `first` on, rows 2..rows:
    复核结论 and 角色 offer their codes in a list, 有效期至 takes a date; read back by
    sxcheck.review_file. Called after fit_widths, which would size the empty columns
    by their header alone."""
    for offset, title in enumerate(REVIEW_INPUT):
        column = first + offset
        sheet.column_dimensions[get_column_letter(column)].width = INPUT_WIDTHS[offset]
        sheet.cell(1, column).fill = INPUT_FILL
        for row in range(2, rows + 1):
            cell = sheet.cell(row, column)
            cell.fill = INPUT_FILL
            cell.alignment = Alignment(vertical="top", wrap_text=title == "复核理由")
            if title == "有效期至":
                cell.number_format = "yyyy-mm-dd"
    if rows < 2:
        return
    for offset, choices in ((0, DECISION_STATUSES), (3, ROLES)):
        letter = get_column_letter(first + offset)
        listed = DataValidation(type="list", formula1=f'"{",".join(choices)}"', allow_blank=True)
        listed.error = f"应为 {'、'.join(choices)} 之一"
        listed.add(f"{letter}2:{letter}{rows}")
        sheet.add_data_validation(listed)
    letter = get_column_letter(first + 4)
    dated = DataValidation(
        type="date", operator="greaterThan", formula1="DATE(2000,1,1)", allow_blank=True
    )
    dated.error = "请填写日期（YYYY-MM-DD）"
    dated.add(f"{letter}2:{letter}{rows}")
    sheet.add_data_validation(dated)


def print_setup(sheet: Worksheet, title_rows: str | None = "1:1", pages_tall: int = 0) -> None:
    """A4 landscape, fitted to one page wide (as many pages tall as it takes, or
    `pages_tall`), the header row repeated on every printed page, the sheet's name in
    the header and 第 N 页 共 M 页 in the footer."""
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = pages_tall
    sheet.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)
    if title_rows:
        sheet.print_title_rows = title_rows
    sheet.print_options.horizontalCentered = True
    sheet.page_margins.left = sheet.page_margins.right = 0.5
    sheet.page_margins.top = sheet.page_margins.bottom = 0.8
    sheet.page_margins.header = sheet.page_margins.footer = 0.3
    sheet.oddFooter.center.text = "第 &P 页 共 &N 页"
    sheet.oddHeader.center.text = "&A"  # the sheet's name


def _shown(value: Any) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, float):
        return f"{value:.4g}"
    return str(value)


def _print_width(text: str) -> float:
    """Width units a line takes when printed: a CJK character of the 11-point face is
    about 2.2 digit widths (counting it as 2 cut the last line of long reasons)."""
    return sum(2.2 if unicodedata.east_asian_width(c) in "WF" else 1.0 for c in text)


LINE_HEIGHT = 16.5  # points per wrapped line of 11-point text in a CJK face (taller than Latin)
MAX_ROW_HEIGHT = 409  # Excel's limit


def fit_widths(
    sheet: Worksheet, caps: dict[str, float] | None = None, wrap: Iterable[str] = ()
) -> None:
    """Every column as wide as its longest line (CJK counted double), between 6 and its
    cap (40 unless `caps` says); the `wrap` columns wrap their text, top-aligned, and
    each row is given the height its wrapped text needs (LibreOffice does not grow
    rows on opening a workbook, so a printout would show one line of each cell)."""
    caps = caps or {}
    widest: dict[str, int] = {}
    for row in sheet.iter_rows():
        for cell in row:
            if cell.value is None:
                continue
            longest = max(
                (display_width(line) for line in _shown(cell.value).splitlines()), default=0
            )
            widest[cell.column_letter] = max(widest.get(cell.column_letter, 0), longest)
    widths = {
        letter: min(max(width + 2, 6), caps.get(letter, 40)) for letter, width in widest.items()
    }
    for letter, width in widths.items():
        sheet.column_dimensions[letter].width = width
    wrapped = set(wrap)
    for row in sheet.iter_rows(min_row=2):
        lines = 1
        for cell in row:
            wraps = cell.column_letter in wrapped
            cell.alignment = Alignment(
                horizontal=cell.alignment.horizontal, vertical="top", wrap_text=wraps
            )
            if wraps and cell.value is not None:
                # estimated on the safe side: a blank line at the end, never a cut one
                room = max(widths.get(cell.column_letter, 8) - 1, 1)
                lines = max(
                    lines,
                    sum(
                        max(1, math.ceil(_print_width(line) / room))
                        for line in _shown(cell.value).splitlines() or [""]
                    ),
                )
        if lines > 1:
            sheet.row_dimensions[row[0].row].height = min(lines * LINE_HEIGHT + 2, MAX_ROW_HEIGHT)


def _counts(judgments: Iterable[Judgment]) -> Counter[str]:
    return Counter(j.status.value for j in judgments)


def score_100(value: float | None) -> float | None:
    """A 0-1 score (as the JSON keeps it) on the 0-100 scale every report shows."""
    return None if value is None else round(value * 100, 1)


_score = score_100


SUMMARY_TABLE = ["编号", "指标", "层级", "得分", *STATUS_ZH.values(), "指标项数"]


def summary_sheet(sheet: Worksheet, report: Report) -> None:
    """汇总: who and what was checked, the total and counts, then every first- and
    second-level indicator with its score and its items counted by status."""
    sub, run, scores = report.submission, report.run, report.summary.scores
    header_row(sheet, ["项目", "内容"])
    counts = report.summary.counts
    facts: list[tuple[str, Any]] = [
        ("地区", sub.region),
        ("级别", LEVEL_ZH.get(sub.level, sub.level)),
        ("评价年度", sub.year),
        *((("上级地区", sub.parent),) if sub.parent else ()),
        ("总分", _score(scores.get("total"))),
        *((label, counts.get(key, 0)) for key, label in STATUS_ZH.items()),
        ("指标项数", len(report.indicators)),
        ("运行编号", run.id),
        ("生成时间", when_zh(run.started_at)),
        ("工具版本", f"sxcheck {run.tool_version}"),
        ("评价方案", profile_label(report)),
    ]
    for label, value in facts:
        sheet.append([label, value])
        if label == "总分":
            sheet.cell(sheet.max_row, 2).number_format = SCORE_FORMAT
            sheet.cell(sheet.max_row, 2).font = BOLD
        sheet.cell(sheet.max_row, 1).font = BOLD
        sheet.cell(sheet.max_row, 2).alignment = Alignment(horizontal="left")
    start = sheet.max_row + 2  # a blank row between the two
    header_row(sheet, SUMMARY_TABLE, row=start)
    for first in tree(report):
        items = [j for s in first.seconds for j in s.items]
        _group_row(sheet, first.id, first.name, "一级", first.score, items, bold=True)
        for second in first.seconds:
            _group_row(sheet, second.id, second.name, "二级", second.score, second.items)
    sheet.freeze_panes = "A2"


def _group_row(
    sheet: Worksheet,
    gid: str,
    name: str,
    level: str,
    score: float | None,
    items: list[Judgment],
    bold: bool = False,
) -> None:
    counts = _counts(items)
    sheet.append(
        [gid, name, level, _score(score), *(counts.get(k, 0) for k in STATUS_ZH), len(items)]
    )
    row = sheet.max_row
    sheet.cell(row, 4).number_format = SCORE_FORMAT
    if bold:
        for cell in sheet[row]:
            cell.font = BOLD


MEASURE_HEADER = [
    "ID",
    "评价指标项",
    "测度",
    "类型",
    "状态",
    "得分",
    "数据来源",
    "分子",
    "分母",
    "比率",
    "数值",
    "说明",
]


def _number(value: Any) -> float | None:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


def measure_figures(measure: dict[str, Any]) -> tuple[float | None, ...]:
    """(分子, 分母, 比率, 数值) of one measure, each None when it has none: a ratio's
    分子 is 比率 x 分母 when that is a whole count (the judgment keeps the rate and
    the total, not the count), a count's are its covered and listed options."""
    kind = measure.get("kind")
    if kind == "count":
        return (
            _number(measure.get("k")),
            _number(measure.get("n")),
            _number(measure.get("share")),
            None,
        )
    if not measure.get("has_value"):
        return None, None, None, None
    value = _number(measure.get("value"))
    if kind == "ratio":
        denominator = _number(measure.get("denominator"))
        numerator = None
        if value is not None and denominator:
            product = value * denominator
            numerator = round(product) if abs(product - round(product)) < 1e-6 else None
        return numerator, denominator, value, None
    return None, None, None, value


def measure_note(measure: dict[str, Any]) -> str:
    """What a measure's flags say, in Chinese: 已佐证, 与材料不一致, 仅见计划 …"""
    notes = []
    if measure.get("corroborated"):
        notes.append("已佐证")
    if measure.get("inconsistent"):
        notes.append("与材料不一致")
    if measure.get("den_conflict"):
        notes.append("分母与其他指标项不一致")
    if measure.get("valid") is False:
        notes.append("数据无效")
    if measure.get("planned"):
        notes.append(f"计划/目标表述{measure['planned']}处")
    if measure.get("set_aside"):
        notes.append(f"未比对数字{measure['set_aside']}处")
    if measure.get("kind") == "qualitative":
        notes.append("已建立" if measure.get("established") else "未见建立")
        if measure.get("needs_working"):
            notes.append("已运行" if measure.get("working") else "未见运行")
        if measure.get("grade"):
            notes.append(f"等级{measure['grade']}")
    if measure.get("kind") == "rank" and measure.get("ranked"):
        notes.append(f"排名得分{measure.get('standing', 0):.2f}")
    return "；".join(notes)


def measures_sheet(sheet: Worksheet, report: Report) -> None:
    """测度: one row per measure, its figures as numbers Excel can sum and sort."""
    header_row(sheet, MEASURE_HEADER)
    for judgment in report.indicators:
        for measure in judgment.measures.values():
            if not isinstance(measure, dict):
                continue
            numerator, denominator, ratio, value = measure_figures(measure)
            status = measure.get("status", "")
            sheet.append(
                [
                    judgment.id,
                    judgment.name,
                    measure.get("name", ""),
                    MEASURE_KIND_ZH.get(measure.get("kind", ""), measure.get("kind", "")),
                    STATUS_ZH.get(status, status),
                    score_100(_number(measure.get("score"))),
                    SOURCE_ZH.get(measure.get("source", ""), measure.get("source", "")),
                    numerator,
                    denominator,
                    ratio,
                    value,
                    measure_note(measure),
                ]
            )
            row = sheet.max_row
            sheet.cell(row, 6).number_format = ITEM_SCORE_FORMAT
            sheet.cell(row, 8).number_format = COUNT_FORMAT
            sheet.cell(row, 9).number_format = COUNT_FORMAT
            sheet.cell(row, 10).number_format = RATIO_FORMAT
            sheet.cell(row, 11).number_format = "0.00"
    sheet.freeze_panes = "C2"
    sheet.auto_filter.ref = sheet.dimensions


def measure_text(measure: dict[str, Any]) -> str:
    """One measure in a line: "5G网络覆盖率：93.0%（80/86，材料载明）", "平均PUE：1.30"."""
    numerator, denominator, ratio, value = measure_figures(measure)
    source = SOURCE_ZH.get(measure.get("source", ""), "")
    if ratio is not None:
        shown = f"{ratio * 100:.1f}%"
        if denominator is not None:
            top = "?" if numerator is None else f"{numerator:g}"
            shown += f"（{top}/{denominator:g}）"
    elif value is not None:
        shown = f"{value:g}"
    elif measure.get("kind") == "qualitative":
        shown = measure_note(measure) or "—"
        source = ""
    else:
        shown = "—"
    return f"{measure.get('name', '')}：{shown}" + (
        f"，{source}" if source and shown != "—" else ""
    )


def item_figures(judgment: Judgment) -> tuple[float | None, float | None, float | None]:
    """(分子, 分母, 比率) of an item with one measure that has them (several: see 测度)."""
    figured = [
        m
        for m in judgment.measures.values()
        if isinstance(m, dict) and m.get("kind") in ("ratio", "count")
    ]
    if len(figured) != 1:
        return None, None, None
    numerator, denominator, ratio, _ = measure_figures(figured[0])
    return numerator, denominator, ratio
