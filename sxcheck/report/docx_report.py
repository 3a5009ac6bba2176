"""DOCX: the auditor's file in Chinese, as reviewers work in Word and archives file it.

Fonts are set for East Asian text (w:eastAsia) so Word and LibreOffice pick a
CJK face instead of drawing boxes. Pages are A4 with "第 N 页 共 M 页" in the
footer, the properties name the report, region, run and tool (docx_layout), every
place and status is said in Chinese (zh_labels), and the 材料清单 lists each file's
full SHA-256 on a landscape page. A reviewer's decision (复核意见) is marked in its
item's heading (【复核】 or 【复核失效】) and said under it, in red when it lapsed.
"""

from __future__ import annotations

import io

import docx
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from docx.shared import Pt, RGBColor
from docx.table import Table
from docx.text.paragraph import Paragraph

from sxcheck.models import Judgment, Report
from sxcheck.report.docx_layout import (
    column_widths,
    fixed_table,
    landscape_section,
    mono,
    page_numbers,
    page_setup,
    properties,
    text_width,
)
from sxcheck.report.figure_labels import figures_line
from sxcheck.report.safe import cleaned
from sxcheck.report.view import (
    EMPTY,
    LEVEL_ZH,
    OFFICIAL_HEADER,
    STATUS_ZH,
    decision_line,
    decision_mark,
    fixes,
    issued_line,
    ocr_mark,
    official_cells,
    percent,
    problem_codes,
    profile_label,
    read_how,
    tree,
)
from sxcheck.report.zh_labels import (
    doc_notes_zh,
    doc_status_zh,
    file_kind_zh,
    place_zh,
    when_zh,
)

CJK_FONT = "Noto Serif CJK SC"
LATIN_FONT = "Times New Roman"
LAPSED_COLOUR = "C00000"  # a decision that no longer stands: red, so nobody relies on it
STATUS_COLOUR = {
    "pass": "1B6E2B",
    "partial": "8A5A00",
    "fail": "A11D1D",
    "not_applicable": "5B6776",
}


def _fonts(document: docx.document.Document) -> None:
    for name in ("Normal", "Heading 1", "Heading 2", "Heading 3", "Title", "Table Grid"):
        try:
            style = document.styles[name]
        except KeyError:
            continue
        style.font.name = LATIN_FONT
        rpr = style.element.get_or_add_rPr()
        fonts = rpr.find(qn("w:rFonts"))
        if fonts is None:
            fonts = rpr.makeelement(qn("w:rFonts"), {})
            rpr.append(fonts)
        fonts.set(qn("w:eastAsia"), CJK_FONT)
    document.styles["Normal"].font.size = Pt(10.5)


def _table(
    document: docx.document.Document,
    header: list[str],
    rows: list[list[str]],
    floor: list[int] | None = None,
) -> Table:
    """A table filling the text width of the current section, columns sized to their text."""
    total = text_width(document.sections[-1])
    widths = column_widths(header, rows, total, floor or [4] * len(header))
    return fixed_table(document, header, rows, widths)


def _decision(document: docx.document.Document, heading: Paragraph, judgment: Judgment) -> None:
    """The reviewer's decision under the item's heading, marked in the heading (复核 or
    复核失效); one that lapsed or expired is in red, so the reader sees at once that the
    status shown is the engine's again."""
    for mark in decision_mark(judgment):
        heading.add_run(f"  【{mark}】")
    line = decision_line(judgment)
    if not line:
        return
    paragraph = document.add_paragraph()
    run = paragraph.add_run(line)
    run.bold = True
    if judgment.decision is not None and judgment.decision.state != "applied":
        run.font.color.rgb = RGBColor.from_string(LAPSED_COLOUR)


def to_docx(report: Report) -> bytes:
    """The auditor's file; submission text is cleaned first (lxml refuses NUL and ESC)."""
    report = cleaned(report)
    document = docx.Document()
    _fonts(document)
    sub = report.submission
    name = f"{sub.region}新型智慧城市试点建设评价核查报告"
    page_setup(document.sections[0])
    page_numbers(document.sections[0])
    properties(document, report, name)
    title = document.add_paragraph()
    title.alignment = WD_ALIGN_PARAGRAPH.CENTER
    run = title.add_run(name)
    run.bold = True
    run.font.size = Pt(20)
    for line in (
        f"评价年度：{sub.year}年    级别：{LEVEL_ZH[sub.level]}",
        f"运行编号：{report.run.id}    生成时间：{when_zh(report.run.started_at)}",
        f"规则摘要：{report.run.rules_digest[:16]}    工具版本：sxcheck {report.run.tool_version}",
        f"评价方案：{profile_label(report)}",
        *(f"已跳过的特色性指标规则：{line}" for line in report.run.rules_skipped),
    ):
        paragraph = document.add_paragraph(line)
        paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    document.add_page_break()

    document.add_heading("一、评价结果汇总", level=1)
    counts = report.summary.counts
    _table(
        document,
        ["达标", "部分达标", "未达标", "不适用", "总分"],
        [
            [str(counts.get(k, 0)) for k in STATUS_ZH]
            + [percent(report.summary.scores.get("total"))]
        ],
    )
    document.add_paragraph()
    groups = _table(
        document,
        ["一级指标", "二级指标", "得分"],
        [
            row
            for g in tree(report)
            for row in (
                [f"{g.id} {g.name}", "", percent(g.score)],
                *(["", f"{s.id} {s.name}", percent(s.score)] for s in g.seconds),
            )
        ],
        floor=[20, 30, 6],
    )
    for row in groups.rows[1:]:
        if row.cells[0].text:  # a first-level indicator's own line
            for cell in row.cells:
                cell.paragraphs[0].runs[0].bold = True
    todo = fixes(report)
    if todo:
        document.add_heading("二、需优先整改的问题", level=1)
        for fix in todo:
            document.add_paragraph(
                f"{fix.judgment.id} {fix.judgment.name}：{fix.reason.message}", style="List Number"
            )

    document.add_heading("三、各项评价及佐证", level=1)
    for first in tree(report):
        document.add_heading(f"{first.id} {first.name}（得分 {percent(first.score)}）", level=2)
        for second in first.seconds:
            for judgment in second.items:
                heading = document.add_heading(level=3)
                heading.add_run(f"{judgment.id} {judgment.name}  ")
                status = heading.add_run(
                    f"{STATUS_ZH[judgment.status.value]}  {percent(judgment.score)}"
                )
                status.font.color.rgb = RGBColor.from_string(STATUS_COLOUR[judgment.status.value])
                _decision(document, heading, judgment)
                codes = problem_codes(judgment)
                if codes:
                    document.add_paragraph("问题代码：" + "、".join(codes))
                for reason in judgment.reasons:
                    document.add_paragraph(
                        f"【{reason.code}】{reason.message}", style="List Bullet"
                    )
                    for ev in reason.evidence:
                        mark = f"，{ocr_mark(ev)}" if ev.source == "ocr" else ""
                        issued = issued_line(ev)
                        issued = f"（{issued}）" if issued else ""
                        where = document.add_paragraph(
                            f"{ev.document}{issued} {place_zh(ev)}"
                            f"（校验值 {ev.sha256[:12]}…{mark}）"
                        )
                        where.paragraph_format.left_indent = Pt(24)
                        quote = document.add_paragraph(f"“{ev.quote}”")
                        quote.paragraph_format.left_indent = Pt(24)
                        quote.runs[0].italic = True
                        if ev.figures:
                            figures = document.add_paragraph(figures_line(ev.figures, sub.year))
                            figures.paragraph_format.left_indent = Pt(24)
                            figures.runs[0].font.size = Pt(9)

    landscape_section(document)
    document.add_heading("四、材料清单", level=1)
    document.add_heading("（一）文件及校验值（SHA-256）", level=2)
    hashes = _table(
        document,
        ["序号", "文件", "大小（字节）", "SHA-256"],
        [
            [str(n), d.path, f"{d.size:,}", d.sha256]
            for n, d in enumerate(report.documents, start=1)
        ],
        floor=[4, 30, 10, 64],
    )
    mono(hashes, 3)
    document.add_heading("（二）读取情况", level=2)
    _table(
        document,
        ["文件", "类型", "页数", "状态", "读取方式", *OFFICIAL_HEADER, "说明"],
        [
            [
                d.path,
                file_kind_zh(d),
                str(d.pages or ""),
                doc_status_zh(d),
                read_how(d) if d.status == "ok" else EMPTY,  # why not: in 说明
                *official_cells(d),
                doc_notes_zh(d),
            ]
            for d in report.documents
        ],
        floor=[26, 4, 4, 4, 10, 10, 10, 10, 4, 4, 10],
    )
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()
