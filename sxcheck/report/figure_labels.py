"""What each number of a quote is, in the words a reviewer reads (one place for every renderer).

The facts stage notes the numbers of each quote it cites (`Evidence.figures`):
the figure as written, its role (a measure figure, money, a score, an
identifier, a date), its period (a year, "current", "target", "change") and
whether it was compared with the declaration. Every renderer (HTML, Markdown,
DOCX, XLSX, terminal) shows the same tags from here, e.g.
`✓ 96.9%（2024年，已比对）`, `100%（目标值）`, `45%（2020年数据）`,
`〔2024〕15号（编号/序号）`.
"""

from __future__ import annotations

from collections.abc import Sequence

from sxcheck.models import FigureNote

# Why a number is not a measure figure at all.
ROLE_ZH = {
    "identifier": "编号/序号",
    "date": "日期",
    "score": "得分",
    "money": "金额",
}
# Periods that are not a year.
PERIOD_ZH = {
    "target": "目标值",
    "change": "增减变化",
    "plan": "规划所载",
    "current": "当前",
}
USED_ZH = "已比对"
NOT_USED_ZH = "未比对"
USED_MARK = "✓"
LINE_LABEL = "数字："
SEPARATOR = "  "


def _period(period: str | None, year: int | None) -> str | None:
    """The period in Chinese: a year of the evaluation "2024年", another "2020年数据"."""
    if period is None:
        return None
    if period in PERIOD_ZH:
        return PERIOD_ZH[period]
    if period.isdigit():
        if year is None or int(period) == year:
            return f"{period}年"
        return f"{period}年数据"
    return period  # a period word the renderers do not know yet: shown as stated


def _is_aside(period: str | None, year: int | None) -> bool:
    """A period that by itself says why the figure was not compared."""
    if period in ("target", "change", "plan"):
        return True
    return bool(period and period.isdigit() and year is not None and int(period) != year)


def figure_tag(note: FigureNote, year: int | None = None) -> str:
    """The Chinese tag of one number, without the number: "2024年，已比对", "目标值", "编号/序号".

    `year` is the submission's evaluation year; a year period equal to it reads
    "2024年", any other "2020年数据" (without a year, a year reads "2020年").
    """
    parts: list[str] = []
    if note.role in ROLE_ZH:
        parts.append(ROLE_ZH[note.role])
    if note.role not in ("identifier", "date") and not (
        note.role in ("score", "money") and note.period == "current"
    ):
        period = _period(note.period, year)
        if period:
            parts.append(period)
    if note.used:
        parts.append(USED_ZH)
    elif note.role in ("figure", "money") and not _is_aside(note.period, year):
        parts.append(NOT_USED_ZH)  # a figure of the period the facts stage did not compare
    return "，".join(parts)


def figure_label(note: FigureNote, year: int | None = None) -> str:
    """One number with its tag: "✓ 96.9%（2024年，已比对）" or "100%（目标值）"."""
    tag = figure_tag(note, year)
    mark = f"{USED_MARK} " if note.used else ""
    return f"{mark}{note.text}（{tag}）" if tag else f"{mark}{note.text}"


def figures_line(figures: Sequence[FigureNote], year: int | None = None) -> str:
    """The compact line under a quote ("" when the quote has no noted figures)."""
    if not figures:
        return ""
    return LINE_LABEL + SEPARATOR.join(figure_label(n, year) for n in figures)
