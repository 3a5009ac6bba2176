"""The first characters a regular expression can match: a lookahead put before the
cue scanner, so a position no cue can start at fails in one test."""

from __future__ import annotations

import importlib
import re
from typing import Any


def first_chars(pattern: str) -> str | None:
    """A character class of every character a match of `pattern` can begin with, or
    None when any could (a negated class, a category, a dot). Put before the scanner
    as a lookahead, it makes every other position fail in one test instead of trying
    each of the lexicon's alternatives there."""
    try:  # the standard library's own regex parser (not in the typing stubs)
        c = importlib.import_module("re._constants")
        parser = importlib.import_module("re._parser")
    except ImportError:  # pragma: no cover - a Python without the 3.11 module names
        return None
    try:
        parsed = parser.parse(pattern)
        if parsed.state.flags & re.IGNORECASE:
            return None  # a letter would stand for its other case too
        chars, nullable = _firsts(parsed, c)
    except (TypeError, ValueError, AttributeError):  # pragma: no cover - an unknown op
        return None
    if chars is None or nullable or not chars:
        return None
    return "[" + "".join(re.escape(ch) for ch in sorted(chars)) + "]"


def _firsts(ops: Any, c: Any) -> tuple[set[str] | None, bool]:
    """(first characters or None for any, whether the ops can match empty)."""
    found: set[str] = set()
    for op, av in ops:
        if op is c.LITERAL:
            return found | {chr(av)}, False
        if op is c.IN:
            for kind, value in av:
                if kind is c.LITERAL:
                    found.add(chr(value))
                elif kind is c.RANGE and value[1] - value[0] < 2048:
                    found.update(chr(v) for v in range(value[0], value[1] + 1))
                else:
                    return None, False
            return found, False
        if op in (c.AT, c.ASSERT, c.ASSERT_NOT):
            continue  # zero width: the next op consumes the first character
        if op is c.BRANCH:
            alts = [_firsts(alt, c) for alt in av[1]]
            nullable = False
            for chars, empty in alts:
                if chars is None:
                    return None, False
                found |= chars
                nullable = nullable or empty
        elif op is c.SUBPATTERN:
            if av[1] & re.IGNORECASE:
                return None, False
            chars, nullable = _firsts(av[-1], c)
            if chars is None:
                return None, False
            found |= chars
        elif op in (c.MAX_REPEAT, c.MIN_REPEAT, c.POSSESSIVE_REPEAT):
            chars, empty = _firsts(av[2], c)
            if chars is None:
                return None, False
            found |= chars
            nullable = empty or av[0] == 0
        else:
            return None, False
        if not nullable:
            return found, False
    return found, True
