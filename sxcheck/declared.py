"""Checks of the declaration's values (region, year, declared figures) for `models.Manifest`.

A declared value is hostile input: it reaches file names, reports and, as a
number, the engine and the message formatter. So a name is bounded and
free of control characters, a year is a whole year, and a figure is finite,
of bounded magnitude and digits, and written as a plain decimal before any
later stage formats or compares it (`Decimal('1e1000000000')` parses in no
time, but formatting it would not end). Every refusal is a one-line message,
in Chinese for the city filling in the form, that names the problem, never
the value (the value may be 1 MB or a terminal escape); '85%' typed as a
figure is explained, it is the commonest slip. Raised as PydanticCustomError
so the message reads as written, without pydantic's "Value error," prefix.
"""

from __future__ import annotations

import math
import re
import unicodedata
from decimal import Decimal, InvalidOperation
from typing import Any

from pydantic_core import PydanticCustomError

from sxcheck.limits import MAX_DECLARED_MAGNITUDE, MAX_NAME_CHARS, MAX_NUMBER_DIGITS

# control, format (bidi overrides, zero-width), surrogates, line and paragraph separators
_REFUSED_CATEGORIES = {"Cc", "Cf", "Cs", "Zl", "Zp"}
YEAR_RANGE = (2000, 2100)
_MAGNITUDE_DIGITS = round(math.log10(MAX_DECLARED_MAGNITUDE))  # a power of ten
_MAGNITUDE = f"10^{_MAGNITUDE_DIGITS}"
_PERCENT = re.compile(r"[ \t]*[-+]?\d+(?:\.\d+)?[ \t]*[%％][ \t]*")

# what each declaration key is called on the Excel form (自评表 / 基本信息)
FIELD_NAMES = {
    "region": "地区",
    "level": "层级",
    "year": "年度",
    "parent": "上级城市",
    "indicators": "申报指标",
    "numerator": "分子",
    "denominator": "分母",
    "value": "数值",
    "unit": "单位",
    "covered": "覆盖项",
}


def field_name(key: str) -> str:
    """`year（年度）`: the YAML key and what the form calls it, so both readers find it."""
    chinese = FIELD_NAMES.get(key)
    return f"{key}（{chinese}）" if chinese else key


def percent_hint(value: object, field: str = "value") -> str:
    """Why '85%' is not a figure and what to write instead; '' for any other value."""
    if isinstance(value, str) and len(value) < 40 and _PERCENT.fullmatch(value):
        shown = value.strip()
        number = shown.rstrip("%％").strip()
        if field in ("numerator", "denominator"):
            return f"填了 '{shown}'：分子和分母应为数量（个数、人数等），不带百分号"
        return (
            f"填了 '{shown}'：带百分号的不是数字，请只填数字 {number}"
            "（比率请填分子和分母，百分比由 sxcheck 计算）"
        )
    return ""


def _error(kind: str, message: str, **context: Any) -> PydanticCustomError:
    return PydanticCustomError(kind, message, context or None)


def has_control(text: str) -> bool:
    """Any character that is not printable text (ordinary spaces are fine)."""
    return any(unicodedata.category(ch) in _REFUSED_CATEGORIES for ch in text)


def clean_name(value: Any, field: str) -> str:
    """A region or parent name: stripped, 1..MAX_NAME_CHARS printable characters."""
    if not isinstance(value, str):
        raise _error("name_type", f"{field_name(field)}应为文字，如 晋阳市")
    if len(value) > 4 * MAX_NAME_CHARS:  # before any per-character work on a 1 MB name
        raise _error("name_long", f"{field_name(field)}超过 {MAX_NAME_CHARS} 个字符")
    name = value.strip()
    if not name:
        raise _error("name_empty", f"{field_name(field)}为空")
    if len(name) > MAX_NAME_CHARS:
        raise _error("name_long", f"{field_name(field)}超过 {MAX_NAME_CHARS} 个字符")
    if has_control(name):
        raise _error("name_control", f"{field_name(field)}含有控制字符")
    return name


def clean_label(value: Any, field: str) -> Any:
    """A short text beside a figure (unit, covered option): bounded, printable."""
    if isinstance(value, str) and (len(value) > MAX_NAME_CHARS or has_control(value)):
        raise _error("label", f"{field_name(field)}应为不超过 {MAX_NAME_CHARS} 个可打印字符的文字")
    return value


def clean_year(value: Any) -> int:
    """A whole year in YEAR_RANGE: 2024, "2024" or 2024.0; never 2024.9 silently read as 2024."""
    low, high = YEAR_RANGE
    expected = f"year（年度）应为 {low} 至 {high} 之间的整年，如 2024"
    if isinstance(value, bool):
        raise _error("year", expected)
    if isinstance(value, str):
        text = value.strip().removesuffix("年")  # 2024年, as the Excel form accepts it
        if not (1 <= len(text) <= 4 and text.isascii() and text.isdigit()):
            raise _error("year", expected)
        value = int(text)
    if isinstance(value, float | Decimal):
        if not math.isfinite(value):
            raise _error("year", expected)
        if value != int(value):
            raise _error("year", "year（年度）应为整年，不能带小数，如 2024")
        value = int(value)
    if not isinstance(value, int) or not low <= value <= high:
        raise _error("year", expected)
    return value


def _not_a_number(field: str, value: object) -> PydanticCustomError:
    hint = percent_hint(value, field)
    if hint:
        return _error("figure_percent", f"{field_name(field)}{hint}")
    return _error("figure_type", f"{field_name(field)}应为数字")


def _too_many_digits(field: str) -> PydanticCustomError:
    return _error("digits", f"{field_name(field)}超过 {MAX_NUMBER_DIGITS} 位数字")


def _too_large(field: str) -> PydanticCustomError:
    return _error("figure_large", f"{field_name(field)}的绝对值应小于 {_MAGNITUDE}")


def clean_figure(value: Any, field: str) -> Decimal | None:
    """A declared figure as a plain, finite Decimal of bounded magnitude and digits."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float | str | Decimal):
        raise _not_a_number(field, value)
    if isinstance(value, int) and value.bit_length() > 4 * MAX_NUMBER_DIGITS:
        raise _too_many_digits(field)  # before str(): 10**5000 would raise, 10**400 is slow
    if isinstance(value, float) and not math.isfinite(value):
        raise _error("figure_finite", f"{field_name(field)}应为有限的数字")
    if isinstance(value, str):
        value = value.strip()
        if len(value) > 2 * MAX_NUMBER_DIGITS + 8:  # sign, point, separators, exponent
            raise _too_many_digits(field)
        try:
            number = Decimal(value)
        except InvalidOperation:
            raise _not_a_number(field, value) from None
        except ArithmeticError:  # Overflow: an exponent beyond the decimal context (1e1000000000)
            raise _too_large(field) from None
    else:
        number = Decimal(repr(value)) if isinstance(value, float) else Decimal(value)
    if not number.is_finite():
        raise _error("figure_finite", f"{field_name(field)}应为有限的数字")
    # adjusted() is the exponent of the leading digit: no arithmetic on 1e1000000000
    if number != 0 and number.adjusted() >= _MAGNITUDE_DIGITS:
        raise _too_large(field)
    if number.as_tuple().exponent < -MAX_NUMBER_DIGITS:  # type: ignore[operator]
        raise _error("figure_decimals", f"{field_name(field)}的小数超过 {MAX_NUMBER_DIGITS} 位")
    plain = Decimal(format(number, "f"))  # 1E+5 -> 100000: later stages see plain decimals
    if len(plain.as_tuple().digits) > MAX_NUMBER_DIGITS:
        raise _too_many_digits(field)
    return plain
