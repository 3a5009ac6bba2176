"""A worksheet's rows, streamed, as tables: blocks of rows → grids → table units.

A sheet is one table, or several blocks separated by two or more empty rows, or
by one when a single-cell title row follows it (a 汇总 table above a 明细
table): each block is its own grid, numbered in the
sheet. A block of one to three single-cell rows (a title standing alone above the
table) is not a table: its lines become the caption of the next block.

The rows arrive one at a time from openpyxl's read-only reader and a grid is
built only per block, so memory follows the block, not the sheet; a block
longer than MAX_GRID_ROWS is cut into grids of that many rows, each headed by a
copy of the block's header rows (not emitted again), so row 40,000 still meets
its column's header path. A label merged down across a cut is carried into the
next grid; a figure merged across it is counted once, in its first row.

Merged ranges (from the XML, see xlsx_scan) give the grid's rowspan/colspan;
the cells a merge covers are what Excel hides, so their values are not read.
Cells carry their address ("D14"); a formula never calculated is left out of
the row's text (never read as 0 or as its formula) and kept as an empty cell
with the note 公式未缓存计算结果; cells of hidden rows, columns and sheets are
read (an auditor needs them) and marked: `TableCell.hidden`, and the row's
location says it ("sheet 统计表 row 12 (hidden row)").
"""

from __future__ import annotations

from sxcheck.ingest.grid import Cell, Grid, _covering, header_paths, header_rows, is_figure
from sxcheck.ingest.grid import table_units as grid_units
from sxcheck.ingest.xlsx_scan import SheetScan, cell_ref, column_letters
from sxcheck.limits import MAX_GRID_ROWS
from sxcheck.models import TableCell, TextUnit

UNCACHED = "公式未缓存计算结果"
_PREFIX = "\x00header"  # row names of header rows repeated into a continued grid
SheetRow = list[tuple[int, str, str | None]]  # (column from 1, text as shown, note)


class SheetTables:
    """Collects a sheet's rows into blocks and turns each into table units."""

    def __init__(self, title: str, scan: SheetScan, document: str, sha: str, hidden: bool):
        self.title, self.scan, self.document, self.sha = title, scan, document, sha
        self.hidden_sheet = hidden
        self.units: list[TextUnit] = []
        self.chars = 0  # context characters of the units (the reader bounds text + context)
        self.tables = 0
        self._merges = sorted(scan.merges)
        self._next_merge = 0
        self._active: list[tuple[int, int, int, int]] = []
        self._hidden_rows = set(scan.hidden_rows)
        self._rows: list[tuple[int, list[Cell]]] = []  # the grid being collected (Excel rows)
        self._noted: dict[int, list[Cell]] = {}  # uncached formulas, by Excel row
        self._blank = 0
        self._caption: list[str] = []  # a title block's lines, for the next block
        self._header: list[Cell] | None = None  # header rows of a block being continued
        self._carry: list[Cell] = []  # labels merged down across a cut

    # ------------------------------------------------------------ streaming
    def add(self, number: int, row: SheetRow) -> None:
        """Excel row `number` (every row, empty ones too, in order)."""
        self._activate(number)
        cells: list[Cell] = []
        for column, text, note in row:
            merge = None
            if self._active:
                merge = next((m for m in self._active if m[1] <= column <= m[3]), None)
            if merge is not None and (merge[0], merge[1]) != (number, column):
                continue  # covered by a merge: Excel shows only its first cell
            address = f"{column_letters(column)}{number}"
            cell = Cell(text, number, column, address=address, note=note)
            if merge is not None:
                cell.rowspan, cell.colspan = merge[2] - merge[0] + 1, merge[3] - merge[1] + 1
            if note is not None and not text:
                self._noted.setdefault(number, []).append(cell)
            else:
                cells.append(cell)
        inside_merge = bool(self._active) and any(m[0] < number for m in self._active)
        if not cells and not inside_merge and number not in self._noted:
            self._blank += bool(self._rows)
            return
        # two empty rows end a block; so does one, when a lone cell follows it: the
        # title of the next table ("医疗机构传染病个案数据交换情况") or a note under this one
        if self._blank >= 2 or (self._blank == 1 and len(cells) == 1):
            self._flush(end_of_block=True)
        self._blank = 0
        if self._rows and number - self._rows[0][0] >= MAX_GRID_ROWS:
            self._flush(end_of_block=False)
        self._rows.append((number, cells))

    def finish(self) -> None:
        self._flush(end_of_block=True)

    def _activate(self, number: int) -> None:
        """The merges covering row `number`: those starting here join, ended ones leave."""
        if self._active:
            self._active = [m for m in self._active if m[2] >= number]
        while self._next_merge < len(self._merges) and self._merges[self._next_merge][0] <= number:
            merge = self._merges[self._next_merge]
            self._next_merge += 1
            if merge[2] >= number:
                self._active.append(merge)

    # ------------------------------------------------------------ one grid
    def _flush(self, end_of_block: bool) -> None:
        rows, self._rows = self._rows, []
        if not rows:
            return
        if self._header is None and not self._carry and end_of_block and _title_block(rows):
            self._title_lines(rows)
            return
        first, last = rows[0][0], rows[-1][0]
        prefix = self._header or []
        offset = max((c.row + c.rowspan for c in prefix), default=0)
        cells = list(prefix)
        carry, self._carry = self._carry, []
        for cell in [*carry, *(c for _, row_cells in rows for c in row_cells)]:
            cells.append(self._placed(cell, first, last, offset, end_of_block))
        by_row = dict(rows)
        numbers = range(first, last + 1)
        names = [_PREFIX] * offset + [
            self._row_name(n, by_row.get(n, []) + self._noted.get(n, [])) for n in numbers
        ]
        caption = " ".join([self.title, *self._caption])
        grid = Grid(cells=cells, number=self.tables + 1, caption=caption, row_names=names)
        units = grid_units(grid, self.document, self.sha, f"sheet {self.title}")
        units = [u for u in units if u.location != _PREFIX]
        self._finish_units(grid, units, names, offset, first)
        if end_of_block:
            self.tables += 1
            self._header, self._caption = None, []
        elif self._header is None:
            self._header = _header_prefix(grid, units, names)

    def _placed(self, cell: Cell, first: int, last: int, offset: int, whole: bool) -> Cell:
        """The cell in grid coordinates, its span clipped to the grid; what a label
        merged down has left beyond the cut is carried into the next grid."""
        top = max(cell.row, first)
        bottom = cell.row + cell.rowspan - 1
        if bottom > last and not whole and not is_figure(cell.text):
            rest = Cell(cell.text, last + 1, cell.col, bottom - last, cell.colspan)
            rest.address, rest.note = cell.address, cell.note
            self._carry.append(rest)
        return Cell(
            cell.text,
            top - first + offset,
            cell.col - 1,
            min(bottom, last) - top + 1,
            cell.colspan,
            address=cell.address,
            note=cell.note,
        )

    def _row_name(self, number: int, cells: list[Cell]) -> str:
        """The existing location ("sheet 统计表 row 12"), saying what of it Excel hides."""
        hidden = ["hidden sheet"] if self.hidden_sheet else []
        if number in self._hidden_rows:
            hidden.append("hidden row")
        columns = sorted({c.col for c in cells} & self.scan.hidden_columns)
        hidden += [f"hidden column {column_letters(c)}" for c in columns]
        name = f"sheet {self.title} row {number}"
        return f"{name} ({', '.join(hidden)})" if hidden else name

    def _title_lines(self, rows: list[tuple[int, list[Cell]]]) -> None:
        """A title standing alone: its rows are units of their own and the next
        block's caption."""
        for number, cells in rows:
            text = " ".join(c.text for c in cells if c.text)
            if not text:
                continue
            self._caption.append(text)
            self.units.append(
                TextUnit(
                    document=self.document,
                    sha256=self.sha,
                    location=self._row_name(number, cells),
                    kind="sheet_row",
                    text=text,
                    context=self.title,
                )
            )
            self.chars += len(self.title)

    def _finish_units(
        self, grid: Grid, units: list[TextUnit], names: list[str], offset: int, first: int
    ) -> None:
        """Sheet rows, with the notes and hidden marks of their cells."""
        row_of = {name: r for r, name in enumerate(names)}
        noted = {r: self._noted.pop(r - offset + first, []) for r in range(offset, len(names))}
        paths: list[str] | None = None
        hides = self.hidden_sheet or bool(self._hidden_rows or self.scan.hidden_columns)
        for unit in units:
            unit.kind = "sheet_row"
            r = row_of[unit.location]
            if hides:
                for shown in unit.cells:
                    shown.hidden = self._hidden(shown.address)
            if unit.cells and noted.get(r):
                if paths is None:
                    at = _covering(grid)
                    paths = header_paths(at, header_rows(grid, at)[1], grid.cols)
                for cell in noted[r]:
                    col = cell.col - 1
                    unit.cells.append(
                        TableCell(
                            text="",
                            header=paths[col] if col < len(paths) else "",
                            column=col,
                            address=cell.address,
                            note=cell.note,
                            hidden=self._hidden(cell.address),
                        )
                    )
                unit.cells.sort(key=lambda c: c.column)
            self.chars += len(unit.context)
        self.units.extend(units)

    def _hidden(self, address: str | None) -> bool:
        if self.hidden_sheet:
            return True
        place = cell_ref(address) if address else None
        if place is None:
            return False
        return place[0] in self._hidden_rows or place[1] in self.scan.hidden_columns


def _title_block(rows: list[tuple[int, list[Cell]]]) -> bool:
    """One to three rows of one cell each: a title above the next block, not a table."""
    return len(rows) <= 3 and all(len(cells) <= 1 for _, cells in rows)


def _header_prefix(grid: Grid, units: list[TextUnit], names: list[str]) -> list[Cell]:
    """The title and header rows of a block's first grid, to head its continuations."""
    row_of = {name: r for r, name in enumerate(names)}
    body = next((row_of[u.location] for u in units if u.cells), 0)
    return [
        Cell(c.text, c.row, c.col, min(c.rowspan, body - c.row), c.colspan, c.address, c.note)
        for c in grid.cells
        if c.row < body
    ]
