"""XLSX: one unit per non-empty row, values shown as Excel displays them.

An evidence workbook comes from outside, so before openpyxl sees it every
XML part is checked (streamed with expat) for being well-formed, and each
worksheet's cells are counted and its extent taken from the cell references,
never by building the grid: one cell at XFD1048576 made openpyxl pad 17
billion empty cells. The sheets are then read in read-only mode, row by row.

With `data_only=True` openpyxl returns cached formula results, which are None
when the file was never saved by Excel: such cells are noted, not guessed.
A 0.965 formatted `0.0%` is shown as 96.5%, as the reader of the sheet sees it.
"""

from __future__ import annotations

import io
import math
import re
import warnings
import zipfile
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any
from xml.parsers import expat

import openpyxl

from sxcheck.errors import DocumentError
from sxcheck.ingest.sniff import part_name, unreadable
from sxcheck.limits import MAX_SHEET_CELLS, MAX_XLSX_ROWS, MAX_XLSX_TEXT_CHARS
from sxcheck.models import TextUnit

_DECIMALS = re.compile(r"0\.(0+)")
_REF = re.compile(r"\$?([A-Za-z]{1,3})\$?([0-9]{1,7})")
_NAMESPACES = (
    "http://schemas.openxmlformats.org/spreadsheetml/2006/main",
    "http://purl.oclc.org/ooxml/spreadsheetml/main",  # strict Open XML
)
_TAG = {f"{ns} {local}": local for ns in _NAMESPACES for local in ("row", "c", "f", "v", "si")}
MAX_ROWS, MAX_COLUMNS = 1_048_576, 16_384  # Excel's grid


def display(value: object, number_format: str) -> str:
    """Render a cell value the way Excel shows it (percent formats included)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, datetime | date):
        return value.strftime("%Y年%m月%d日")
    if isinstance(value, float) and not math.isfinite(value):
        return ""  # 1e309 or NaN: no figure to show (counted in a note)
    if isinstance(value, int | float) and "%" in number_format:
        match = _DECIMALS.search(number_format)
        places = len(match.group(1)) if match else 0
        return f"{Decimal(str(value)) * 100:.{places}f}%"
    if isinstance(value, float):
        return f"{value:.10g}"
    return str(value).strip()


@dataclass
class _Part:
    """What the scan of one XML part found: extent and count of its cells."""

    name: str
    row_allowance: int  # rows with cells this part may still have (MAX_XLSX_ROWS in all)
    rows: int = 0
    columns: int = 0
    cells: int = 0
    strings: int = 0  # <si> of the shared strings
    uncached: int = 0  # formula cells without a cached value
    filled_rows: int = 0  # rows with at least one cell
    _row: int = 0
    _last_filled: int = 0
    _column: int = 0
    _formula = False
    _value = False

    def start(self, tag: str, attrs: dict[str, str]) -> None:
        local = _TAG.get(tag)
        if local is None:
            return
        if local == "c":
            self._end_cell()
            self._cell(attrs.get("r"))
        elif local == "row":
            ref = attrs.get("r")
            self._row = int(ref) if ref and ref.isdigit() and len(ref) <= 7 else self._row + 1
            self._column = 0
            if self._row > MAX_ROWS:
                raise self._outside()
            self.rows = max(self.rows, self._row)
        elif local == "f":
            self._formula = True
        elif local == "v":
            self._value = True
        else:
            self.strings += 1
            if self.strings > MAX_SHEET_CELLS:
                raise DocumentError(
                    f"refused: more than {MAX_SHEET_CELLS} shared strings (limit {MAX_SHEET_CELLS})"
                )

    def _cell(self, ref: str | None) -> None:
        if ref:
            found = _REF.fullmatch(ref)
            if found is None:
                raise DocumentError(
                    f"unreadable XLSX: part {part_name(self.name)} has a malformed cell reference"
                )
            letters, digits = found.groups()
            self._column = 0
            for letter in letters.upper():
                self._column = self._column * 26 + ord(letter) - 64
            self._row = int(digits)
        else:
            self._column += 1
        if self._row > MAX_ROWS or self._column > MAX_COLUMNS:
            raise self._outside()
        self.rows = max(self.rows, self._row)
        self.columns = max(self.columns, self._column)
        self.cells += 1
        if self._row != self._last_filled:
            self._last_filled = self._row
            self.filled_rows += 1
            if self.filled_rows > self.row_allowance:
                raise DocumentError(
                    f"refused: the sheets have more than {MAX_XLSX_ROWS} rows with cells "
                    f"(limit {MAX_XLSX_ROWS})"
                )
        if self.cells > MAX_SHEET_CELLS:
            raise DocumentError(
                f"refused: sheet {part_name(self.name)} has more than {MAX_SHEET_CELLS} cells"
            )

    def _end_cell(self) -> None:
        self.uncached += self._formula and not self._value
        self._formula = self._value = False

    def _outside(self) -> DocumentError:
        return DocumentError(
            f"unreadable XLSX: part {part_name(self.name)} has a cell outside Excel's grid"
        )

    def finish(self) -> None:
        self._end_cell()
        if self.rows * self.columns > MAX_SHEET_CELLS:
            raise DocumentError(
                f"refused: sheet {part_name(self.name)} spans {self.rows} rows x "
                f"{self.columns} columns (limit {MAX_SHEET_CELLS} cells)"
            )


def _scan(archive: zipfile.ZipFile, info: zipfile.ZipInfo, row_allowance: int) -> _Part:
    """Parse one XML part with expat, streamed: well-formed, and within the cell limits.

    sniff has already refused any DOCTYPE, so expat sees no entity declarations.
    """
    part = _Part(info.filename, row_allowance)
    parser = expat.ParserCreate(namespace_separator=" ")
    parser.StartElementHandler = part.start
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


def inspect(data: bytes) -> int:
    """Check every XML part before openpyxl reads any; return the uncached formulas."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            parts: list[_Part] = []
            for info in archive.infolist():
                if info.filename.lower().endswith((".xml", ".rels")):
                    allowance = MAX_XLSX_ROWS - sum(part.filled_rows for part in parts)
                    parts.append(_scan(archive, info, allowance))
    except DocumentError:
        raise
    except Exception as exc:  # zipfile: damaged member (sniff read them all once already)
        raise unreadable("xlsx", exc) from None
    return sum(part.uncached for part in parts)


def read_xlsx(data: bytes, rel: str, sha: str) -> tuple[list[TextUnit], list[str]]:
    missing_formulas = inspect(data)
    with warnings.catch_warnings():
        # openpyxl warns on stderr about odd content ("date outside the limits", extensions)
        warnings.simplefilter("ignore")
        units, notes = _read_rows(data, rel, sha)
    if missing_formulas:
        notes.append(
            f"{missing_formulas} formula cell(s) have no cached value (never saved by Excel); shown empty"
        )
    return units, notes


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


class _Heading:
    """A sheet's title rows and its column header, found before its first row of figures.

    Statistics sheets start with a title ("汾泽市2024年…统计表"), often a 填报单位 line,
    then the header ("序号 | 实施部门 | 事项总数（项） | …"). The header is the last row
    of two or more cells above the first row holding a number; the rows above it are
    the caption. Until that row arrives the rows are kept, and all get the context
    once it is known (a sheet with no figures keeps its first row as the header).
    """

    def __init__(self, title: str) -> None:
        self.title = title
        self.context = title
        self._waiting: list[TextUnit] = []
        self._settled = False

    def add(self, unit: TextUnit, has_number: bool) -> None:
        if self._settled:
            return
        if has_number:
            self._settle(self._waiting)
            unit.context = self.context
            return
        self._waiting.append(unit)

    def close(self) -> None:
        if not self._settled:
            self._settle(self._waiting[:1], first_row=True)

    def _settle(self, above: list[TextUnit], first_row: bool = False) -> None:
        header = next((u for u in reversed(above) if " | " in u.text or first_row), None)
        caption = [u.text for u in above if u is not header][:2]
        parts = [self.title, *caption, header.text if header else ""]
        self.context = " ".join(p for p in parts if p)
        for unit in self._waiting:
            unit.context = self.context
        self._settled = True


def _read_rows(data: bytes, rel: str, sha: str) -> tuple[list[TextUnit], list[str]]:
    try:
        book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises KeyError, BadZipFile, lxml errors...
        raise unreadable("xlsx", exc) from None
    units: list[TextUnit] = []
    chars = not_finite = 0
    try:
        for number, sheet in enumerate(book.worksheets, start=1):
            sheet.reset_dimensions()  # the <dimension> it declares may be a lie (A1:XFD1048576)
            heading = _Heading(sheet.title)
            rows: Any = sheet.iter_rows()
            row_no = 0
            while True:
                try:
                    row = next(rows, None)
                except MemoryError:
                    raise  # the isolation reports the memory limit
                except Exception:  # a number openpyxl cannot convert ('nan', 5,000 digits)
                    raise DocumentError(
                        f"unreadable XLSX: sheet {number}: a cell value that cannot be read "
                        f"(row {row_no + 1} or below)"
                    ) from None
                if row is None:
                    break
                row_no += 1
                values = [getattr(c, "value", None) for c in row]
                not_finite += sum(isinstance(v, float) and not math.isfinite(v) for v in values)
                cells = [display(c.value, c.number_format) for c in row if c.value is not None]
                cells = [c for c in cells if c]
                if not cells:
                    continue
                text = " | ".join(cells)
                chars += len(text) + len(sheet.title) + len(heading.context)
                if chars > MAX_XLSX_TEXT_CHARS:
                    raise DocumentError(
                        f"refused: the sheets hold more than {MAX_XLSX_TEXT_CHARS} characters "
                        "of text (a shared-strings bomb?)"
                    )
                unit = TextUnit(
                    document=rel,
                    sha256=sha,
                    location=f"sheet {sheet.title} row {row_no}",
                    kind="sheet_row",
                    text=text,
                    context=heading.context,
                )
                heading.add(unit, has_number=any(_is_number(v) for v in values))
                units.append(unit)
            heading.close()
    finally:
        book.close()
    notes = []
    if not_finite:
        notes.append(f"{not_finite} cell(s) hold a number too large or not a number; shown empty")
    return units, notes
