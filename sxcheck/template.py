"""The blank self-assessment form (自评表) generated from the rules, so nobody guesses keys."""

from __future__ import annotations

from io import BytesIO

from sxcheck.catalogue.loader import RuleSet
from sxcheck.catalogue.schema import MeasureRule
from sxcheck.ingest.submission_xlsx import COLUMNS, FORM_SHEET, INFO_FIELDS, INFO_SHEET

_SHAPE = {
    "ratio": "{{numerator: null, denominator: null}}",
    "value": "{{value: null, unit: {unit}}}",
    "rank": "{{value: null}}",
    "count": "{{covered: null}}",  # a list such as [网站, 手机APP]; [] declares none
}


def blank_yaml(rules: RuleSet, level: str) -> str:
    """Every item and measure, commented with names; qualitative items are listed but need no figures."""
    lines = [
        "# sxcheck submission form (自评表). Fill the figures you declare; leave null what you do not.",
        "# Qualitative items need no declaration: they are decided from the documents.",
        "region: 晋阳市          # name of the city or county",
        f"level: {level}          # city (市级) | county (县级)",
        "year: 2024",
        "parent: null           # county only: the city it belongs to",
        "indicators:",
    ]
    for item_id, item in rules.items.items():
        measures = [m for m in item.measures if m.kind != "qualitative" and level in m.levels]
        if not measures:
            lines.append(f'  # "{item_id}": {item.name} — qualitative, decided from the documents')
            continue
        lines.append(f'  "{item_id}":  # {item.name}')
        for measure in measures:
            shape = _SHAPE[measure.kind].format(unit=measure.unit or "null")
            detail = (
                f"{measure.numerator} / {measure.denominator}"
                if measure.kind == "ratio"
                else (
                    "options: " + ", ".join(o.key for o in measure.options)
                    if measure.kind == "count"
                    else measure.unit or ""
                )
            )
            lines.append(f"    {measure.key}: {shape}  # {measure.name}: {detail}")
    return "\n".join(lines) + "\n"


def _what_to_fill(measure: MeasureRule) -> str:
    if measure.kind == "ratio":
        return f"分子：{measure.numerator}；分母：{measure.denominator}"
    if measure.kind == "count":
        return "覆盖项（用顿号分隔）：" + "、".join(o.key for o in measure.options)
    if measure.kind == "rank":
        return "数值：参与排名的数量" + (f"（{measure.unit}）" if measure.unit else "")
    return "数值" + (f"（单位：{measure.unit}）" if measure.unit else "")


def blank_xlsx(rules: RuleSet, level: str) -> bytes:
    """The same form as `blank_yaml` as an Excel workbook with Chinese headers.

    One row per declarable measure of this level; qualitative items are listed
    so the form shows all 69 items, marked as decided from the documents. The
    workbook is what `sxcheck check` reads back as `submission.xlsx`.
    """
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.worksheet.datavalidation import DataValidation

    book = Workbook()
    info = book.active
    info.title = INFO_SHEET
    info.append(["项目", "填写", "说明"])
    notes = {
        "地区": "市或县（区）名称",
        "层级": "市级 或 县级",
        "年度": "评价年度，如 2024",
        "上级城市": "县级填写所属地级市；市级留空",
    }
    for label in INFO_FIELDS:
        preset = ("市级" if level == "city" else "县级") if label == "层级" else None
        info.append([label, preset, notes[label]])
    levels = DataValidation(type="list", formula1='"市级,县级"', allow_blank=False)
    info.add_data_validation(levels)
    levels.add("B3")
    form = book.create_sheet(FORM_SHEET)
    headers = list(COLUMNS)
    form.append(headers)
    bold = Font(bold=True)
    fill = PatternFill("solid", fgColor="DDEBF7")
    for sheet in (info, form):
        for cell in sheet[1]:
            cell.font, cell.fill = bold, fill
        sheet.freeze_panes = "A2"
    for item_id, item in rules.items.items():
        tree = rules.tree[item_id]
        first, second = f"{tree.first} {tree.first_name}", f"{tree.second} {tree.second_name}"
        measures = [m for m in item.measures if m.kind != "qualitative" and level in m.levels]
        if not measures:
            form.append(
                [item_id, first, second, item.name, "", "", "定性指标，由佐证材料判定，无需填报"]
            )
            continue
        for measure in measures:
            row = dict.fromkeys(headers, None)
            row.update(
                {
                    "指标编号": item_id,
                    "一级指标": first,
                    "二级指标": second,
                    "三级指标": item.name,
                    "测量项": measure.key,
                    "测量项名称": measure.name,
                    "填报内容": _what_to_fill(measure),
                    "单位": measure.unit or None,
                }
            )
            form.append(list(row.values()))
    widths = {"A": 10, "B": 14, "C": 18, "D": 30, "E": 22, "F": 30, "G": 46}
    for column, width in widths.items():
        form.column_dimensions[column].width = width
    for column, width in {"A": 12, "B": 20, "C": 36}.items():
        info.column_dimensions[column].width = width
    for row in form.iter_rows(min_row=2, max_col=7):
        for cell in row:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    form.auto_filter.ref = form.dimensions
    buffer = BytesIO()
    book.save(buffer)
    return buffer.getvalue()
