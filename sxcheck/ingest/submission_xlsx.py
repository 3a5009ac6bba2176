"""Read `submission.xlsx`: the self-assessment form as `sxcheck template --format xlsx` writes it.

Cities keep their 自评表 in Excel, so the form is accepted as it is filled in:
a sheet 基本信息 (地区 / 层级 / 年度 / 上级城市, one per row) and a sheet 自评表
with one row per declarable measure (指标编号, 测量项, then 分子 / 分母 / 数值 /
单位 / 覆盖项). The result is the same raw mapping a `submission.yaml` gives,
so both go through one validation (ingest.manifest_check), with the cell of
each key path for its messages. A bad cell is noted and reading goes on, so
every bad cell is listed in one run; a damaged workbook or a safeguard stops
at once. Errors are in Chinese and name the sheet and cell.

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
from sxcheck.ingest.manifest_errors import (
    LEVEL_EXPECTED,
    LEVEL_WORDS,
    Problems,
    percent_hint,
    short_text,
    yaml_message,
)
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
_HEADERS = {field: header for header, field in COLUMNS.items() if field}
UNCACHED = "公式没有缓存的计算结果（请在 Excel 或 WPS 中打开并保存）"
BLANK_FORM = "（可用 `sxcheck template --format xlsx` 生成空白表）"
_XML_PARTS = (".xml", ".rels", ".vml")
_SAFE_PART = re.compile(r"[A-Za-z0-9_./\[\]-]{1,120}")
_CHUNK = 1 << 16

# One row as read: its number, cell values, and the indexes of formula cells
# that carry no cached value (openpyxl gives those as None, like an empty cell).
Row = tuple[int, list[Any], set[int]]
# A key path of the declaration ("indicators", "1.1.1", "rate", "numerator") -> its cell
Places = dict[tuple[str, ...], str]


def _cell_text(value: Any) -> str:
    return "" if value is None else str(value).strip()


def _column(index: int) -> str:
    from openpyxl.utils import get_column_letter  # openpyxl only when a form is read

    return get_column_letter(index + 1)


class _CellProblem(ValueError):
    """One cell cannot be used: noted with its place, and the reading goes on."""


def _figure(value: Any, field: str = "value") -> Decimal:
    """A declared number; a word, NaN, infinity or a magnitude no form holds is refused here,
    before anything computes with it (int(Decimal('1e1000000000')) never finishes)."""
    if isinstance(value, bool) or not isinstance(value, (int, float, str, Decimal)):
        raise _CellProblem(f"应为数字，而不是 '{short_text(value)}'")
    text = str(value).strip().replace(",", "").replace("，", "")
    if len(text) > 3 * MAX_NUMBER_DIGITS:
        raise _CellProblem(f"数字超过 {MAX_NUMBER_DIGITS} 位")
    try:
        number = Decimal(text)
    except InvalidOperation:
        hint = percent_hint(value, field)
        raise _CellProblem(hint or f"应为数字，而不是 '{short_text(value)}'") from None
    if not number.is_finite():
        raise _CellProblem(f"应为有限的数字，而不是 '{short_text(value)}'")
    if number and abs(number.adjusted()) > MAX_NUMBER_DIGITS:
        raise _CellProblem(f"数字超出范围（'{short_text(value)}'）")
    return number


def _year(value: Any) -> int:
    if isinstance(value, str) and value.strip().endswith("年"):
        value = value.strip()[:-1]  # 2024年, as people write it
    number = _figure(value)
    if number != number.to_integral_value():
        raise _CellProblem(f"应为整年，如 2024，而不是 '{short_text(value)}'")
    return int(number)


def _info(rows: Iterator[Row], places: Places, problems: Problems) -> dict[str, Any]:
    data: dict[str, Any] = {}
    for number, values, uncached in rows:
        if not values:
            continue
        field = INFO_FIELDS.get(_cell_text(values[0]))
        if field is None:
            continue
        cell = f"{INFO_SHEET}!B{number}"
        places.setdefault((field,), cell)
        where = f"{FORM}:{cell}"
        if 1 in uncached:
            problems.add(where, UNCACHED)
            continue
        value = values[1] if len(values) > 1 else None
        if value is None or _cell_text(value) == "":
            continue
        try:
            if field == "level":
                level = LEVEL_WORDS.get(_cell_text(value))
                if level is None:
                    raise _CellProblem(f"{LEVEL_EXPECTED}，而不是 '{short_text(value)}'")
                data[field] = level
            elif field == "year":
                data[field] = _year(value)
            else:
                data[field] = _cell_text(value)
        except _CellProblem as problem:
            label = "" if field == "level" else _cell_text(values[0])
            problems.add(where, f"{label}{problem}")
    return data


def _header(rows: Iterator[Row]) -> dict[int, str]:
    header = next(rows, None)
    if header is None:
        raise SubmissionError(f"{FORM}:{FORM_SHEET}: 工作表是空的{BLANK_FORM}")
    columns: dict[int, str] = {}
    for index, value in enumerate(header[1]):
        field = COLUMNS.get(_cell_text(value))
        if field:
            columns[index] = field
    for needed in ("item", "measure"):
        if needed not in columns.values():
            name = next(k for k, v in COLUMNS.items() if v == needed)
            raise SubmissionError(f"{FORM}:{FORM_SHEET}!1: 缺少“{name}”列{BLANK_FORM}")
    return columns


def _declared(
    number: int, cells: dict[str, tuple[int, Any]], problems: Problems, item: str
) -> tuple[dict[str, Any], dict[str, str]]:
    """One row's filled figure cells (bad ones noted, not kept), and the cell of each."""
    declared: dict[str, Any] = {}
    where_of: dict[str, str] = {}
    for field, (index, value) in cells.items():
        if field in ("item", "measure") or _cell_text(value) == "":
            continue
        cell = f"{FORM_SHEET}!{_column(index)}{number}"
        where_of[field] = cell
        if field in FIGURES:
            try:
                declared[field] = _figure(value, field)
            except _CellProblem as problem:
                label = f"指标 {short_text(item)} " if item else ""
                problems.add(f"{FORM}:{cell}", f"{label}{_HEADERS[field]}{problem}")
                declared[field] = None  # filled in: the row declares something
        elif field == "covered":
            text = _cell_text(value).replace("，", ",").replace("、", ",")
            declared[field] = [part.strip() for part in text.split(",") if part.strip()]
        else:
            declared[field] = _cell_text(value)
    return declared, where_of


def _indicators(rows: Iterator[Row], places: Places, problems: Problems) -> dict[str, Any]:
    columns = _header(rows)
    item_column = next(i for i, f in columns.items() if f == "item")
    measure_column = next(i for i, f in columns.items() if f == "measure")
    indicators: dict[str, Any] = {}
    first_row: dict[tuple[str, str], int] = {}
    for number, values, uncached in rows:
        if formulas := sorted(uncached & set(columns)):
            for index in formulas:
                problems.add(f"{FORM}:{FORM_SHEET}!{_column(index)}{number}", UNCACHED)
            continue
        cells = {columns[i]: (i, v) for i, v in enumerate(values) if i in columns}
        item = _cell_text(cells["item"][1]) if "item" in cells else ""
        measure = _cell_text(cells["measure"][1]) if "measure" in cells else ""
        declared, where_of = _declared(number, cells, problems, item)
        if not set(declared) - {"unit"}:
            continue  # the blank form comes with units filled in: a unit alone declares nothing
        if not item or not measure:
            problems.add(f"{FORM}:{FORM_SHEET}!{number}", "填了数据，但该行没有指标编号和测量项")
            continue
        if (item, measure) in first_row:
            problems.add(
                f"{FORM}:{FORM_SHEET}!{number}",
                f"指标 {short_text(item)} 测量项 {short_text(measure)} 重复申报"
                f"（第一次在第 {first_row[item, measure]} 行）",
            )
            continue
        first_row[item, measure] = number
        if any(value is None for value in declared.values()):
            continue  # a bad figure is noted: the row is not validated again
        indicators.setdefault(item, {})[measure] = declared
        places.setdefault(("indicators", item), f"{FORM_SHEET}!{_column(item_column)}{number}")
        places[("indicators", item, measure)] = f"{FORM_SHEET}!{_column(measure_column)}{number}"
        for field, cell in where_of.items():
            places[("indicators", item, measure, field)] = cell
    return indicators


def form_place(places: Places, loc: tuple[Any, ...]) -> str:
    """Where a validation problem sits: the cell of the longest known prefix of its key path,
    else the sheet it belongs to."""
    for end in range(len(loc), 0, -1):
        cell = places.get(tuple(str(part) for part in loc[:end]))
        if cell is not None:
            return f"{FORM}:{cell}"
    if loc and loc[0] == "indicators":
        return f"{FORM}:{FORM_SHEET}"
    return f"{FORM}:{INFO_SHEET}"


def _part(name: str) -> str:
    return name if _SAFE_PART.fullmatch(name) else "（名称异常的部件）"


class _Dtd(Exception):
    """A part declares a DTD or an entity: refused before any XML library expands it."""


def _refuse_dtd(*_: Any) -> None:
    raise _Dtd


def _check_xml(archive: zipfile.ZipFile, info: zipfile.ZipInfo, budget: int) -> int:
    """Stream one XML part through expat: well-formed, no DTD; returns the bytes unpacked."""
    parser = expat.ParserCreate()
    parser.StartDoctypeDeclHandler = _refuse_dtd
    parser.EntityDeclHandler = _refuse_dtd
    where = f"{FORM}: 部件 {_part(info.filename)}"
    seen = 0
    try:
        with archive.open(info) as stream:
            while chunk := stream.read(_CHUNK):
                seen += len(chunk)
                if seen > budget:
                    raise SubmissionError(
                        f"{FORM}: 解压后超过 {MAX_FORM_UNPACKED_BYTES // MiB} MiB（安全限制）"
                    )
                parser.Parse(chunk, False)
            parser.Parse(b"", True)
    except _Dtd:
        raise SubmissionError(f"{where} 声明了 DTD 或实体，未读取") from None
    except expat.ExpatError as exc:
        raise SubmissionError(
            f"{where} 不是格式正确的 XML（第 {exc.lineno} 行：{expat.ErrorString(exc.code)}）"
        ) from None
    except RuntimeError:  # zipfile: an encrypted member
        raise SubmissionError(f"{where} 已加密，无法读取") from None
    except NotImplementedError:  # zipfile: a compression method it cannot unpack
        raise SubmissionError(f"{where} 使用了不支持的压缩方式") from None
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError, ValueError):
        raise SubmissionError(f"{where} 已损坏") from None
    return seen


def _check_parts(data: bytes) -> None:
    """The workbook as a zip: bounded when unpacked, every XML part well-formed, no DTD."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, OSError, ValueError, EOFError):
        raise SubmissionError(f"{FORM}: 不是可读取的 Excel 工作簿（不是 zip 格式）") from None
    with archive:
        infos = archive.infolist()
        if sum(info.file_size for info in infos) > MAX_FORM_UNPACKED_BYTES:
            raise SubmissionError(
                f"{FORM}: 解压后超过 {MAX_FORM_UNPACKED_BYTES // MiB} MiB（安全限制）"
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
            f"{FORM}:{name}: {rows:,} 行 × {columns:,} 列，"
            f"超过 {MAX_FORM_CELLS:,} 个单元格（安全限制）"
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
                f"{FORM}:{name}!{number + 1}: 有单元格无法读取（数字过长或单元格已损坏）"
            ) from None
        if pair is None:
            return
        number += 1
        cells, formula_cells = pair
        budget[0] -= max(1, len(cells))
        if budget[0] < 0:
            raise SubmissionError(
                f"{FORM}:{name}!{number}: 超过 {MAX_FORM_CELLS:,} 个单元格（安全限制）"
            )
        values = [cell.value for cell in cells]
        uncached = {
            index
            for index, cell in enumerate(formula_cells)
            if getattr(cell, "data_type", None) == "f"
            and (index >= len(values) or values[index] is None)
        }
        yield number, values, uncached


def read_form(path: Path) -> tuple[dict[str, Any], Places, Problems]:
    """The raw manifest mapping (region, level, year, parent, indicators) of a filled
    form, the cell of each key path (for messages), and the bad cells found.

    Meant to run under ingest.limited (memory and time). A bad cell is noted
    in the Problems returned and left out of the mapping; a damaged workbook
    or a safeguard raises at once, a one-line SubmissionError naming the part,
    sheet or cell.
    """
    try:
        data = read_regular(path, MAX_DECLARATION_BYTES)
    except YamlProblem as problem:
        raise SubmissionError(f"{FORM}: {yaml_message(problem.message)}") from None
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
            raise SubmissionError(f"{FORM}: 不是可读取的 Excel 工作簿{BLANK_FORM}") from None
        try:
            for name in (INFO_SHEET, FORM_SHEET):
                if name not in book.sheetnames:
                    raise SubmissionError(f"{FORM}: 没有工作表“{name}”{BLANK_FORM}")
            budget = [MAX_FORM_CELLS]
            places: Places = {}
            problems = Problems(FORM)
            info = _info(_rows(book, formulas, INFO_SHEET, budget), places, problems)
            info["indicators"] = _indicators(
                _rows(book, formulas, FORM_SHEET, budget), places, problems
            )
            return info, places, problems
        finally:
            book.close()
            formulas.close()
