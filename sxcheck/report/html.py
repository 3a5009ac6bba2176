"""HTML: one self-contained file (no network, no external assets) for the reviewer's trail."""

from __future__ import annotations

from markupsafe import Markup, escape

from sxcheck.models import Evidence, Report
from sxcheck.report.figure_labels import LINE_LABEL, figure_label
from sxcheck.report.safe import cleaned, html_templates
from sxcheck.report.view import LEVEL_ZH, STATUS_ZH, percent, problem_codes, tree

_ENV = html_templates()


def highlight(ev: Evidence) -> Markup:
    """The quote marked inside its paragraph (or alone when it is the whole unit)."""
    context = ev.context or ev.quote
    start = context.find(ev.quote)
    if start < 0:
        return Markup("<mark>{}</mark>").format(ev.quote)
    end = start + len(ev.quote)
    return (
        escape(context[:start]) + Markup("<mark>{}</mark>").format(ev.quote) + escape(context[end:])
    )


def figures(ev: Evidence, year: int) -> Markup:
    """The line under a quote: each number as written with its tag ("" without figures).

    The numbers are not marked inside the quote: a note has no span, and a text
    match would mark the wrong "1" (in "alert(1)", in a made-visible "\\x1b").
    """
    if not ev.figures:
        return Markup("")
    tags = Markup(" ").join(
        Markup('<span class="fig {}">{}</span>').format(
            "used" if note.used else "aside", figure_label(note, year)
        )
        for note in ev.figures
    )
    return Markup('<div class="figures">{}{}</div>').format(LINE_LABEL, tags)


def to_html(report: Report) -> str:
    report = cleaned(report)
    groups = tree(report)
    chart = [
        {
            "label": f"{g.id} {g.name}",
            "width": round(380 * (g.score or 0)),
            "value": percent(g.score),
        }
        for g in groups
    ]
    codes = sorted({r.code for j in report.indicators for r in j.reasons})
    return _ENV.get_template("report.html.j2").render(
        sub=report.submission,
        run=report.run,
        level_zh=LEVEL_ZH[report.submission.level],
        counts=list(report.summary.counts.items()),
        total=percent(report.summary.scores.get("total")),
        chart=chart,
        statuses=list(STATUS_ZH),
        status_zh=STATUS_ZH,
        codes=codes,
        tree=groups,
        documents=report.documents,
        pct=percent,
        problem_codes=problem_codes,
        highlight=highlight,
        figures=figures,
    )
