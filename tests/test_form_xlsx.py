"""The Excel self-assessment form: `sxcheck template --format xlsx` and `submission.xlsx` read back."""

from __future__ import annotations

import shutil
from pathlib import Path

import yaml
from openpyxl import load_workbook

from .conftest import SAMPLE, check_json, run_cli


def _blank(tmp_path: Path, level: str = "city") -> Path:
    form = tmp_path / f"blank-{level}.xlsx"
    code, _, err = run_cli("template", "--format", "xlsx", "--level", level, "-o", str(form))
    assert code == 0, err
    return form


def _fill(form: Path, target: Path, manifest: dict) -> None:
    """Fill the blank form the way a person does in Excel: type into the cells."""
    book = load_workbook(form)
    info = book["基本信息"]
    values = {
        "地区": manifest["region"],
        "层级": {"city": "市级", "county": "县级"}[manifest["level"]],
        "年度": manifest["year"],
    }
    for row in info.iter_rows(min_row=2):
        if row[0].value in values:
            row[1].value = values[row[0].value]
    sheet = book["自评表"]
    header = [c.value for c in sheet[1]]
    col = {name: header.index(name) for name in header}
    for row in sheet.iter_rows(min_row=2):
        item, measure = row[col["指标编号"]].value, row[col["测量项"]].value
        entry = manifest["indicators"].get(item)
        if entry is None or not measure:
            continue
        declared = entry.get(
            measure, entry if not isinstance(next(iter(entry.values())), dict) else None
        )
        if not declared:
            continue
        for field, column in (
            ("numerator", "分子"),
            ("denominator", "分母"),
            ("value", "数值"),
            ("unit", "单位"),
        ):
            if field in declared:
                row[col[column]].value = declared[field]
        if "covered" in declared:
            row[col["覆盖项"]].value = "、".join(declared["covered"])
    book.save(target)


def _judged(report: dict) -> list[tuple]:
    return [
        (j["id"], j["status"], j["score"], sorted(x["code"] for x in j["reasons"]))
        for j in report["indicators"]
    ]


def test_blank_form_lists_every_item_with_chinese_headers(tmp_path):
    book = load_workbook(_blank(tmp_path))
    assert book.sheetnames == ["基本信息", "自评表"]
    sheet = book["自评表"]
    header = [c.value for c in sheet[1]]
    assert header[:5] == ["指标编号", "一级指标", "二级指标", "三级指标", "测量项"]
    ids = {row[0] for row in sheet.iter_rows(min_row=2, values_only=True)}
    assert len(ids) == 69
    rows = {(r[0], r[4]): r for r in sheet.iter_rows(min_row=2, values_only=True)}
    assert ("3.1.1", "coverage") in rows  # a ratios item gets one row per measure
    assert "分子" in rows[("1.1.1", next(k for i, k in rows if i == "1.1.1"))][6]
    assert sheet.freeze_panes == "A2" and sheet.auto_filter.ref


def test_county_form_has_county_measures_only(tmp_path):
    sheet = load_workbook(_blank(tmp_path, "county"))["自评表"]
    keys = {(r[0], r[4]) for r in sheet.iter_rows(min_row=2, values_only=True)}
    assert ("7.1.3", "county_access") in keys


def test_filled_form_gives_the_same_judgments_as_the_yaml(tmp_path):
    manifest = yaml.safe_load((SAMPLE / "submission.yaml").read_text(encoding="utf-8"))
    as_yaml = tmp_path / "yaml"
    shutil.copytree(SAMPLE, as_yaml)
    as_xlsx = tmp_path / "xlsx"
    shutil.copytree(SAMPLE, as_xlsx)
    (as_xlsx / "submission.yaml").unlink()
    _fill(_blank(tmp_path), as_xlsx / "submission.xlsx", manifest)

    code_y, report_y, err_y = check_json(as_yaml)
    code_x, report_x, err_x = check_json(as_xlsx)
    assert (code_y, code_x) == (0, 0), (err_y, err_x)
    assert report_x["submission"]["region"] == "晋阳市"
    assert _judged(report_x) == _judged(report_y)
    # the form itself is not evidence
    assert all(d["path"] != "submission.xlsx" for d in report_x["documents"])
    item = next(j for j in report_x["indicators"] if j["id"] == "1.1.2")
    assert "285.4" in " ".join(r["message"] for r in item["reasons"])
    # where each figure is declared: the YAML's line, the form's cell (issue 19)
    assert report_y["submission"]["declared_at"]["1.1.1"]["coverage"].startswith("submission.yaml:")
    cell = report_x["submission"]["declared_at"]["1.1.1"]["coverage"]
    assert cell.startswith("submission.xlsx:自评表!") and cell[-1].isdigit(), cell


def test_a_word_in_a_figure_cell_is_named_by_its_cell(tmp_path, make_submission):
    form = _blank(tmp_path)
    book = load_workbook(form)
    info = book["基本信息"]
    info["B2"], info["B4"] = "测试市", 2024
    sheet = book["自评表"]
    header = [c.value for c in sheet[1]]
    row = next(r for r in sheet.iter_rows(min_row=2) if r[0].value == "1.1.1")
    row[header.index("分子")].value = "约三百"
    root = make_submission(None, {})
    book.save(root / "submission.xlsx")
    code, _, err = run_cli("check", str(root))
    assert code == 2
    assert err.strip().count("\n") == 0
    assert "submission.xlsx:自评表!" in err and "约三百" in err


def test_a_workbook_without_the_form_sheets_is_refused(tmp_path, make_submission):
    root = make_submission(None, {})
    shutil.copy(SAMPLE / "佐证材料" / "03-2024年智慧城市统计表.xlsx", root / "submission.xlsx")
    code, _, err = run_cli("check", str(root))
    assert code == 2 and "没有工作表“基本信息”" in err and "template --format xlsx" in err
