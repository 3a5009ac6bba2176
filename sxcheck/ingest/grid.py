"""Tables as grids: one model for DOCX, XLSX and PDF tables (and what is converted to them).

A reader hands over a grid of cells with their merges; this module finds the
header rows (two or three levels of merged headers, a header repeated after a
page break), gives every body cell its column's header path ("2024年/覆盖率")
and every row its label, and turns the rows into TextUnits. Which header means a
numerator or a denominator is rule data, read later; here a table is only a
table.

Merges follow what offices mean by them: a vertically merged label or status
(一个 整改情况 merged down over five systems) belongs to every row it spans, so
it is repeated into each (marked `repeated`); a vertically merged figure is
counted once, in its first row, so sums and 合计 checks see it once.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from sxcheck.models import TableCell, TextUnit

CELL = " | "  # how a row's cells are joined in TextUnit.text and in its header context
MAX_HEADER_ROWS = 3  # merged headers deeper than this are body rows
_NUMBER = re.compile(r"^[\s(（]*[-+−]?[\d,，.．]+\s*[%％‰]?[)）]?\s*$|^[\d.]+\s*[万亿]")


@dataclass
class Cell:
    """A cell at its top-left grid position; a merged one spans rows and columns."""

    text: str
    row: int
    col: int
    rowspan: int = 1
    colspan: int = 1
    address: str | None = None  # a sheet cell's address ("D14")
    note: str | None = None  # e.g. a formula without a cached value


@dataclass
class Grid:
    """A table as its reader found it: cells (each merged area once) and where it sits."""

    cells: list[Cell]
    number: int  # the table's number in its document (or sheet), from 1
    caption: str = ""  # the text just above it (a title row, a sheet's title)
    rows: int = 0
    cols: int = 0
    row_pages: list[int | None] = field(default_factory=list)  # page of each row (PDF)
    row_names: list[str] = field(default_factory=list)  # each row's location ("table 3 row 12")

    def __post_init__(self) -> None:
        self.rows = max([self.rows, *(c.row + c.rowspan for c in self.cells)])
        self.cols = max([self.cols, *(c.col + c.colspan for c in self.cells)])


def is_figure(text: str) -> bool:
    """Does a cell hold a figure (412, 96.5%, 1,260, 1.2万) rather than words?"""
    return bool(_NUMBER.search(text.strip())) if text.strip() else False


def _covering(grid: Grid) -> list[list[Cell | None]]:
    """For every grid position, the cell that covers it (a merged cell covers many)."""
    at: list[list[Cell | None]] = [[None] * grid.cols for _ in range(grid.rows)]
    for cell in grid.cells:
        for r in range(cell.row, cell.row + cell.rowspan):
            for c in range(cell.col, cell.col + cell.colspan):
                at[r][c] = cell
    return at


def _row_texts(at: list[list[Cell | None]], r: int) -> list[str]:
    seen: set[int] = set()
    texts = []
    for cell in at[r]:
        if cell is not None and id(cell) not in seen:
            seen.add(id(cell))
            texts.append(cell.text.strip())
    return texts


def _is_title(at: list[list[Cell | None]], r: int) -> bool:
    """A title row: one text across the table (or only one cell filled)."""
    return len([t for t in _row_texts(at, r) if t]) == 1


def header_rows(grid: Grid, at: list[list[Cell | None]]) -> tuple[list[int], list[int]]:
    """(title rows, header rows) at the top of the grid.

    Title rows come first (one text across the table); header rows are the text
    rows after them up to the first row holding a figure, at most MAX_HEADER_ROWS
    (a table with no figures has its first non-title row as header).
    """
    titles: list[int] = []
    r = 0
    while r < grid.rows and _is_title(at, r) and r < grid.rows - 1:
        titles.append(r)
        r += 1
    headers: list[int] = []
    while r < grid.rows and len(headers) < MAX_HEADER_ROWS:
        texts = [t for t in _row_texts(at, r) if t]
        if not texts or any(is_figure(t) for t in texts):
            break
        headers.append(r)
        r += 1
    if r >= grid.rows:  # no figures anywhere: a list of words, headed by its first row
        headers = headers[:1]
    return titles, headers


def header_paths(at: list[list[Cell | None]], headers: list[int], cols: int) -> list[str]:
    """Each column's header path: the header cells above it, top level first."""
    paths = []
    for c in range(cols):
        parts: list[str] = []
        for r in headers:
            cell = at[r][c]
            text = cell.text.strip() if cell is not None else ""
            if text and (not parts or parts[-1] != text):
                parts.append(text)
        paths.append("/".join(parts))
    return paths


def table_units(grid: Grid, document: str, sha256: str, location: str) -> list[TextUnit]:
    """The grid's rows as TextUnits: header rows as text, body rows with their cells.

    `location` is the prefix of each row's location ("table 3" or "sheet 统计表");
    a grid's own `row_names` override it per row. A body row's `text` is its
    cells joined by " | " (figures are read from it) and its `context` the caption
    and the same cells' header paths, in the same order, so each figure meets its
    column's header.
    """
    if not grid.cells:
        return []
    at = _covering(grid)
    titles, headers = header_rows(grid, at)
    paths = header_paths(at, headers, grid.cols)
    caption = " ".join(
        t for t in [grid.caption, *(_row_texts(at, r)[0] for r in titles)] if t
    ).strip()
    header_texts = [_row_texts(at, r) for r in headers]
    units: list[TextUnit] = []
    for r in range(grid.rows):
        name = grid.row_names[r] if r < len(grid.row_names) else f"{location} row {r + 1}"
        page = grid.row_pages[r] if r < len(grid.row_pages) else None
        texts = [t for t in _row_texts(at, r) if t]
        if not texts:
            continue
        if r in titles or r in headers or (headers and _row_texts(at, r) in header_texts):
            # a title, a header, or a header repeated after a page break: words, no figures
            units.append(
                TextUnit(
                    document=document,
                    sha256=sha256,
                    page=page,
                    location=name,
                    kind="table_row",
                    text=CELL.join(texts),
                    context=caption,
                )
            )
            continue
        cells = _body_cells(at, r, paths)
        if not cells:
            continue
        label = next((c.text for c in cells if not is_figure(c.text)), "")
        heads = [c.header for c in cells]
        units.append(
            TextUnit(
                document=document,
                sha256=sha256,
                page=page,
                location=name,
                kind="table_row",
                text=CELL.join(c.text for c in cells),
                context=f"{caption} {CELL.join(heads)}".strip() if any(heads) else caption,
                cells=cells,
                row_label=label,
            )
        )
    return units


def _body_cells(at: list[list[Cell | None]], r: int, paths: list[str]) -> list[TableCell]:
    """The row's cells in column order, each once; a merged figure only in its first row."""
    cells: list[TableCell] = []
    seen: set[int] = set()
    for c, cell in enumerate(at[r]):
        if cell is None or id(cell) in seen:
            continue
        seen.add(id(cell))
        text = cell.text.strip()
        if not text:
            continue
        repeated = cell.row != r
        if repeated and is_figure(text):
            continue  # a figure merged down over rows counts once, in its first row
        cells.append(
            TableCell(
                text=text,
                header=paths[c] if c < len(paths) else "",
                column=c,
                address=cell.address,
                repeated=repeated,
            )
        )
    return cells
