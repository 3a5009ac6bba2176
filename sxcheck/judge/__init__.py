"""Judge: engine findings -> one judgment per item, with scores rolled up the tree.

A measure's status is its verdict capped by the other findings (an
uncorroborated pass is at most partial); an item passes when all its
applicable measures pass, fails when all fail, and is partial in between.
Scores follow the named defaults in `rules/defaults.yaml`.
"""

from __future__ import annotations

import math
from collections import defaultdict
from typing import Any

from sxcheck.catalogue.loader import RuleSet
from sxcheck.catalogue.schema import ItemRule, MeasureRule
from sxcheck.engine import Finding
from sxcheck.facts import fmt_number, fmt_percent
from sxcheck.models import (
    DocumentInfo,
    Fact,
    Judgment,
    Reason,
    Status,
    unique_evidence,
    worst,
)


class _Params(dict[str, str]):
    def __missing__(self, key: str) -> str:
        return "—"


def _lines(measure: MeasureRule, rules: RuleSet) -> dict[str, str]:
    if measure.bands is None:
        return {}
    bands = rules.bands_for(measure.bands)
    if measure.kind in ("ratio", "count"):
        return {"pass_line": fmt_percent(bands.pass_), "partial_line": fmt_percent(bands.partial)}
    unit = measure.unit or ""
    return {
        "pass_line": f"{fmt_number(bands.pass_)}{unit}",
        "partial_line": f"{fmt_number(bands.partial)}{unit}",
    }


def _measure_score(
    measure: MeasureRule, fact: Fact, status: Status, codes: set[str], rules: RuleSet
) -> float | None:
    scoring = rules.defaults.scoring
    if status == Status.NOT_APPLICABLE:
        return None
    grade = next((g for g in measure.grades if g.key == fact.data.get("grade")), None)
    if grade is not None:
        return grade.score  # graded items (3.3.2) score by the grade the evidence shows
    if (
        measure.kind in ("qualitative", "rank")
        or status == Status.FAIL
        and not fact.data.get("has_value")
    ):
        return scoring.qualitative_scores.get(status.value, 0.0)
    if codes & {"invalid_ratio", "invalid_value", "no_evidence", "declared_not_done"}:
        return 0.0
    bands = rules.bands_for(measure.bands)
    # judged by what the documents state (documented_below_threshold): scored by it too
    by = "documented" if "documented_below_threshold" in codes else "value"
    linear = scoring.method == "linear" and measure.kind == "ratio" and measure.direction != "lower"
    if measure.kind == "count":
        achieved = _against(float(fact.data.get("share", 0.0)), bands.pass_)
    elif measure.direction == "lower":
        value = float(fact.data.get(by, 0.0))
        achieved = bands.pass_ / value if value > 0 else 0.0
    elif linear:
        achieved = float(fact.data.get(by, 0.0))  # the national method: the ratio itself
    else:
        achieved = _against(float(fact.data.get(by, 0.0)), bands.pass_)
    # a score is a share in 0..1 whatever the figures (NaN is no share: 0)
    score = max(0.0, min(1.0, achieved)) if math.isfinite(achieved) else 0.0
    if "uncorroborated" in codes or "ocr_uncertain" in codes:
        # a figure only low-confidence OCR backs is as good as a figure no document states
        score *= scoring.uncorroborated_factor
    if "inconsistent_figures" in codes:
        score *= scoring.inconsistent_factor
    return round(score, 4)


def _against(value: float, pass_line: float) -> float:
    """Achievement against the pass line; a line at or below 0 (a city's own rule) is met or not."""
    if pass_line > 0:
        return value / pass_line
    return 1.0 if value >= pass_line else 0.0


def judge_item(
    item: ItemRule,
    facts: dict[str, Fact],
    findings: list[Finding],
    rules: RuleSet,
    broken: list[DocumentInfo],
) -> Judgment:
    tree = rules.tree[item.id]
    reasons: list[Reason] = []
    measures: dict[str, Any] = {}
    statuses: list[Status] = []
    weighted: list[tuple[float, float]] = []
    for measure in item.measures:
        fact = facts[f"{item.id}/{measure.key}"]
        fired = [f for f in findings if f.measure == measure.key]
        verdict = next(f for f in fired if f.outcome.verdict)
        caps = [
            Status(f.outcome.status) for f in fired if f.outcome.status and not f.outcome.verdict
        ]
        # a cap (uncorroborated, inconsistent) also overrides a not_applicable verdict:
        # an unranked figure that no document states is still a weak declaration
        status = worst([Status(verdict.outcome.status or Status.FAIL), *caps])
        codes = {f.outcome.code for f in fired}
        score = _measure_score(measure, fact, status, codes, rules)
        params = _Params({**fact.params, **_lines(measure, rules)})
        for finding in fired:
            template = rules.messages.get(
                finding.outcome.message or finding.outcome.code, "{measure}"
            )
            evidence = [e for role in finding.outcome.evidence for e in fact.evidence.get(role, [])]
            reasons.append(
                Reason(
                    code=finding.outcome.code,
                    message=template.format_map(params),
                    rule=finding.rule_id,
                    measure=measure.key,
                    evidence=unique_evidence(evidence),
                )
            )
        measures[measure.key] = {
            "name": measure.name,
            "kind": measure.kind,
            "status": status.value,
            "score": score,
            **{k: v for k, v in fact.data.items() if k not in ("mkind",)},
        }
        if status != Status.NOT_APPLICABLE:
            statuses.append(status)
            weighted.append((measure.weight, score or 0.0))
    if not statuses:
        item_status = Status.NOT_APPLICABLE
    elif all(s == Status.PASS for s in statuses):
        item_status = Status.PASS
    elif all(s == Status.FAIL for s in statuses):
        item_status = Status.FAIL
    else:
        item_status = Status.PARTIAL
    total_weight = sum(w for w, _ in weighted)
    score = round(sum(w * s for w, s in weighted) / total_weight, 4) if total_weight else 0.0
    needed = _needed(item, broken, rules) if item_status != Status.PASS else []
    if needed:
        names = "、".join(d.path for d in needed)
        reasons.append(
            Reason(
                code="document_unreadable",
                message=rules.messages["document_unreadable"].format_map(_Params(documents=names)),
            )
        )
    return Judgment(
        id=item.id,
        name=item.name,
        first=tree.first,
        second=tree.second,
        first_name=tree.first_name,
        second_name=tree.second_name,
        kind=item.kind,
        status=item_status,
        score=score,
        measures=measures,
        reasons=reasons,
        rules=sorted({f.rule_id for f in findings}),
        facts=sorted({fid for f in findings for fid in f.fact_ids}),
    )


def _words(item: ItemRule) -> list[str]:
    return [
        w.lower() for m in item.measures for group in m.evidence.all_of for w in group if len(w) > 1
    ]


def _needed(item: ItemRule, broken: list[DocumentInfo], rules: RuleSet) -> list[DocumentInfo]:
    """Broken documents this item may have needed.

    A document whose name speaks of some item's subject (等保测评报告.pdf ->
    7.1.4) concerns those items only; one whose name matches no item could
    have held anything, so every item still lacking evidence mentions it.
    """
    mine = [d for d in broken if any(w in d.path.lower() for w in _words(item))]
    anonymous = [
        d
        for d in broken
        if not any(
            any(w in d.path.lower() for w in _words(other)) for other in rules.items.values()
        )
    ]
    return mine + anonymous


def judge(
    rules: RuleSet, facts: list[Fact], findings: list[Finding], documents: list[DocumentInfo]
) -> list[Judgment]:
    """One judgment per item of the rule set, in catalogue order."""
    by_id = {fact.id: fact for fact in facts}
    by_item: dict[str, list[Finding]] = defaultdict(list)
    for finding in findings:
        by_item[finding.item].append(finding)
    # unreadable: an error, a scan not read by OCR, or one OCR read and found no text on
    broken = [
        d
        for d in documents
        if d.status == "error" or ((d.needs_ocr or d.ocr_pages) and d.text_units == 0)
    ]
    judgments = [
        judge_item(item, by_id, by_item[item.id], rules, broken) for item in rules.items.values()
    ]
    for judgment in judgments:
        reason = rules.excluded.get(judgment.id)
        if reason:
            judgment.status = Status.NOT_APPLICABLE
            judgment.score = 0.0
            judgment.reasons.insert(
                0,
                Reason(
                    code="excluded_by_profile",
                    message=rules.messages["excluded_by_profile"].format_map(
                        _Params(profile=rules.profile or "", reason=reason)
                    ),
                    rule=f"profile/{judgment.id}",
                ),
            )
    return judgments


def _mean(pairs: list[tuple[float, float]]) -> float | None:
    weight = sum(w for w, _ in pairs)
    return round(sum(w * s for w, s in pairs) / weight, 4) if weight else None


def roll_up(rules: RuleSet, judgments: list[Judgment]) -> dict[str, float | None]:
    """Scores per second level, first level and in total (not_applicable items left out)."""
    scores: dict[str, float | None] = {}
    by_second: dict[str, list[tuple[float, float]]] = defaultdict(list)
    for judgment in judgments:
        if judgment.status != Status.NOT_APPLICABLE and not judgment.id.startswith("T."):
            by_second[judgment.second].append((rules.items[judgment.id].weight, judgment.score))
    firsts: list[tuple[float, float]] = []
    for first in rules.catalogue.first_levels:
        seconds: list[tuple[float, float]] = []
        for second in first.children:
            scores[second.id] = _mean(by_second[second.id])
            if scores[second.id] is not None:
                seconds.append((second.weight, scores[second.id] or 0.0))
        scores[first.id] = _mean(seconds)
        if scores[first.id] is not None:
            firsts.append((first.weight, scores[first.id] or 0.0))
    special = [
        (rules.items[j.id].weight, j.score)
        for j in judgments
        if j.id.startswith("T.") and j.status != Status.NOT_APPLICABLE
    ]
    scores["T"] = _mean(special)  # 特色性指标: own score, outside the total
    if rules.special_weight and scores["T"] is not None:
        firsts.append((rules.special_weight, scores["T"] or 0.0))
    scores["total"] = _mean(firsts)
    return scores
