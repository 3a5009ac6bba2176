"""DOCX page furniture for an archive copy: A4 pages, 第 N 页 共 M 页, properties, tables that fit.

python-docx starts from a US Letter template whose properties say `python-docx`
wrote it in 2013; a government archive files A4 with page numbers and a title,
author and date that are the report's own. Tables get a fixed layout with each
column's width written on the grid and on every cell (Word reads the cells,
LibreOffice the grid), a header row repeated on every page, and a CJK-aware
width per column so Chinese file names wrap between characters, not off the page.
"""

from __future__ import annotations

import datetime as dt
import unicodedata
from collections.abc import Sequence

import docx
from docx.enum.section import WD_ORIENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.section import Section
from docx.shared import Mm, Pt
from docx.table import Table, _Cell
from docx.text.paragraph import Paragraph

from sxcheck.models import Report

A4 = (Mm(210), Mm(297))
# margins after GB/T 9704 (党政机关公文格式), rounded: the binding edge is the left one
MARGINS = {"top": Mm(30), "bottom": Mm(28), "left": Mm(28), "right": Mm(26)}
FOOTER_DISTANCE = Mm(14)
HEADER_FILL = "E7ECF2"
PADDING = 2 * 108 * 635  # a Table Grid cell's left and right margins (108 twips each)


def page_setup(section: Section, landscape: bool = False) -> None:
    """A4 portrait (or landscape for a wide table) with the archive's margins."""
    width, height = A4
    section.orientation = WD_ORIENT.LANDSCAPE if landscape else WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = (height, width) if landscape else (width, height)
    section.top_margin = MARGINS["top"]
    section.bottom_margin = MARGINS["bottom"]
    section.left_margin = MARGINS["left"]
    section.right_margin = MARGINS["right"]
    section.footer_distance = FOOTER_DISTANCE


def text_width(section: Section) -> int:
    """The width between the margins, in EMU."""
    return (
        int(section.page_width or 0)
        - int(section.left_margin or 0)
        - int(section.right_margin or 0)
    )


def _field(paragraph: Paragraph, code: str, shown: str) -> None:
    """A complex field (PAGE, NUMPAGES) with a cached result, so a reader that does not
    update fields still shows a number."""
    for kind, text in (("begin", None), ("instr", code), ("separate", None), ("result", shown)):
        run = paragraph.add_run()
        if kind == "instr":
            instr = OxmlElement("w:instrText")
            instr.set(qn("xml:space"), "preserve")
            instr.text = f" {text} "
            run._r.append(instr)
        elif kind == "result":
            run.text = text or ""
        else:
            char = OxmlElement("w:fldChar")
            char.set(qn("w:fldCharType"), kind)
            run._r.append(char)
    end = OxmlElement("w:fldChar")
    end.set(qn("w:fldCharType"), "end")
    paragraph.add_run()._r.append(end)


def page_numbers(section: Section) -> None:
    """The footer "第 N 页 共 M 页", centred; later sections inherit it (linked)."""
    paragraph = section.footer.paragraphs[0]
    paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    paragraph.add_run("第 ")
    _field(paragraph, "PAGE", "1")
    paragraph.add_run(" 页 共 ")
    _field(paragraph, "NUMPAGES", "1")
    paragraph.add_run(" 页")
    for run in paragraph.runs:
        run.font.size = Pt(9)


def _when(stamp: str | None) -> dt.datetime | None:
    if not stamp:
        return None
    try:
        when = dt.datetime.fromisoformat(stamp)
    except ValueError:
        return None
    return when.astimezone(dt.UTC).replace(tzinfo=None) if when.tzinfo else when


def properties(document: docx.document.Document, report: Report, title: str) -> None:
    """The file's own properties: what it is, of which region, from which run and tool."""
    run, sub = report.run, report.submission
    core = document.core_properties
    core.title = title
    core.subject = sub.region
    core.author = "sxcheck"
    core.last_modified_by = "sxcheck"
    core.category = "新型智慧城市试点建设评价核查报告"
    core.keywords = f"{sub.region}; {sub.year}; 运行编号 {run.id}; sxcheck {run.tool_version}"
    core.comments = (
        f"运行编号：{run.id}；工具版本：sxcheck {run.tool_version}；"
        f"规则摘要：{run.rules_digest}；评价方案：{run.profile or '默认'}"
    )
    core.language = "zh-CN"
    core.revision = 1
    core.identifier = run.id
    created = _when(run.started_at)
    if created is not None:
        core.created = created
        core.modified = _when(run.finished_at) or created


def display_width(text: str) -> int:
    """Columns a text takes in a fixed-pitch sense: CJK and full-width characters 2, others 1."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def column_widths(
    header: Sequence[str],
    rows: Sequence[Sequence[str]],
    total: int,
    floor: Sequence[int],
    size: float = 9,
) -> list[int]:
    """Widths (EMU) sharing `total`: each column first gets its floor (in half-em
    units of a `size`-point font) plus the cell padding, a short column (status words,
    page counts) its whole text so it never wraps a character per line; what is left
    goes to the columns still wanting more, by how much more (each capped at 40 units,
    so one long note cannot starve the others), and any rest to the columns that wrap."""
    unit = size * 12700 / 2
    wants, needs = [], []
    for index, name in enumerate(header):
        longest = max(
            (display_width(line) for row in rows for line in row[index].splitlines()),
            default=0,
        )
        want = min(max(longest, display_width(name)), 40)
        # slack: a bold header, a wide Latin glyph or the gap Word and LibreOffice put
        # between Latin and CJK text ("WPS文字") must not wrap the last character
        short = want <= 10  # kept on one line
        need = max(floor[index], want if short else 0, min(display_width(name), 12))
        need += 2 if short else 1
        wants.append(max(want, need))
        needs.append(need)
    base = [n * unit + PADDING for n in needs]
    left = total - sum(base)
    extra = [(w - n) * unit for w, n in zip(wants, needs, strict=True)]
    if left > 0 and sum(extra) > 0:
        share = min(1.0, left / sum(extra))
        base = [b + e * share for b, e in zip(base, extra, strict=True)]
    longs = [i for i, w in enumerate(wants) if w > 10 + 2]
    spare = total - sum(base)
    if spare > 0 and longs:  # what is still left widens the columns that wrap, not the rest
        weight = sum(base[i] for i in longs)
        base = [b + spare * b / weight if i in longs else b for i, b in enumerate(base)]
    scale = total / sum(base)  # exactly the text width (shrunk if the floors overflow it)
    twips = [int(b * scale / 635) for b in base]  # whole twips: the grid and cells agree
    twips[-1] += int(total / 635) - sum(twips)
    return [t * 635 for t in twips]


def _shade(cell: _Cell, fill: str) -> None:
    properties = cell._tc.get_or_add_tcPr()
    shading = OxmlElement("w:shd")
    shading.set(qn("w:val"), "clear")
    shading.set(qn("w:color"), "auto")
    shading.set(qn("w:fill"), fill)
    properties.append(shading)


def fixed_table(
    document: docx.document.Document,
    header: Sequence[str],
    rows: Sequence[Sequence[str]],
    widths: Sequence[int],
    size: float = 9,
) -> Table:
    """A table whose widths hold in Word and LibreOffice, header repeated on each page."""
    table = document.add_table(rows=1, cols=len(header))
    table.style = "Table Grid"
    table.autofit = False
    layout = OxmlElement("w:tblLayout")
    layout.set(qn("w:type"), "fixed")
    table._tbl.tblPr.append(layout)
    for grid_col, width in zip(table._tbl.tblGrid.findall(qn("w:gridCol")), widths, strict=True):
        grid_col.set(qn("w:w"), str(int(width / 635)))  # EMU -> twentieths of a point
    head = table.rows[0]
    marker = OxmlElement("w:tblHeader")
    marker.set(qn("w:val"), "true")
    head._tr.get_or_add_trPr().append(marker)
    for cell, text in zip(head.cells, header, strict=True):
        cell.text = text
        cell.paragraphs[0].runs[0].bold = True
        _shade(cell, HEADER_FILL)
    for row in rows:
        added = table.add_row()
        keep = OxmlElement("w:cantSplit")  # a row is never cut across two pages
        added._tr.get_or_add_trPr().append(keep)
        cells = added.cells
        for cell, text in zip(cells, row, strict=True):
            cell.text = text
    for row in table.rows:
        for cell, width in zip(row.cells, widths, strict=True):
            cell.width = width
            for paragraph in cell.paragraphs:
                for run in paragraph.runs:
                    run.font.size = Pt(size)
    return table


def mono(table: Table, column: int, size: float = 8) -> None:
    """A column of hashes in a fixed-pitch face, so 64 hex digits read and wrap evenly."""
    for row in table.rows[1:]:
        for paragraph in row.cells[column].paragraphs:
            for run in paragraph.runs:
                run.font.name = "DejaVu Sans Mono"
                run.font.size = Pt(size)


def landscape_section(document: docx.document.Document) -> Section:
    """A new A4 landscape section (its footer linked to the first one's page numbers)."""
    section = document.add_section()
    page_setup(section, landscape=True)
    return section
