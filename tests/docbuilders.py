"""Build real evidence documents (PDF, DOCX, XLSX) for tests and the bundled samples.

PDFs are laid out by reportlab's platypus with the built-in STSong-Light CID
font (no font files needed), so paragraphs wrap into several visual lines the
way Word/WPS exports do, and tables are drawn with ruling lines.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import docx
import openpyxl
from docx.shared import Pt
from reportlab import rl_config
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.platypus import PageBreak, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

rl_config.invariant = 1  # no creation date or random id: the same blocks give the same bytes
FONT = "STSong-Light"
pdfmetrics.registerFont(UnicodeCIDFont(FONT))
BODY = ParagraphStyle(
    "body", fontName=FONT, fontSize=12, leading=20, firstLineIndent=24, wordWrap="CJK"
)
TITLE = ParagraphStyle("title", fontName=FONT, fontSize=18, leading=28, alignment=1, wordWrap="CJK")
CELL = ParagraphStyle("cell", fontName=FONT, fontSize=10, leading=14, wordWrap="CJK")


@dataclass
class Block:
    """A paragraph (text), a table (rows) or a page break."""

    text: str = ""
    rows: list[list[str]] = field(default_factory=list)
    title: bool = False
    page_break: bool = False
    # PDF tables: "grid" (every rule) or "three_line" (三线表: top, header and bottom
    # rules only); header rows repeated after a page break; SPAN merges as
    # (col, row, col2, row2), reportlab's order
    style: str = "grid"
    repeat_rows: int = 1
    spans: list[tuple[int, int, int, int]] = field(default_factory=list)
    widths: list[float] | None = None  # PDF column widths in pt (None: reportlab decides)


def para(text: str) -> Block:
    return Block(text=text)


def title(text: str) -> Block:
    return Block(text=text, title=True)


def table(
    rows: list[list[str]],
    style: str = "grid",
    repeat_rows: int = 1,
    spans: list[tuple[int, int, int, int]] | None = None,
    widths: list[float] | None = None,
) -> Block:
    """A table block; `widths` (pt per column) as a writer sets them, else reportlab's."""
    return Block(rows=rows, style=style, repeat_rows=repeat_rows, spans=spans or [], widths=widths)


def _pdf_table_style(block: Block) -> TableStyle:
    """Grid rules, or the three rules of a 三线表 (top, below the header, bottom)."""
    header = max(block.repeat_rows, 1) - 1
    if block.style == "three_line":
        rules = [
            ("LINEABOVE", (0, 0), (-1, 0), 1.2, colors.black),
            ("LINEBELOW", (0, header), (-1, header), 0.6, colors.black),
            ("LINEBELOW", (0, -1), (-1, -1), 1.2, colors.black),
        ]
    else:
        rules = [("GRID", (0, 0), (-1, -1), 0.5, colors.black)]
    return TableStyle(
        [
            *rules,
            ("FONTNAME", (0, 0), (-1, -1), FONT),
            ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
            *(("SPAN", (c1, r1), (c2, r2)) for c1, r1, c2, r2 in block.spans),
        ]
    )


def page_break() -> Block:
    return Block(page_break=True)


def write_pdf(
    path: Path,
    blocks: list[Block],
    encrypt_password: str | None = None,
    owner_password: str | None = None,
) -> Path:
    """A text PDF; paragraphs wrap at the page width, tables have a full grid.

    `encrypt_password` needs a password to open; `owner_password` alone only
    restricts permissions (anyone can open and read it)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    encrypt = None
    if encrypt_password or owner_password:
        from reportlab.lib.pdfencrypt import StandardEncryption

        encrypt = StandardEncryption(
            encrypt_password or "", ownerPassword=owner_password, canPrint=0, canCopy=0
        )
    doc = SimpleDocTemplate(str(path), pagesize=A4, encrypt=encrypt, leftMargin=72, rightMargin=72)
    story: list = []
    for block in blocks:
        if block.page_break:
            story.append(PageBreak())
        elif block.rows:
            cells = [[Paragraph(c, CELL) for c in row] for row in block.rows]
            grid = Table(cells, repeatRows=block.repeat_rows, colWidths=block.widths)
            grid.setStyle(_pdf_table_style(block))
            story.extend([grid, Spacer(1, 10)])
        else:
            story.append(Paragraph(block.text, TITLE if block.title else BODY))
            story.append(Spacer(1, 6))
    doc.build(story)
    return path


def write_docx(
    path: Path, blocks: list[Block], merges: list[tuple[int, int, int, int, int]] | None = None
) -> Path:
    """A DOCX in body order. `merges`: (table index, row, col, row2, col2) cells to merge."""
    path.parent.mkdir(parents=True, exist_ok=True)
    document = docx.Document()
    style = document.styles["Normal"]
    style.font.name = "SimSun"
    style.font.size = Pt(12)
    style.element.rPr.rFonts.set(docx.oxml.ns.qn("w:eastAsia"), "宋体")
    tables = []
    for block in blocks:
        if block.page_break:
            document.add_page_break()
        elif block.rows:
            width = max(len(r) for r in block.rows)
            grid = document.add_table(rows=len(block.rows), cols=width)
            grid.style = "Table Grid"
            for r, row in enumerate(block.rows):
                for c, value in enumerate(row):
                    if value:
                        grid.cell(r, c).text = value
            tables.append(grid)
        elif block.title:
            document.add_heading(block.text, level=1)
        else:
            document.add_paragraph(block.text)
    for t_index, r1, c1, r2, c2 in merges or []:
        tables[t_index].cell(r1, c1).merge(tables[t_index].cell(r2, c2))
    document.save(str(path))
    return path


def write_xlsx(
    path: Path,
    sheets: dict[str, list[list[object]]],
    percent_columns: dict[str, list[int]] | None = None,
    merges: dict[str, list[str]] | None = None,
    hidden_rows: dict[str, list[int]] | None = None,
    hidden_columns: dict[str, list[str]] | None = None,
    sheet_states: dict[str, str] | None = None,
) -> Path:
    """An XLSX; listed columns get the `0.0%` number format (from row 2).

    Per sheet: `merges` ("B3:D3"), `hidden_rows` (Excel row numbers),
    `hidden_columns` ("D"), `sheet_states` ("hidden", "veryHidden"). A cell
    "=B5/C5" is a formula, saved without a cached value (openpyxl does not
    calculate): convert_with_libreoffice(path, "xlsx", …) gives it one."""
    path.parent.mkdir(parents=True, exist_ok=True)
    book = openpyxl.Workbook()
    book.remove(book.active)
    for name, rows in sheets.items():
        sheet = book.create_sheet(name)
        for row in rows:
            sheet.append(row)
        for column in (percent_columns or {}).get(name, []):
            for cells in sheet.iter_rows(min_row=2, min_col=column, max_col=column):
                for cell in cells:
                    cell.number_format = "0.0%"
        for ref in (merges or {}).get(name, []):
            sheet.merge_cells(ref)
        for row_number in (hidden_rows or {}).get(name, []):
            sheet.row_dimensions[row_number].hidden = True
        for letter in (hidden_columns or {}).get(name, []):
            sheet.column_dimensions[letter].hidden = True
        sheet.sheet_state = (sheet_states or {}).get(name, "visible")
    book.save(str(path))
    return path


def convert_with_libreoffice(source: Path, target: str, out_dir: Path) -> Path:
    """`source` converted by LibreOffice headless to `target` ("doc", "xls", "pdf"),
    with a private profile so parallel tests never share one; returns the new file."""
    import subprocess
    import tempfile

    out_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="sxcheck-lo-") as profile:
        subprocess.run(
            [
                "soffice",
                "--headless",
                f"-env:UserInstallation={Path(profile).as_uri()}",
                "--convert-to",
                target,
                "--outdir",
                str(out_dir),
                str(source),
            ],
            check=True,
            capture_output=True,
            timeout=180,
        )
    return out_dir / f"{source.stem}.{target}"
