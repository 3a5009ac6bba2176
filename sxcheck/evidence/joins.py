"""Two sentences read as one: "其中418所…" after the sentence naming its subject, and a
sentence a page break cut in two ("…拟于2025年" | next page "启动建设；…").

The joined sentence is matched as one text and quoted as the document has the two
parts: its quote is made of both evidences when first read, its numbers are both
sentences' (the second's shifted past the first's text). Made by the evidence stage
(page breaks, evidence.pages) and by the facts stage (facts.quotes.Joined).
"""

from __future__ import annotations

from typing import Any

from sxcheck.models import DocumentRef, Evidence, Quantity, QuoteKey, Sentence


class _JoinedParts:
    """The quote and numbers of two sentences read as one, made when first read.

    Joined within a paragraph, the evidence is the second's (its place; the quote
    both). Joined across a page break, it is the first's, where the sentence begins:
    its page, and a location naming where it goes on ("paragraph 9 至第4页 paragraph 1").
    """

    def __init__(self, prev: Sentence, cur: Sentence, across_pages: bool = False) -> None:
        self.prev, self.cur = prev, cur
        self.across_pages = across_pages

    def evidence_of(self, sentence: Sentence) -> Evidence:
        # matched as one text; quoted as the document has the two (a quote is the
        # original characters, Sentence.text their matching form: evidence.normalise)
        prev, cur = self.prev.evidence, self.cur.evidence
        if self.across_pages:
            update: dict[str, Any] = {
                "quote": prev.quote + cur.quote,
                "location": f"{prev.location} 至第{cur.page}页 {cur.location}",
                "context": None,  # each window is of its own page
                "figures": [],
                "box": None,
            }
            return prev.model_copy(update=update)
        quote = _joined_quote(prev, cur)
        # the context window is cur's: keep it only if it holds both
        # (and its figures are its own, noted when it is cited: facts.periods)
        update = {
            "quote": quote,
            "context": _holding(cur.context, quote),
            "figures": [],
        }
        return cur.model_copy(update=update)

    def issued_of(self, sentence: Sentence) -> DocumentRef | None:
        return self.cur.issued  # the joined evidence is a copy of one of the two (one document)

    def in_plan(self, sentence: Sentence) -> bool:
        return self.cur.in_plan

    def key_of(self, sentence: Sentence) -> QuoteKey | None:
        return None  # its quote is made of both evidences: built to be known

    def forget_parts(self) -> None:
        """Forget the numbers read from the two parts too (Sentence.forget_quantities)."""
        if not self.prev.evidence_made:
            self.prev.forget_quantities()
        if not self.cur.evidence_made:
            self.cur.forget_quantities()

    def quantities_of(self, sentence: Sentence) -> list[Quantity]:
        offset = len(self.prev.text)
        shifted = [
            q.model_copy(update={"start": q.start + offset, "end": q.end + offset})
            for q in self.cur.quantities
        ]
        return self.prev.quantities + shifted


def join_sentences(prev: Sentence, cur: Sentence, across_pages: bool = False) -> Sentence:
    """`prev` and `cur` read as one sentence (`across_pages`: cut by a page break)."""
    same = prev.unit is not None and prev.unit is cur.unit
    return Sentence(
        text=prev.text + cur.text,
        context=cur.context,
        kind=cur.kind,
        cells=cur.cells,
        row_label=cur.row_label,
        table=cur.table,
        raw=cur.raw,
        listing=cur.listing,
        unit=cur.unit if same else None,
        start=prev.start if same else 0,
        end=cur.end if same else 0,
        source=_JoinedParts(prev, cur, across_pages),
    )


def _joined_quote(prev: Evidence, cur: Evidence) -> str:
    """The two quotes as one slice of the document: with the whitespace between them.

    Sentences are split with their surrounding whitespace stripped, so "…召开会议。 其中…"
    (a spaced PDF, or a space typed after 。) has a gap that `prev + cur` would drop,
    giving a quote found nowhere in the document. cur's context window shows the gap.
    """
    plain = prev.quote + cur.quote
    context = cur.context
    if context is None or plain in context:
        return plain
    at = context.find(cur.quote)
    while at >= 0:
        before = context[:at]
        kept = before.rstrip()
        if kept.endswith(prev.quote):
            return prev.quote + before[len(kept) :] + cur.quote
        at = context.find(cur.quote, at + 1)
    return plain


def _holding(context: str | None, quote: str) -> str | None:
    return context if context is not None and quote in context else None
