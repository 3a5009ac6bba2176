"""Read `submission.xlsx`: the self-assessment form as `sxcheck template --format xlsx` writes it.

Cities keep their 自评表 in Excel, so the form is accepted as it is filled in:
a sheet 基本信息 (地区 / 层级 / 年度 / 上级城市, one per row) and a sheet 自评表
with one row per declarable measure (指标编号, 测量项, then 分子 / 分母 / 数值 /
单位 / 覆盖项). The result is the same raw mapping a `submission.yaml` gives,
so both go through one validation. Errors name the sheet and cell.

The form comes from outside like any document: it is read within
MAX_DECLARATION_BYTES, its parts checked (unpacked size, well-formed XML, no
DTD) before openpyxl sees them, and its two sheets streamed in read-only mode
within MAX_FORM_CELLS, so a cell at XFD1048576 or a million rows are refused
instead of being materialised. `load_manifest` runs all of it in a child with
a memory cap and a time limit (ingest.limited).
"""

from __future__ import annotations

import io
import re
import warnings
import zipfile
import zlib
from collections.abc import Iterator
from decimal import Decimal, InvalidOperation
from itertools import zip_longest
from pathlib import Path
from typing import Any
from xml.parsers import expat

from sxcheck.catalogue.safeyaml import YamlProblem, read_regular
from sxcheck.errors import SubmissionError
from sxcheck.limits import (
    MAX_DECLARATION_BYTES,
    MAX_FORM_CELLS,
    MAX_FORM_UNPACKED_BYTES,
    MAX_NUMBER_DIGITS,
    MiB,
)

FORM = "submission.xlsx"
INFO_SHEET = "基本信息"
FORM_SHEET = "自评表"
INFO_FIELDS = {"地区": "region", "层级": "level", "年度": "year", "上级城市": "parent"}
LEVEL_WORDS = {
    "city": "city",
    "county": "county",
    "市级": "city",
    "县级": "county",
    "市": "city",
    "县": "county",
}
# Column header → what it holds. ID and measure key identify the row; the
# figure columns are read when filled; the others are for the person filling in.
COLUMNS = {
    "指标编号": "item",
    "一级指标": None,
    "二级指标": None,
    "三级指标": None,
    "测量项": "measure",
    "测量项名称": None,
    "填报内容": None,
    "分子": "numerator",
    "分母": "denominator",
    "数值": "value",
    "单位": "unit",
    "覆盖项": "covered",
    "说明": None,
}
FIGURES = ("numerator", "denominator", "value")
UNCACHED = "formula without a cached value (open and save in Excel/WPS)"
_XML_PARTS = (".xml", ".rels", ".vml")
_SAFE_PART = re.compile(r"[A-Za-z0-9_./\[\]-]{1,120}")
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
_CHUNK = 1 << 16

# One row as read: its number, cell values, and the indexes of formula cells
# that carry no cached value (openpyxl gives those as None, like an empty cell).
Row = tuple[int, list[Any], set[int]]


def _cell_text(value: Any) -> str:
    return "" if value is None else str(value).strip()


def short_text(value: Any) -> str:
    """A cell's text for a message: short, and without control characters."""
    text = _CONTROL.sub("", str(value).strip())
    return text if len(text) <= 30 else text[:30] + "…"


def _column(index: int) -> str:
    from openpyxl.utils import get_column_letter  # openpyxl only when a form is read

    return get_column_letter(index + 1)


def _figure(value: Any, where: str) -> Decimal:
    """A declared number; a word, NaN, infinity or a magnitude no form holds is refused here,
    before anything computes with it (int(Decimal('1e1000000000')) never finishes)."""
    if isinstance(value, bool) or not isinstance(value, (int, float, str, Decimal)):
        raise SubmissionError(f"{where}: expected a number, got '{short_text(value)}'")
    text = str(value).strip().replace(",", "").replace("，", "")
    if len(text) > 3 * MAX_NUMBER_DIGITS:
        raise SubmissionError(f"{where}: a number with more than {MAX_NUMBER_DIGITS} digits")
    try:
        number = Decimal(text)
    except InvalidOperation:
        raise SubmissionError(f"{where}: expected a number, got '{short_text(value)}'") from None
    if not number.is_finite():
        raise SubmissionError(f"{where}: expected a finite number, got '{short_text(value)}'")
    if number and abs(number.adjusted()) > MAX_NUMBER_DIGITS:
        raise SubmissionError(f"{where}: number out of range ('{short_text(value)}')")
    return number


def _year(value: Any, where: str) -> int:
    number = _figure(value, where)
    if number != number.to_integral_value():
        raise SubmissionError(f"{where}: 年度 must be a whole year, got '{short_text(value)}'")
    return int(number)


def _info(rows: Iterator[Row]) -> dict[str, Any]:
    data: dict[str, Any] = {}
    for number, values, uncached in rows:
        if not values:
            continue
        field = INFO_FIELDS.get(_cell_text(values[0]))
        where = f"{FORM}:{INFO_SHEET}!B{number}"
        if field is not None and 1 in uncached:
            raise SubmissionError(f"{where}: {UNCACHED}")
        value = values[1] if len(values) > 1 else None
        if field is None or value is None or _cell_text(value) == "":
            continue
        if field == "level":
            level = LEVEL_WORDS.get(_cell_text(value))
            if level is None:
                raise SubmissionError(
                    f"{where}: 层级 must be 市级 (city) or 县级 (county), got '{short_text(value)}'"
                )
            data[field] = level
        elif field == "year":
            data[field] = _year(value, where)
        else:
            data[field] = _cell_text(value)
    return data


def _indicators(rows: Iterator[Row], rows_of: dict[str, int]) -> dict[str, Any]:
    header = next(rows, None)
    if header is None:
        raise SubmissionError(f"{FORM}:{FORM_SHEET}: the sheet is empty")
    columns: dict[int, str] = {}
    for index, value in enumerate(header[1]):
        field = COLUMNS.get(_cell_text(value))
        if field:
            columns[index] = field
    for needed in ("item", "measure"):
        if needed not in columns.values():
            name = next(k for k, v in COLUMNS.items() if v == needed)
            raise SubmissionError(f"{FORM}:{FORM_SHEET}!1: missing the column '{name}'")
    indicators: dict[str, Any] = {}
    first_row: dict[tuple[str, str], int] = {}
    for number, values, uncached in rows:
        if formulas := sorted(uncached & set(columns)):
            raise SubmissionError(f"{FORM}:{FORM_SHEET}!{_column(formulas[0])}{number}: {UNCACHED}")
        cells = {columns[i]: (i, v) for i, v in enumerate(values) if i in columns}
        item = _cell_text(cells["item"][1]) if "item" in cells else ""
        measure = _cell_text(cells["measure"][1]) if "measure" in cells else ""
        declared: dict[str, Any] = {}
        for field, (index, value) in cells.items():
            if field in ("item", "measure") or _cell_text(value) == "":
                continue
            where = f"{FORM}:{FORM_SHEET}!{_column(index)}{number}"
            if field in FIGURES:
                declared[field] = _figure(value, where)
            elif field == "covered":
                text = _cell_text(value).replace("，", ",").replace("、", ",")
                declared[field] = [part.strip() for part in text.split(",") if part.strip()]
            else:
                declared[field] = _cell_text(value)
        if not set(declared) - {"unit"}:
            continue  # the blank form comes with units filled in: a unit alone declares nothing
        if not item or not measure:
            raise SubmissionError(
                f"{FORM}:{FORM_SHEET}!{number}: figures filled in a row without 指标编号 and 测量项"
            )
        if (item, measure) in first_row:
            raise SubmissionError(
                f"{FORM}:{FORM_SHEET}!{number}: {short_text(item)} {short_text(measure)} is declared "
                f"twice (first at row {first_row[item, measure]})"
            )
        first_row[item, measure] = number
        indicators.setdefault(item, {})[measure] = declared
        rows_of.setdefault(item, number)
    return indicators


def form_place(rows_of: dict[str, int], loc: tuple[Any, ...]) -> str:
    """Where a validation problem sits: the item's row of 自评表, else the 基本信息 sheet."""
    if len(loc) >= 2 and loc[0] == "indicators" and str(loc[1]) in rows_of:
        return f"{FORM}:{FORM_SHEET}!{rows_of[str(loc[1])]}"
    if loc and loc[0] == "indicators":
        return f"{FORM}:{FORM_SHEET}"
    return f"{FORM}:{INFO_SHEET}"


def _part(name: str) -> str:
    return name if _SAFE_PART.fullmatch(name) else "(a part with an unusual name)"


class _Dtd(Exception):
    """A part declares a DTD or an entity: refused before any XML library expands it."""


def _refuse_dtd(*_: Any) -> None:
    raise _Dtd


def _check_xml(archive: zipfile.ZipFile, info: zipfile.ZipInfo, budget: int) -> int:
    """Stream one XML part through expat: well-formed, no DTD; returns the bytes unpacked."""
    parser = expat.ParserCreate()
    parser.StartDoctypeDeclHandler = _refuse_dtd
    parser.EntityDeclHandler = _refuse_dtd
    where = f"{FORM}: part {_part(info.filename)}"
    seen = 0
    try:
        with archive.open(info) as stream:
            while chunk := stream.read(_CHUNK):
                seen += len(chunk)
                if seen > budget:
                    raise SubmissionError(
                        f"{FORM}: unpacks to more than {MAX_FORM_UNPACKED_BYTES // MiB} MiB"
                    )
                parser.Parse(chunk, False)
            parser.Parse(b"", True)
    except _Dtd:
        raise SubmissionError(f"{where} declares a DTD or entities (not read)") from None
    except expat.ExpatError as exc:
        raise SubmissionError(
            f"{where} is not well-formed XML (line {exc.lineno}: {expat.ErrorString(exc.code)})"
        ) from None
    except RuntimeError:  # zipfile: an encrypted member
        raise SubmissionError(f"{where} is encrypted") from None
    except NotImplementedError:  # zipfile: a compression method it cannot unpack
        raise SubmissionError(f"{where} uses an unsupported compression method") from None
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError, ValueError):
        raise SubmissionError(f"{where} is damaged") from None
    return seen


def _check_parts(data: bytes) -> None:
    """The workbook as a zip: bounded when unpacked, every XML part well-formed, no DTD."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, OSError, ValueError, EOFError):
        raise SubmissionError(f"{FORM}: not a readable Excel workbook (not a zip)") from None
    with archive:
        infos = archive.infolist()
        if sum(info.file_size for info in infos) > MAX_FORM_UNPACKED_BYTES:
            raise SubmissionError(
                f"{FORM}: unpacks to more than {MAX_FORM_UNPACKED_BYTES // MiB} MiB"
            )
        budget = MAX_FORM_UNPACKED_BYTES
        for info in infos:
            if not info.is_dir() and info.filename.lower().endswith(_XML_PARTS):
                budget -= _check_xml(archive, info, budget)


def _rows(book: Any, formulas: Any, name: str, budget: list[int]) -> Iterator[Row]:
    """The rows of one sheet, streamed within the cell budget the two sheets share.

    A sheet's declared dimension is checked first, then ignored: a lying
    `<dimension>` must neither let cells through nor cut the form short.
    """
    sheet, with_formulas = book[name], formulas[name]
    rows, columns = sheet.max_row or 0, sheet.max_column or 0
    if rows * columns > MAX_FORM_CELLS:
        raise SubmissionError(
            f"{FORM}:{name}: {rows:,} rows x {columns:,} columns, "
            f"more than {MAX_FORM_CELLS:,} cells (a safeguard)"
        )
    sheet.reset_dimensions()
    with_formulas.reset_dimensions()
    pairs = zip_longest(sheet.iter_rows(), with_formulas.iter_rows(), fillvalue=())
    number = 0
    while True:
        try:
            pair = next(pairs, None)
        except Exception:  # noqa: BLE001 - openpyxl: a 5,000-digit number, a bad string index
            raise SubmissionError(
                f"{FORM}:{name}!{number + 1}: a cell cannot be read "
                "(a number too long, or a damaged cell)"
            ) from None
        if pair is None:
            return
        number += 1
        cells, formula_cells = pair
        budget[0] -= max(1, len(cells))
        if budget[0] < 0:
            raise SubmissionError(
                f"{FORM}:{name}!{number}: more than {MAX_FORM_CELLS:,} cells (a safeguard)"
            )
        values = [cell.value for cell in cells]
        uncached = {
            index
            for index, cell in enumerate(formula_cells)
            if getattr(cell, "data_type", None) == "f"
            and (index >= len(values) or values[index] is None)
        }
        yield number, values, uncached


def read_form(path: Path) -> tuple[dict[str, Any], dict[str, int]]:
    """The raw manifest mapping (region, level, year, parent, indicators) of a filled
    form, and the 自评表 row each declared item starts on (for error messages).

    Meant to run under ingest.limited (memory and time); every failure here is
    already a one-line SubmissionError naming the part, sheet or cell.
    """
    try:
        data = read_regular(path, MAX_DECLARATION_BYTES)
    except YamlProblem as problem:
        raise SubmissionError(f"{FORM}: {problem.message}") from None
    _check_parts(data)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # openpyxl warns on stderr about styles and dates
        try:
            from openpyxl import load_workbook

            book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
            formulas = load_workbook(io.BytesIO(data), read_only=True, data_only=False)
        except SubmissionError:
            raise
        except Exception:  # noqa: BLE001 - parts that are XML but not a workbook's
            raise SubmissionError(
                f"{FORM}: not a readable Excel workbook "
                "(write a blank form with `sxcheck template --format xlsx`)"
            ) from None
        try:
            for name in (INFO_SHEET, FORM_SHEET):
                if name not in book.sheetnames:
                    raise SubmissionError(
                        f"{FORM}: no sheet '{name}' (write a blank form with `sxcheck template --format xlsx`)"
                    )
            budget = [MAX_FORM_CELLS]
            rows_of: dict[str, int] = {}
            info = _info(_rows(book, formulas, INFO_SHEET, budget))
            info["indicators"] = _indicators(_rows(book, formulas, FORM_SHEET, budget), rows_of)
            return info, rows_of
        finally:
            book.close()
            formulas.close()
