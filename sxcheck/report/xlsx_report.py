"""XLSX: a workbook for Excel users, 汇总 first, one row per item for filtering and sorting.

Sheets: 汇总 (the region, level, year, total, first- and second-level scores and the
statuses counted), 评价结果 (one row per item, its measure's 分子/分母/比率 when it
has one, each location with its quote), 测度 (one row per measure, figures as
numbers), 佐证 (one row per quote: its place beside it), 运行信息 and 材料清单 (each
file's full SHA-256). 评价结果 ends with the reviewer's columns: 复核状态 and 复核意见
(the decision the run applied, or why it lapsed, in red), then an empty block to fill
in Excel (复核结论, 复核理由, 复核人, 角色, 有效期至, with lists and a date check) that
sxcheck.review_file reads back with the run id of 运行信息. Every sheet has widths
that fit Chinese text, a frozen header and prints A4 landscape one page wide with its
header row repeated (xlsx_sheets).
"""

from __future__ import annotations

import io

import openpyxl
from openpyxl.styles import Font, PatternFill

from sxcheck.models import Evidence, Report
from sxcheck.report.figure_labels import figures_line
from sxcheck.report.safe import cleaned, text_cells
from sxcheck.report.view import (
    EMPTY,
    OFFICIAL_HEADER,
    STATUS_ZH,
    decision_line,
    decision_mark,
    issued_line,
    ocr_mark,
    official_cells,
    problem_codes,
    profile_label,
    read_how,
)
from sxcheck.report.xlsx_sheets import (
    COUNT_FORMAT,
    ITEM_SCORE_FORMAT,
    RATIO_FORMAT,
    fit_widths,
    header_row,
    item_figures,
    measure_text,
    measures_sheet,
    print_setup,
    review_inputs,
    score_100,
    summary_sheet,
)
from sxcheck.report.zh_labels import (
    cell_zh,
    doc_notes_zh,
    doc_status_zh,
    file_kind_zh,
    item_kind_zh,
    location_zh,
    place_zh,
)
from sxcheck.review_file import REVIEW_INPUT, REVIEW_SHOWN

FILL = {"pass": "E3F5E6", "partial": "FFF3D6", "fail": "FDE4E4", "not_applicable": "ECEFF3"}
HEADER = [
    "ID",
    "一级指标",
    "二级指标",
    "评价指标项",
    "类型",
    "状态",
    "得分",
    "分子",
    "分母",
    "比率",
    "测度",
    "佐证（文件 页 位置：引文）",
    "原因",
    "问题代码",
    "状态代码",
    *REVIEW_SHOWN,  # the decision that stands or lapsed, as the run applied it
    *REVIEW_INPUT,  # empty: the reviewer's new decision, read back by review_file
]
EVIDENCE_HEADER = [
    "ID",
    "评价指标项",
    "问题代码",
    "文件",
    "页",
    "位置",
    "引文",
    "数字",
    "公文",
    "识别方式",
    "校验值（前12位）",
]
LAPSED_FONT = Font(name="Calibri", size=11, color="C00000")  # a decision that no longer stands
CELL_LIMIT = 32_000  # Excel keeps at most 32,767 characters in a cell


def _where(ev: Evidence, year: int) -> str:
    """One evidence line: file (as an official document), page, place, OCR mark, then
    its quote and the quote's numbers with their tags."""
    where = f"{ev.document} {place_zh(ev)}"
    if ev.source == "ocr":
        where += f" [{ocr_mark(ev)}]"
    issued = issued_line(ev)
    if issued:
        where += f"（{issued}）"
    where += f"：“{ev.quote}”"
    return f"{where} — {figures_line(ev.figures, year)}" if ev.figures else where


def _bounded(lines: list[str]) -> str:
    """Lines joined, stopping before Excel's cell limit with how many more 佐证 lists."""
    out: list[str] = []
    size = 0
    for n, line in enumerate(lines):
        if size + len(line) + 1 > CELL_LIMIT:
            out.append(f"…另有{len(lines) - n}条，见“佐证”工作表")
            break
        out.append(line)
        size += len(line) + 1
    return "\n".join(out)


def _results(sheet: openpyxl.worksheet.worksheet.Worksheet, report: Report) -> None:
    header_row(sheet, HEADER)
    year = report.submission.year
    for judgment in report.indicators:
        evidence = [_where(ev, year) for r in judgment.reasons for ev in r.evidence]
        numerator, denominator, ratio = item_figures(judgment)
        status = judgment.status.value
        sheet.append(
            [
                judgment.id,
                f"{judgment.first} {judgment.first_name}",
                f"{judgment.second} {judgment.second_name}",
                judgment.name,
                item_kind_zh(judgment),
                STATUS_ZH[status],
                score_100(judgment.score),
                numerator,
                denominator,
                ratio,
                "\n".join(
                    measure_text(m) for m in judgment.measures.values() if isinstance(m, dict)
                ),
                _bounded(list(dict.fromkeys(evidence))),
                "\n".join(f"[{r.code}] {r.message}" for r in judgment.reasons),
                " ".join(problem_codes(judgment)),
                status,
                "".join(decision_mark(judgment)) or None,
                decision_line(judgment) or None,
            ]
        )
        row = sheet.max_row
        sheet.cell(row, 6).fill = PatternFill("solid", fgColor=FILL[status])
        sheet.cell(row, 7).number_format = ITEM_SCORE_FORMAT
        sheet.cell(row, 8).number_format = COUNT_FORMAT
        sheet.cell(row, 9).number_format = COUNT_FORMAT
        sheet.cell(row, 10).number_format = RATIO_FORMAT
        if judgment.decision is not None and judgment.decision.state != "applied":
            for title in REVIEW_SHOWN:
                sheet.cell(row, HEADER.index(title) + 1).font = LAPSED_FONT
    sheet.freeze_panes = "B2"
    sheet.auto_filter.ref = sheet.dimensions
    fit_widths(
        sheet,
        caps={
            **{"B": 12, "C": 14, "D": 20, "E": 10, "K": 24, "L": 48, "M": 36, "N": 16},
            **{"O": 10, "P": 10, "Q": 40},
        },
        wrap="BCDKLMQ",
    )
    review_inputs(sheet, HEADER.index(REVIEW_INPUT[0]) + 1, sheet.max_row)


def _evidence(sheet: openpyxl.worksheet.worksheet.Worksheet, report: Report) -> None:
    header_row(sheet, EVIDENCE_HEADER)
    year = report.submission.year
    for judgment in report.indicators:
        seen: set[tuple[str, str, int | None, str, str]] = set()
        for reason in judgment.reasons:
            for ev in reason.evidence:
                key = (reason.code, ev.document, ev.page, ev.location, ev.quote)
                if key in seen:
                    continue
                seen.add(key)
                where = location_zh(ev.location)
                sheet.append(
                    [
                        judgment.id,
                        judgment.name,
                        reason.code,
                        ev.document,
                        ev.page,
                        f"{where}（{cell_zh(ev.cell)}）" if ev.cell else where,
                        ev.quote,
                        figures_line(ev.figures, year),
                        issued_line(ev),
                        ocr_mark(ev) or "文字",
                        ev.sha256[:12],
                    ]
                )
    sheet.freeze_panes = "C2"
    sheet.auto_filter.ref = sheet.dimensions
    fit_widths(
        sheet,
        caps={"B": 18, "C": 24, "D": 26, "F": 20, "G": 56, "H": 36, "I": 24},
        wrap="BDFGHI",
    )


def to_xlsx(report: Report) -> bytes:
    """The workbook; submission text is cleaned of XML-illegal characters and never a formula."""
    report = cleaned(report)
    book = openpyxl.Workbook()
    summary = book.active
    summary.title = "汇总"
    summary_sheet(summary, report)
    fit_widths(summary, caps={"A": 14, "B": 48}, wrap="B")
    results = book.create_sheet("评价结果")
    _results(results, report)
    measures = book.create_sheet("测度")
    measures_sheet(measures, report)
    fit_widths(measures, caps={"B": 24, "C": 26, "L": 36}, wrap="BCL")
    evidence = book.create_sheet("佐证")
    _evidence(evidence, report)
    run = book.create_sheet("运行信息")
    for label, value in (
        ("地区", report.submission.region),
        ("年度", report.submission.year),
        ("运行编号", report.run.id),
        ("生成时间", report.run.started_at),
        ("工具版本", report.run.tool_version),
        ("规则摘要", report.run.rules_digest),
        ("评价方案", profile_label(report)),
        *(("已跳过的特色性指标规则", line) for line in report.run.rules_skipped),
    ):
        run.append([label, value])
    fit_widths(run, caps={"B": 70}, wrap="B")
    docs = book.create_sheet("材料清单")
    header_row(
        docs,
        ["文件", "sha256", "类型", "页数", "状态", "读取方式", "OCR平均置信度"]
        + [*OFFICIAL_HEADER, "说明"],
    )
    for doc in report.documents:
        docs.append(
            [
                doc.path,
                doc.sha256,
                file_kind_zh(doc),
                doc.pages,
                doc_status_zh(doc),
                read_how(doc) if doc.status == "ok" else EMPTY,  # why not: in 说明
                doc.ocr_confidence,
                *official_cells(doc),
                doc_notes_zh(doc),
            ]
        )
        docs.cell(docs.max_row, 7).number_format = "0.00"
    docs.freeze_panes = "B2"
    docs.auto_filter.ref = docs.dimensions
    fit_widths(docs, caps={"A": 36, "B": 34, "F": 24, "H": 20, "I": 18, "M": 30}, wrap="ABFHIM")
    for sheet in book.worksheets:
        text_cells(sheet)
        # 汇总 and 运行信息 are read as one page; the tables repeat their header row
        one_page = sheet.title in ("汇总", "运行信息")
        print_setup(sheet, None if one_page else "1:1", pages_tall=1 if one_page else 0)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
