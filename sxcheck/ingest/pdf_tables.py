"""PDF tables as grids: ruled and three-line tables, merged cells, tables across pages.

pdfplumber finds a ruled table's cells from its ruling lines but returns None
for every position a merged cell covers; its `table.cells` still holds each
merged cell's whole box, so spans are recovered from the boxes: a box reaching
over several column boundaries is a colspan, over several row boundaries (the
None below a label merged down) a rowspan.

A three-line table (三线表: a top rule, a rule under the header, a bottom rule,
no verticals; common in 自评估报告 and 统计公报) has no grid to follow, so its
columns come from the text (`vertical_strategy="text"`), bounded to the rules,
and only where the text between the rules really stands in three or more
columns: a page with a header rule and a footer rule is not a table.

A table that goes on over a page break is one table: a page's first table that
starts at the top of the page and has the same columns as the previous page's
last table continues it, so its 合计 row on page 12 belongs to the table that
began on page 11. A header repeated on the new page stays a row of the grid;
`grid.table_units` skips rows equal to the header.
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

import pdfplumber

from sxcheck.ingest.grid import Cell, Grid, is_figure
from sxcheck.ingest.layout import join_lines, split_paragraphs

TableKind = Literal["ruled", "three_line"]

EDGE_TOLERANCE = 1.5  # pt: cell edges closer than this are one grid line
COLUMN_TOLERANCE = 4.0  # pt: a continued table's column lines sit where the first part's did
CONTINUED_TOP = 0.2  # a continuation starts in the top fifth of its page...
CONTINUED_BOTTOM = 0.6  # ...and the part before it ends in the lower part of its page
LONG_RULE = 0.3  # a three-line table's rules run over this share of the page width
MIN_COLUMNS = 3  # text in fewer aligned columns is prose, not a three-line table
CAPTION_HEIGHT = 36  # pt above a table searched for its caption (表1 ...)
_NEW_TABLE = re.compile(r"^\s*(?:附)?表\s*[\d一二三四五六七八九十]")  # 表2 ... (not 续表)
THREE_LINE_SETTINGS: dict[str, Any] = {
    "vertical_strategy": "text",
    "horizontal_strategy": "text",
    "min_words_vertical": 2,
}


@dataclass
class PageTable:
    """One table as found on one page, before continuations are joined."""

    page: int  # from 1
    cells: list[Cell]
    rows: int
    columns: list[float]  # the column lines' x positions, left to right
    top: float
    bottom: float
    height: float  # the page's height
    caption: str = ""
    row_pages: list[int] = field(default_factory=list)


def _edges(values: list[float]) -> list[float]:
    """Distinct grid lines among cell edges (edges within EDGE_TOLERANCE are one)."""
    lines: list[float] = []
    for value in sorted(values):
        if not lines or value - lines[-1] > EDGE_TOLERANCE:
            lines.append(value)
    return lines


def _index(lines: list[float], value: float) -> int:
    return min(range(len(lines)), key=lambda i: abs(lines[i] - value))


def _clean(text: str | None) -> str:
    """A cell's text with its visual line breaks removed, as paragraphs are joined
    (so a header repeated on the next page equals the first one)."""
    return join_lines((text or "").split("\n"))


def _grid_cells(table: Any) -> tuple[list[Cell], int, list[float], list[float]] | None:
    """The table's cells at grid positions with their spans, empty rows and columns
    dropped; None when fewer than two rows or columns remain."""
    texts = table.extract()
    boxes: list[tuple[tuple[float, float, float, float], str]] = []
    for row, row_texts in zip(table.rows, texts, strict=False):
        for box, text in zip(row.cells, row_texts, strict=False):
            if box is not None:
                boxes.append((box, _clean(text)))
    if not boxes:
        return None
    xs = _edges([b[0] for b, _ in boxes] + [b[2] for b, _ in boxes])
    ys = _edges([b[1] for b, _ in boxes] + [b[3] for b, _ in boxes])
    placed = []
    for (x0, top, x1, bottom), text in boxes:
        col, row = _index(xs, x0), _index(ys, top)
        colspan = max(_index(xs, x1) - col, 1)
        rowspan = max(_index(ys, bottom) - row, 1)
        placed.append(Cell(text=text, row=row, col=col, rowspan=rowspan, colspan=colspan))
    # a text-strategy table has blank bands between its rows: drop empty rows/columns
    used_rows = sorted({r for c in placed if c.text for r in range(c.row, c.row + c.rowspan)})
    used_cols = sorted({k for c in placed if c.text for k in range(c.col, c.col + c.colspan)})
    if len(used_rows) < 2 or len(used_cols) < 2:
        return None
    row_at = {r: i for i, r in enumerate(used_rows)}
    col_at = {k: i for i, k in enumerate(used_cols)}
    cells = []
    for c in placed:
        rows = [row_at[r] for r in range(c.row, c.row + c.rowspan) if r in row_at]
        cols = [col_at[k] for k in range(c.col, c.col + c.colspan) if k in col_at]
        if not rows or not cols:
            continue
        cells.append(
            Cell(
                text=c.text,
                row=rows[0],
                col=cols[0],
                rowspan=rows[-1] - rows[0] + 1,
                colspan=cols[-1] - cols[0] + 1,
            )
        )
    columns = [xs[k] for k in used_cols] + [xs[min(used_cols[-1] + 1, len(xs) - 1)]]
    return cells, len(used_rows), columns, [ys[r] for r in used_rows]


def _caption(page: Any, top: float) -> str:
    """The text just above a table (its 表N title), at most two lines."""
    if top <= 2:
        return ""
    above = page.crop((0, max(0, top - CAPTION_HEIGHT), page.width, top)).extract_text() or ""
    return "".join(above.split("\n")[-2:]).strip()


def _three_line_regions(page: Any) -> list[tuple[float, float, float, float]]:
    """Areas between long horizontal rules whose text stands in MIN_COLUMNS columns.

    The bands between consecutive rules are tested one by one (a line with three
    or more separate words is a table line; a third of a band's lines such lines
    make it a table band); consecutive table bands form one
    table, so a page header rule above and a footer rule below stay outside it."""
    # lines and thin filled rectangles alike (Word draws its rules as rectangles)
    rules = [
        edge for edge in page.horizontal_edges if edge["x1"] - edge["x0"] >= LONG_RULE * page.width
    ]
    ys = _edges([edge["top"] for edge in rules])
    if len(ys) < 2:
        return []
    left = min(line["x0"] for line in rules)
    right = max(line["x1"] for line in rules)
    words = page.extract_words()
    tabular = []
    for upper, lower in zip(ys, ys[1:], strict=False):
        lines: dict[int, int] = {}
        for word in words:
            if upper < (word["top"] + word["bottom"]) / 2 < lower:
                key = round(word["top"] / 3)
                lines[key] = lines.get(key, 0) + 1
        wide = sum(1 for n in lines.values() if n >= MIN_COLUMNS)
        # wrapped cells make lines of one or two words between the lines in columns,
        # so a third of the lines (two at least, or the one of a header band) make a table band; prose
        # (pdfplumber's words are whole Chinese lines) has none
        tabular.append(bool(lines) and wide >= min(2, len(lines)) and wide * 3 >= len(lines))
    regions = []
    start: int | None = None
    for i, is_table in enumerate([*tabular, False]):
        if is_table and start is None:
            start = i
        elif not is_table and start is not None:
            regions.append((left - 1, ys[start] - 1, right + 1, ys[i] + 1))
            start = None
    return regions


def _join_wrapped(cells: list[Cell], rows: int, tops: list[float]) -> tuple[list[Cell], int]:
    """A three-line table's wrapped cells joined back into their rows.

    With no rules between rows, pdfplumber's text strategy makes every visual line
    a row: "食品药品追溯系统覆 | 实现从生产到销售可追溯的" then "盖率 | 食品药品种类（类） |
    46 | … | 95.8%". Below the header (the first row), a row with no figure is a
    wrapped line of the row with figures nearest to it (`tops`: each row's top):
    cells are centred on the line their figures sit on, so a three-line 口径 has
    a line above and one below it.
    Single-cell spans are kept as they are; only unmerged cells are joined.
    """
    by_row: dict[int, list[Cell]] = {}
    for cell in cells:
        by_row.setdefault(cell.row, []).append(cell)
    figure_rows = [r for r in range(1, rows) if any(is_figure(c.text) for c in by_row.get(r, []))]
    if not figure_rows or any(c.rowspan > 1 for c in cells):
        return cells, rows
    target = {
        r: min(figure_rows, key=lambda f: (abs(tops[f] - tops[r]), -f)) for r in range(1, rows)
    }
    joined: dict[tuple[int, int], Cell] = {}
    for r in range(rows):
        for cell in sorted(by_row.get(r, []), key=lambda c: c.col):
            row = target.get(r, r)
            key = (row, cell.col)
            if key in joined:
                first = joined[key]
                # rows arrive top to bottom: the earlier line's text comes first
                text = join_lines([first.text, cell.text])
                joined[key] = Cell(text=text, row=row, col=cell.col, colspan=cell.colspan)
            else:
                joined[key] = Cell(text=cell.text, row=row, col=cell.col, colspan=cell.colspan)
    kept = sorted({row for row, _ in joined})
    renumber = {row: i for i, row in enumerate(kept)}
    out = [
        Cell(text=c.text, row=renumber[c.row], col=c.col, colspan=c.colspan)
        for c in sorted(joined.values(), key=lambda c: (c.row, c.col))
    ]
    return out, len(kept)


def _page_tables(page: Any, kind: TableKind, number: int) -> list[tuple[tuple, PageTable]]:
    """The page's tables as (bbox, PageTable)."""
    found: list[tuple[tuple, Any]] = []
    if kind == "ruled":
        found = [(t.bbox, t) for t in page.find_tables()]
    else:
        for region in _three_line_regions(page):
            for t in page.crop(region).find_tables(THREE_LINE_SETTINGS):
                found.append((region, t))
    tables = []
    for bbox, t in found:
        grid = _grid_cells(t)
        if grid is None:
            continue
        cells, rows, columns, tops = grid
        if kind == "three_line" and len(columns) - 1 < MIN_COLUMNS:
            continue
        if kind == "three_line":
            cells, rows = _join_wrapped(cells, rows, tops)
        tables.append(
            (
                bbox,
                PageTable(
                    page=number,
                    cells=cells,
                    rows=rows,
                    columns=columns,
                    top=bbox[1],
                    bottom=bbox[3],
                    height=page.height,
                    caption=_caption(page, bbox[1]),
                    row_pages=[number] * rows,
                ),
            )
        )
    return tables


def _continues(before: PageTable, after: PageTable) -> bool:
    """Does `after` (first table of its page) go on with `before` (last of the page before)?

    It must have the same column lines, start at the top of its page (or under a
    续表 caption) right after `before` ended low on its page, and carry no caption
    of its own (表2 ... above it starts a new table)."""
    return (
        after.page == before.page + 1
        and len(after.columns) == len(before.columns)
        and all(
            abs(a - b) <= COLUMN_TOLERANCE
            for a, b in zip(after.columns, before.columns, strict=True)
        )
        and (after.top <= CONTINUED_TOP * after.height or "续表" in after.caption)
        and not _NEW_TABLE.match(after.caption)
        and before.bottom >= CONTINUED_BOTTOM * before.height
    )


def _join(parts: list[PageTable], number: int) -> Grid:
    """One Grid of a table and its continuations; each row keeps its own page."""
    cells: list[Cell] = []
    row_pages: list[int | None] = []
    offset = 0
    for part in parts:
        for c in part.cells:
            cells.append(
                Cell(
                    text=c.text, row=c.row + offset, col=c.col, rowspan=c.rowspan, colspan=c.colspan
                )
            )
        row_pages.extend(part.row_pages)
        offset += part.rows
    return Grid(
        cells=cells,
        number=number,
        caption=parts[0].caption,
        rows=offset,
        row_pages=row_pages,
        row_names=[f"table {number} row {r + 1}" for r in range(offset)],
    )


def read_tables(
    data: bytes, candidates: dict[int, tuple[TableKind, list[str]]], notes: list[str]
) -> tuple[dict[int, list[str]], list[Grid]]:
    """Tables of the candidate pages (index -> kind, its pypdfium2 paragraphs).

    Returns the paragraphs outside the tables per page (a page without a table
    keeps its pypdfium2 paragraphs) and the tables as grids, numbered through the
    document, continuations joined."""
    outside: dict[int, list[str]] = {}
    found: list[PageTable] = []
    firsts: set[int] = set()  # ids of tables that are the first on their page
    lasts: set[int] = set()
    try:
        pdf = pdfplumber.open(io.BytesIO(data))
    except Exception as exc:  # pdfminer raises many types; keep the plain text
        notes.append(f"tables not read ({type(exc).__name__}); text kept")
        return {i: paragraphs for i, (_, paragraphs) in candidates.items()}, []
    with pdf:
        for index in sorted(candidates):
            kind, fallback = candidates[index]
            page = pdf.pages[index]
            try:
                tables = _page_tables(page, kind, index + 1)
                if not tables:
                    outside[index] = fallback
                    continue
                boxes = [bbox for bbox, _ in tables]
                rest = page.filter(_outside(boxes)).extract_text() or ""
                outside[index] = split_paragraphs(rest.split("\n"))
                ordered = sorted((t for _, t in tables), key=lambda t: t.top)
                firsts.add(id(ordered[0]))
                lasts.add(id(ordered[-1]))
                found.extend(ordered)
            finally:
                page.close()
    grids: list[Grid] = []
    group: list[PageTable] = []
    for table in found:
        if (
            group
            and id(group[-1]) in lasts
            and id(table) in firsts
            and _continues(group[-1], table)
        ):
            group.append(table)
            continue
        if group:
            grids.append(_join(group, len(grids) + 1))
        group = [table]
    if group:
        grids.append(_join(group, len(grids) + 1))
    return outside, grids


def _outside(boxes: list[tuple]) -> Callable[[dict], bool]:
    def keep(obj: dict) -> bool:
        x = (obj.get("x0", 0) + obj.get("x1", 0)) / 2
        y = (obj.get("top", 0) + obj.get("bottom", 0)) / 2
        return not any(b[0] <= x <= b[2] and b[1] <= y <= b[3] for b in boxes)

    return keep
