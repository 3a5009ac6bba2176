"""HTML: one self-contained file (no network, no external assets) for the reviewer's trail.

A quote OCR read is marked with its confidence and shown on the thumbnail of its
page with the box of its lines drawn, so the reviewer sees the scan behind it.
Each thumbnail is embedded once (an SVG <image> in a hidden <defs>) and every
quote of that page draws it by reference (<use>), so a page quoted a hundred
times costs its JPEG once.
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Callable

from markupsafe import Markup, escape

from sxcheck.models import DocumentInfo, Evidence, Report
from sxcheck.report.figure_labels import LINE_LABEL, figure_label
from sxcheck.report.safe import cleaned, html_templates
from sxcheck.report.view import (
    LEVEL_ZH,
    OFFICIAL_HEADER,
    STATUS_ZH,
    decision_line,
    declared_place,
    fixes,
    issued_line,
    ocr_mark,
    official_cells,
    percent,
    problem_codes,
    read_how,
    tree,
)

# only a thumbnail sxcheck wrote (base64 JPEG) becomes an image source; anything
# else in a stored report is left out
_THUMBNAIL = re.compile(r"data:image/jpeg;base64,[A-Za-z0-9+/]+={0,2}")
SCAN_WIDTH = 240  # px a thumbnail is shown at beside its quote

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


def _jpeg_size(uri: str) -> tuple[int, int] | None:
    """(width, height) from a JPEG's frame header; None when it is not a JPEG."""
    try:
        data = base64.b64decode(uri.split(",", 1)[1], validate=True)
    except (binascii.Error, ValueError, IndexError):
        return None
    at = 2
    while data[:2] == b"\xff\xd8" and at + 9 < len(data):
        if data[at] != 0xFF:
            return None
        marker, length = data[at + 1], int.from_bytes(data[at + 2 : at + 4], "big")
        if 0xC0 <= marker <= 0xCF and marker not in (0xC4, 0xC8, 0xCC):
            height = int.from_bytes(data[at + 5 : at + 7], "big")
            width = int.from_bytes(data[at + 7 : at + 9], "big")
            return (width, height) if width and height else None
        at += 2 + length
    return None


class Scans:
    """The thumbnails of OCR'd pages, each defined once, and a quote's view on its page."""

    def __init__(self, documents: list[DocumentInfo]) -> None:
        self._pages: dict[tuple[str, str, int], tuple[str, str, int, int]] = {}
        self.used: list[tuple[str, str, int, int]] = []
        for doc in documents:
            for page, uri in doc.thumbnails.items():
                size = _jpeg_size(uri) if _THUMBNAIL.fullmatch(uri) else None
                if size is not None:
                    key = f"scan-{len(self._pages) + 1}"
                    self._pages[(doc.path, doc.sha256, page)] = (key, uri, *size)

    def view(self, ev: Evidence) -> Markup:
        """The mark "OCR 0.97" and the page's thumbnail with the quote's box ("" otherwise)."""
        if ev.source != "ocr":
            return Markup("")
        mark = Markup(
            '<span class="ocr" title="OCR 识别的文字，置信度为其所在行的最低值">{}</span>'
        )
        mark = mark.format(ocr_mark(ev))
        found = self._pages.get((ev.document, ev.sha256, ev.page or 1))
        if found is None or ev.box is None:
            return mark
        if found not in self.used:
            self.used.append(found)
        key, _uri, width, height = found
        left, top, right, bottom = (min(1.0, max(0.0, float(v))) for v in ev.box)
        return mark + Markup(
            '<svg class="scan" role="img" aria-label="扫描页及引文位置" viewBox="0 0 {w} {h}" '
            'width="{shown}" height="{shown_h}"><use href="#{key}"/>'
            '<rect class="quote-box" x="{x:.1f}" y="{y:.1f}" width="{bw:.1f}" height="{bh:.1f}"/>'
            "</svg>"
        ).format(
            w=width,
            h=height,
            shown=SCAN_WIDTH,
            shown_h=round(SCAN_WIDTH * height / width),
            key=key,
            x=left * width,
            y=top * height,
            bw=(right - left) * width,
            bh=(bottom - top) * height,
        )

    def defs(self) -> Markup:
        """The thumbnails the quotes used, once each (called after the quotes are drawn)."""
        images = Markup("").join(
            Markup('<image id="{}" href="{}" width="{}" height="{}"/>').format(*page)
            for page in self.used
        )
        return Markup('<svg class="scan-defs" width="0" height="0"><defs>{}</defs></svg>').format(
            images
        )


def to_html(
    report: Report,
    nonce: str = "",
    chrome: Markup | None = None,
    item_href: Callable[[str], str] | None = None,
) -> str:
    """The report as one HTML file. `sxcheck serve` shows the same page: with the
    nonce its Content-Security-Policy allows for the page's one style and script, its
    own navigation (`chrome`) above the header and a link from each item to its page."""
    report = cleaned(report)
    scans = Scans(report.documents)
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
        fix_first=fixes(report)[:30],
        declared_place=lambda fix: declared_place(report, fix),
        documents=report.documents,
        pct=percent,
        problem_codes=problem_codes,
        decision_line=decision_line,
        highlight=highlight,
        figures=figures,
        scan=scans.view,
        scan_defs=scans.defs,
        read_how=read_how,
        official_header=OFFICIAL_HEADER,
        official_cells=official_cells,
        issued_line=issued_line,
        nonce_attr=Markup(' nonce="{}"').format(nonce) if nonce else Markup(""),
        chrome=chrome or Markup(""),
        item_href=item_href,
    )
