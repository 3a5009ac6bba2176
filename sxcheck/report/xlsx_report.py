"""XLSX: one row per item for filtering and sorting, header frozen, filters on."""

from __future__ import annotations

import io
import json

import openpyxl
from openpyxl.styles import Font, PatternFill

from sxcheck.models import Evidence, Report
from sxcheck.report.figure_labels import figures_line
from sxcheck.report.safe import cleaned, text_cells
from sxcheck.report.view import (
    OFFICIAL_HEADER,
    STATUS_ZH,
    issued_line,
    ocr_mark,
    official_cells,
    place,
    problem_codes,
    profile_label,
    read_how,
)

FILL = {"pass": "E3F5E6", "partial": "FFF3D6", "fail": "FDE4E4", "not_applicable": "ECEFF3"}
HEADER = [
    "ID",
    "一级指标",
    "二级指标",
    "评价指标项",
    "类型",
    "状态",
    "状态(中文)",
    "得分",
    "问题代码",
    "原因",
    "测度",
    "佐证（文件 页 位置）",
]


def _where(ev: Evidence, year: int) -> str:
    """One evidence line: file, page, place, and the quote's numbers with their tags if noted."""
    where = f"{ev.document} {('p.' + str(ev.page)) if ev.page else ''} {place(ev)}".replace(
        "  ", " "
    )
    if ev.source == "ocr":
        where += f" [{ocr_mark(ev)}]"
    issued = issued_line(ev)
    if issued:
        where += f"（{issued}）"
    return f"{where} — {figures_line(ev.figures, year)}" if ev.figures else where


def to_xlsx(report: Report) -> bytes:
    """The workbook; submission text is cleaned of XML-illegal characters and never a formula."""
    report = cleaned(report)
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "评价结果"
    sheet.append(HEADER)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for judgment in report.indicators:
        evidence = [
            _where(ev, report.submission.year) for r in judgment.reasons for ev in r.evidence
        ]
        sheet.append(
            [
                judgment.id,
                f"{judgment.first} {judgment.first_name}",
                f"{judgment.second} {judgment.second_name}",
                judgment.name,
                judgment.kind,
                judgment.status.value,
                STATUS_ZH[judgment.status.value],
                judgment.score,
                " ".join(problem_codes(judgment)),
                "\n".join(f"[{r.code}] {r.message}" for r in judgment.reasons),
                json.dumps(judgment.measures, ensure_ascii=False),
                "\n".join(dict.fromkeys(evidence)),
            ]
        )
        sheet.cell(sheet.max_row, 6).fill = PatternFill(
            "solid", fgColor=FILL[judgment.status.value]
        )
    sheet.freeze_panes = "B2"
    sheet.auto_filter.ref = sheet.dimensions
    for column, width in zip(
        "ABCDEFGHIJKL", (8, 14, 22, 30, 16, 12, 10, 8, 24, 60, 30, 40), strict=True
    ):
        sheet.column_dimensions[column].width = width
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
    docs = book.create_sheet("材料清单")
    docs.append(
        ["文件", "sha256", "类型", "页数", "状态", "读取方式", "OCR平均置信度"]
        + [*OFFICIAL_HEADER, "说明"]
    )
    for doc in report.documents:
        docs.append(
            [
                doc.path,
                doc.sha256,
                doc.kind,
                doc.pages,
                doc.status,
                read_how(doc),
                doc.ocr_confidence,
                *official_cells(doc),
                doc.error or "；".join(doc.notes),
            ]
        )
    for each in (sheet, run, docs):
        text_cells(each)
    docs.freeze_panes = "A2"
    docs.auto_filter.ref = docs.dimensions
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
