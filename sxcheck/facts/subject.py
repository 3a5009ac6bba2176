"""Whose body or system a statement is about: the submitting region's, or another level's.

A county writes "我县已接入市级城市运行管理服务平台": it uses its city's platform;
that is no evidence the county has one of its own. For a measure asking the
region's own body or system (`own_region`), a match qualified by another
level ("市级", "省级", the parent city's name) with no body of the region's own
named before it in its clause ("县级平台已接入市级平台" names one) is set aside.
The words are rules data (lexicon `subject`); the logic here is generic.
"""

from __future__ import annotations

import re

from sxcheck.catalogue.schema import SubjectWords
from sxcheck.models import Level

_CLAUSE_START = re.compile(r"[，,；;。：:！？]")
_BEFORE = 8  # characters before a match a qualifier may stand in ("接入市级平台")
_NOUN_AFTER = 24  # how far after a qualifier its body or system's noun may come


def _alternation(words: list[str], region: str, parent: str | None) -> re.Pattern[str] | None:
    filled = []
    for word in words:
        if "{parent}" in word and not parent:
            continue
        filled.append(
            word.replace("{parent}", re.escape(parent or "")).replace("{region}", re.escape(region))
        )
    return re.compile("|".join(f"(?:{w})" for w in filled)) if filled else None


class SubjectCheck:
    """The lexicon's subject words for one submission (its level, name and parent)."""

    def __init__(
        self, words: SubjectWords, level: Level, region: str = "", parent: str | None = None
    ):
        self.other = _alternation(words.other_level.get(level, []), region, parent)
        self.own = _alternation(words.own_level.get(level, []), region, parent)
        self.nouns = re.compile("|".join(map(re.escape, words.system_nouns)) or "(?!)")

    def other_level(self, text: str, spans: list[tuple[int, int]]) -> str | None:
        """The qualifier (as written) by which a matched statement is about another level's
        body or system, or None when any match is about the region's own."""
        if self.other is None or not spans:
            return None
        found: str | None = None
        for start, end in spans:
            qualifier = self._other_at(text, start, end)
            if qualifier is None:
                return None  # one match about the region's own is enough
            found = qualifier
        return found

    def _other_at(self, text: str, start: int, end: int) -> str | None:
        assert self.other is not None
        clause_start = max((m.end() for m in _CLAUSE_START.finditer(text, 0, start)), default=0)
        window_start = max(clause_start, start - _BEFORE)
        for match in self.other.finditer(text, window_start, end):
            after = text[match.end() : match.end() + _NOUN_AFTER]
            if not self.nouns.search(after):
                continue  # "市级财政资金" names no body or system
            before = text[clause_start : match.start()]
            if self.nouns.search(before) or (self.own is not None and self.own.search(before)):
                continue  # "县级平台已接入市级平台": the region's own is the subject
            return match.group()
        return None
