"""Compile rule files into durable_rules rulesets (the engine's JSON rule form).

Every measure of every item becomes a handful of engine rules, named
`<item>/<measure>/<template rule>`, each joining the measure's fact with the
`evaluate` trigger fact. Operators go through one table, so a rule file can
only ask for comparisons the engine really has.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sxcheck.catalogue.loader import RuleSet
from sxcheck.catalogue.schema import Bands, MeasureRule
from sxcheck.engine.templates import TEMPLATES, Outcome, TemplateRule


@dataclass(frozen=True)
class CompiledRule:
    rule_id: str
    item: str
    measure: str
    outcome: Outcome
    condition: dict[str, Any]
    text: str  # the rule as a reader sees it, for `sxcheck rules show`


# (operator, direction) -> durable_rules operator; direction flips band comparisons
_BAND_OPS = {
    ("at_least", "higher"): "$gte",
    ("at_least", "lower"): "$lte",
    ("below", "higher"): "$lt",
    ("below", "lower"): "$gt",
}
_PLAIN_OPS = {"==": None, "!=": "$neq", ">": "$gt", ">=": "$gte", "<": "$lt", "<=": "$lte"}


def _operand(value: Any, bands: Bands | None) -> Any:
    if isinstance(value, str) and value.startswith("band:"):
        if bands is None:
            raise ValueError("template needs bands but the measure has none")
        return bands.pass_ if value == "band:pass" else bands.partial
    return value


def _leaf(
    field: str, op: str, value: Any, measure: MeasureRule, bands: Bands | None
) -> dict[str, Any]:
    operand = _operand(value, bands)
    if op in ("at_least", "below"):
        return {_BAND_OPS[(op, measure.direction)]: {field: operand}}
    if op == "in":
        return {"$or": [{field: v} for v in operand]}
    durable_op = _PLAIN_OPS[op]
    return {field: operand} if durable_op is None else {durable_op: {field: operand}}


def _text(rule: TemplateRule, measure: MeasureRule, bands: Bands | None) -> str:
    parts = []
    for field, op, value in rule.when:
        operand = _operand(value, bands)
        if op in ("at_least", "below"):
            symbol = {"at_least": ">=", "below": "<"}[op]
            if measure.direction == "lower":
                symbol = {">=": "<=", "<": ">"}[symbol]
            parts.append(f"{field} {symbol} {operand}")
        else:
            parts.append(f"{field} {op} {operand!r}")
    status = rule.then.status or "(reason only)"
    return f"when {' and '.join(parts)} then {status}: {rule.then.code}"


def _grade_templates(measure: MeasureRule) -> list[TemplateRule]:
    """A graded measure (3.3.2) gets one verdict rule per grade, from its rule file."""
    return [
        TemplateRule(
            f"grade_{grade.key}",
            [("source", "==", "evidence"), ("graded", "==", True), ("grade", "==", grade.key)],
            Outcome(grade.status, "graded", evidence=("graded",), verdict=True),
            kinds=("qualitative",),
        )
        for grade in measure.grades
    ]


def compile_measure(rules: RuleSet, item_id: str, measure: MeasureRule) -> list[CompiledRule]:
    bands = rules.bands_for(measure.bands) if measure.bands is not None else None
    compiled = []
    for template in [*TEMPLATES, *_grade_templates(measure)]:
        if measure.kind not in template.kinds:
            continue
        leaves = [
            {"kind": "measure"},
            {"item": item_id},
            {"measure": measure.key},
            *(_leaf(f, op, v, measure, bands) for f, op, v in template.when),
        ]
        compiled.append(
            CompiledRule(
                rule_id=f"{item_id}/{measure.key}/{template.name}",
                item=item_id,
                measure=measure.key,
                outcome=template.then,
                condition={"$and": leaves},
                text=_text(template, measure, bands),
            )
        )
    return compiled


def compile_rules(rules: RuleSet) -> list[CompiledRule]:
    """Every engine rule of the rule set, in catalogue order."""
    out: list[CompiledRule] = []
    for item in rules.items.values():
        for measure in item.measures:
            out.extend(compile_measure(rules, item.id, measure))
    return out
