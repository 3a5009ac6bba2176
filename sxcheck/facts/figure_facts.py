"""Facts of figure measures (ratios and values): what the documents state beside what
was declared, whether they agree, and which figures were set aside.

A mixin of facts.FactBuilder, split from it by idea: the builder finds the sentences
about a measure (`_relevant`) and makes facts (`_fact`); these methods read figures.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from sxcheck.catalogue.loader import RuleSet
from sxcheck.catalogue.schema import ItemRule, MeasureRule
from sxcheck.facts.apart import StatedApart
from sxcheck.facts.compare import (
    contradicts,
    fmt_number,
    fmt_percent,
    same_figures,
    show,
    show_all,
    states,
    value_agrees,
)
from sxcheck.facts.denials import Denials
from sxcheck.facts.keywords import Mentions
from sxcheck.facts.observe import (
    Observation,
    Unhedged,
    ratio_observation,
    rounded_only,
    states_figures,
    value_observation,
)
from sxcheck.facts.ocr import Folding, certain_first
from sxcheck.facts.periods import Periods
from sxcheck.facts.quotes import Omitted, cite, is_quoted, quoted_keys
from sxcheck.facts.relevance import columns_speak_of
from sxcheck.facts.rows import count_rows
from sxcheck.facts.tables import TableReader, others_figures, table_key
from sxcheck.facts.totals import StatedTotal
from sxcheck.models import (
    DeclaredMeasure,
    Evidence,
    Fact,
    Quantity,
    Sentence,
)


class FigureFacts(StatedApart):
    """Ratio and value facts; the attributes and helpers are FactBuilder's."""

    if TYPE_CHECKING:
        rules: RuleSet
        periods: Periods
        sentences: list[Sentence]
        tables: TableReader
        total_rows: list[Sentence]
        compared: dict[str, tuple[list[Decimal], Decimal | None]]
        stated_totals: dict[str, list[StatedTotal]]
        omitted: Omitted
        total_label: re.Pattern[str]
        whole: list[Unhedged]
        divisions: re.Pattern[str] | None
        change: re.Pattern[str] | None
        interim: list[re.Pattern[str]]
        folding: Folding
        ocr_min: float
        denials: Denials
        _tables: dict[str, list[Sentence]] | None

        def _relevant(
            self, measure: MeasureRule
        ) -> tuple[list[tuple[Sentence, str]], list[Sentence]]: ...

        def _mention_index(self) -> Mentions | None: ...

        def _fact(
            self, item: ItemRule, measure: MeasureRule, planned: list[Sentence], **data: Any
        ) -> Fact: ...

    def _cite(
        self, fact: Fact, role: str, sources: Iterable[Evidence | Sentence]
    ) -> list[Evidence]:
        """The quotes of a role that only `cap_quotes` reads after it is set, built only
        for those it keeps (facts.quotes.cite); the others are counted for it."""
        kept, others = cite(sources)
        if others:
            self.omitted.setdefault(fact.id, {})[role] = others
        return kept

    def _set_aside(
        self, fact: Fact, done: list[tuple[Sentence, str]], planned: list[Sentence]
    ) -> list[Sentence]:
        """Figures about the measure stated for another period: shown, never compared.

        "规划所载2020年基期值45%、2025年目标值100%" is context, not a claim about the
        evaluation year; the trail lists them so a reviewer sees why they did not count.
        Every cited sentence gets its numbers' roles and periods (Evidence.figures).
        Only the quotes the fact keeps are built (a 规划 states every figure for another
        period); the sentences quoted are returned for `_without_interim` to add to.
        """
        labels: list[str] = []
        quoted: list[Sentence] = []
        stated: list[tuple[Sentence, str | None]] = [*done, *((p, None) for p in planned)]
        for sentence, text in stated:
            aside = [q for q in self.periods.within(sentence, text) if self.periods.set_aside(q)]
            self.periods.to_note(sentence)  # noted if a fact keeps it (note_cited)
            if aside:
                labels += [self.periods.label(q) for q in aside]
                quoted.append(sentence)
        if labels:
            fact.data["set_aside"] = len(labels)
            fact.evidence["set_aside"] = self._cite(fact, "set_aside", quoted)
            fact.params["set_aside"] = "、".join(dict.fromkeys(labels))
        return quoted

    # ------------------------------------------------------------ per kind

    def _without_interim(
        self, fact: Fact, disagreeing: list[Observation], aside: list[Sentence]
    ) -> list[Observation]:
        """A figure for part of the year ("截至8月底…93.1%") is progress, not a contradiction
        of the year's declared figure: it is listed as set aside instead."""
        interim = [o for o in disagreeing if any(p.search(o.sentence.text) for p in self.interim)]
        if not interim:
            return disagreeing
        labels = [f"年内阶段性数据{show(o)}" for o in interim]
        earlier = fact.params.get("set_aside")
        fact.params["set_aside"] = "、".join(
            dict.fromkeys([*([earlier] if earlier else []), *labels])
        )
        fact.data["set_aside"] = int(fact.data.get("set_aside", 0)) + len(interim)
        fact.evidence["set_aside"] = self._cite(
            fact, "set_aside", [*aside, *(s for o in interim for s in o.sources)]
        )
        kept = {id(o) for o in interim}
        return [o for o in disagreeing if id(o) not in kept]

    def ratio(self, item: ItemRule, measure: MeasureRule, declared: DeclaredMeasure | None) -> Fact:
        done, planned = self._relevant(measure)
        observations = [
            (self.tables.ratio(s, measure) if text == s.text else None)
            or ratio_observation(
                s,
                text,
                self.whole,
                measure.evidence,
                measure.bounded,
                (measure.numerator or "", measure.denominator or ""),
                self.change,
                quantities=self._own_figures(s, text, measure),
                folding=self.folding,
                divisions=self.divisions,
            )
            for s, text in done
        ]
        quoted = quoted_keys([s for s, _ in done])
        # a table's 合计 row where only some columns speak of the measure (its part rows are
        # parts, not claims; a row per indicator names the measure in its label instead)
        for sentence in self.total_rows:
            if not is_quoted(sentence, quoted) and columns_speak_of(
                sentence, measure.evidence, self.folding
            ):
                observation = self.tables.ratio(sentence, measure)
                if observation is not None:
                    observations.append(observation)
        observations = certain_first(
            [o for o in observations if o.ratio_percent is not None], self.ocr_min
        )
        if measure.table_rows is not None:
            observations += count_rows(self.sentences, measure.table_rows)
        if measure.denominator:
            # totals the documents state, for the cross-item check of one total (an n/n
            # inferred from "均已…" states a count, not the measure's total)
            self.stated_totals[f"{item.id}/{measure.key}"] = [
                (o.denominator, o.sources, o.denominator_range)
                for o in observations
                if o.denominator and not o.inferred
            ]
        fact = self._figure_fact(item, measure, planned)
        aside = self._set_aside(fact, done, planned)
        if declared is not None and (
            declared.numerator is not None or declared.denominator is not None
        ):
            fact = self._declared_ratio(fact, measure, declared, done, observations, aside)
            return self._denied(fact, measure, done, planned)
        if observations:
            best = next((o for o in observations if o.numerator is not None), observations[0])
            ratio = Decimal(best.ratio_percent or 0) / 100
            shown = show(best)
            disagreeing = [
                o
                for o in observations
                if not (o.inferred and o.denominator == best.denominator)
                and not same_figures(o, best)
            ]
            conflict = self._cite(fact, "conflict", (s for o in disagreeing for s in o.sources))
            fact.data.update(
                source="evidence",
                has_value=True,
                value=float(ratio),
                valid=not (measure.bounded and ratio > 1),
                inconsistent=bool(conflict),
                corroborated=True,
            )
            fact.evidence["used"] = best.quotes
            counts = [c for c in (best.numerator, best.denominator) if c is not None]
            self.compared[fact.id] = (counts, best.ratio_percent)
            if best.denominator:
                fact.data["denominator"] = float(best.denominator)
            fact.evidence["conflict"] = conflict
            fact.params.update(value=shown, found=show_all(disagreeing), declared=shown)
            fact.params["detail"] = f"材料载明的比例{shown}超过100%"
        return fact

    def _declared_ratio(
        self,
        fact: Fact,
        measure: MeasureRule,
        declared: DeclaredMeasure,
        done: list[tuple[Sentence, str]],
        observations: list[Observation],
        aside: list[Sentence],
    ) -> Fact:
        num, den = declared.numerator, declared.denominator
        shown = f"{fmt_number(num or 0)}/{fmt_number(den or 0)}"
        fact.params["declared"] = shown
        fact.data.update(source="declared", corroborated=False, inconsistent=False)
        problem = None
        if num is None or den is None:
            problem = "需同时申报分子和分母"
        elif den <= 0:
            problem = f"分母为{fmt_number(den)}，必须大于0"
        elif num < 0:
            problem = f"分子为{fmt_number(num)}，不能为负数"
        elif measure.bounded and num > den:
            problem = f"分子{fmt_number(num)}大于分母{fmt_number(den)}"
        if problem or num is None or den is None:
            fact.data.update(valid=False)
            fact.params["detail"] = problem or ""
            return fact
        ratio = num / den
        self.compared[fact.id] = ([num, den], ratio * 100)
        fact.params["value"] = f"{fmt_percent(ratio)}（{shown}）"
        fact.data.update(valid=True, has_value=True, value=float(ratio), denominator=float(den))
        # membership by identity, never `evidence in list` (pydantic equality, quadratic
        # in 5,000 repeated sentences)
        stating = [(s, self.periods.figures_in(s)) for s, _ in done]
        stating = [(s, fs) for s, fs in stating if states_figures([num, den], fs)]
        support = [s.evidence for s, _ in stating]
        rounded = [q.text for _, fs in stating for q in rounded_only(fs, [num, den])]
        if rounded:
            fact.params["rounding"] = (
                f"（材料所载{'、'.join(dict.fromkeys(rounded))}为约数，在其取整精度内一致）"
            )
        quoted = {id(e) for e in support}
        support += [
            e
            for o in observations
            if states(o, num, den) and id(o.sentence.evidence) not in quoted
            for e in o.quotes
        ]
        if not support:
            support = self._rows_stating(measure, done, num, den)
        if not support:
            support = self._sentences_stating(measure, done, num, den)
        quoted = {id(e) for e in support}
        # every quote of `support` is built: a sentence whose evidence is not is none of them
        disagreeing = [
            o
            for o in observations
            if contradicts(o, num, den)
            and not (o.sentence.evidence_made and id(o.sentence.evidence) in quoted)
        ]
        disagreeing = self._without_interim(fact, disagreeing, aside)
        fact.data.update(corroborated=bool(support), inconsistent=bool(disagreeing))
        fact.evidence["support"] = support
        fact.evidence["conflict"] = self._cite(
            fact, "conflict", (s for o in disagreeing for s in o.sources)
        )
        fact.params["found"] = show_all(disagreeing)
        if not support:
            shares = [
                (Decimal(o.ratio_percent) / 100, show(o))
                for o in disagreeing
                if o.ratio_percent is not None
            ]
            self._documented(fact, measure, shares)
        return fact

    def _figure_fact(self, item: ItemRule, measure: MeasureRule, planned: list[Sentence]) -> Fact:
        """A ratio or value fact before any figure is read: nothing found, nothing denied
        (facts.denials) or contradicted (`_documented`) yet."""
        return self._fact(
            item,
            measure,
            planned,
            source="none",
            valid=True,
            has_value=False,
            value=0.0,
            denied=0,
            contradicted=False,
            documented=0.0,
        )

    def _own_figures(self, sentence: Sentence, text: str, measure: MeasureRule) -> list[Quantity]:
        """The figures of `text` that may count, without a row's cells that are not the
        measure's (facts.tables.others_figures)."""
        figures = self.periods.figures_in(sentence, text)
        if not sentence.cells or text != sentence.text:
            return figures
        headers = [c.header for row in self._rows_of(table_key(sentence)) for c in row.cells]
        others = others_figures(sentence, measure, headers)
        return [q for q in figures if (q.start, q.end) not in others] if others else figures

    @staticmethod
    def _documented(fact: Fact, measure: MeasureRule, figures: list[tuple[Decimal, str]]) -> None:
        """A declaration no document states, which documents state otherwise: the figure
        they give that is best for the city (the highest, the lowest for a lower-is-better
        measure), so the engine can judge by it ("申报46/52，统计表载明21/52")."""
        if not figures:
            return
        pick = min if measure.direction == "lower" else max
        value, shown = pick(figures, key=lambda f: f[0])
        fact.data.update(contradicted=True, documented=float(value))
        fact.params["documented"] = shown

    def _denied(
        self,
        fact: Fact,
        measure: MeasureRule,
        done: list[tuple[Sentence, str]],
        planned: list[Sentence],
    ) -> Fact:
        """A valid declaration no document states, which some document says is not done
        ("…尚未实现统一联网", facts.denials): the sentences saying so, as `denied`."""
        if fact.data.get("corroborated") or not fact.data.get("valid"):
            return fact
        if fact.data.get("contradicted"):
            return fact  # the documents state what is done: judged by that (`_documented`)
        about = [*(s for s, _ in done), *planned]
        pattern = measure.denied_by or measure.evidence
        if measure.denied_by is not None:  # sentences naming the system, not its figure
            mentions = self._mention_index()
            spots = mentions.of(pattern) if mentions is not None else None
            named = range(len(self.sentences)) if spots is None else sorted(spots[0])
            about += [self.sentences[i] for i in named]
        denied = self.denials.of(about, pattern, subject=measure.denied_by is not None)
        denied += [s for s in (*(s for s, _ in done), *planned) if self._later_target(fact, s)]
        denied = list({id(s): s for s in denied}.values())
        fact.data["denied"] = len(denied)
        fact.evidence["denied"] = self._cite(fact, "denied", denied)
        return fact

    def _later_target(self, fact: Fact, sentence: Sentence) -> bool:
        """Does the sentence give the declared figure as a target of a year after the
        evaluation period ("力争2026年底前实现全市11个县（市、区）监测全覆盖" for a declared
        11/11 of 2025)? A declaration that is a later year's goal is not yet done."""
        years = [int(y) for y in self.periods.years if y.isdigit()]
        if not years:
            return False
        value = Decimal(str(fact.data.get("value", 0)))
        denominator = fact.data.get("denominator")
        count = value * Decimal(str(denominator)) if denominator else None

        def declared(q: Quantity) -> bool:
            if not q.is_measure_figure:
                return False
            if q.is_percent:
                return abs(q.value - value * 100) <= Decimal("0.05")
            return count is not None and abs(q.value - count) < Decimal("0.5")

        later = [
            q
            for q in sentence.quantities
            if q.period == "target" and q.target_year is not None and q.target_year > max(years)
        ]
        if not any(declared(q) for q in later):
            return False
        # "基期值（2024年）100，目标值（2030年）100": a level reached already, to be kept
        return not any(declared(q) for q in sentence.quantities if q.period != "target")

    def value(self, item: ItemRule, measure: MeasureRule, declared: DeclaredMeasure | None) -> Fact:
        done, planned = self._relevant(measure)
        units = measure.accept_units or ([measure.unit] if measure.unit else [""])
        observations = [
            value_observation(
                s, text, units, measure.evidence, self.periods.figures_in(s, text), self.folding
            )
            for s, text in done
        ]
        observations = certain_first([o for o in observations if o.values], self.ocr_min)
        fact = self._figure_fact(item, measure, planned)
        self._set_aside(fact, done, planned)
        unit = measure.unit or ""
        if declared is not None and declared.value is not None:
            value = declared.value
            self.compared[fact.id] = ([value], None)
            fact.params.update(
                declared=f"{fmt_number(value)}{unit}", value=f"{fmt_number(value)}{unit}"
            )
            support = [o for o in observations if any(value_agrees(q, value) for q in o.values)]
            agreeing = {id(o) for o in support}
            conflict = [o for o in observations if id(o) not in agreeing]
            fact.data.update(
                source="declared",
                valid=value >= 0,
                has_value=value >= 0,
                value=float(value),
                corroborated=bool(support),
                inconsistent=bool(conflict),
            )
            if value < 0:
                fact.params["detail"] = f"数值{fmt_number(value)}不能为负数"
            fact.evidence["support"] = [o.sentence.evidence for o in support]
            fact.evidence["conflict"] = self._cite(fact, "conflict", (o.sentence for o in conflict))
            fact.params["found"] = "、".join(f"{q.text}" for o in conflict for q in o.values[:1])
            if not support:
                stated = [(o.values[0].value, o.values[0].text) for o in conflict if o.values]
                self._documented(fact, measure, stated)
            self._denied(fact, measure, done, planned)
        elif observations:
            best = observations[0].values[0]
            conflict = [o for o in observations if not any(q.value == best.value for q in o.values)]
            fact.data.update(
                source="evidence",
                has_value=True,
                value=float(best.value),
                corroborated=True,
                inconsistent=bool(conflict),
            )
            self.compared[fact.id] = ([best.value], None)
            fact.params.update(value=best.text, declared=best.text)
            fact.params["found"] = "、".join(q.text for o in conflict for q in o.values[:1])
            fact.evidence["used"] = [observations[0].sentence.evidence]
            fact.evidence["conflict"] = self._cite(fact, "conflict", (o.sentence for o in conflict))
        return fact
