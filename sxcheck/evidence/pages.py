"""A paragraph a page break cuts in two is one paragraph: its cut sentence is read whole.

Real PDFs (and OFD, and scans read by OCR) lay text out by page; a paragraph running
over a page break arrives as the last paragraph of one page and the first of the
next, and its sentence at the break as two halves ("…碳达峰碳中和监测平台拟于2025年" |
"启动建设；…", "…完成与省级政务云" | "核心枢纽节点的网络打通"). Neither half says what
the sentence says. The two halves are read as one sentence (evidence.joins), quoted
from the page where it begins with a location naming where it goes on.

Cut means: the paragraph ending a page (page numbers such as "— 3 —" aside) ends
without a sentence's closing mark, is not a heading or a short line (a signature, a
date, a member's name), and the paragraph opening the next page of the same document
is not a heading or a labelled line ("列席：…").
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

from sxcheck.evidence.joins import join_sentences
from sxcheck.models import Sentence, TextUnit

# what a cut paragraph does not end with: a sentence's closing marks
_CLOSED = re.compile(r"[。！？!?；;：:…]\s*$|[。！？!?][”’」』）)]\s*$")
# a page's number printed at its foot (or head): no paragraph of the text
_PAGE_NUMBER = re.compile(r"^\s*(?:[—\-–－]\s*)?\d{1,4}(?:\s*[—\-–－])?\s*$|^\s*第\s*\d+\s*页")
# a line that opens with its own label ("列席：…", "附件：…"): a new line, not a run-on
_LABELLED = re.compile(r"^\s*\S{1,8}\s*[：:]")
MIN_CUT_CHARS = 16  # shorter last lines are signatures, dates, names or headings


def join_across_pages(
    sentences: list[Sentence],
    units: list[TextUnit],
    starts: Sequence[int],
    is_heading: Callable[[TextUnit], bool],
) -> list[Sentence]:
    """`sentences` with each sentence cut by a page break read as one.

    `starts[i]` is where the sentences made from `units[i]` start in `sentences` (they
    end at `starts[i + 1]`; one more entry than `units`).
    """
    cuts: dict[int, int] = {}  # index of a cut sentence's first half -> its second half
    seconds: set[int] = set()  # the second halves, each joined once
    before: int | None = None  # the unit before, page numbers aside
    for b, second in enumerate(units):
        if _PAGE_NUMBER.match(second.text):
            continue
        a, before = before, b
        if a is None or not _cut(units[a], second, is_heading):
            continue
        end, start, stop = starts[a + 1], starts[b], starts[b + 1]
        if end > starts[a] and stop > start and end - 1 not in seconds:
            cuts[end - 1] = start  # (a one-sentence page: its sentence goes on both ways)
            seconds.add(start)
    if not cuts:
        return sentences
    out: list[Sentence] = []
    skip: set[int] = set()
    for index, sentence in enumerate(sentences):
        if index in skip:
            continue
        rest = cuts.get(index)
        if rest is None:
            out.append(sentence)
            continue
        out.append(join_sentences(sentence, sentences[rest], across_pages=True))
        skip.add(rest)
    return out


def _cut(first: TextUnit, second: TextUnit, is_heading: Callable[[TextUnit], bool]) -> bool:
    if first.kind != "paragraph" or second.kind != "paragraph":
        return False
    if first.document != second.document or first.page is None or second.page != first.page + 1:
        return False
    text = first.text.strip()
    if len(text) < MIN_CUT_CHARS or _CLOSED.search(text) or is_heading(first):
        return False
    return not (is_heading(second) or _LABELLED.match(second.text))
