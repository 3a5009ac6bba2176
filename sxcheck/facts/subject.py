"""Whose body or system a statement is about: the submitting region's, or another level's.

A county writes "我县已接入市级城市运行管理服务平台": it uses its city's platform;
that is no evidence the county has one of its own. For a measure asking the
region's own body or system (`own_region`), a sentence that names another
level's ("市级", "省级", the parent city's name before a body or system) and
none of the region's own ("县级平台已接入市级平台" names one) is set aside.
The words are rules data (lexicon `subject`); the logic here is generic.
"""

from __future__ import annotations

import re

from sxcheck.catalogue.schema import SubjectWords
from sxcheck.models import Level

_BREAK = re.compile(r"[\d，,。；;、：:]")
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

    def other_level(
        self,
        text: str,
        spans: list[tuple[int, int]],
        denied: list[tuple[int, int]] | None = None,
    ) -> str | None:
        """The qualifier (as written) by which a sentence whose matches are `spans` speaks
        of another level's body or system and never of the region's own, or None.

        The whole sentence is read, not the match: in "我县已接入市级城市运行管理服务平台，
        县领导可通过市级驾驶舱查看…，累计调阅2300余次" the count of uses is the city's
        cockpit's, though no qualifier stands in its clause. The region's own is named
        when a body or system comes before the first qualifier ("县级平台已接入市级平台",
        "平台已接入省级平台") or an own-level qualifier names one anywhere ("…，同时建成县级
        领导驾驶舱"); one named in a `denied` (negated) clause is not ("我县未单独建设县级领导
        驾驶舱，依托市级领导驾驶舱开设专区")."""
        if self.other is None or not spans:
            return None
        denied = denied or []
        # an own body named in a denied clause ("我县未单独建设县级领导驾驶舱") is none
        if self.own is not None and any(
            self._names_own(text, m.end()) and not any(a <= m.start() < b for a, b in denied)
            for m in self.own.finditer(text)
        ):
            return None
        for match in self.other.finditer(text):
            if not self._names_body(text, match.end()):
                continue  # "市级专项资金1200万元用于驾驶舱建设" names no body or system
            named = (n for n in self.nouns.finditer(text, 0, match.start()))
            if any(not any(a <= n.start() < b for a, b in denied) for n in named):
                return None  # a body or system named first is the subject
            return match.group()
        return None

    def _names_own(self, text: str, end: int) -> bool:
        """Does an own-level qualifier ending at `end` name a body or system of the region's
        ("县级领导驾驶舱"), not stand before another's ("石楼坪县已接入市级平台")?"""
        assert self.other is not None
        stop = min(len(text), end + _NOUN_AFTER)
        other = self.other.search(text, end, stop)
        return self._names_body(text, end, other.start() if other else stop)

    def _names_body(self, text: str, end: int, stop: int | None = None) -> bool:
        """Is the qualifier ending at `end` part of a body's or system's name: a noun of
        the lexicon after it, with no number or clause mark between ("市级城市运行管理服务
        平台", "市级“领导驾驶舱”"; not "市级专项资金1200万元用于驾驶舱")?"""
        stop = min(len(text), end + _NOUN_AFTER) if stop is None else stop
        noun = self.nouns.search(text, end, stop)
        return noun is not None and not _BREAK.search(text, end, noun.start())
