"""Recording one reviewer's decision on one item of a stored run: what the CLI's
`review` does per entry, shared with `sxcheck serve`'s item page, so a decision
recorded from a browser is the same row as one recorded from the command line
(the run reviewed, the engine's status then, the documents and quotes it rested on).

The checks of a web form live here too (status, reason, expiry), with their messages
in Chinese, so the page only shows them.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

from sxcheck.judge.decisions import cited
from sxcheck.models import Decision, Judgment, Report
from sxcheck.review_file import DECISION_STATUSES
from sxcheck.store.decisions import add_decision
from sxcheck.store.runs import Store

MAX_REASON_CHARS = 2000
# the decision roles the model knows, for each account role that may decide
DECISION_ROLE = {"auditor": "auditor", "reviewer": "reviewer", "admin": "reviewer"}


def form_problems(status: str, reason: str, expires: str) -> list[str]:
    """What is wrong with a decision as typed into a form, in Chinese (empty: nothing)."""
    problems = []
    if status not in DECISION_STATUSES:
        problems.append("请选择复核结论（达标、部分达标、未达标、不适用或确认原判）")
    if not reason.strip():
        problems.append("复核意见须写明理由")
    elif len(reason.strip()) > MAX_REASON_CHARS:
        problems.append(f"理由最多 {MAX_REASON_CHARS} 字（现为 {len(reason.strip())} 字）")
    if expires.strip():
        try:
            last = date.fromisoformat(expires.strip())
        except ValueError:
            problems.append(f"有效期应为日期 YYYY-MM-DD，而不是“{expires.strip()[:40]}”")
        else:
            if last < date.today():
                problems.append(f"有效期 {expires.strip()} 已过去：应为今天或以后")
    return problems


def make_decision(
    report: Report,
    judgment: Judgment,
    status: str,
    reason: str,
    by: str,
    role: str,
    expires: str | None,
    now: str | None = None,
) -> Decision:
    """The decision on `judgment` of `report` (a stored run as recorded), as `review`
    makes it: the engine's status then, and the documents and quotes it cites."""
    engine = (judgment.engine_status or judgment.status).value
    return Decision(
        id=0,
        status=status,  # type: ignore[arg-type]
        reason=reason,
        by=by,
        role=role,  # type: ignore[arg-type]
        decided_at=now or datetime.now(UTC).isoformat(timespec="seconds"),
        expires=expires or None,
        on_run=report.run.id,
        engine_status=engine,
        based_on=cited(judgment),
    )


def record_decision(
    store: Store,
    report: Report,
    item_id: str,
    status: str,
    reason: str,
    by: str,
    role: str,
    expires: str | None = None,
    recorded_by: str | None = None,
) -> tuple[int, Decision]:
    """Append the decision on `item_id` of the stored `report`; its number and itself.
    KeyError when the run has no such item (the caller checked the form first).
    `recorded_by`: the account it came from (store.decisions.add_decision)."""
    judgment = next((j for j in report.indicators if j.id == item_id), None)
    if judgment is None:
        raise KeyError(item_id)
    decision = make_decision(report, judgment, status, reason.strip(), by, role, expires)
    sub = report.submission
    number = add_decision(store, sub.region, sub.level, item_id, decision, recorded_by)
    return number, decision
