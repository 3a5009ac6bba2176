"""What may cross into durable_rules: safe identifiers and bounded integers only.

durable_rules re-parses everything it is given with its own C JSON parser,
which the Python side feeds `json.dumps(..., ensure_ascii=False)`. That
parser is not safe for arbitrary values (all found by the issue-13 review
and reproduced):

- a float written with an exponent and no decimal point (`1e-05`, `1e+16`,
  `inf` as `Infinity`) crashes the whole process with SIGSEGV, and in a rule
  definition it is "Could not create ruleset, error code 204";
- integers beyond int64 (10**20) are compared wrongly;
- a string with `"`, `\\`, a newline or NUL breaks the session state ("Could
  not get state, error code 309", "pyGetState Invalid argument").

So every value is translated here, the same way in rule conditions and in
facts, so comparisons keep their meaning:

- numbers become integers in millionths (`scaled`), saturated at
  +-ENGINE_MAX_UNITS; every threshold a rule or profile may set lies well
  inside that range (bands are bounded by MAX_BAND_MAGNITUDE), so saturating
  a larger figure cannot change which side of a threshold it is on; two
  figures closer than a millionth compare as equal;
- a string of the safe alphabet passes unchanged (rule ids, item ids,
  measure keys, the fixed vocabulary of fact fields); any other string is
  replaced by a digest, so equality tests still work but its text never
  reaches the engine;
- NaN has no place in an order and is refused: the stages before the
  engine never produce it (declared figures are validated finite).
"""

from __future__ import annotations

import hashlib
import math
import re
from decimal import Decimal
from typing import Any

from sxcheck.limits import MAX_BAND_MAGNITUDE

SCALE = 1_000_000  # a number crosses as an integer count of millionths
# int64 holds 9.2e18; 2e12 x 1e6 = 2e18 leaves room and lies above every band
ENGINE_MAX_UNITS = 2 * MAX_BAND_MAGNITUDE * SCALE
_DECIMAL_DIGITS = len(str(ENGINE_MAX_UNITS // SCALE))  # a Decimal this long saturates
SAFE_TEXT = re.compile(r"[A-Za-z0-9_.:/#-]{1,128}")
_OPERATOR = re.compile(r"\$[a-z]{1,8}")


class WireError(ValueError):
    """A value that cannot cross into the engine (NaN, or an unknown type)."""


def scaled(number: float | int | Decimal) -> int:
    """A number as saturated millionths: exact for ints, monotone for all."""
    if isinstance(number, float | Decimal) and math.isnan(number):
        raise WireError("NaN cannot be compared")
    if isinstance(number, Decimal):
        # adjusted(): the leading digit's exponent, so 1e1000000000 needs no arithmetic
        if number.is_infinite() or (number != 0 and number.adjusted() >= _DECIMAL_DIGITS):
            return ENGINE_MAX_UNITS if number > 0 else -ENGINE_MAX_UNITS
        units = int((number * SCALE).to_integral_value())
    elif abs(number) >= ENGINE_MAX_UNITS // SCALE:  # also inf, before any arithmetic
        return ENGINE_MAX_UNITS if number > 0 else -ENGINE_MAX_UNITS
    else:
        units = round(number * SCALE)
    return max(-ENGINE_MAX_UNITS, min(ENGINE_MAX_UNITS, units))


def safe_text(text: str) -> str:
    """The text itself when it is of the safe alphabet, else a digest of it."""
    if SAFE_TEXT.fullmatch(text):
        return text
    return "h_" + hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:32]


def _key(key: str) -> str:
    """An operator (`$and`, `$gte`) as it is; a field name made safe like any text."""
    return key if _OPERATOR.fullmatch(key) else safe_text(key)


def wire(value: Any) -> Any:
    """A rule condition or fact payload with every value made engine-safe."""
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, int | float | Decimal):
        return scaled(value)
    if isinstance(value, str):
        return safe_text(value)
    if isinstance(value, dict):
        return {_key(str(k)): wire(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [wire(v) for v in value]
    raise WireError(f"a {type(value).__name__} cannot cross into the engine")
