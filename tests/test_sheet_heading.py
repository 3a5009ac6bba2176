"""A statistics sheet's header is found below its title rows, so its rows back figures.

Offices head a sheet with a title ("…统计表"), often a 填报单位 line, then the column
header; the first row is not the header. These sheets are built in code the way
such workbooks look, then judged as a whole submission.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from sxcheck.ingest import parse_document
from tests.conftest import check_json
from tests.docbuilders import write_xlsx

HOSPITALS = [
    ["桑干市三级医院信息化建设情况统计表（2024年）"],
    ["填报单位：桑干市卫生健康委员会", "填报日期：2025年1月6日"],
    ["序号", "医院名称", "三级医院数（家）", "已建立电子病历的医院数（家）"],
    [1, "市第一人民医院", 1, 1],
    [2, "市中医医院", 1, 1],
    [3, "市妇幼保健院", 1, 1],
    ["合计", None, 3, 3],
]


def _read(path: Path):
    data = path.read_bytes()
    return parse_document(data, path.name, hashlib.sha256(data).hexdigest())


def test_the_header_is_the_row_above_the_first_figures(tmp_path: Path) -> None:
    doc = _read(write_xlsx(tmp_path / "统计表.xlsx", {"三级医院": HOSPITALS}))
    total = next(u for u in doc.units if u.text.startswith("合计"))
    # the context names each of the row's cells' header, in the order of its text
    assert total.text == "合计 | 3 | 3"
    assert total.context.endswith("序号 | 三级医院数（家） | 已建立电子病历的医院数（家）")
    assert [c.address for c in total.cells] == ["A7", "C7", "D7"]
    assert "桑干市三级医院信息化建设情况统计表（2024年）" in total.context  # the caption
    assert "填报单位：桑干市卫生健康委员会" in total.context  # a note line, not a header
    hospital = next(u for u in doc.units if u.location == "sheet 三级医院 row 4")
    assert hospital.row_label == "市第一人民医院"  # not its 序号
    assert [c.header for c in hospital.cells][1] == "医院名称"
    title = doc.units[0]
    assert title.context == total.context.rsplit(" 序号", 1)[0]  # the caption alone


def test_a_sheet_without_figures_keeps_its_first_row_as_header(tmp_path: Path) -> None:
    rows = [["系统名称", "等保级别", "测评结论"], ["政务外网", "三级", "符合"]]
    doc = _read(write_xlsx(tmp_path / "等保.xlsx", {"等保": rows}))
    assert doc.units[1].context == "等保 系统名称 | 等保级别 | 测评结论"


def test_the_total_row_under_a_titled_header_backs_the_declaration(tmp_path: Path) -> None:
    root = tmp_path / "桑干市-2024"
    write_xlsx(root / "佐证材料" / "三级医院信息化统计表.xlsx", {"三级医院": HOSPITALS})
    (root / "submission.yaml").write_text(
        'region: 桑干市\nlevel: city\nyear: 2024\nindicators:\n  "2.4.1": {numerator: 3, denominator: 3}\n',
        encoding="utf-8",
    )
    code, report, err = check_json(root, "--no-store")
    assert report is not None, err
    item = {i["id"]: i for i in report["indicators"]}["2.4.1"]
    codes = [r["code"] for r in item["reasons"]]
    assert item["status"] == "pass" and "corroborated" in codes, item["reasons"]
