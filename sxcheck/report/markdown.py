"""Markdown: the city's pre-check, readable in any editor or code review.

Every text that comes from the submission (region, names, file names, quotes,
messages that may carry them) goes through `safe.markdown`: a previewer shows
it as text and never renders its HTML, links or emphasis.
"""

from __future__ import annotations

from sxcheck.models import Evidence, Report
from sxcheck.report.figure_labels import figures_line
from sxcheck.report.safe import markdown as md
from sxcheck.report.view import (
    LEVEL_ZH,
    OFFICIAL_HEADER,
    STATUS_ZH,
    decision_line,
    decision_mark,
    fixes,
    issued_line,
    ocr_mark,
    official_cells,
    percent,
    place,
    problem_codes,
    profile_label,
    read_how,
    tree,
)


def _cell(text: str) -> str:
    return md(text, cell=True)


def _where(ev: Evidence) -> str:
    page = f" 第{ev.page}页" if ev.page else ""
    issued = issued_line(ev)
    issued = f"（{_cell(issued)}）" if issued else ""
    return f"{_cell(ev.document)}{issued}{page} {_cell(place(ev))}"


def to_markdown(report: Report) -> str:
    sub = report.submission
    lines = [
        f"# {_cell(sub.region)} 新型智慧城市评价预检（{LEVEL_ZH[sub.level]}，{sub.year}年）",
        "",
        f"run `{report.run.id}` · {report.run.started_at} · sxcheck {report.run.tool_version} · "
        f"rules `{report.run.rules_digest[:12]}` · 评价方案 {_cell(profile_label(report))}",
        "",
        *(f"> 已跳过的特色性指标规则：{_cell(line)}" for line in report.run.rules_skipped),
        "| 状态 | 项数 |",
        "|---|---|",
        *(f"| {STATUS_ZH[k]} ({k}) | {v} |" for k, v in report.summary.counts.items()),
        f"| 总分 | {percent(report.summary.scores.get('total'))} |",
        "",
    ]
    todo = fixes(report)
    if todo:
        lines += ["## 先改这些", ""]
        lines += [
            f"1. **{_cell(f.judgment.id)} {_cell(f.judgment.name)}** `{f.reason.code}`："
            f"{_cell(f.reason.message)}"
            for f in todo
        ]
        lines.append("")
    lines += [
        "## 各项评价",
        "",
        "| ID | 评价指标项 | 状态 | 得分 | 问题 |",
        "|---|---|---|---|---|",
    ]
    for judgment in report.indicators:
        lines.append(
            f"| {_cell(judgment.id)} | {_cell(judgment.name)} | {STATUS_ZH[judgment.status.value]} | "
            f"{percent(judgment.score)} | "
            f"{_cell(' '.join([*problem_codes(judgment), *decision_mark(judgment)]))} |"
        )
    lines.append("")
    for first in tree(report):
        lines += [f"## {_cell(first.id)} {_cell(first.name)}（{percent(first.score)}）", ""]
        for second in first.seconds:
            lines += [f"### {_cell(second.id)} {_cell(second.name)}（{percent(second.score)}）", ""]
            for judgment in second.items:
                lines.append(
                    f"#### {_cell(judgment.id)} {_cell(judgment.name)} — {STATUS_ZH[judgment.status.value]}，{percent(judgment.score)}"
                )
                lines.append("")
                if judgment.decision is not None:
                    lines += [f"> **{_cell(decision_line(judgment))}**", ""]
                for reason in judgment.reasons:
                    lines.append(f"- `{reason.code}` {_cell(reason.message)}")
                    for ev in reason.evidence:
                        mark = f"（{ocr_mark(ev)}）" if ev.source == "ocr" else ""
                        lines.append(f"  - {_where(ev)}{mark}：> {_cell(ev.quote)}")
                        if ev.figures:
                            lines.append(f"    - {_cell(figures_line(ev.figures, sub.year))}")
                lines.append("")
    lines += [
        "## 材料清单",
        "",
        f"| 文件 | 类型 | 页数 | 状态 | 读取方式 | {' | '.join(OFFICIAL_HEADER)} | sha256 | 说明 |",
        "|---|---|---|---|---|" + "---|" * len(OFFICIAL_HEADER) + "---|---|",
    ]
    for doc in report.documents:
        note = doc.error or "；".join(doc.notes)
        official = " | ".join(_cell(cell) for cell in official_cells(doc))
        lines.append(
            f"| {_cell(doc.path)} | {_cell(doc.kind)} | {doc.pages or ''} | {_cell(doc.status)} | "
            f"{_cell(read_how(doc))} | {official} | `{doc.sha256[:12]}` | {_cell(note)} |"
        )
    return "\n".join(lines) + "\n"
