"""Tables as grids: one model for DOCX, XLSX and PDF tables (and what is converted to them).

A reader hands over a grid of cells with their merges; this module finds the
title rows (the caption), the header rows (up to three levels of merged
headers), a header repeated after a page break, gives every body cell its
column's header path ("2024年/覆盖率") and every row its label, and turns the
rows into TextUnits. Which header means a numerator or a denominator is rule
data, read later; here a table is only a table.

How the header is found, and why (offices draw the same few shapes):

* title rows: one text across the table (制表 title, "单位：个" at the right), or
  a line of notes "填报单位：…  统计时间：…" - they go to the caption, never to a
  header path, so "统计时间：2024年" does not make every column a 2024 column;
* the first row after them is the header unless it holds a figure that is not a
  year (then the table has no header: a continued part of a table);
* a further row is header only when the header above says it needs one: a cell
  merged down from a header row reaches it (县区 over both header rows), or a
  cell merged across columns has sub-columns starting in it (2024年 over 已覆盖数
  and 总数), or a header cell left empty right of a filled one has text below (the
  same shape from a reader that lost the merge). Words alone never extend the
  header: a 等保 list (符合 / 基本符合) or a 是/否 table is all text, and its
  rows are body rows. A row of units only ("（个） | （%）") is header too;
* a row numbering the columns ("甲 | 乙 | 1 | 2 | 3", statistical forms) closes
  the header; it is words, and adds nothing to the paths;
* a year in a header row ("2023 | 2024" under 年份) is a header word, not a figure.

Row labels: the first body cell that names the row - not a 序号 (1, 2, 3, （一）,
a cell alone in a 序号/编号 column), not a figure, not a bare unit (个, %).

Merges follow what offices mean by them: a vertically merged label or status
(一个 整改情况 merged down over five systems) belongs to every row it spans, so
it is repeated into each (marked `repeated`); a vertically merged figure is
counted once, in its first row, so sums and 合计 checks see it once. A cell
merged across columns (合计 over 序号 and 县区) is one cell, headed by its first
column.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from sxcheck.limits import MAX_TABLE_COLUMNS
from sxcheck.models import TableCell, TextUnit

CELL = " | "  # how a row's cells are joined in TextUnit.text and in its header context
MAX_HEADER_ROWS = 3  # merged headers deeper than this are body rows
_NUMBER = re.compile(r"^[\s(（]*[-+−]?[\d,，.．]+\s*[%％‰]?[)）]?\s*$|^[\d.]+\s*[万亿]")
_YEAR = re.compile(r"^\s*(?:19|20)\d{2}\s*$")
# "填报单位：市大数据局", "统计时间: 2024年12月": a note under a title, not a header
_NOTE = re.compile(r"^[\u4e00-\u9fff]{1,8}\s*[：:]")
_UNIT_ONLY = re.compile(r"^[（(][^（）()]{1,10}[）)]$")
_COLUMN_NO = re.compile(r"^(?:\d{1,3}|[甲乙丙丁戊己庚辛])$")
_ORDINAL = re.compile(r"^[（(]?(?:\d{1,3}|[一二三四五六七八九十]{1,3})[）)、.．]?$")
_UNIT_WORD = re.compile(
    r"^[万亿千百]?(?:[个台套家人户件项元次座条所辆张份处名]|平方米|平方公里|公里|千米|吨"
    r"|小时|[%％‰]|[A-Za-z/]{1,8})$"
)
_ID_COLUMN = re.compile(r"(?:序号|编号|排序|^No\.?)$", re.IGNORECASE)
_SPACE = re.compile(r"\s+")


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
    """A table as its reader found it: cells (each merged area once) and where it sits.

    Cells past MAX_TABLE_COLUMNS are dropped and spans clipped: a hostile
    `w:gridSpan` must not size the grid."""

    cells: list[Cell]
    number: int  # the table's number in its document (or sheet), from 1
    caption: str = ""  # the text just above it (a title row, a sheet's title)
    rows: int = 0
    cols: int = 0
    row_pages: list[int | None] = field(default_factory=list)  # page of each row (PDF)
    row_names: list[str] = field(default_factory=list)  # each row's location ("table 3 row 12")

    def __post_init__(self) -> None:
        self.cells = [c for c in self.cells if 0 <= c.col < MAX_TABLE_COLUMNS and c.row >= 0]
        for c in self.cells:
            c.colspan = max(1, min(c.colspan, MAX_TABLE_COLUMNS - c.col))
            c.rowspan = max(1, c.rowspan)
        self.rows = max([self.rows, *(c.row + c.rowspan for c in self.cells)])
        self.cols = min(
            MAX_TABLE_COLUMNS, max([self.cols, *(c.col + c.colspan for c in self.cells)])
        )


def is_figure(text: str) -> bool:
    """Does a cell hold a figure (412, 96.5%, 1,260, 1.2万) rather than words?"""
    return bool(_NUMBER.search(text.strip())) if text.strip() else False


Covering = list[list[Cell | None]]


def _covering(grid: Grid) -> Covering:
    """For every grid position, the cell that covers it (a merged cell covers many)."""
    at: Covering = [[None] * grid.cols for _ in range(grid.rows)]
    for cell in grid.cells:
        for r in range(cell.row, min(cell.row + cell.rowspan, grid.rows)):
            for c in range(cell.col, min(cell.col + cell.colspan, grid.cols)):
                at[r][c] = cell
    return at


def _row_cells(at: Covering, r: int) -> list[Cell]:
    """The distinct cells covering row r, in column order."""
    seen: set[int] = set()
    out = []
    for cell in at[r]:
        if cell is not None and id(cell) not in seen:
            seen.add(id(cell))
            out.append(cell)
    return out


def _row_texts(at: Covering, r: int) -> list[str]:
    return [cell.text.strip() for cell in _row_cells(at, r)]


def _filled(at: Covering, r: int) -> list[str]:
    return [t for t in _row_texts(at, r) if t]


def _is_title(at: Covering, r: int, cols: int) -> bool:
    """A title row: one text across the table, or a line of notes (填报单位：…)."""
    texts = _filled(at, r)
    if not texts:
        return False
    return (len(texts) == 1 and cols > 1) or all(_NOTE.match(t) for t in texts)


def _header_like(texts: list[str]) -> bool:
    """Words (and years) only: a figure that is not a year makes a row a body row."""
    return bool(texts) and not any(is_figure(t) and not _YEAR.match(t) for t in texts)


def _column_numbers(texts: list[str]) -> bool:
    """甲 | 乙 | 1 | 2 | 3: the columns numbered under the header of a statistical form."""
    digits = [int(t) for t in texts if t.isdigit()]
    return (
        len(texts) >= 3
        and all(_COLUMN_NO.match(t) for t in texts)
        and len(digits) >= 2
        and digits == list(range(digits[0], digits[0] + len(digits)))
    )


def _continues_header(at: Covering, headers: list[int], r: int) -> bool:
    """Does the header above need row r (see the module docstring)?"""
    above = headers[-1]
    for c, cell in enumerate(at[r]):
        if cell is not None and cell.row < r and cell.row in headers:
            return True  # a header cell merged down into this row
        top = at[above][c]
        if top is not None and top.colspan > 1 and c == top.col:
            under = {id(at[r][k]) for k in range(c, c + top.colspan) if at[r][k] is not None}
            if len(under) > 1:
                return True  # sub-columns under a cell merged across
        if (top is None or not top.text.strip()) and cell is not None and cell.text.strip():
            left = next((at[above][k] for k in range(c - 1, -1, -1) if at[above][k]), None)
            if left is not None and left.text.strip():
                return True  # an empty header cell right of a filled one: a merge lost
    texts = _filled(at, r)
    return bool(texts) and all(_UNIT_ONLY.match(t) for t in texts)


def header_rows(grid: Grid, at: Covering) -> tuple[list[int], list[int]]:
    """(title rows, header rows) at the top of the grid; see the module docstring.

    A column-numbering row is returned among the header rows (it is words);
    `header_paths` leaves it out of the paths."""
    titles: list[int] = []
    r = 0
    while r < grid.rows - 1 and (_is_title(at, r, grid.cols) or not _filled(at, r)):
        if _filled(at, r):
            titles.append(r)
        r += 1
    headers: list[int] = []
    if r < grid.rows and _header_like(_filled(at, r)):
        headers.append(r)
        r += 1
        while (
            r < grid.rows
            and len(headers) < MAX_HEADER_ROWS
            and _header_like(_filled(at, r))
            and not _column_numbers(_filled(at, r))
            and _continues_header(at, headers, r)
        ):
            headers.append(r)
            r += 1
        if r < grid.rows and _column_numbers(_filled(at, r)):
            headers.append(r)
    return titles, headers


def header_paths(at: Covering, headers: list[int], cols: int) -> list[str]:
    """Each column's header path: the header cells above it, top level first.

    Whitespace is taken out of header words ("重点公共区域数 （个）"): a row's
    context is read back by splitting on " | " and on the caption's last space."""
    levels = [r for r in headers if not _column_numbers(_filled(at, r))]
    paths = []
    for c in range(cols):
        parts: list[str] = []
        seen: set[int] = set()
        for i, r in enumerate(levels):
            cell = at[r][c]
            if cell is None or not cell.text.strip():
                below = at[levels[i + 1]][c] if i + 1 < len(levels) else None
                # a reader that lost a merge across: the filled cell on the left heads this one
                cell = next((at[r][k] for k in range(c - 1, -1, -1) if at[r][k]), None)
                if below is None or not below.text.strip() or cell is None:
                    continue
            if id(cell) in seen or not cell.text.strip():
                continue
            seen.add(id(cell))
            parts.append(_SPACE.sub("", cell.text).replace("/", "／"))
        paths.append("/".join(parts))
    return paths


_TOTAL_LABEL = re.compile(r"^(?:全[市县区省]?)?(?:合\s*计|总\s*计|小\s*计|总\s*数)$")


def row_label(cells: list[TableCell], spans: dict[int, int]) -> str:
    """The first cell that names the row: not a 序号, a figure or a bare unit.

    `spans` gives each cell's column span: a 合计 merged over 序号 and 县区 names
    the row although it starts in the 序号 column."""
    for cell in cells:
        text = cell.text
        if _TOTAL_LABEL.match(text):
            return text  # 合计 typed into the 序号 column still names the row
        in_id_column = bool(_ID_COLUMN.search(cell.header)) and spans.get(cell.column, 1) == 1
        if in_id_column or is_figure(text) or _ORDINAL.match(text) or _UNIT_WORD.match(text):
            continue
        return text
    return ""


def table_units(grid: Grid, document: str, sha256: str, location: str) -> list[TextUnit]:
    """The grid's rows as TextUnits: title and header rows as text, body rows with cells.

    `location` is the prefix of each row's location ("table 3" or "sheet 统计表");
    a grid's own `row_names` override it per row. A body row's `text` is its
    cells joined by " | " (figures are read from it) and its `context` the caption
    and the same cells' header paths, in the same order, so each figure meets its
    column's header (evidence/figures.py `read_numbers` pairs them by position).
    """
    if not grid.cells:
        return []
    at = _covering(grid)
    titles, headers = header_rows(grid, at)
    paths = header_paths(at, headers, grid.cols)
    notes = [" ".join(_filled(at, r)) for r in titles]
    caption = " ".join(t for t in [grid.caption.strip(), *notes] if t).replace(CELL, " ")
    header_texts = [_filled(at, r) for r in headers]
    units: list[TextUnit] = []
    for r in range(grid.rows):
        name = grid.row_names[r] if r < len(grid.row_names) else f"{location} row {r + 1}"
        page = grid.row_pages[r] if r < len(grid.row_pages) else None
        texts = _filled(at, r)
        if not texts:
            continue
        if r in titles or r in headers or (headers and texts in header_texts):
            # a title, a header, or a header repeated after a page break: words, no figures
            cells: list[TableCell] = []
            text, context, label = CELL.join(texts), caption, ""
        else:
            cells, spans = _body_cells(at, r, paths)
            if not cells:
                continue
            heads = [c.header for c in cells]
            text, label = CELL.join(c.text for c in cells), row_label(cells, spans)
            context = f"{caption} {CELL.join(heads)}".strip() if any(heads) else caption
        units.append(
            TextUnit(
                document=document,
                sha256=sha256,
                page=page,
                location=name,
                kind="table_row",
                text=text,
                context=context,
                cells=cells,
                row_label=label,
                table=grid.number,
            )
        )
    return units


def _body_cells(at: Covering, r: int, paths: list[str]) -> tuple[list[TableCell], dict[int, int]]:
    """The row's cells in column order, each once; a merged figure only in its first row.

    Returns the cells and each one's column span (keyed by its first column)."""
    cells: list[TableCell] = []
    spans: dict[int, int] = {}
    for cell in _row_cells(at, r):
        text = _SPACE.sub(" ", cell.text).strip().replace(CELL, " ")
        if not text:
            continue
        repeated = cell.row != r
        if repeated and is_figure(text):
            continue  # a figure merged down over rows counts once, in its first row
        c = cell.col
        spans[c] = cell.colspan
        cells.append(
            TableCell(
                text=text,
                header=paths[c] if c < len(paths) else "",
                column=c,
                address=cell.address,
                repeated=repeated,
                note=None,
                hidden=False,
            )
        )
    return cells, spans
