"""A bad declaration lists every problem in one run, in Chinese, with its line or cell (issue 19).

Each kind of mistake a city makes in `submission.yaml` or `submission.xlsx`
is written here as that city would write it; `sxcheck check` must exit 2 and
print the one Chinese line that names it (file:line or sheet!cell), with a
"是否为 …？" for a near miss. Several mistakes come back together: a line
counting them, then one line each, in the order of the file.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from openpyxl import load_workbook

from .conftest import MINIMAL, check_json, run_cli

PREFIX = "sxcheck: error: "


def _error(root: Path) -> list[str]:
    """The lines of the one error `check` prints (asserting exit 2 and no traceback)."""
    code, out, err = run_cli("check", str(root), "--no-store", "--quiet")
    assert code == 2, (code, out[-500:], err)
    assert "Traceback" not in err and err.startswith(PREFIX), err
    return err.removeprefix(PREFIX).rstrip("\n").split("\n")


def _yaml(tmp_path: Path, text: str) -> Path:
    root = tmp_path / "submission"
    root.mkdir(parents=True, exist_ok=True)
    (root / "submission.yaml").write_text(text, encoding="utf-8")
    return root


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "regoin: 测试县\nlevel: county\nyear: 2024\n",
            "submission.yaml:1: 未知字段 'regoin'（是否为 region？）",
        ),
        (
            MINIMAL + 'indicators:\n  "2.5.9": {numerator: 1, denominator: 2}\n',
            "submission.yaml:6: 指标 2.5.9 不存在（是否为 2.5.1、2.5.2、2.5.3？）",
        ),
        (
            MINIMAL + 'indicators:\n  "1.1.1": {numerator: 1, denominater: 2}\n',
            "submission.yaml:6: 指标 1.1.1 未知字段 'denominater'（是否为 denominator？）",
        ),
        (
            MINIMAL + 'indicators:\n  "3.1.1":\n    coverge: {numerator: 1, denominator: 2}\n',
            "submission.yaml:7: 指标 3.1.1 没有测量项 'coverge'（是否为 coverage？）",
        ),
        (
            MINIMAL + 'indicators:\n  "3.1.1": {numerator: 1, denominator: 2}\n',
            "submission.yaml:6: 指标 3.1.1 有多个测量项，请分别在各自的键下申报："
            "coverage、smart_camera_share、intact",
        ),
        (
            MINIMAL + 'indicators:\n  "1.1.2": {value: 85%}\n',
            "submission.yaml:6: 指标 1.1.2 value（数值）填了 '85%'：带百分号的不是数字，"
            "请只填数字 85（比率请填分子和分母，百分比由 sxcheck 计算）",
        ),
        (
            MINIMAL + 'indicators:\n  "1.1.1": {numerator: 1, denominator: 50%}\n',
            "submission.yaml:6: 指标 1.1.1 denominator（分母）填了 '50%'："
            "分子和分母应为数量（个数、人数等），不带百分号",
        ),
        (
            MINIMAL + 'indicators:\n  "1.1.2": 85\n',
            "submission.yaml:6: 指标 1.1.2 应为映射，如 {value: 85}",
        ),
        ("", "submission.yaml:1: 文件是空的，应写明 region、level、year 和 indicators"),
        (
            MINIMAL + 'indicators:\n  "2.2.1": {covered: [网站, 微博]}\n',
            "submission.yaml:6: 指标 2.2.1 覆盖项 '微博' 不在该指标的选项中"
            "（选项：网站、自助服务一体机、手机APP、12333电话、短信）",
        ),
        (
            MINIMAL + 'indicators:\n  "2.2.1":\n    covered:\n      - 网站\n      - 手机app\n',
            "submission.yaml:9: 指标 2.2.1 覆盖项 '手机app' 不在该指标的选项中（是否为 手机APP？）",
        ),
        (
            "region: 测试县\nlevel: province\nyear: 2024\n",
            "submission.yaml:2: 层级应为 city（市级）或 county（县级），而不是 'province'",
        ),
        ("region: 测试县\nlevel: county\n", "submission.yaml:1: 缺少 year（年度）"),
        (
            MINIMAL + "year: 2025\n",
            "submission.yaml:5: 键 year 重复（第一次在第 3 行）",
        ),
        (
            MINIMAL + 'indicators:\n  "1.1.1": {numerator: 1, denominator: 2}\n'
            '  "1.1.1": {numerator: 2, denominator: 2}\n',
            "submission.yaml:7: 键 1.1.1 重复（第一次在第 6 行）",
        ),
        ("region: [测试县\n", "submission.yaml:2: YAML 格式错误（括号未闭合）"),
    ],
    ids=[
        "near-miss-key",
        "unknown-id",
        "near-miss-field",
        "near-miss-measure",
        "flat-ratios-item",
        "percent-in-value",
        "percent-in-denominator",
        "bare-number",
        "empty-file",
        "option-not-in-list",
        "option-near-miss",
        "level",
        "missing-year",
        "duplicate-key",
        "duplicate-item",
        "invalid-yaml",
    ],
)
def test_each_yaml_mistake_is_one_chinese_line(tmp_path, text, expected):
    assert _error(_yaml(tmp_path, text)) == [expected]


def test_several_yaml_mistakes_are_listed_in_one_run(tmp_path):
    text = (
        "# 测试县自评表\n"
        "regoin: 测试县\n"
        "level: 县级\n"
        "year: 2024\n"
        "indicators:\n"
        '  "1.1.1": {numerator: 1, denominater: 2}\n'
        '  "2.5.9": {numerator: 1, denominator: 2}\n'
        '  "1.1.2": {value: 85%}\n'
        '  "2.2.1": {covered: [网站, 微博]}\n'
    )
    assert _error(_yaml(tmp_path, text)) == [
        "submission.yaml 有 5 处错误：",
        "  submission.yaml:2: 未知字段 'regoin'（是否为 region？）",
        "  submission.yaml:6: 指标 1.1.1 未知字段 'denominater'（是否为 denominator？）",
        "  submission.yaml:7: 指标 2.5.9 不存在（是否为 2.5.1、2.5.2、2.5.3？）",
        "  submission.yaml:8: 指标 1.1.2 value（数值）填了 '85%'：带百分号的不是数字，"
        "请只填数字 85（比率请填分子和分母，百分比由 sxcheck 计算）",
        "  submission.yaml:9: 指标 2.2.1 覆盖项 '微博' 不在该指标的选项中"
        "（选项：网站、自助服务一体机、手机APP、12333电话、短信）",
    ]


@pytest.mark.parametrize(("word", "level"), [("市级", "city"), ("县级", "county")])
def test_level_and_year_in_chinese_are_accepted_as_on_the_excel_form(tmp_path, word, level):
    root = _yaml(tmp_path, f"region: 测试\nlevel: {word}\nyear: 2024年\n")
    code, report, err = check_json(root, "--no-store")
    assert code in (0, 1), err
    assert report is not None and report["submission"]["level"] == level
    assert report["submission"]["year"] == 2024  # 2024年, as people write it


# ---------------------------------------------------------------- submission.xlsx


def _form(tmp_path: Path, info: dict[str, object], cells: list[tuple[str, str, object]]) -> Path:
    """The blank form of `sxcheck template`, typed into: 基本信息 by label, 自评表 by
    (指标编号, column header); an ID not on the form is typed into a new row."""
    blank = tmp_path / "blank.xlsx"
    code, _, err = run_cli("template", "--format", "xlsx", "--level", "city", "-o", str(blank))
    assert code == 0, err
    book = load_workbook(blank)
    sheet = book["基本信息"]
    values = {"地区": "测试市", "层级": "市级", "年度": 2024, **info}
    for row in sheet.iter_rows(min_row=2):
        if row[0].value in values:
            row[1].value = values[row[0].value]
    sheet = book["自评表"]
    header = [c.value for c in sheet[1]]
    for item, column, value in cells:
        row = next((r for r in sheet.iter_rows(min_row=2) if r[0].value == item), None)
        if row is None:
            number = sheet.max_row + 1
            sheet.cell(row=number, column=1, value=item)
            sheet.cell(row=number, column=header.index("测量项") + 1, value="rate")
            row = sheet[number]
        sheet.cell(row=row[0].row, column=header.index(column) + 1, value=value)
    root = tmp_path / "submission"
    root.mkdir()
    book.save(root / "submission.xlsx")
    return root


@pytest.mark.parametrize(
    ("info", "cells", "expected"),
    [
        (
            {},
            [("1.1.2", "数值", "85%")],
            "submission.xlsx:自评表!J3: 指标 1.1.2 数值填了 '85%'：带百分号的不是数字，"
            "请只填数字 85（比率请填分子和分母，百分比由 sxcheck 计算）",
        ),
        (
            {},
            [("1.1.1", "分子", "约三百")],
            "submission.xlsx:自评表!H2: 指标 1.1.1 分子应为数字，而不是 '约三百'",
        ),
        (
            {},
            [("2.2.1", "覆盖项", "网站、微博")],
            "submission.xlsx:自评表!L13: 指标 2.2.1 覆盖项 '微博' 不在该指标的选项中"
            "（选项：网站、自助服务一体机、手机APP、12333电话、短信）",
        ),
        (
            {},
            [("2.5.9", "分子", 1)],
            "submission.xlsx:自评表!A83: 指标 2.5.9 不存在（是否为 2.5.1、2.5.2、2.5.3？）",
        ),
        (
            {"层级": "省级"},
            [],
            "submission.xlsx:基本信息!B3: 层级应为 city（市级）或 county（县级），而不是 '省级'",
        ),
        ({"年度": None}, [], "submission.xlsx:基本信息!B4: 缺少 year（年度）"),
    ],
    ids=["percent", "word", "option", "unknown-id", "level", "missing-year"],
)
def test_each_form_mistake_is_one_chinese_line_naming_the_cell(tmp_path, info, cells, expected):
    assert _error(_form(tmp_path, info, cells)) == [expected]


def test_several_form_mistakes_are_listed_in_one_run(tmp_path):
    root = _form(
        tmp_path,
        {"层级": "省级", "年度": "2024.5"},
        [
            ("1.1.1", "分子", "约三百"),
            ("1.1.2", "数值", "85%"),
            ("2.2.1", "覆盖项", "网站、微博"),
            ("2.5.9", "分子", 1),
        ],
    )
    assert _error(root) == [
        "submission.xlsx 有 6 处错误：",
        "  submission.xlsx:基本信息!B3: 层级应为 city（市级）或 county（县级），而不是 '省级'",
        "  submission.xlsx:基本信息!B4: 年度应为整年，如 2024，而不是 '2024.5'",
        "  submission.xlsx:自评表!H2: 指标 1.1.1 分子应为数字，而不是 '约三百'",
        "  submission.xlsx:自评表!J3: 指标 1.1.2 数值填了 '85%'：带百分号的不是数字，"
        "请只填数字 85（比率请填分子和分母，百分比由 sxcheck 计算）",
        "  submission.xlsx:自评表!L13: 指标 2.2.1 覆盖项 '微博' 不在该指标的选项中"
        "（选项：网站、自助服务一体机、手机APP、12333电话、短信）",
        "  submission.xlsx:自评表!A83: 指标 2.5.9 不存在（是否为 2.5.1、2.5.2、2.5.3？）",
    ]


def test_a_row_declared_twice_names_both_rows(tmp_path):
    root = _form(tmp_path, {}, [("1.1.1", "分子", 3), ("1.1.1", "分母", 4)])
    book = load_workbook(root / "submission.xlsx")
    sheet = book["自评表"]
    copy = [c.value for c in sheet[2]]
    for column, value in enumerate(copy, start=1):
        sheet.cell(
            row=sheet.max_row + 1 if column == 1 else sheet.max_row, column=column, value=value
        )
    book.save(root / "submission.xlsx")
    assert _error(root) == [
        "submission.xlsx:自评表!83: 指标 1.1.1 测量项 coverage 重复申报（第一次在第 2 行）"
    ]


def test_a_long_list_is_cut_with_a_count(tmp_path):
    indicators = "".join(f'  "9.9.{n}": {{value: 1}}\n' for n in range(60))
    lines = _error(_yaml(tmp_path, MINIMAL + "indicators:\n" + indicators))
    assert lines[0] == "submission.yaml 有 60 处错误："
    assert len(lines) == 1 + 50 + 1 and lines[-1] == "  …另有 10 处错误未列出"


def test_the_sources_own_wording_of_an_option_is_declared_as_that_option(
    tmp_path: Path,
) -> None:
    """The 指标说明 of 2.2.2 names its four services at length (异地居住人员领取社会保险待遇
    资格协助认证, 国家异地就医结算, …比对査询 with the source's 査): a city copying them into
    `covered` declares the four options, counted against the evidence as their keys. A
    name that could be two options stays a problem."""
    services = [
        "社保关系转移",
        "异地居住人员领取社会保险待遇资格协助认证",
        "国家异地就医结算",
        "养老保险待遇状态比对査询",
    ]
    root = _yaml(
        tmp_path, MINIMAL + f'indicators:\n  "2.2.2": {{covered: [{", ".join(services)}]}}\n'
    )
    (root / "说明.txt").write_text(
        "全县已实现社保关系转移接续、领取社会保险待遇资格协助认证、异地就医结算和养老保险"
        "待遇状态比对查询等4项异地业务联网办理。",
        encoding="utf-8",
    )
    code, report, err = check_json(root, "--no-store")
    assert code == 0, err
    item = next(j for j in report["indicators"] if j["id"] == "2.2.2")
    assert item["status"] == "pass", item["reasons"]
    both = _yaml(
        tmp_path / "two",
        MINIMAL + 'indicators:\n  "2.2.2": {covered: [社保关系转移和异地就医结算]}\n',
    )
    assert _error(both)[0].startswith(
        "submission.yaml:6: 指标 2.2.2 覆盖项 '社保关系转移和异地就医结算' 不在该指标的选项中"
    )
