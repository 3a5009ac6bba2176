"""Reviewer decisions (复核意见) applied to a run's judgments, and when they lapse.

A decision is made on one item of one run, on the evidence that judgment cited: the
documents (by sha256) and their quotes. It stands on a later run of the same region
while it has not expired and the judgment still rests on exactly those documents,
unchanged. Then the item's status (and score) are the decision's and the engine's are
kept beside it. When a cited document changed or went, or the engine's judgment now
cites other documents, the decision lapses: the report says so and the engine's
judgment is used until someone decides again. No compliance tool ties a waiver to the
evidence it was granted on; this is what lets an auditor trust a decision later.
"""

from __future__ import annotations

from datetime import date

from sxcheck.models import DecidedOn, Decision, Judgment, Status

LAPSED = "复核意见已失效：所依据的材料已变更"
EXPIRED = "复核意见已失效：已过有效期（{expires}）"


def cited(judgment: Judgment) -> list[DecidedOn]:
    """The documents the judgment cites, each with its quotes, in order of first citation."""
    by_doc: dict[tuple[str, str], list[str]] = {}
    for reason in judgment.reasons:
        for ev in reason.evidence:
            quotes = by_doc.setdefault((ev.document, ev.sha256), [])
            if ev.quote not in quotes:
                quotes.append(ev.quote)
    return [DecidedOn(document=d, sha256=s, quotes=q) for (d, s), q in by_doc.items()]


def engine_judgment(judgment: Judgment) -> Judgment:
    """The judgment as the rules gave it (a stored run may carry an applied decision)."""
    if judgment.decision is None:
        return judgment
    return judgment.model_copy(
        update={
            "status": judgment.engine_status or judgment.status,
            "score": judgment.score if judgment.engine_score is None else judgment.engine_score,
            "decision": None,
            "engine_status": None,
            "engine_score": None,
        }
    )


def apply_decisions(
    judgments: list[Judgment],
    decisions: dict[str, Decision],
    today: date,
    scores: dict[str, float],
) -> list[Judgment]:
    """Each judgment with the latest decision on its item applied, or shown as lapsed.

    `scores`: the score a decided status gives (rules' qualitative scores); a decision
    that confirms the engine's status keeps the engine's score."""
    out = []
    for judgment in judgments:
        judgment = engine_judgment(judgment)
        decision = decisions.get(judgment.id)
        out.append(judgment if decision is None else _apply(judgment, decision, today, scores))
    return out


def _apply(
    judgment: Judgment, decision: Decision, today: date, scores: dict[str, float]
) -> Judgment:
    if decision.expires and date.fromisoformat(decision.expires) < today:
        shown = decision.model_copy(
            update={"state": "expired", "note": EXPIRED.format(expires=decision.expires)}
        )
        return judgment.model_copy(update={"decision": shown})
    if not _same_evidence(decision.based_on, cited(judgment)):
        shown = decision.model_copy(update={"state": "lapsed", "note": LAPSED})
        return judgment.model_copy(update={"decision": shown})
    status = judgment.status if decision.status == "confirm" else Status(decision.status)
    if status == judgment.status:
        score = judgment.score
    elif status == Status.NOT_APPLICABLE:
        score = 0.0
    else:
        score = scores.get(status.value, 0.0)
    return judgment.model_copy(
        update={
            "decision": decision.model_copy(update={"state": "applied", "note": ""}),
            "engine_status": judgment.status,
            "engine_score": judgment.score,
            "status": status,
            "score": score,
        }
    )


def _same_evidence(then: list[DecidedOn], now: list[DecidedOn]) -> bool:
    """The judgment rests on the same documents, unchanged: the same sha256 set. A file
    renamed with the same content is the same evidence; one edited, removed or replaced
    by another is not."""
    return {d.sha256 for d in then} == {d.sha256 for d in now}
