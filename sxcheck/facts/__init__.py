"""Facts: declared figures + evidence sentences -> one fact per item measure.

This stage does the reading (which sentence speaks about a measure, what
figures it states, whether they back or contradict the declaration); the
engine then decides the status from these facts alone. Every fact keeps the
quotes it rests on, grouped by role.
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

from sxcheck.catalogue.loader import RuleSet
from sxcheck.catalogue.schema import ItemRule, MeasureRule
from sxcheck.facts.observe import (
    Observation,
    close_to,
    is_not_done,
    matches,
    ratio_observation,
    relevant_text,
    states_figures,
    value_observation,
)
from sxcheck.models import DeclaredMeasure, Evidence, Fact, Level, Sentence

LEVEL_NAMES = {"city": "市级", "county": "县级"}


def fmt_number(value: Decimal | float) -> str:
    """Show a figure without trailing zeros (310, 96.9, 1.28)."""
    dec = Decimal(str(value)).quantize(Decimal("0.0001")).normalize()
    text = f"{dec:f}"
    return text


def fmt_percent(ratio: Decimal | float) -> str:
    return f"{Decimal(str(ratio)) * 100:.1f}%"


class FactBuilder:
    """Builds the facts of one submission from its sentences and declaration."""

    def __init__(self, rules: RuleSet, sentences: list[Sentence], level: Level):
        self.rules = rules
        self.level = level
        self.sentences = sentences
        self.joined = joined_with_previous(sentences)
        self.not_done = [re.compile(p) for p in rules.lexicon.not_done]
        self.whole = [re.compile(p) for p in rules.lexicon.whole]
        self.change = re.compile("|".join(rules.lexicon.change)) if rules.lexicon.change else None

    # ------------------------------------------------------------ helpers

    def _relevant(self, measure: MeasureRule) -> tuple[list[tuple[Sentence, str]], list[Sentence]]:
        """Sentences about the measure: (done ones with their figure text, planned ones)."""
        done: list[tuple[Sentence, str]] = []
        planned: list[Sentence] = []
        for index, sentence in enumerate(self.sentences):
            text = relevant_text(sentence, measure.evidence)
            joined = self.joined[index]
            if text is None and joined is not None and sentence.quantities:
                # "全市共有学校420所。其中418所已实现无线网络覆盖。": the subject is named
                # in the sentence before the figures; quote both.
                text = relevant_text(joined, measure.evidence)
                sentence = joined
            if text is None:
                continue
            if is_not_done(sentence.text, self.not_done):
                planned.append(sentence)
            else:
                done.append((sentence, text))
        return done, planned

    def _fact(
        self, item: ItemRule, measure: MeasureRule, planned: list[Sentence], **data: Any
    ) -> Fact:
        """A measure's fact; plan/target sentences are kept to quote as planned_not_done."""
        return Fact(
            id=f"{item.id}/{measure.key}",
            kind="measure",
            item=item.id,
            measure=measure.key,
            data={"mkind": measure.kind, "planned": len(planned), **data},
            evidence={"planned": [s.evidence for s in planned]},
            params={"measure": measure.name},
        )

    # ------------------------------------------------------------ per kind

    def ratio(self, item: ItemRule, measure: MeasureRule, declared: DeclaredMeasure | None) -> Fact:
        done, planned = self._relevant(measure)
        observations = [
            ratio_observation(
                s,
                text,
                self.whole,
                measure.evidence,
                measure.bounded,
                (measure.numerator or "", measure.denominator or ""),
                self.change,
            )
            for s, text in done
        ]
        observations = [o for o in observations if o.ratio_percent is not None]
        fact = self._fact(
            item, measure, planned, source="none", valid=True, has_value=False, value=0.0
        )
        if declared is not None and (
            declared.numerator is not None or declared.denominator is not None
        ):
            return self._declared_ratio(fact, measure, declared, done, observations)
        if observations:
            best = next((o for o in observations if o.numerator is not None), observations[0])
            ratio = Decimal(best.ratio_percent or 0) / 100
            shown = _show(best)
            disagreeing = [o for o in observations if not _agrees(o, ratio * 100)]
            conflict = [o.sentence.evidence for o in disagreeing]
            fact.data.update(
                source="evidence",
                has_value=True,
                value=float(ratio),
                valid=not (measure.bounded and ratio > 1),
                inconsistent=bool(conflict),
                corroborated=True,
            )
            fact.evidence["used"] = [best.sentence.evidence]
            fact.evidence["conflict"] = conflict
            fact.params.update(value=shown, found=_show_all(disagreeing), declared=shown)
            fact.params["detail"] = f"材料载明的比例{shown}超过100%"
        return fact

    def _declared_ratio(
        self,
        fact: Fact,
        measure: MeasureRule,
        declared: DeclaredMeasure,
        done: list[tuple[Sentence, str]],
        observations: list[Observation],
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
        fact.params["value"] = f"{fmt_percent(ratio)}（{shown}）"
        fact.data.update(valid=True, has_value=True, value=float(ratio))
        support = [s.evidence for s, _ in done if states_figures(s, [num, den])]
        support += [
            o.sentence.evidence
            for o in observations
            if o.sentence.evidence not in support and _agrees(o, ratio * 100)
        ]
        disagreeing = [
            o
            for o in observations
            if o.sentence.evidence not in support and not _agrees(o, ratio * 100)
        ]
        fact.data.update(corroborated=bool(support), inconsistent=bool(disagreeing))
        fact.evidence["support"] = support
        fact.evidence["conflict"] = [o.sentence.evidence for o in disagreeing]
        fact.params["found"] = _show_all(disagreeing)
        return fact

    def value(self, item: ItemRule, measure: MeasureRule, declared: DeclaredMeasure | None) -> Fact:
        done, planned = self._relevant(measure)
        units = measure.accept_units or ([measure.unit] if measure.unit else [""])
        observations = [value_observation(s, text, units, measure.evidence) for s, text in done]
        observations = [o for o in observations if o.values]
        fact = self._fact(
            item, measure, planned, source="none", valid=True, has_value=False, value=0.0
        )
        unit = measure.unit or ""
        if declared is not None and declared.value is not None:
            value = declared.value
            fact.params.update(
                declared=f"{fmt_number(value)}{unit}", value=f"{fmt_number(value)}{unit}"
            )
            support = [o for o in observations if any(_value_agrees(q, value) for q in o.values)]
            conflict = [o for o in observations if o not in support]
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
            fact.evidence["conflict"] = [o.sentence.evidence for o in conflict]
            fact.params["found"] = "、".join(f"{q.text}" for o in conflict for q in o.values[:1])
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
            fact.params.update(value=best.text, declared=best.text)
            fact.params["found"] = "、".join(q.text for o in conflict for q in o.values[:1])
            fact.evidence["used"] = [observations[0].sentence.evidence]
            fact.evidence["conflict"] = [o.sentence.evidence for o in conflict]
        return fact

    def count(self, item: ItemRule, measure: MeasureRule, declared: DeclaredMeasure | None) -> Fact:
        done, planned = self._relevant(measure)
        found: dict[str, Evidence] = {}
        for option in measure.options:
            for sentence, _ in done:
                if matches_any(option.aliases, sentence.text):
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
        done, planned = self._relevant(measure)
        fact = self._fact(item, measure, planned, source="none", statements=len(done))
        fact.evidence["mentions"] = [s.evidence for s, _ in done[:5]]
        return fact

    def not_applicable(self, item: ItemRule, measure: MeasureRule) -> Fact:
        fact = self._fact(item, measure, [], source="not_applicable")
        fact.params.update(
            levels="、".join(LEVEL_NAMES[lv] for lv in measure.levels),
            level=LEVEL_NAMES[self.level],
        )
        return fact

    # ------------------------------------------------------------ entry

    def build(self, declared: dict[str, dict[str, DeclaredMeasure]]) -> list[Fact]:
        facts: list[Fact] = []
        for item in self.rules.items.values():
            item_declared = declared.get(item.id, {})
            for measure in item.measures:
                figures = item_declared.get(measure.key)
                if self.level not in measure.levels:
                    facts.append(self.not_applicable(item, measure))
                elif measure.kind == "ratio":
                    facts.append(self.ratio(item, measure, figures))
                elif measure.kind in ("value", "rank"):
                    facts.append(self.value(item, measure, figures))
                elif measure.kind == "count":
                    facts.append(self.count(item, measure, figures))
                else:
                    facts.append(self.qualitative(item, measure))
        return facts


def joined_with_previous(sentences: list[Sentence]) -> list[Sentence | None]:
    """For each sentence, itself joined with the previous sentence of the same paragraph."""
    out: list[Sentence | None] = [None]
    for prev, cur in zip(sentences, sentences[1:], strict=False):
        same = (
            cur.kind == "paragraph"
            and prev.evidence.document == cur.evidence.document
            and prev.evidence.page == cur.evidence.page
            and prev.evidence.location == cur.evidence.location
        )
        if not same:
            out.append(None)
            continue
        text = prev.text + cur.text
        offset = len(prev.text)
        shifted = [
            q.model_copy(update={"start": q.start + offset, "end": q.end + offset})
            for q in cur.quantities
        ]
        out.append(
            cur.model_copy(
                update={
                    "text": text,
                    "quantities": prev.quantities + shifted,
                    "evidence": cur.evidence.model_copy(update={"quote": text}),
                }
            )
        )
    return out


def matches_any(words: list[str], text: str) -> bool:
    lowered = text.lower()
    return any(word.lower() in lowered for word in words)


def _option_key(measure: MeasureRule, name: str) -> str:
    for option in measure.options:
        if name == option.key or name in option.aliases:
            return option.key
    return name


def _agrees(obs: Observation, declared_percent: Decimal) -> bool:
    if obs.numerator is not None and obs.denominator:
        return close_to(obs.numerator / obs.denominator * 100, 1, declared_percent)
    return obs.percent is not None and close_to(obs.percent, obs.percent_decimals, declared_percent)


def _value_agrees(quantity: Any, value: Decimal) -> bool:
    from sxcheck.evidence.quantities import decimals_shown

    return close_to(quantity.value, decimals_shown(quantity), value)


def _show(obs: Observation) -> str:
    """A ratio as a reader checks it: 240/320（75.0%）, or the percentage as written."""
    if obs.numerator is not None and obs.denominator:
        percent = fmt_percent(obs.numerator / obs.denominator)
        return f"{fmt_number(obs.numerator)}/{fmt_number(obs.denominator)}（{percent}）"
    return f"{fmt_number(obs.percent or 0)}%"


def _show_all(observations: list[Observation]) -> str:
    return "、".join(dict.fromkeys(_show(o) for o in observations))


def build_facts(
    rules: RuleSet,
    sentences: list[Sentence],
    level: Level,
    declared: dict[str, dict[str, DeclaredMeasure]],
) -> list[Fact]:
    """All facts of one submission: one per item measure."""
    return FactBuilder(rules, sentences, level).build(declared)


__all__ = ["build_facts", "matches"]
