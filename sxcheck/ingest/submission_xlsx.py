"""Read `submission.xlsx`: the self-assessment form as `sxcheck template --format xlsx` writes it.

Cities keep their 自评表 in Excel, so the form is accepted as it is filled in:
a sheet 基本信息 (地区 / 层级 / 年度 / 上级城市, one per row) and a sheet 自评表
with one row per declarable measure (指标编号, 测量项, then 分子 / 分母 / 数值 /
单位 / 覆盖项). The result is the same raw mapping a `submission.yaml` gives,
so both go through one validation. Errors name the sheet and cell.
"""

from __future__ import annotations

import zipfile
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from sxcheck.errors import SubmissionError

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


def _cell_text(value: Any) -> str:
    return "" if value is None else str(value).strip()


def _figure(value: Any, where: str) -> Decimal:
    if isinstance(value, bool):
        raise SubmissionError(f"{where}: expected a number, got {value!r}")
    try:
        return Decimal(str(value).strip().replace(",", "").replace("，", ""))
    except InvalidOperation:
        raise SubmissionError(f"{where}: expected a number, got '{value}'") from None


def _info(sheet: Any) -> dict[str, Any]:
    data: dict[str, Any] = {}
    for row in sheet.iter_rows(min_row=1):
        label, value = (_cell_text(row[0].value), row[1].value if len(row) > 1 else None)
        field = INFO_FIELDS.get(label)
        if field is None or value is None or _cell_text(value) == "":
            continue
        where = f"{FORM}:{INFO_SHEET}!{row[1].coordinate}"
        if field == "level":
            level = LEVEL_WORDS.get(_cell_text(value))
            if level is None:
                raise SubmissionError(
                    f"{where}: 层级 must be 市级 (city) or 县级 (county), got '{value}'"
                )
            data[field] = level
        elif field == "year":
            data[field] = int(_figure(value, where))
        else:
            data[field] = _cell_text(value)
    return data


def _indicators(sheet: Any, rows_of: dict[str, int]) -> dict[str, Any]:
    rows = sheet.iter_rows()
    header = next(rows, None)
    if header is None:
        raise SubmissionError(f"{FORM}:{FORM_SHEET}: the sheet is empty")
    columns: dict[int, str] = {}
    for index, cell in enumerate(header):
        field = COLUMNS.get(_cell_text(cell.value))
        if field:
            columns[index] = field
    for needed in ("item", "measure"):
        if needed not in columns.values():
            name = next(k for k, v in COLUMNS.items() if v == needed)
            raise SubmissionError(f"{FORM}:{FORM_SHEET}!1: missing the column '{name}'")
    indicators: dict[str, Any] = {}
    for row in rows:
        cells = {columns[i]: c for i, c in enumerate(row) if i in columns}
        item = _cell_text(cells["item"].value) if "item" in cells else ""
        measure = _cell_text(cells["measure"].value) if "measure" in cells else ""
        declared: dict[str, Any] = {}
        for field, cell in cells.items():
            if field in ("item", "measure") or _cell_text(cell.value) == "":
                continue
            where = f"{FORM}:{FORM_SHEET}!{cell.coordinate}"
            if field in FIGURES:
                declared[field] = _figure(cell.value, where)
            elif field == "covered":
                text = _cell_text(cell.value).replace("，", ",").replace("、", ",")
                declared[field] = [part.strip() for part in text.split(",") if part.strip()]
            else:
                declared[field] = _cell_text(cell.value)
        if not set(declared) - {"unit"}:
            continue  # the blank form comes with units filled in: a unit alone declares nothing
        if not item or not measure:
            raise SubmissionError(
                f"{FORM}:{FORM_SHEET}!{row[0].row}: figures filled in a row without 指标编号 and 测量项"
            )
        indicators.setdefault(item, {})[measure] = declared
        rows_of.setdefault(item, row[0].row)
    return indicators


def form_place(rows_of: dict[str, int], loc: tuple[Any, ...]) -> str:
    """Where a validation problem sits: the item's row of 自评表, else the 基本信息 sheet."""
    if len(loc) >= 2 and loc[0] == "indicators" and str(loc[1]) in rows_of:
        return f"{FORM}:{FORM_SHEET}!{rows_of[str(loc[1])]}"
    if loc and loc[0] == "indicators":
        return f"{FORM}:{FORM_SHEET}"
    return f"{FORM}:{INFO_SHEET}"


def read_form(path: Path) -> tuple[dict[str, Any], dict[str, int]]:
    """The raw manifest mapping (region, level, year, parent, indicators) of a filled
    form, and the 自评表 row each declared item starts on (for error messages)."""
    from openpyxl import load_workbook

    try:
        book = load_workbook(path, data_only=True)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError) as exc:
        raise SubmissionError(f"{FORM}: not a readable Excel workbook ({exc})") from None
    try:
        for name in (INFO_SHEET, FORM_SHEET):
            if name not in book.sheetnames:
                raise SubmissionError(
                    f"{FORM}: no sheet '{name}' (write a blank form with `sxcheck template --format xlsx`)"
                )
        rows_of: dict[str, int] = {}
        data = _info(book[INFO_SHEET])
        data["indicators"] = _indicators(book[FORM_SHEET], rows_of)
        return data, rows_of
    finally:
        book.close()
