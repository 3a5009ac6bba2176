"""A declared figure the documents deny: what it counts is stated as not done at all.

A city declares 45/52 car parks online, and its own 工作总结 lists under 存在问题
"全市公共停车场（库）尚未实现统一联网"; it declares 11/11 counties on the carbon
monitoring platform while its report says "碳达峰碳中和监测平台尚未建成". No document states the
declared figure, and one states the opposite of it: an auditor reads that as a
declaration the evidence contradicts, not one it merely fails to back.

A denial is a clause that says the thing is not there yet, and is itself about the
measure (its keywords):
- read as negated by the modality reader (evidence.modality): "…尚未建成上线";
- or, read as under way or planned, saying it is still being procured or built
  ("项目尚在招标", lexicon figures.not_yet) or that it will be finished or started only
  after the evaluation period ("测评计划于2025年一季度完成" of a 2024 submission,
  figures.later_done).
It has no figure of the measure stated as present in it ("尚有7个未联网" is a count, for
the figure checks), is not about part of the set ("部分停车场尚未联网",
figures.partial_denial), nor about another year, and is not in a plan, a plan section
(下一步工作打算), a draft, a list of documents or a task row due later (a 规划's 现状
describes the plan's base year).
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from sxcheck.catalogue.schema import EvidencePattern, FigureWords
from sxcheck.facts.ocr import Folding, matching
from sxcheck.facts.qualitative import QualitativeReader
from sxcheck.facts.relevance import matches
from sxcheck.models import Sentence

_YEAR = re.compile(r"(20\d\d)\s*年")
_STATEMENT_END = re.compile(r"[；;。！？!?]")


class Denials:
    """Finds the sentences that deny a measure in the evaluation period."""

    def __init__(
        self,
        reader: QualitativeReader,
        folding: Folding,
        words: FigureWords,
        years: set[int] | None,
    ) -> None:
        self.reader = reader
        self.folding = folding
        self.partial = _any(words.partial_denial)
        self.not_yet = _any(words.not_yet)
        self.later_done = _any(words.later_done)
        self.years = years or set()

    def of(
        self, sentences: Iterable[Sentence], pattern: EvidencePattern, subject: bool = False
    ) -> list[Sentence]:
        """The sentences (each once, in order) with a clause that denies what `pattern`
        names (a measure's `denied_by`, else its evidence pattern). `subject` (a
        `denied_by`, which names the system itself): the clause may take the system named
        earlier in its statement as its subject ("特色型工业互联网平台目前正在建设，尚未上线
        运行，暂无企业接入")."""
        found: list[Sentence] = []
        seen: set[int] = set()
        for sentence in sentences:
            if id(sentence) not in seen and self._denies(sentence, pattern, subject):
                seen.add(id(sentence))
                found.append(sentence)
        return found

    def _denies(self, sentence: Sentence, pattern: EvidencePattern, subject: bool = False) -> bool:
        if sentence.listing or sentence.in_plan:
            return False
        issued = sentence.issued
        if issued is not None and issued.draft:
            return False
        reader = self.reader
        if reader.row_planned(sentence):
            return False
        text = sentence.text
        pattern, fold = matching(self.folding, sentence, pattern)
        for clause in reader.modality.clauses(text, reader.year):
            if clause.modality == "done":
                continue
            said = text[clause.start : clause.end]
            # the statement's own opening before the clause ("2021年以前，…"), not the
            # statements before it ("…拟于2025年启动建设；…平台尚未建成上线")
            opening = _STATEMENT_END.split(text[: clause.start])[-1]
            if not self._says_not_yet(clause.modality, said, opening):
                continue
            if self.partial is not None and self.partial.search(said):
                continue
            named = f"{opening}{said}" if subject else said
            if not matches(pattern, fold(named) if fold else named):
                continue
            if not self._states_figure(sentence, clause.start, clause.end):
                return True
        return False

    def _says_not_yet(self, modality: str, said: str, before: str) -> bool:
        # the clause's own years, else the sentence's before it ("2021年以前，…尚未联网")
        years = {int(y) for y in _YEAR.findall(said) or _YEAR.findall(before)}
        if modality == "negated" or (self.not_yet is not None and self.not_yet.search(said)):
            return not years or bool(years & self.years)  # not of another year
        if modality != "planned" or self.later_done is None or not self.years:
            return False
        last = max(self.years)  # "2024年度…测评计划于2025年一季度完成": after the later year
        return any(
            int(year.group(1)) > last and self.later_done.search(said, year.end())
            for year in _YEAR.finditer(said)
        )

    @staticmethod
    def _states_figure(sentence: Sentence, start: int, end: int) -> bool:
        """A figure of the clause stated as it is now (a target's "12个社区" is not)."""
        return any(
            q.is_measure_figure and q.period not in _NOT_NOW and start <= q.start and q.end <= end
            for q in sentence.quantities
        )


_NOT_NOW = ("target", "plan", "change")


def _any(patterns: list[str]) -> re.Pattern[str] | None:
    return re.compile("|".join(f"(?:{p})" for p in patterns)) if patterns else None
