"""XLSX: each sheet read as tables, values shown as Excel displays them.

Every XML part is checked first (xlsx_scan: well-formed, cells within the
limits, never by building the grid), and the same pass collects what read-only
openpyxl does not expose: merged ranges, hidden rows and columns, formulas with
no cached value. The sheets are then read in read-only mode, row by row, into
grids per block of rows (xlsx_tables), whose rows become table units with
their header paths, row labels and cell addresses.

With `data_only=True` openpyxl returns cached formula results, which are None
when the file was never saved by Excel: such cells are noted (公式未缓存计算结果),
never guessed. A 0.975 formatted `0.0%` is shown as 97.5%, as the reader of the
sheet sees it.

Hidden content is read, not skipped: a figure on a hidden row or sheet is still
what the office submitted, and an auditor must be able to see where it came
from, so every such row says so in its location and each document lists what
is hidden.
"""

from __future__ import annotations

import io
import math
import re
import warnings
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import openpyxl

from sxcheck.errors import DocumentError
from sxcheck.ingest.sniff import unreadable
from sxcheck.ingest.xlsx_scan import SheetScan, column_letters, inspect
from sxcheck.ingest.xlsx_tables import UNCACHED, SheetRow, SheetTables
from sxcheck.limits import MAX_XLSX_TEXT_CHARS
from sxcheck.models import TextUnit

_DECIMALS = re.compile(r"0\.(0+)")
MAX_LISTED = 10  # cells or row ranges named in one note, then "…"


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


def read_xlsx(data: bytes, rel: str, sha: str) -> tuple[list[TextUnit], list[str]]:
    """The workbook's sheets as table units, and the notes an auditor needs about it."""
    scans = inspect(data)
    with warnings.catch_warnings():
        # openpyxl warns on stderr about odd content ("date outside the limits", extensions)
        warnings.simplefilter("ignore")
        return _read_sheets(data, rel, sha, scans)


def _read_sheets(
    data: bytes, rel: str, sha: str, scans: dict[str, SheetScan]
) -> tuple[list[TextUnit], list[str]]:
    try:
        book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises KeyError, BadZipFile, lxml errors...
        raise unreadable("xlsx", exc) from None
    units: list[TextUnit] = []
    notes: list[str] = []
    chars = not_finite = 0
    try:
        for number, sheet in enumerate(book.worksheets, start=1):
            sheet.reset_dimensions()  # the <dimension> it declares may be a lie (A1:XFD1048576)
            scan = scans.get(getattr(sheet, "_worksheet_path", ""), SheetScan())
            state = getattr(sheet, "sheet_state", "visible")
            if state != "visible":
                how = "hidden" if state == "hidden" else "very hidden (veryHidden)"
                notes.append(f"sheet {number} ({sheet.title}) is {how}; its rows are read")
            tables = SheetTables(sheet.title, scan, rel, sha, hidden=state != "visible")
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
                cells, infinite = _row(row, row_no, scan)
                not_finite += infinite
                chars += sum(len(text) for _, text, _ in cells) + len(sheet.title)
                tables.add(row_no, cells)
                if chars + tables.chars > MAX_XLSX_TEXT_CHARS:
                    raise DocumentError(
                        f"refused: the sheets hold more than {MAX_XLSX_TEXT_CHARS} characters "
                        "of text (a shared-strings bomb?)"
                    )
            tables.finish()
            units.extend(tables.units)
            notes.extend(_sheet_notes(sheet.title, scan))
    finally:
        book.close()
    if not_finite:
        notes.append(f"{not_finite} cell(s) hold a number too large or not a number; shown empty")
    return units, notes


def _row(row: Any, number: int, scan: SheetScan) -> tuple[SheetRow, int]:
    """A row's cells that show something (or a formula never calculated), and how
    many hold a number that cannot be shown."""
    cells: SheetRow = []
    infinite = 0
    for column, cell in enumerate(row, start=1):
        value = getattr(cell, "value", None)
        if value is None:
            if (number, column) in scan.uncached:
                cells.append((column, "", UNCACHED))
            continue
        infinite += isinstance(value, float) and not math.isfinite(value)
        text = display(value, getattr(cell, "number_format", None) or "General")
        if text:
            cells.append((column, text, None))
    return cells, infinite


def _sheet_notes(title: str, scan: SheetScan) -> list[str]:
    """What of a sheet is hidden in Excel, and which formulas have no value."""
    notes = []
    if scan.hidden_rows:
        notes.append(_ranges(scan.hidden_rows, str, "row", title))
    if scan.hidden_columns:
        columns = sorted(scan.hidden_columns)
        notes.append(_ranges(columns, column_letters, "column", title))
    if scan.uncached_count:
        places = sorted(scan.uncached)[:MAX_LISTED]
        listed = ", ".join(f"{column_letters(c)}{r}" for r, c in places)
        more = ", …" if scan.uncached_count > len(places) else ""
        notes.append(
            f"{scan.uncached_count} formula cell(s) have no cached value "
            f"(sheet {title}: {listed}{more}): {UNCACHED}, shown empty"
        )
    return notes


def _ranges(numbers: list[int], name: Any, what: str, title: str) -> str:
    """[12, 13, 14, 20] → "rows 12–14, 20 of 统计表 are hidden (read, marked)";
    the first MAX_LISTED ranges, then "…"."""
    spans: list[list[int]] = []
    for n in sorted(set(numbers)):
        if spans and n == spans[-1][1] + 1:
            spans[-1][1] = n
        else:
            spans.append([n, n])
    shown = [name(a) if a == b else f"{name(a)}–{name(b)}" for a, b in spans[:MAX_LISTED]]
    more = ", …" if len(spans) > MAX_LISTED else ""
    plural = len(numbers) > 1
    verb = "are" if plural else "is"
    listed = f"{what}{'s' if plural else ''} {', '.join(shown)}{more}"
    return f"{listed} of {title} {verb} hidden (read, marked)"
