"""Facts: declared figures + evidence sentences -> one fact per item measure.

This stage does the reading (which sentence speaks about a measure, what
figures it states, whether they back or contradict the declaration); the
engine then decides the status from these facts alone. Every fact keeps the
quotes it rests on, grouped by role.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from sxcheck.catalogue.loader import RuleSet
from sxcheck.catalogue.schema import ItemRule, MeasureRule
from sxcheck.facts import forgetting, keywords
from sxcheck.facts.compare import (
    fmt_number,
    fmt_percent,
)
from sxcheck.facts.denials import Denials
from sxcheck.facts.figure_facts import FigureFacts
from sxcheck.facts.observe import Unhedged, is_not_done
from sxcheck.facts.ocr import Folding, mark_uncertain
from sxcheck.facts.periods import Periods
from sxcheck.facts.qualitative import QualitativeReader
from sxcheck.facts.qualitative_fact import qualitative_fact
from sxcheck.facts.quotes import Omitted, cap_quotes, joined_with_previous
from sxcheck.facts.relevance import matches, relevant_text
from sxcheck.facts.tables import TableReader, table_key
from sxcheck.facts.totals import StatedTotal, cross_check_denominators
from sxcheck.models import (
    DeclaredMeasure,
    Evidence,
    Fact,
    Level,
    OfficialInfo,
    Sentence,
)

LEVEL_NAMES = {"city": "市级", "county": "县级"}


class FactBuilder(FigureFacts):
    """Builds the facts of one submission from its sentences and declaration."""

    def __init__(
        self,
        rules: RuleSet,
        sentences: list[Sentence],
        level: Level,
        years: set[int] | None = None,
        region: str = "",
        parent: str | None = None,
        officials: dict[str, OfficialInfo] | None = None,
    ):
        self.rules = rules
        # each document as an official document (evidence.official), by its path
        self.officials = officials or {}
        self.qualitative_reader = QualitativeReader(rules, level, years, region, parent)
        self.periods = Periods(years)  # only figures of these years (or undated) are compared
        self.level = level
        self.sentences = sentences
        self.joined = joined_with_previous(sentences)
        self.not_done = [re.compile(p) for p in rules.lexicon.not_done]
        self.whole = [Unhedged(p, rules.lexicon.whole_hedges) for p in rules.lexicon.whole]
        words = sorted(rules.lexicon.figures.divisions, key=len, reverse=True)
        self.divisions = re.compile("|".join(map(re.escape, words))) if words else None
        self.change = re.compile("|".join(rules.lexicon.change)) if rules.lexicon.change else None
        self.rule_statement = [re.compile(p) for p in rules.lexicon.rule_statement]
        self.continues = [re.compile(p) for p in rules.lexicon.continues_previous]
        self.interim = [re.compile(p) for p in rules.lexicon.interim]
        self.total_row = re.compile("|".join(rules.lexicon.total_row) or "(?!)")
        self.date = re.compile(rules.lexicon.date)
        # per measure: (total, what it is quoted of, the range its written precision
        # stands for)
        self.stated_totals: dict[str, list[StatedTotal]] = {}
        # quotes of a role that `cite` left out, for cap_quotes to count
        self.omitted: Omitted = {}
        self.total_label = re.compile("|".join(rules.lexicon.total_label) or "(?!)")
        self.total_before = re.compile(rules.lexicon.total_before)
        self._tables: dict[str, list[Sentence]] | None = None
        self._mentions: keywords.Mentions | None = None  # made by _mention_index
        self._positions: dict[int, int] = {}  # per measure, made by _mentioning
        self.folding = Folding(rules.ocr_confusions)  # OCR sentences' keywords (facts.ocr)
        self.ocr_min = rules.ocr_min_confidence
        # table rows read by their headers, their cells named, their 合计 checked (facts.tables)
        self.tables = TableReader(rules.lexicon.table_headers, self.periods, sentences)
        # tables' 合计 rows that state something done: found once, tried for every ratio
        self.total_rows = [
            s
            for s in sentences
            if s.cells and self.total_row.match(s.text) and not is_not_done(s.text, self.not_done)
        ]
        # what a declared figure no document states is denied by ("尚未建成", facts.denials)
        self.denials = Denials(self.qualitative_reader, self.folding, rules.lexicon.figures, years)
        # per fact: the counts it compared and its rate in percent (for the cells to name)
        self.compared: dict[str, tuple[list[Decimal], Decimal | None]] = {}

    # ------------------------------------------------------------ helpers

    def _mentioning(self, measure: MeasureRule) -> list[tuple[Sentence, str]]:
        """Every sentence about the measure, whatever its modality (a sentence whose subject
        is named in the one before it, "其中418所…", is read joined with it)."""
        found: list[tuple[Sentence, str]] = []
        # where each sentence found stands, for the lookups around it (facts.apart): of
        # this measure's only, so it never holds every sentence of a large submission
        self._positions = {}
        # one scan of every sentence for every measure's keywords (facts.keywords): only
        # the sentences that may mention the measure are read, exactly as before
        mentions = self._mention_index()
        spots = mentions.of(measure.evidence) if mentions is not None else None
        own, joins = spots if spots is not None else (None, None)
        positions = range(len(self.sentences)) if own is None else sorted(own | (joins or set()))
        for index in positions:
            sentence = self.sentences[index]
            text = (
                relevant_text(sentence, measure.evidence, self.folding)
                if own is None or index in own
                else None
            )
            if (
                text is None
                and (joins is None or index in joins)
                and self.joined.joinable(index)
                and self._continues(sentence)
                and self._figures(sentence)
            ):
                # "全市共有学校420所。其中418所已实现无线网络覆盖。": the subject is named
                # in the sentence before the figures; quote both.
                joined = self.joined[index]
                assert joined is not None
                text = relevant_text(joined, measure.evidence, self.folding)
                sentence = joined
            if text is not None:
                found.append((sentence, text))
                self._positions[id(sentence)] = index
        return found

    def _mention_index(self) -> keywords.Mentions | None:
        """The sentences each measure may be about, found in one scan on first use
        (None: facts.keywords is off, every sentence is tested)."""
        if not keywords.ENABLED:
            return None
        if self._mentions is None:
            # the cheap tests first: a sentence's numbers are read only when it
            # continues the one before it ("其中…"), its join only made then
            joinable = [
                self.joined[i]
                if self.joined.joinable(i) and self._continues(s) and self._figures(s)
                else None
                for i, s in enumerate(self.sentences)
            ]
            self._mentions = keywords.Mentions(self.rules, self.sentences, joinable)
        return self._mentions

    def _continues(self, sentence: Sentence) -> bool:
        """Does the sentence go on from the one before it ("其中…", lexicon continues_previous)?"""
        return any(p.search(sentence.text) for p in self.continues)

    @staticmethod
    def _figures(sentence: Sentence) -> bool:
        """Does the sentence state a measure figure (its numbers read, once, if need be)?"""
        return any(q.is_measure_figure for q in sentence.quantities)

    def _relevant(self, measure: MeasureRule) -> tuple[list[tuple[Sentence, str]], list[Sentence]]:
        """Sentences about the measure: (done ones with their figure text, planned ones).

        A row of an attachment list or 目录 states nothing about the measure; what a
        draft (征求意见稿) says is being drafted, not done: both are plans at most.
        """
        done: list[tuple[Sentence, str]] = []
        planned: list[Sentence] = []
        for sentence, text in self._mentioning(measure):
            if sentence.listing:
                continue
            drafted = sentence.issued is not None and bool(sentence.issued.draft)
            # a task table's row due after the period is a plan, however its task is worded
            drafted = drafted or self.qualitative_reader.row_planned(sentence)
            if not drafted and not is_not_done(sentence.text, self.not_done):
                done.append((sentence, text))
                continue
            planned.append(sentence)
            if drafted:
                continue
            # "规划已印发实施；实施方案（征求意见稿）已完成意见征集": the plan clause
            # does not undo the done one. The done clauses, if they still speak of
            # the measure, count as done (quoting the whole sentence).
            rest = self._done_clauses(sentence)
            rest_text = relevant_text(rest, measure.evidence, self.folding) if rest else None
            if rest is not None and rest_text is not None:
                done.append((rest, rest_text))
                at = self._positions.get(id(sentence))
                if at is not None:  # its place, for the lookups around it (facts.apart)
                    self._positions[id(rest)] = at
        return self._totals_only(done), planned

    def _done_clauses(self, sentence: Sentence) -> Sentence | None:
        """The sentence without its planned parts, or None when nothing done is left.

        Statements split at "；" stand apart. Within one, a plan scopes what
        follows it ("到2025年，我市将构建…" is all plan), so only the clauses
        before the first planned one are kept ("各企业建成监控系统，…正在编制方案").
        """
        reader = self.qualitative_reader
        if not any(
            c.modality == "done" for c in reader.modality.clauses(sentence.text, reader.year)
        ):
            return None  # "到2025年底，…；…；社保服务实现五种渠道办理": its frame reaches all
        kept: list[str] = []
        dropped = False
        for statement in _STATEMENT.split(sentence.text):
            for clause in _CLAUSE.split(statement):
                if is_not_done(clause, self.not_done):
                    dropped = True
                    break
                if clause.strip():
                    kept.append(clause)
        if not kept or not dropped:
            return None
        # the kept clauses' numbers keep the roles and periods read on the whole sentence
        text, quantities, searched = "", [], 0
        for clause in kept:
            at = sentence.text.find(clause, searched)
            searched = at + len(clause)
            if text:
                text += "，"
            quantities += [
                q.model_copy(
                    update={"start": q.start - at + len(text), "end": q.end - at + len(text)}
                )
                for q in sentence.quantities
                if at <= q.start and q.end <= at + len(clause)
            ]
            text += clause
        return sentence.model_copy(update={"text": text, "quantities": quantities})

    def _totals_only(self, done: list[tuple[Sentence, str]]) -> list[tuple[Sentence, str]]:
        """Of a table's rows about a measure, keep its total row when it has one.

        A table by school type (中小学 58/52, 职业院校 2/2, 合计 60/54) states the
        measure in its 合计 row; the other rows are parts, not other claims.
        """
        totals: set[str] = set()
        for sentence, _ in done:
            if sentence.kind != "paragraph" and self.total_row.match(sentence.text):
                totals.add(table_key(sentence))
        return [
            (s, t)
            for s, t in done
            if s.kind == "paragraph" or table_key(s) not in totals or self.total_row.match(s.text)
        ]

    def _fact(
        self, item: ItemRule, measure: MeasureRule, planned: list[Sentence], **data: Any
    ) -> Fact:
        """A measure's fact; plan/target sentences are kept to quote as planned_not_done
        (only the quotes it keeps are built: a 规划 is all plan, facts.quotes.cite)."""
        fact = Fact(
            id=f"{item.id}/{measure.key}",
            kind="measure",
            item=item.id,
            measure=measure.key,
            data={"mkind": measure.kind, "planned": len(planned), "set_aside": 0, **data},
            evidence={},
            params={"measure": measure.name, "rounding": ""},
        )
        fact.evidence["planned"] = self._cite(fact, "planned", planned)
        return fact

    def count(self, item: ItemRule, measure: MeasureRule, declared: DeclaredMeasure | None) -> Fact:
        done, planned = self._relevant(measure)
        found: dict[str, Evidence] = {}
        names = [alias for option in measure.options for alias in option.aliases]
        for option in measure.options:
            for sentence, _ in done:
                if self._states_option(sentence, option.aliases, names):
                    found[option.key] = sentence.evidence
                    break
        n = len(measure.options)
        fact = self._fact(item, measure, planned, source="none", valid=True, k=0, n=n, share=0.0)
        if declared is not None and declared.covered is not None:
            claimed = [_option_key(measure, name) for name in declared.covered]
            backed = [key for key in claimed if key in found]
            missing = [
                name
                for name, key in zip(declared.covered, claimed, strict=True)
                if key not in found
            ]
            k = len(set(backed))
            fact.data.update(
                source="declared",
                k=k,
                share=k / n,
                corroborated=not missing,
                missing=len(missing),
            )
            fact.evidence["support"] = [found[key] for key in dict.fromkeys(backed)]
            fact.params.update(
                options="、".join(dict.fromkeys(backed)) or "无",
                missing="、".join(missing),
                declared="、".join(declared.covered),
            )
        elif found:
            fact.data.update(source="evidence", k=len(found), share=len(found) / n, missing=0)
            fact.evidence["used"] = list(found.values())
            fact.params.update(options="、".join(found), declared="、".join(found))
        fact.params.update(
            k=str(fact.data["k"]),
            n=str(n),
            value=f"{fact.data['k']}/{n}项",
            missing_list=fact.params.get("missing", ""),
        )
        return fact

    def qualitative(self, item: ItemRule, measure: MeasureRule) -> Fact:
        """The fact of a qualitative measure (facts.qualitative_fact)."""
        mentions = [s for s, _ in self._mentioning(measure)]
        return qualitative_fact(
            self.qualitative_reader,
            item,
            measure,
            mentions,
            [s for s in mentions if is_not_done(s.text, self.not_done)],
            self.officials,
            self._fact,
        )

    def _states_option(
        self, sentence: Sentence, aliases: list[str], names: Sequence[str] = ()
    ) -> bool:
        """Does the sentence name the option in a clause that says it is done ("智慧医疗、
        智慧教育已建成"; not "智慧交通尚未建成", evidence.modality; nor a plan's task,
        "三是完成自助服务一体机部署" under a report's 2025年工作打算)?"""
        text = sentence.text
        lowered = text.lower()
        reader = self.qualitative_reader
        for alias in aliases:
            at = lowered.find(alias.lower())
            if at >= 0 and reader.option_done(sentence, at, at + len(alias), names):
                return True
        return False

    def not_applicable(self, item: ItemRule, measure: MeasureRule) -> Fact:
        fact = self._fact(item, measure, [], source="not_applicable")
        fact.params.update(
            levels="、".join(LEVEL_NAMES[lv] for lv in measure.levels),
            level=LEVEL_NAMES[self.level],
        )
        return fact

    # ------------------------------------------------------------ entry

    def _last_readers(
        self, declared: dict[str, dict[str, DeclaredMeasure]]
    ) -> forgetting.LastReaders | None:
        """Which measure reads each sentence last, in build order (facts.forgetting),
        the numbers of those none reads forgotten now; None when the keyword index is
        off (every measure may read every sentence) or forgetting is."""
        mentions = self._mention_index()
        if mentions is None or not forgetting.ENABLED:
            return None
        steps = [(item, m) for item in self.rules.items.values() for m in item.measures]
        readers = forgetting.LastReaders(
            mentions,
            [m for _, m in steps],
            self.sentences,
            self.joined,
            self.total_rows,
            [m.key in declared.get(item.id, {}) for item, m in steps],
        )
        readers.unread()
        return readers

    def build(self, declared: dict[str, dict[str, DeclaredMeasure]]) -> list[Fact]:
        facts: list[Fact] = []
        last_readers = self._last_readers(declared)
        step = -1
        for item in self.rules.items.values():
            item_declared = declared.get(item.id, {})
            for measure in item.measures:
                if last_readers is not None and step >= 0:
                    last_readers.done(step)  # numbers no later measure reads go
                step += 1
                figures = item_declared.get(measure.key)
                if self.level not in measure.levels:
                    facts.append(self.not_applicable(item, measure))
                elif measure.kind == "ratio":
                    facts.append(self.ratio(item, measure, figures))
                elif measure.kind in ("value", "rank"):
                    fact = self.value(item, measure, figures)
                    if measure.kind == "rank":
                        fact.data.update(ranked=False, standing=0.0)  # a batch ranks it
                    facts.append(fact)
                elif measure.kind == "count":
                    facts.append(self.count(item, measure, figures))
                else:
                    facts.append(self.qualitative(item, measure))
        if last_readers is not None:
            last_readers.done(step)
        cross_check_denominators(self.rules, facts, self.stated_totals, self.omitted)
        for fact in facts:
            compared = self.compared.get(fact.id)
            if compared is not None:
                self.tables.check_sums(fact, compared[0])  # a 合计 not the sum of its parts
            # the quotes it keeps get their numbers noted, before name_cells copies them
            self.periods.note_cited(fact)
            if compared is not None:
                self.tables.name_cells(fact, *compared)
            mark_uncertain(fact, self.ocr_min)  # a figure only low-confidence OCR lines back
            cap_quotes(fact, left=self.omitted)
        return facts


_STATEMENT = re.compile(r"[；;]")
_CLAUSE = re.compile(r"[，,]")


def matches_any(words: list[str], text: str) -> bool:
    lowered = text.lower()
    return any(word.lower() in lowered for word in words)


def _option_key(measure: MeasureRule, name: str) -> str:
    option = measure.option_named(name)
    return option.key if option is not None else name


def build_facts(
    rules: RuleSet,
    sentences: list[Sentence],
    level: Level,
    declared: dict[str, dict[str, DeclaredMeasure]],
    years: set[int] | None = None,
    region: str = "",
    parent: str | None = None,
    officials: dict[str, OfficialInfo] | None = None,
) -> list[Fact]:
    """All facts of one submission: one per item measure.

    `years`: the evaluation period; only figures stated for it (or undated) are
    compared with the declaration.
    """
    builder = FactBuilder(rules, sentences, level, years, region, parent, officials)
    return builder.build(declared)


__all__ = ["build_facts", "fmt_number", "fmt_percent", "matches"]
