"""Hostile declarations (issue 13): `submission.yaml` and the `submission.xlsx` form.

Each input is built here; each must end in one line `sxcheck: error: ...`
naming the file and line (or sheet and cell, or zip part), exit code 2,
within a generous time guard where the bug was a hang, and never a traceback.
The forms start from `sxcheck template --format xlsx` and are then edited
the way an attacker would: their zip parts rewritten.
"""

from __future__ import annotations

import re
import time
import zipfile
from pathlib import Path

import pytest
from openpyxl import load_workbook

from sxcheck.errors import SubmissionError
from sxcheck.ingest.limited import run_limited

from .conftest import MINIMAL, run_cli

MiB = 1024 * 1024
GUARD = 60.0  # seconds: a guard against the hangs of issue 13, not a benchmark


def _refused(root: Path) -> str:
    """Run `check` and return its one error line (asserting exit 2, one line, in time)."""
    started = time.monotonic()
    code, _, err = run_cli("check", str(root), "--no-store", "--quiet")
    assert time.monotonic() - started < GUARD
    assert code == 2, err
    lines = err.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in err, err
    assert lines[0].startswith("sxcheck: error: "), err
    return lines[0].removeprefix("sxcheck: error: ")


def _yaml(tmp_path: Path, text: str) -> Path:
    root = tmp_path / "submission"
    root.mkdir(parents=True)
    (root / "submission.yaml").write_text(text, encoding="utf-8")
    return root


# ---------------------------------------------------------------- submission.yaml

HEAD = "region: 测试县\nlevel: county\nyear: 2024\n"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "x: " + "[" * 10_000 + "]" * 10_000 + "\n",
            "submission.yaml:1: 嵌套超过 32 层（安全限制）",
        ),
        ("x: " + "[" * 40 + "]" * 40 + "\n", "submission.yaml:1: 嵌套超过 32 层（安全限制）"),
        (
            HEAD + "indicators:\n" + "".join(f"{'  ' * (i + 1)}k{i}:\n" for i in range(40)),
            "submission.yaml:36: 嵌套超过 32 层（安全限制）",
        ),
        (
            HEAD + f"indicators: {{1.1.1: {{numerator: {'9' * 5000}, denominator: 1}}}}\n",
            "submission.yaml:4: 数字超过 30 位",
        ),
        (
            HEAD + f"indicators: {{1.1.1: {{numerator: {10**400}, denominator: 1}}}}\n",
            "submission.yaml:4: 数字超过 30 位",
        ),
        (
            "region: a\nlevel: county\nyear: " + "1" * 4301 + "\n",
            "submission.yaml:3: 数字超过 30 位",
        ),
        (HEAD + "year: 2025\n", "submission.yaml:4: 键 year 重复（第一次在第 3 行）"),
        (
            HEAD + "indicators:\n  1.1.1: {numerator: 1, denominator: 2}\n"
            "indicators:\n  1.1.2: {value: 1}\n",
            "submission.yaml:6: 键 indicators 重复（第一次在第 4 行）",
        ),
        (
            HEAD + "indicators:\n  1.1.1: {numerator: 1, denominator: 2}\n"
            "  1.1.1: {numerator: 2, denominator: 2}\n",
            "submission.yaml:6: 键 1.1.1 重复（第一次在第 5 行）",
        ),
        (
            HEAD + "indicators:\n  1.1.1:\n    numerator: 1\n    numerator: 2\n",
            "submission.yaml:7: 键 numerator 重复（第一次在第 6 行）",
        ),
        (
            HEAD + "parent: &p 晋阳市\nregion2: *p\n",
            "submission.yaml:5: 不支持别名（*name），请直接写出取值",
        ),
        (
            HEAD + "---\nregion: b\n",
            "submission.yaml:4: 只能有一个文档（发现了第二个 '---'）",
        ),
        (
            HEAD + "parent: !!python/object:os.system x\n",
            "submission.yaml:4: YAML 格式错误（不支持的标签 !!…）",
        ),
        (HEAD + "parent: 2024-13-45\n", "submission.yaml:4: 有一个取值无法读取（如不存在的日期）"),
    ],
    ids=[
        "nesting-10000",
        "nesting-40",
        "nesting-block",
        "int-5000-digits",
        "int-10**400",
        "year-4301-digits",
        "duplicate-year",
        "duplicate-indicators",
        "duplicate-item",
        "duplicate-measure-field",
        "alias",
        "two-documents",
        "python-tag",
        "bad-date",
    ],
)
def test_hostile_yaml_is_one_line_with_its_line(tmp_path, text, expected):
    assert _refused(_yaml(tmp_path, text)) == expected


@pytest.mark.parametrize(
    "value",
    ["1e309", "1.0e+309", ".inf", "-.inf", ".nan", '"1e1000000000"', '"1E+999999999"', "1.0e400"],
)
def test_numbers_that_parse_are_refused_by_validation_not_a_traceback(tmp_path, value):
    """inf, NaN and huge magnitudes parse; the models refuse them (helper H2's messages)."""
    text = HEAD + f"indicators:\n  1.1.1: {{numerator: {value}, denominator: 1}}\n"
    assert _refused(_yaml(tmp_path, text)).startswith("submission.yaml:5: ")
    year = f"region: a\nlevel: county\nyear: {value}\n"
    assert _refused(_yaml(tmp_path / "year", year)).startswith(
        "submission.yaml:3: year（年度）应为"
    )


def test_a_100_mb_single_line_yaml_is_refused_before_it_is_read(tmp_path):
    root = tmp_path / "submission"
    root.mkdir()
    with open(root / "submission.yaml", "wb") as handle:  # sparse: nothing written to disk
        handle.write(b"region: ")
        handle.truncate(100 * MiB)
    assert _refused(root) == "submission.yaml: 文件过大（104,857,600 字节，上限 2,097,152 字节）"


# ---------------------------------------------------------------- submission.xlsx


def _form(tmp_path: Path, year: object = 2024, figure: object = None) -> Path:
    """A filled form: template, then 基本信息 and one figure of 1.1.1 typed in (openpyxl)."""
    blank = tmp_path / "blank.xlsx"
    code, _, err = run_cli("template", "--format", "xlsx", "--level", "county", "-o", str(blank))
    assert code == 0, err
    book = load_workbook(blank)
    info = book["基本信息"]
    info["B2"], info["B3"], info["B4"], info["B5"] = "测试县", "县级", year, "晋阳市"
    if figure is not None:
        book["自评表"]["H2"] = figure
    root = tmp_path / "submission"
    root.mkdir()
    book.save(root / "submission.xlsx")
    return root


def _rewrite(root: Path, part: str, edit) -> None:
    """Rewrite one zip part of the form: `edit` gets its text and returns the new text."""
    form = root / "submission.xlsx"
    with zipfile.ZipFile(form) as source:
        parts = {info.filename: source.read(info) for info in source.infolist()}
    parts[part] = edit(parts[part].decode("utf-8")).encode("utf-8")
    with zipfile.ZipFile(form, "w", zipfile.ZIP_DEFLATED) as target:
        for name, data in parts.items():
            target.writestr(name, data)


def _cell(sheet_xml: str, ref: str, new: str) -> str:
    """Replace the <c r="ref"> element of a sheet's XML."""
    pattern = re.compile(rf'<c r="{ref}"[^>]*?(?:/>|>.*?</c>)')
    assert pattern.search(sheet_xml), ref
    return pattern.sub(new, sheet_xml, count=1)


INFO_XML, FORM_XML = "xl/worksheets/sheet1.xml", "xl/worksheets/sheet2.xml"
BILLION_LAUGHS = (
    '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
    + "".join(
        f'<!ENTITY lol{i} "{f"&lol{i - 1};" * 10 if i > 1 else "&lol;" * 10}">'
        for i in range(1, 10)
    )
    + "]>"
)


def test_a_filled_form_still_reads(tmp_path):
    root = _form(tmp_path, figure=3)
    code, _, err = run_cli("check", str(root), "--no-store", "--quiet")
    assert code in (0, 1), err


@pytest.mark.parametrize(
    ("part", "edit", "expected"),
    [
        (
            "xl/workbook.xml",
            lambda _: "this is not XML",
            "submission.xlsx: 部件 xl/workbook.xml 不是格式正确的 XML（第 1 行：syntax error）",
        ),
        (
            "xl/styles.xml",
            lambda text: text[: len(text) // 2],
            "submission.xlsx: 部件 xl/styles.xml 不是格式正确的 XML",
        ),
        (
            "xl/workbook.xml",
            lambda text: BILLION_LAUGHS + text.replace("<workbookPr/>", "<workbookPr/>&lol9;", 1),
            "submission.xlsx: 部件 xl/workbook.xml 声明了 DTD 或实体，未读取",
        ),
        (
            "xl/styles.xml",
            lambda text: (
                '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>' + text
            ),
            "submission.xlsx: 部件 xl/styles.xml 声明了 DTD 或实体，未读取",
        ),
        (
            INFO_XML,
            lambda text: text.replace(
                '<dimension ref="A1:C5"/>', '<dimension ref="A1:XFD1048576"/>'
            ),
            "submission.xlsx:基本信息: 1,048,576 行 × 16,384 列，超过 200,000 个单元格（安全限制）",
        ),
        (
            INFO_XML,
            lambda text: text.replace(
                "</sheetData>", '<row r="1048576"><c r="XFD1048576"><v>1</v></c></row></sheetData>'
            ),
            "submission.xlsx:基本信息!199991: 超过 200,000 个单元格（安全限制）",
        ),
        (
            FORM_XML,
            lambda text: text.replace(
                "</sheetData>",
                "<row/>" * 1_000_000 + "</sheetData>",
            ),
            "submission.xlsx:自评表!199224: 超过 200,000 个单元格（安全限制）",
        ),
        (
            INFO_XML,
            lambda text: _cell(text, "B4", '<c r="B4"><v>1e1000000000</v></c>'),
            "submission.xlsx:基本信息!B4: 年度应为有限的数字，而不是 'inf'",
        ),
        (
            INFO_XML,
            lambda text: _cell(
                text, "B4", '<c r="B4" t="inlineStr"><is><t>1e1000000000</t></is></c>'
            ),
            "submission.xlsx:基本信息!B4: 年度数字超出范围（'1e1000000000'）",
        ),
        (
            INFO_XML,
            lambda text: _cell(text, "B4", '<c r="B4"><v>2024.9</v></c>'),
            "submission.xlsx:基本信息!B4: 年度应为整年，如 2024，而不是 '2024.9'",
        ),
        (
            INFO_XML,
            lambda text: _cell(text, "B4", f'<c r="B4"><v>{"9" * 5000}</v></c>'),
            "submission.xlsx:基本信息!4: 有单元格无法读取（数字过长或单元格已损坏）",
        ),
        (
            FORM_XML,
            lambda text: _cell(text, "H2", '<c r="H2" t="inlineStr"><is><t>NaN</t></is></c>'),
            "submission.xlsx:自评表!H2: 指标 1.1.1 分子应为有限的数字，而不是 'NaN'",
        ),
        (
            FORM_XML,
            lambda text: _cell(text, "H2", '<c r="H2"><v>NaN</v></c>'),
            "submission.xlsx:自评表!2: 有单元格无法读取（数字过长或单元格已损坏）",
        ),
        (
            FORM_XML,
            lambda text: _cell(text, "H2", '<c r="H2"><v>-1E+308</v></c>'),
            "submission.xlsx:自评表!H2: 指标 1.1.1 分子数字超出范围（'-1e+308'）",
        ),
    ],
    ids=[
        "workbook-not-xml",
        "styles-truncated",
        "billion-laughs",
        "xxe",
        "dimension-XFD1048576",
        "cell-at-XFD1048576",
        "a-million-rows",
        "year-1e1000000000-number",
        "year-1e1000000000-text",
        "year-2024.9",
        "5000-digit-cell",
        "nan-text-cell",
        "nan-number-cell",
        "huge-cell",
    ],
)
def test_hostile_form_is_one_line_naming_the_part_or_cell(tmp_path, part, edit, expected):
    root = _form(tmp_path, figure=3)
    _rewrite(root, part, edit)
    message = _refused(root)
    assert message.startswith(expected), message


def test_a_formula_without_a_cached_value_is_named_not_dropped(tmp_path):
    root = _form(tmp_path, figure="=1+1")  # openpyxl writes formulas without a cached value
    assert _refused(root) == (
        "submission.xlsx:自评表!H2: 公式没有缓存的计算结果（请在 Excel 或 WPS 中打开并保存）"
    )


def test_a_year_of_2024_point_9_is_refused_naming_the_cell(tmp_path):
    root = _form(tmp_path, year=2024.9)
    assert _refused(root) == "submission.xlsx:基本信息!B4: 年度应为整年，如 2024，而不是 '2024.9'"


def test_a_form_too_large_or_not_a_zip_is_refused(tmp_path):
    root = tmp_path / "big"
    root.mkdir()
    with open(root / "submission.xlsx", "wb") as handle:
        handle.write(b"PK\x03\x04")
        handle.truncate(3 * MiB)
    assert _refused(root) == "submission.xlsx: 文件过大（3,145,728 字节，上限 2,097,152 字节）"
    (root / "submission.xlsx").write_bytes(b"not a workbook at all")
    assert _refused(root) == "submission.xlsx: 不是可读取的 Excel 工作簿（不是 zip 格式）"


def test_a_cell_outside_the_declared_dimension_does_not_hang(tmp_path):
    """A small <dimension> with a cell far outside it: neither trusted nor cut short."""
    root = _form(tmp_path, figure=3)
    _rewrite(
        root,
        INFO_XML,
        lambda text: _cell(text, "C5", '<c r="XFD5"><v>1</v></c>'),
    )
    started = time.monotonic()
    code, _, err = run_cli("check", str(root), "--no-store", "--quiet")
    assert code in (0, 1), err
    assert time.monotonic() - started < GUARD


# ---------------------------------------------------------------- the limited child


def _allocate() -> bytes:
    return b"x" * (3 * 1024 * MiB)


def _sleep() -> None:
    time.sleep(30)


def _refuse() -> None:
    raise SubmissionError("submission.xlsx:自评表!H2: a reason")


def test_the_child_enforces_memory_and_time_and_keeps_messages():
    with pytest.raises(SubmissionError, match=r"^submission.xlsx: 读取所需内存超过 256 MiB"):
        run_limited(_allocate, what="submission.xlsx", memory_mb=256)
    started = time.monotonic()
    with pytest.raises(SubmissionError, match=r"^submission.xlsx: 1 秒内未能读完"):
        run_limited(_sleep, what="submission.xlsx", seconds=1)
    assert time.monotonic() - started < 10
    with pytest.raises(SubmissionError, match=r"^submission.xlsx:自评表!H2: a reason$"):
        run_limited(_refuse, what="submission.xlsx")
    assert run_limited(sum, [1, 2, 3], what="x") == 6


def test_minimal_yaml_still_reads(tmp_path):
    code, _, err = run_cli("check", str(_yaml(tmp_path, MINIMAL)), "--no-store", "--quiet")
    assert code in (0, 1), err


def test_an_external_entity_in_a_sheet_never_reads_the_file(tmp_path):
    canary = tmp_path / "canary.txt"
    canary.write_text("CANARY-xxe-5b1d", encoding="utf-8")
    root = _form(tmp_path, figure=3)
    _rewrite(
        root,
        INFO_XML,
        lambda text: (
            f'<?xml version="1.0"?><!DOCTYPE w [<!ENTITY x SYSTEM "file://{canary}">]>'
            + _cell(text, "B2", '<c r="B2" t="inlineStr"><is><t>&x;</t></is></c>')
        ),
    )
    code, out, err = run_cli("check", str(root), "--no-store", "--quiet")
    assert code == 2 and "CANARY" not in out + err
    assert err.strip() == (
        "sxcheck: error: submission.xlsx: 部件 xl/worksheets/sheet1.xml 声明了 DTD 或实体，未读取"
    )
