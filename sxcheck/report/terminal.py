"""The terminal summary a city sees after a pre-check (rich)."""

from __future__ import annotations

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from sxcheck.models import Report

STATUS_STYLE = {"pass": "green", "partial": "yellow", "fail": "red", "not_applicable": "dim"}
STATUS_ZH = {"pass": "达标", "partial": "部分达标", "fail": "未达标", "not_applicable": "不适用"}
INFO_CODES = {"corroborated", "meets_threshold", "options_covered", "evidence_figures_used"}
FIX_FIRST = (
    "invalid_ratio",
    "invalid_value",
    "inconsistent_figures",
    "uncorroborated",
    "planned_not_done",
    "no_evidence",
)


def print_summary(report: Report, console: Console | None = None) -> None:
    console = console or Console()
    sub = report.submission
    console.print(
        f"[bold]{sub.region}[/bold]（{'市级' if sub.level == 'city' else '县级'}，{sub.year}年）"
        f"  run {report.run.id}  rules {report.run.rules_digest[:12]}"
    )
    table = Table(title="评价结果 / Judgments", show_lines=False, pad_edge=False)
    table.add_column("ID", no_wrap=True)
    table.add_column("评价指标项", no_wrap=True, max_width=24)
    table.add_column("status", no_wrap=True)
    table.add_column("score", justify="right", no_wrap=True)
    table.add_column("reasons")
    for judgment in report.indicators:
        style = STATUS_STYLE[judgment.status.value]
        codes = " ".join(
            dict.fromkeys(r.code for r in judgment.reasons if r.code not in INFO_CODES)
        )
        table.add_row(
            judgment.id,
            judgment.name,
            f"[{style}]{judgment.status.value}[/{style}]",
            f"{judgment.score:.2f}",
            codes,
        )
    console.print(table)
    counts = "  ".join(
        f"[{STATUS_STYLE[k]}]{STATUS_ZH[k]} {k}: {v}[/{STATUS_STYLE[k]}]"
        for k, v in report.summary.counts.items()
    )
    total = report.summary.scores.get("total")
    console.print(f"{counts}   total score: {total if total is not None else '—'}")
    broken = [d for d in report.documents if d.status != "ok"]
    for doc in broken:
        console.print(f"[red]{doc.status}[/red] {doc.path}: {doc.error}")
    fixes = [
        (j.id, r)
        for code in FIX_FIRST
        for j in report.indicators
        for r in j.reasons
        if r.code == code and j.status.value != "pass"
    ]
    if fixes:
        console.print("[bold]先改这些 / Fix first:[/bold]")
        for item_id, reason in fixes[:15]:
            console.print(
                f"  {item_id} {escape('[' + reason.code + ']')} {escape(reason.message)}",
                highlight=False,
            )
        if len(fixes) > 15:
            console.print(f"  … {len(fixes) - 15} more in the report")
