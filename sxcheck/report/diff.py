"""What changed between two runs: items, documents and reasons.

A city re-runs after fixing its documents and wants to see what its fixes
did; an auditor compares two submissions of the same region. Computed from
two canonical reports, so it works for any two stored runs.
"""

from __future__ import annotations

import json
from pathlib import Path

from markupsafe import Markup
from pydantic import BaseModel, Field

from sxcheck.models import Judgment, Report
from sxcheck.report import renderer_for
from sxcheck.report.safe import cleaned, html_templates, markdown, terminal
from sxcheck.report.view import percent


class ItemChange(BaseModel):
    id: str
    name: str
    status_before: str
    status_after: str
    score_before: float
    score_after: float
    reasons_added: list[str] = Field(default_factory=list)  # "code (measure): message"
    reasons_removed: list[str] = Field(default_factory=list)


class DocumentChange(BaseModel):
    path: str
    change: str  # added | removed | changed
    sha256_before: str | None = None
    sha256_after: str | None = None


class DeclarationChange(BaseModel):
    """One declared figure that differs: 2.5.1 分子 250 -> 150."""

    item: str
    measure: str
    measure_name: str = ""  # shown when the item has more than one measure
    field: str  # numerator | denominator | value | unit | covered
    before: str | None
    after: str | None


FIELD_ZH = {
    "numerator": "分子",
    "denominator": "分母",
    "value": "数值",
    "unit": "单位",
    "covered": "覆盖",
}


class RunDiff(BaseModel):
    run_before: str
    run_after: str
    region_before: str
    region_after: str
    source_before: str = ""
    source_after: str = ""
    total_before: float | None
    total_after: float | None
    # the self-assessment's changes come first: they explain many item changes
    declaration: list[DeclarationChange] = Field(default_factory=list)
    # reviewers' decisions that came, went, lapsed or expired between the runs
    decisions: list[str] = Field(default_factory=list)
    items: list[ItemChange]
    documents: list[DocumentChange]
    rules_changed: bool


def _reasons(judgment: Judgment) -> dict[tuple[str, str | None, str], str]:
    return {
        (r.code, r.measure, r.message): f"{r.code}"
        + (f" ({r.measure})" if r.measure else "")
        + f": {r.message}"
        for r in judgment.reasons
    }


def _figures(report: Report) -> dict[tuple[str, str, str], str]:
    out: dict[tuple[str, str, str], str] = {}
    for item, measures in report.submission.declared.items():
        for measure, declared in measures.items():
            for field, value in declared.model_dump(exclude_none=True).items():
                shown = "、".join(value) if isinstance(value, list) else str(value)
                out[(item, measure, field)] = shown
    return out


def declaration_changes(before: Report, after: Report) -> list[DeclarationChange]:
    """Declared figures added, removed or changed, in item order."""
    then, now = _figures(before), _figures(after)
    keys = sorted(
        set(then) | set(now),
        key=lambda k: (
            [int(p) if p.isdigit() else p for p in k[0].split(".")],
            k[1],
            list(FIELD_ZH).index(k[2]) if k[2] in FIELD_ZH else 9,
        ),
    )
    names = {
        (j.id, key): str(m.get("name", key))
        for j in after.indicators
        for key, m in j.measures.items()
        if len(j.measures) > 1 and isinstance(m, dict)
    }
    return [
        DeclarationChange(
            item=k[0],
            measure=k[1],
            measure_name=names.get((k[0], k[1]), ""),
            field=k[2],
            before=then.get(k),
            after=now.get(k),
        )
        for k in keys
        if then.get(k) != now.get(k)
    ]


def _decision_state(judgment: Judgment | None) -> tuple[int, str] | None:
    if judgment is None or judgment.decision is None:
        return None
    return judgment.decision.id, judgment.decision.state


STATE_ZH = {"applied": "生效", "lapsed": "已失效（材料已变更）", "expired": "已过期"}


def decision_changes(before: Report, after: Report) -> list[str]:
    """One line per item whose reviewer decision differs: new, superseded, lapsed, gone."""
    old = {j.id: j for j in before.indicators}
    lines = []
    for judgment in after.indicators:
        then, now = _decision_state(old.get(judgment.id)), _decision_state(judgment)
        if then == now:
            continue
        if now is None:
            lines.append(f"{judgment.id} 复核意见 #{then[0]} 不再适用" if then else "")
            continue
        decision = judgment.decision
        assert decision is not None
        was = f"（原为 #{then[0]} {STATE_ZH[then[1]]}）" if then else ""
        lines.append(
            f"{judgment.id} 复核意见 #{now[0]} {STATE_ZH[now[1]]}：{decision.by}，"
            f"{decision.engine_status} → {decision.status}{was}"
        )
    return [line for line in lines if line]


def diff_reports(before: Report, after: Report) -> RunDiff:
    old = {j.id: j for j in before.indicators}
    items = []
    for judgment in after.indicators:
        previous = old.get(judgment.id)
        if previous is None:
            continue
        then, now = _reasons(previous), _reasons(judgment)
        added = [now[k] for k in now if k not in then]
        removed = [then[k] for k in then if k not in now]
        if (
            previous.status != judgment.status
            or abs(previous.score - judgment.score) > 1e-9
            or added
            or removed
        ):
            items.append(
                ItemChange(
                    id=judgment.id,
                    name=judgment.name,
                    status_before=previous.status.value,
                    status_after=judgment.status.value,
                    score_before=previous.score,
                    score_after=judgment.score,
                    reasons_added=added,
                    reasons_removed=removed,
                )
            )
    docs_before = {d.path: d.sha256 for d in before.documents}
    docs_after = {d.path: d.sha256 for d in after.documents}
    documents = [
        DocumentChange(path=p, change="added", sha256_after=s)
        for p, s in docs_after.items()
        if p not in docs_before
    ]
    documents += [
        DocumentChange(path=p, change="removed", sha256_before=s)
        for p, s in docs_before.items()
        if p not in docs_after
    ]
    documents += [
        DocumentChange(path=p, change="changed", sha256_before=docs_before[p], sha256_after=s)
        for p, s in docs_after.items()
        if p in docs_before and docs_before[p] != s
    ]
    return RunDiff(
        run_before=before.run.id,
        run_after=after.run.id,
        region_before=before.submission.region,
        region_after=after.submission.region,
        source_before=before.submission.source,
        source_after=after.submission.source,
        declaration=declaration_changes(before, after),
        decisions=decision_changes(before, after),
        total_before=before.summary.scores.get("total"),
        total_after=after.summary.scores.get("total"),
        items=items,
        documents=sorted(documents, key=lambda d: (d.change, d.path)),
        rules_changed=before.run.rules_digest != after.run.rules_digest,
    )


def diff_text(diff: RunDiff) -> str:
    """Plain text for the terminal: one line per change, reasons indented.

    Names and paths come from the submissions: no control character of theirs
    reaches the terminal (or the .txt file) raw.
    """
    return _lines(cleaned(diff, terminal))


def diff_markdown(diff: RunDiff) -> str:
    """The text form as Markdown: names and paths cannot bring in HTML or markup."""
    return _lines(cleaned(diff, lambda text: markdown(terminal(text))))


def _lines(diff: RunDiff) -> str:
    lines = [
        f"{diff.region_before} {diff.run_before} → {diff.region_after} {diff.run_after}: "
        f"total {diff.total_before} → {diff.total_after}"
        + ("  (rules changed between the runs)" if diff.rules_changed else "")
    ]
    if diff.source_before != diff.source_after:
        lines.append(f"sources differ: {diff.source_before} → {diff.source_after}")
    for change in diff.declaration:
        lines.append(f"申报数据变更: {declaration_line(change)}")
    lines += [f"复核意见变更: {line}" for line in diff.decisions]
    for doc in diff.documents:
        lines.append(f"document {doc.change}: {doc.path}")
    if not diff.items:
        lines.append("no item changed")
    for item in diff.items:
        lines.append(
            f"{item.id} {item.name}: {item.status_before} → {item.status_after} "
            f"({percent(item.score_before)} → {percent(item.score_after)})"
        )
        lines += [f"  + {r}" for r in item.reasons_added]
        lines += [f"  - {r}" for r in item.reasons_removed]
    return "\n".join(lines) + "\n"


def declaration_line(change: DeclarationChange) -> str:
    """`2.5.1 分子 250 → 150` (the measure named when it is not the item's only one)."""
    field = FIELD_ZH.get(change.field, change.field)
    measure = f"（{change.measure_name}）" if change.measure_name else ""
    return f"{change.item}{measure} {field} {change.before or '—'} → {change.after or '—'}"


def diff_html(diff: RunDiff, nonce: str = "", chrome: Markup | None = None) -> str:
    """The diff as one HTML file (`sxcheck serve` adds its nonce and navigation)."""
    return (
        html_templates()
        .get_template("diff.html.j2")
        .render(
            diff=cleaned(diff),
            pct=percent,
            declaration_line=declaration_line,
            nonce_attr=Markup(' nonce="{}"').format(nonce) if nonce else Markup(""),
            chrome=chrome or Markup(""),
        )
    )


DIFF_FORMATS = {
    ".json": lambda d: json.dumps(d.model_dump(mode="json"), ensure_ascii=False, indent=2),
    ".html": diff_html,
    ".txt": diff_text,
    ".md": diff_markdown,
}


def render_diff(diff: RunDiff, path: Path) -> str:
    return str(renderer_for(path, DIFF_FORMATS, "diff")(diff))
