"""Chinese quantities: digits, numerals in words, 万, percentages, separators — and non-quantities."""

from __future__ import annotations

from decimal import Decimal

import pytest

from sxcheck.evidence.quantities import find_quantities


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("覆盖率为96.5%", [("96.5", "%")]),
        ("百分之九十六点五", [("96.5", "%")]),
        ("九成以上", [("90", "%")]),
        ("1.2万个", [("12000", "个")]),
        ("三百二十个重点区域", [("320", "个")]),
        ("1,234项", [("1234", "项")]),
        ("共有学校４２０所", [("420", "所")]),
        ("平均下载速率285.4Mbps", [("285.4", "Mbps")]),
        ("提高3.2个百分点", [("3.2", "pp")]),
        ("PUE值为1.28", [("1.28", None)]),
        ("420所学校中已有418所", [("420", "所"), ("418", "所")]),
        ("5‰", [("0.5", "%")]),
    ],
)
def test_quantities(text, expected):
    found = [(q.value, q.unit) for q in find_quantities(text)]
    assert found == [(Decimal(v), u) for v, u in expected]
    for q in find_quantities(text):
        assert text[q.start : q.end] == q.text  # the span is exact, for quoting


@pytest.mark.parametrize(
    "text",
    [
        "2024年3月6日",
        "5G基站",
        "IPv6网站",
        "晋政办发〔2023〕82号",
        "万人有效专利",
        "一体化大数据中心",
        "第三方运营",
        "十四五规划",
        "三级医院",
    ],
)
def test_not_quantities(text):
    assert find_quantities(text) == []
