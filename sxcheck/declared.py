"""Checks of the declaration's values (region, year, declared figures) for `models.Manifest`.

A declared value is hostile input: it reaches file names, reports and, as a
number, the engine and the message formatter. So a name is bounded and
free of control characters, a year is a whole year, and a figure is finite,
of bounded magnitude and digits, and written as a plain decimal before any
later stage formats or compares it (`Decimal('1e1000000000')` parses in no
time, but formatting it would not end). Every refusal is a one-line message
that names the problem, never the value (the value may be 1 MB or a
terminal escape). Raised as PydanticCustomError so the message reads as
written, without pydantic's "Value error," prefix.
"""

from __future__ import annotations

import math
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


def _error(kind: str, message: str, **context: Any) -> PydanticCustomError:
    return PydanticCustomError(kind, message, context or None)


def has_control(text: str) -> bool:
    """Any character that is not printable text (ordinary spaces are fine)."""
    return any(unicodedata.category(ch) in _REFUSED_CATEGORIES for ch in text)


def clean_name(value: Any, field: str) -> str:
    """A region or parent name: stripped, 1..MAX_NAME_CHARS printable characters."""
    if not isinstance(value, str):
        raise _error("name_type", f"{field} must be text, such as 晋阳市")
    if len(value) > 4 * MAX_NAME_CHARS:  # before any per-character work on a 1 MB name
        raise _error("name_long", f"{field} is longer than {MAX_NAME_CHARS} characters")
    name = value.strip()
    if not name:
        raise _error("name_empty", f"{field} is empty")
    if len(name) > MAX_NAME_CHARS:
        raise _error("name_long", f"{field} is longer than {MAX_NAME_CHARS} characters")
    if has_control(name):
        raise _error("name_control", f"{field} contains control characters")
    return name


def clean_label(value: Any, field: str) -> Any:
    """A short text beside a figure (unit, covered option): bounded, printable."""
    if isinstance(value, str) and (len(value) > MAX_NAME_CHARS or has_control(value)):
        raise _error("label", f"{field} must be at most {MAX_NAME_CHARS} printable characters")
    return value


def clean_year(value: Any) -> int:
    """A whole year in YEAR_RANGE: 2024, "2024" or 2024.0; never 2024.9 silently read as 2024."""
    low, high = YEAR_RANGE
    expected = f"year must be a whole year from {low} to {high}, such as 2024"
    if isinstance(value, bool):
        raise _error("year", expected)
    if isinstance(value, str):
        text = value.strip()
        if not (1 <= len(text) <= 4 and text.isascii() and text.isdigit()):
            raise _error("year", expected)
        value = int(text)
    if isinstance(value, float | Decimal):
        if not math.isfinite(value):
            raise _error("year", expected)
        if value != int(value):
            raise _error("year", "year must be a whole year, not a fraction, such as 2024")
        value = int(value)
    if not isinstance(value, int) or not low <= value <= high:
        raise _error("year", expected)
    return value


def _too_many_digits(field: str) -> PydanticCustomError:
    return _error("digits", f"{field} has more than {MAX_NUMBER_DIGITS} digits")


def _too_large(field: str) -> PydanticCustomError:
    return _error("figure_large", f"{field} must be below {_MAGNITUDE} in magnitude")


def clean_figure(value: Any, field: str) -> Decimal | None:
    """A declared figure as a plain, finite Decimal of bounded magnitude and digits."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float | str | Decimal):
        raise _error("figure_type", f"{field} must be a number")
    if isinstance(value, int) and value.bit_length() > 4 * MAX_NUMBER_DIGITS:
        raise _too_many_digits(field)  # before str(): 10**5000 would raise, 10**400 is slow
    if isinstance(value, float) and not math.isfinite(value):
        raise _error("figure_finite", f"{field} must be a finite number")
    if isinstance(value, str):
        value = value.strip()
        if len(value) > 2 * MAX_NUMBER_DIGITS + 8:  # sign, point, separators, exponent
            raise _too_many_digits(field)
        try:
            number = Decimal(value)
        except InvalidOperation:
            raise _error("figure_type", f"{field} must be a number") from None
        except ArithmeticError:  # Overflow: an exponent beyond the decimal context (1e1000000000)
            raise _too_large(field) from None
    else:
        number = Decimal(repr(value)) if isinstance(value, float) else Decimal(value)
    if not number.is_finite():
        raise _error("figure_finite", f"{field} must be a finite number")
    # adjusted() is the exponent of the leading digit: no arithmetic on 1e1000000000
    if number != 0 and number.adjusted() >= _MAGNITUDE_DIGITS:
        raise _too_large(field)
    if number.as_tuple().exponent < -MAX_NUMBER_DIGITS:  # type: ignore[operator]
        raise _error("figure_decimals", f"{field} has more than {MAX_NUMBER_DIGITS} decimals")
    plain = Decimal(format(number, "f"))  # 1E+5 -> 100000: later stages see plain decimals
    if len(plain.as_tuple().digits) > MAX_NUMBER_DIGITS:
        raise _too_many_digits(field)
    return plain
