"""DOCX: paragraphs and tables in body order; a table read as a grid with its merges.

`doc.paragraphs` skips tables, so the body is walked in order. A table is read
from its XML, not from `row.cells`: that repeats a merged cell for every grid
column it spans (a "合计" merged over four columns appears four times) and a
vertical merge in every row, so a figure would be counted several times. Each
`w:tc` is one cell at its grid column (after `w:gridBefore`), `w:gridSpan`
wide; a `w:vMerge` continuation extends the cell above it down. The grid then
goes to `grid.table_units`, which finds the header rows and the row labels.
"""

from __future__ import annotations

import io

import docx
from docx.oxml.table import CT_Tbl, CT_Tc
from docx.table import Table, _Cell
from docx.text.paragraph import Paragraph

from sxcheck.ingest.grid import Cell, Grid, table_units
from sxcheck.ingest.layout import join_lines
from sxcheck.ingest.sniff import unreadable
from sxcheck.models import TextUnit

_TCS = "./w:tc | ./w:sdt/w:sdtContent/w:tc"  # a content control may wrap a cell
MAX_NESTING = 4  # tables in tables deeper than this are read as their cells' paragraphs


def _cell_text(tc: CT_Tc, table: Table, depth: int = 0) -> str:
    """A cell's text: its paragraphs joined as one, a nested table flattened into it.

    A nested table (a 联系人 block inside a 单位 cell) is rows of its cells
    separated by "；", each row's cells by a space: the words stay in the cell
    they were drawn in and its figures stay in the outer row."""
    parts: list[str] = []
    lines: list[str] = []
    for block in _Cell(tc, table).iter_inner_content():
        if isinstance(block, Paragraph):
            lines += block.text.split("\n")
            continue
        parts.append(join_lines(lines))
        lines = []
        if depth < MAX_NESTING:
            parts.append(_flatten(block, depth + 1))
    parts.append(join_lines(lines))
    return " ".join(p for p in parts if p)


def _flatten(table: Table, depth: int) -> str:
    rows = []
    for tr in table._tbl.tr_lst:
        texts = [_cell_text(tc, table, depth) for tc in tr.xpath(_TCS) if tc.vMerge != "continue"]
        rows.append(" ".join(t for t in texts if t))
    return "；".join(r for r in rows if r)


def table_grid(table: Table, number: int, caption: str) -> Grid:
    """The table's cells at their grid positions, each merged area once."""
    tbl: CT_Tbl = table._tbl
    cells: list[Cell] = []
    above: dict[int, Cell] = {}  # grid column -> the cell last started there
    rows = tbl.tr_lst
    for r, tr in enumerate(rows):
        col = max(0, tr.grid_before)
        for tc in tr.xpath(_TCS):
            span = max(1, tc.grid_span)
            start = above.get(col)
            if tc.vMerge == "continue" and start is not None and start.row + start.rowspan == r:
                start.rowspan += 1  # merged down from the row above
            else:
                cell = Cell(text=_cell_text(tc, table), row=r, col=col, colspan=span)
                cells.append(cell)
                above[col] = cell
            col += span
    return Grid(cells=cells, number=number, caption=caption, rows=len(rows))


def read_docx(data: bytes, rel: str, sha: str) -> tuple[list[TextUnit], list[str]]:
    # sniff has refused zip bombs and any part with a DOCTYPE (python-docx drops
    # the text after an entity without a word)
    try:
        document = docx.Document(io.BytesIO(data))
    except Exception as exc:  # python-docx raises KeyError, ValueError, lxml errors...
        raise unreadable("docx", exc) from None
    units: list[TextUnit] = []
    paragraph_no = 0
    table_no = 0
    last_paragraph = ""  # the caption of a table right below it
    for block in document.iter_inner_content():
        if isinstance(block, Paragraph):
            text = join_lines(block.text.split("\n"))
            if not text:
                continue
            paragraph_no += 1
            last_paragraph = text
            units.append(
                TextUnit(document=rel, sha256=sha, location=f"paragraph {paragraph_no}", text=text)
            )
        elif isinstance(block, Table):
            table_no += 1
            grid = table_grid(block, table_no, last_paragraph)
            units += table_units(grid, rel, sha, f"table {table_no}")
            last_paragraph = ""  # a second table right below has no caption of its own
    return units, []
