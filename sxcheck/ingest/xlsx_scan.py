"""XLSX pre-scan: every XML part checked, and what read-only openpyxl cannot tell.

An evidence workbook comes from outside, so before openpyxl sees it every
XML part is checked (streamed with expat) for being well-formed, and each
worksheet's cells are counted and its extent taken from the cell references,
never by building the grid: one cell at XFD1048576 made openpyxl pad 17
billion empty cells.

The same pass collects what openpyxl's read-only worksheets do not expose and
the tables need: the merged ranges (`<mergeCell ref="B3:D3">`, so a 2024年 over
three columns is one header cell), the hidden rows and columns (so a figure
read from a hidden row is marked as such), and the formula cells whose cached
value is missing (a file written by a program, never calculated by Excel: openpyxl
gives None, which must read as "not calculated", never as empty or 0).
"""

from __future__ import annotations

import io
import re
import zipfile
from dataclasses import dataclass, field
from xml.parsers import expat

from sxcheck.errors import DocumentError
from sxcheck.ingest.sniff import part_name, unreadable
from sxcheck.limits import MAX_NOTED_CELLS, MAX_SHEET_CELLS, MAX_SHEET_MERGES, MAX_XLSX_ROWS

_REF = re.compile(r"\$?([A-Za-z]{1,3})\$?([0-9]{1,7})")
_NAMESPACES = (
    "http://schemas.openxmlformats.org/spreadsheetml/2006/main",
    "http://purl.oclc.org/ooxml/spreadsheetml/main",  # strict Open XML
)
_LOCAL = ("row", "c", "f", "v", "si", "mergeCell", "col")
_TAG = {f"{ns} {local}": local for ns in _NAMESPACES for local in _LOCAL}
MAX_ROWS, MAX_COLUMNS = 1_048_576, 16_384  # Excel's grid
_TRUE = ("1", "true")


def column_letters(column: int) -> str:
    """1 → A, 28 → AB: the column of a cell address."""
    letters = ""
    while column:
        column, rest = divmod(column - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def cell_ref(ref: str) -> tuple[int, int] | None:
    """'D14' → (14, 4); None when it is not a cell reference."""
    found = _REF.fullmatch(ref)
    if found is None:
        return None
    letters, digits = found.groups()
    column = 0
    for letter in letters.upper():
        column = column * 26 + ord(letter) - 64
    return int(digits), column


@dataclass
class SheetScan:
    """What one worksheet part holds besides its values (rows and columns from 1)."""

    merges: list[tuple[int, int, int, int]] = field(default_factory=list)  # r1, c1, r2, c2
    hidden_rows: list[int] = field(default_factory=list)  # hidden rows that have cells
    hidden_columns: set[int] = field(default_factory=set)
    uncached: set[tuple[int, int]] = field(default_factory=set)  # (row, column), bounded
    uncached_count: int = 0
    rows: int = 0
    columns: int = 0


@dataclass
class _Part:
    """What the scan of one XML part found: extent and count of its cells."""

    name: str
    row_allowance: int  # rows with cells this part may still have (MAX_XLSX_ROWS in all)
    noted_allowance: int  # uncached formula cells it may still note one by one
    sheet: SheetScan = field(default_factory=SheetScan)
    cells: int = 0
    strings: int = 0  # <si> of the shared strings
    filled_rows: int = 0  # rows with at least one cell
    _row: int = 0
    _row_hidden = False
    _last_filled: int = 0
    _column: int = 0
    _formula = False
    _value = False
    _in_value = False
    _text_type = False

    def start(self, tag: str, attrs: dict[str, str]) -> None:
        self._in_value = False
        local = _TAG.get(tag)
        if local is None:
            return
        if local == "c":
            self._end_cell()
            self._cell(attrs.get("r"))
            self._text_type = attrs.get("t") == "str"
        elif local == "row":
            self._end_cell()  # the previous row's last cell, before the row changes
            ref = attrs.get("r")
            self._row = int(ref) if ref and ref.isdigit() and len(ref) <= 7 else self._row + 1
            self._column = 0
            self._row_hidden = attrs.get("hidden") in _TRUE
            if self._row > MAX_ROWS:
                raise self._outside()
            self.sheet.rows = max(self.sheet.rows, self._row)
        elif local == "f":
            self._formula = True
        elif local == "v":
            self._in_value = True
            self._value = self._value or self._text_type  # a formula's "" result: <v></v>
        elif local == "mergeCell":
            self._merge(attrs.get("ref", ""))
        elif local == "col":
            self._columns(attrs)
        else:
            self.strings += 1
            if self.strings > MAX_SHEET_CELLS:
                raise DocumentError(
                    f"refused: more than {MAX_SHEET_CELLS} shared strings (limit {MAX_SHEET_CELLS})"
                )

    def text(self, data: str) -> None:
        """A `<v>` with text is a value: openpyxl writes `<v></v>` for a formula never calculated."""
        if self._in_value and data.strip():
            self._value = True

    def _cell(self, ref: str | None) -> None:
        if ref:
            found = cell_ref(ref)
            if found is None:
                raise DocumentError(
                    f"unreadable XLSX: part {part_name(self.name)} has a malformed cell reference"
                )
            self._row, self._column = found
        else:
            self._column += 1
        if self._row > MAX_ROWS or self._column > MAX_COLUMNS:
            raise self._outside()
        sheet = self.sheet
        sheet.rows = max(sheet.rows, self._row)
        sheet.columns = max(sheet.columns, self._column)
        self.cells += 1
        if self._row != self._last_filled:
            self._last_filled = self._row
            self.filled_rows += 1
            if self._row_hidden:
                sheet.hidden_rows.append(self._row)
            if self.filled_rows > self.row_allowance:
                raise DocumentError(
                    f"refused: the sheets have more than {MAX_XLSX_ROWS} rows with cells "
                    f"(limit {MAX_XLSX_ROWS})"
                )
        if self.cells > MAX_SHEET_CELLS:
            raise DocumentError(
                f"refused: sheet {part_name(self.name)} has more than {MAX_SHEET_CELLS} cells"
            )

    def _merge(self, ref: str) -> None:
        first, _, last = ref.partition(":")
        top, bottom = cell_ref(first), cell_ref(last or first)
        if top is None or bottom is None:
            return  # not a range Excel could show: the cells read unmerged
        (r1, c1), (r2, c2) = top, bottom
        if max(r1, r2) > MAX_ROWS or max(c1, c2) > MAX_COLUMNS:
            raise self._outside()
        merges = self.sheet.merges
        merges.append((min(r1, r2), min(c1, c2), max(r1, r2), max(c1, c2)))
        if len(merges) > MAX_SHEET_MERGES:
            raise DocumentError(
                f"refused: sheet {part_name(self.name)} has more than {MAX_SHEET_MERGES} "
                "merged ranges"
            )

    def _columns(self, attrs: dict[str, str]) -> None:
        low, high = attrs.get("min", ""), attrs.get("max", "")
        if attrs.get("hidden") not in _TRUE or not (low.isdigit() and high.isdigit()):
            return
        first, last = max(1, int(low[:6])), min(MAX_COLUMNS, int(high[:6]))
        if last - first < MAX_COLUMNS:  # a set of at most 16,384 columns
            self.sheet.hidden_columns.update(range(first, last + 1))

    def _end_cell(self) -> None:
        if self._formula and not self._value:
            sheet = self.sheet
            sheet.uncached_count += 1
            if len(sheet.uncached) < self.noted_allowance:
                sheet.uncached.add((self._row, self._column))
        self._formula = self._value = self._in_value = False

    def _outside(self) -> DocumentError:
        return DocumentError(
            f"unreadable XLSX: part {part_name(self.name)} has a cell outside Excel's grid"
        )

    def finish(self) -> None:
        self._end_cell()
        sheet = self.sheet
        if sheet.rows * sheet.columns > MAX_SHEET_CELLS:
            raise DocumentError(
                f"refused: sheet {part_name(self.name)} spans {sheet.rows} rows x "
                f"{sheet.columns} columns (limit {MAX_SHEET_CELLS} cells)"
            )


def _scan(archive: zipfile.ZipFile, info: zipfile.ZipInfo, row_allowance: int, noted: int) -> _Part:
    """Parse one XML part with expat, streamed: well-formed, and within the cell limits.

    sniff has already refused any DOCTYPE, so expat sees no entity declarations.
    """
    part = _Part(info.filename, row_allowance, noted)
    parser = expat.ParserCreate(namespace_separator=" ")
    parser.StartElementHandler = part.start
    parser.CharacterDataHandler = part.text
    with archive.open(info) as stream:
        try:
            while chunk := stream.read(1 << 20):
                parser.Parse(chunk, False)
            parser.Parse(b"", True)
        except expat.ExpatError as exc:
            raise DocumentError(
                f"unreadable XLSX: part {part_name(info.filename)} is not well-formed XML "
                f"(line {exc.lineno})"
            ) from None
    part.finish()
    return part


def inspect(data: bytes) -> dict[str, SheetScan]:
    """Check every XML part before openpyxl reads any; what each worksheet part holds.

    Keyed by the part's name in the zip ("xl/worksheets/sheet1.xml"); parts that
    are not worksheets have empty scans."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            parts: list[_Part] = []
            for info in archive.infolist():
                if info.filename.lower().endswith((".xml", ".rels")):
                    allowance = MAX_XLSX_ROWS - sum(part.filled_rows for part in parts)
                    noted = MAX_NOTED_CELLS - sum(len(p.sheet.uncached) for p in parts)
                    parts.append(_scan(archive, info, allowance, noted))
    except DocumentError:
        raise
    except Exception as exc:  # zipfile: damaged member (sniff read them all once already)
        raise unreadable("xlsx", exc) from None
    return {part.name: part.sheet for part in parts}
