"""What every renderer shows, computed once: the 8 -> 20 -> 69 tree and what to fix first.

Renderers (terminal, Markdown, HTML, DOCX, XLSX) differ in form only; the
selection and order of what a city should fix lives here so they agree.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sxcheck.models import Judgment, Reason, Report

STATUS_ZH = {"pass": "达标", "partial": "部分达标", "fail": "未达标", "not_applicable": "不适用"}
LEVEL_ZH = {"city": "市级", "county": "县级"}
# Reason codes that only explain a judgment; they never need fixing.
INFO_CODES = frozenset(
    {
        "corroborated",
        "meets_threshold",
        "options_covered",
        "evidence_figures_used",
        "figures_set_aside",  # baseline, target or other-year figures shown, not compared
        "established",
        "established_and_working",
        "graded",
        "not_applicable_level",
        "rank_requires_batch",
    }
)
# What a city should fix first, most urgent first: wrong figures before missing ones.
FIX_ORDER = (
    "invalid_ratio",
    "invalid_value",
    "inconsistent_figures",
    "uncorroborated",
    "option_uncorroborated",
    "planned_not_done",
    "not_shown_in_use",
    "establishment_not_shown",
    "document_unreadable",
    "no_evidence",
)


@dataclass
class SecondGroup:
    id: str
    name: str
    score: float | None
    items: list[Judgment] = field(default_factory=list)


@dataclass
class FirstGroup:
    id: str
    name: str
    score: float | None
    seconds: list[SecondGroup] = field(default_factory=list)


def tree(report: Report) -> list[FirstGroup]:
    """The judgments grouped first level -> second level, in catalogue order."""
    scores = report.summary.scores
    firsts: dict[str, FirstGroup] = {}
    for judgment in report.indicators:
        first = firsts.setdefault(
            judgment.first,
            FirstGroup(judgment.first, judgment.first_name, scores.get(judgment.first)),
        )
        if not first.seconds or first.seconds[-1].id != judgment.second:
            first.seconds.append(
                SecondGroup(judgment.second, judgment.second_name, scores.get(judgment.second))
            )
        first.seconds[-1].items.append(judgment)
    return list(firsts.values())


@dataclass
class Fix:
    judgment: Judgment
    reason: Reason


def fixes(report: Report) -> list[Fix]:
    """Reasons a city must act on, most urgent code first, items in catalogue order."""
    out: list[Fix] = []
    for code in FIX_ORDER:
        for judgment in report.indicators:
            if judgment.status.value == "pass":
                continue
            out.extend(Fix(judgment, r) for r in judgment.reasons if r.code == code)
    return out


def problem_codes(judgment: Judgment) -> list[str]:
    return list(dict.fromkeys(r.code for r in judgment.reasons if r.code not in INFO_CODES))


def percent(score: float | None) -> str:
    return "—" if score is None else f"{score * 100:.1f}"


def profile_label(report: Report) -> str:
    """Which thresholds produced the judgments: the profile, or the rules' own defaults."""
    return report.run.profile or "默认（rules/defaults.yaml）"
