"""Find quantities in Chinese text: 96.5%, 百分之九十六点五, 九成, 1.2万个, 三百二十所, 1,234项.

cn2an converts bare Chinese numerals but does not find them in running text
nor handle 万 after Arabic digits, percentages or thousands separators; this
thin layer finds the spans and hands the numeral part to cn2an. Values are
Decimals and every quantity keeps the exact span it came from, so a figure
can always be quoted.

Not quantities: years and dates (2024年, 3月), ordinals (第三), names with
digits (5G, IPv6, 12333 as a hotline), document numbers (〔2023〕82号).

This finder gives figures only, all with the default role and period. The
evidence stage reads sentences with `figures.read_numbers`, which gives every
number (identifiers, dates and scores too) with its role, its period and its
precision; `find_quantities` stays for callers that have bare text.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from decimal import Decimal, InvalidOperation
from functools import cache
from typing import Any

from sxcheck.limits import MAX_NUMBER_DIGITS
from sxcheck.models import Quantity

# 1:1 replacements, so spans in the normalised text are spans in the original.
_WIDTH = str.maketrans("０１２３４５６７８９％．，", "0123456789%.,")

_CN_DIGITS = "零〇一二两三四五六七八九"
_CN_ALL = _CN_DIGITS + "十百千万亿"
# Measure words and units, longest first so 平方公里 wins over 公里.
UNITS = sorted(
    [
        "个百分点",
        "万平方米",
        "平方公里",
        "平方千米",
        "平方米",
        "万千瓦时",
        "千瓦时",
        "万千瓦",
        "千瓦",
        "万人次",
        "人次",
        "万户",
        "万元",
        "亿元",
        "元",
        "公里",
        "千米",
        "Mbps",
        "Gbps",
        "MB/s",
        "Mb/s",
        "兆",
        "个",
        "所",
        "家",
        "项",
        "座",
        "条",
        "户",
        "台",
        "套",
        "人",
        "名",
        "件",
        "类",
        "处",
        "辆",
        "栋",
        "路",
        "宗",
        "批",
        "部",
        "款",
        "张",
        "次",
        "根",
        "盏",
        "块",
        "只",
        "间",
        "吨",
        "亩",
        "公顷",
        "km²",
        "km2",
        "m²",
        "个点位",
        "点位",
        "个点",
        "万",
    ],
    key=len,
    reverse=True,
)
_UNIT = "|".join(re.escape(u) for u in UNITS)
# Measure words that only count things: a 站点 (个) and a 站牌 (块) can be part and whole;
# physical units (吨, 元, 平方公里) cannot stand for a count of something else.
CLASSIFIERS = frozenset(
    [
        "个",
        "所",
        "家",
        "项",
        "座",
        "条",
        "户",
        "台",
        "套",
        "人",
        "名",
        "件",
        "类",
        "处",
        "辆",
        "栋",
        "路",
        "宗",
        "批",
        "部",
        "款",
        "张",
        "次",
        "根",
        "盏",
        "块",
        "只",
        "间",
        "点位",
        "个点位",
        "个点",
        "万户",
        "人次",
        "万人次",
    ]
)
_ARABIC = r"\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?"
_CHINESE = rf"[{_CN_ALL}]+(?:点[{_CN_DIGITS}]+)?"

_PATTERN = re.compile(
    rf"""
    (?P<pct_prefix>百分之)(?P<pct_num>{_ARABIC}|{_CHINESE})
    | (?P<num>{_ARABIC})\s*(?P<mult>万|亿)?\s*(?P<suffix>%|‰|成)?
    | (?P<cn>{_CHINESE})(?P<cn_cheng>成)?
    """,
    re.VERBOSE,
)
_UNIT_AFTER = re.compile(rf"\s*(?P<unit>{_UNIT})")


def normalise(text: str) -> str:
    """Full-width digits and signs to ASCII, same length."""
    return text.translate(_WIDTH)


# The longest Chinese numeral a figure needs (九千九百九十九亿九千九百九十九万… is 23);
# a longer run is a word or an attack, and cn2an's time grows with the square of it.
MAX_CN_NUMERAL = 32


@cache
def _cn2an() -> Any:
    """cn2an, imported on the first Chinese numeral: it builds its converters at import
    (a third of a second), which a run whose text has none (a re-check) never needs."""
    import cn2an

    return cn2an.cn2an


def _cn_value(text: str) -> Decimal | None:
    if len(text) > MAX_CN_NUMERAL:
        return None
    if not any(ch in _CN_DIGITS + "十" for ch in text):
        return None  # "万人", "百兆": a multiplier alone is a word, not a number
    try:
        return Decimal(str(_cn2an()(text, "smart")))
    except (ValueError, KeyError, InvalidOperation, TypeError):
        return None


def _arabic_value(text: str) -> Decimal:
    return Decimal(text.replace(",", ""))


# (?<!\d): start at the first digit of a run only; from every digit of a long run
# `\d+` would read to its end (quadratic in the run).
_SCALE = re.compile(r"(?<!\d)\d+(?:\.\d+)?\s*[:∶：]\s*\d+(?:\.\d+)?")
_ACRONYM_BEFORE = re.compile(r"[A-Z]{2,}$")


def _skip_arabic(text: str, start: int, end: int) -> bool:
    """Digits that are part of a name, a date, an ordinal, a scale or a document number."""
    before = text[start - 1] if start > 0 else ""
    after = text[end] if end < len(text) else ""
    if before.isascii() and before.isalpha():
        # IPv6, S3A3G3 are names; "PUE1.28" is an acronym followed by its value
        decimal = "." in text[start:end]
        return not (decimal and _ACRONYM_BEFORE.search(text[max(0, start - 8) : start]))
    if before == "第" or (before and before in "〔["):
        return True
    if after and after in "年月日时号〕]":
        return True
    return after == "-" and text[end + 1 : end + 2].isdigit()


def find_quantities(text: str) -> list[Quantity]:
    """Every quantity in `text`, in order, with value, unit and span."""
    norm = normalise(text)
    # 1:2000 地形图, 车桩比3:1 (non-overlapping and in order, so a bisect finds the one)
    scales = [m.span() for m in _SCALE.finditer(norm)]
    scale_starts = [a for a, _ in scales]
    found: list[Quantity] = []
    for match in _PATTERN.finditer(norm):
        start, end = match.span()
        at = bisect_right(scale_starts, start) - 1
        if at >= 0 and start < scales[at][1]:
            continue
        written: Decimal | None = None
        value: Decimal | None
        unit: str | None = None
        is_percent = False
        if match.group("pct_prefix"):
            numeral = match.group("pct_num")
            if numeral == "百":
                value = Decimal(100)  # 百分之百
            else:
                value = _cn_value(numeral) if numeral[0] in _CN_ALL else _arabic_value(numeral)
            unit, is_percent = "%", True
        elif match.group("num"):
            if sum(ch.isdigit() for ch in match.group("num")) > MAX_NUMBER_DIGITS:
                continue  # a run of digits that long is an identifier, never a figure
            if _skip_arabic(norm, start, match.end("num")) and not match.group("suffix"):
                continue
            value = written = _arabic_value(match.group("num"))
            if match.group("mult"):
                value *= 10_000 if match.group("mult") == "万" else 100_000_000
            suffix = match.group("suffix")
            if suffix == "%":
                unit, is_percent = "%", True
            elif suffix == "‰":
                value, unit, is_percent = value / 10, "%", True
            elif suffix == "成":
                value, unit, is_percent = value * 10, "%", True
        else:
            cn_text = match.group("cn")
            if match.start() > 0 and norm[match.start() - 1] in "第星周":
                continue
            value = _cn_value(cn_text)
            if value is None:
                continue
            if match.group("cn_cheng"):
                value, unit, is_percent = value * 10, "%", True
        if value is None:
            continue
        if not is_percent:
            after = _UNIT_AFTER.match(norm, end)
            if after:
                unit = after.group("unit")
                if unit == "个百分点":
                    unit = "pp"
                end = after.end()
            elif match.group("cn"):
                continue  # a Chinese numeral with no unit is a word (一体化, 十四五)
            elif norm[end : end + 1].isascii() and norm[end : end + 1].isalpha():
                continue  # 5G, 4K
        found.append(
            Quantity(
                value=value,
                written=written,
                unit=unit,
                is_percent=is_percent,
                text=text[start:end],
                start=start,
                end=end,
            )
        )
    return found


def decimals_shown(quantity: Quantity) -> int:
    """How many decimal places the text showed (96.9% -> 1), for rounding tolerance."""
    match = re.search(r"[.．点](\d+|[零〇一二三四五六七八九]+)", quantity.text)
    return len(match.group(1)) if match else 0
