"""XLSX: one unit per non-empty row, values shown as Excel displays them.

With `data_only=True` openpyxl returns cached formula results, which are None
when the file was never saved by Excel: such cells are noted, not guessed.
A 0.965 formatted `0.0%` is shown as 96.5%, as the reader of the sheet sees it.
"""

from __future__ import annotations

import io
import re
from datetime import date, datetime
from decimal import Decimal

import openpyxl

from sxcheck.errors import DocumentError
from sxcheck.models import TextUnit

MAX_CELLS = 2_000_000
_DECIMALS = re.compile(r"0\.(0+)")


def display(value: object, number_format: str) -> str:
    """Render a cell value the way Excel shows it (percent formats included)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, datetime | date):
        return value.strftime("%Y年%m月%d日")
    if isinstance(value, int | float) and "%" in number_format:
        match = _DECIMALS.search(number_format)
        places = len(match.group(1)) if match else 0
        return f"{Decimal(str(value)) * 100:.{places}f}%"
    if isinstance(value, float):
        return f"{value:.10g}"
    return str(value).strip()


def read_xlsx(data: bytes, rel: str, sha: str) -> tuple[list[TextUnit], list[str]]:
    try:
        book = openpyxl.load_workbook(io.BytesIO(data), data_only=True)
    except Exception as exc:  # openpyxl raises KeyError, BadZipFile, lxml errors...
        raise DocumentError(f"unreadable XLSX: {type(exc).__name__}: {exc}") from None
    units: list[TextUnit] = []
    notes: list[str] = []
    missing_formulas = 0
    try:
        for sheet in book.worksheets:
            if (sheet.max_row or 0) * (sheet.max_column or 0) > MAX_CELLS:
                notes.append(f"sheet {sheet.title}: too many cells, skipped")
                continue
            header = ""
            for row in sheet.iter_rows():
                cells = [display(c.value, c.number_format) for c in row]
                cells = [c for c in cells if c]
                if not cells:
                    continue
                text = " | ".join(cells)
                header = header or text
                units.append(
                    TextUnit(
                        document=rel,
                        sha256=sha,
                        location=f"sheet {sheet.title} row {row[0].row}",
                        kind="sheet_row",
                        text=text,
                        context=f"{sheet.title} {header}",
                    )
                )
        missing_formulas = _uncached_formulas(data)
    finally:
        book.close()
    if missing_formulas:
        notes.append(
            f"{missing_formulas} formula cell(s) have no cached value (never saved by Excel); shown empty"
        )
    return units, notes


def _uncached_formulas(data: bytes) -> int:
    """Count formula cells whose cached result is missing."""
    formulas = openpyxl.load_workbook(io.BytesIO(data), data_only=False, read_only=True)
    values = openpyxl.load_workbook(io.BytesIO(data), data_only=True, read_only=True)
    try:
        count = 0
        for f_sheet, v_sheet in zip(formulas.worksheets, values.worksheets, strict=True):
            for f_row, v_row in zip(f_sheet.iter_rows(), v_sheet.iter_rows(), strict=False):
                for f_cell, v_cell in zip(f_row, v_row, strict=False):
                    if isinstance(f_cell.value, str) and f_cell.value.startswith("="):
                        count += v_cell.value is None
        return count
    finally:
        formulas.close()
        values.close()
