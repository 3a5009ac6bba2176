"""Quotes of the facts stage: a sentence joined with the one before, and the cap per role.

Kept apart from the fact builder so what a fact may quote (and how much: a
document may repeat a sentence 5,000 times) is decided in one place.
"""

from __future__ import annotations

from sxcheck.limits import MAX_QUOTES_PER_ROLE
from sxcheck.models import Evidence, Fact, Sentence, unique_evidence


def cap_quotes(fact: Fact, limit: int = MAX_QUOTES_PER_ROLE) -> None:
    """Each role's quotes once (by place and text), at most `limit` of them.

    The counts the engine tests are in `data`, computed before; a document that
    repeats a figure-bearing sentence 5,000 times must not make every fact, reason
    and stored row carry 5,000 quotes. What was left out is noted in `params`
    (`quotes_omitted`, e.g. "support 4980"), which the store keeps with the fact.
    """
    omitted = []
    for role, quotes in fact.evidence.items():
        kept = unique_evidence(quotes)
        if len(kept) > limit:
            omitted.append(f"{role} {len(kept) - limit}")
            kept = kept[:limit]
        fact.evidence[role] = kept
    if omitted:
        fact.params["quotes_omitted"] = "；".join(omitted)


def joined_with_previous(sentences: list[Sentence]) -> list[Sentence | None]:
    """For each sentence, itself joined with the previous sentence of the same paragraph."""
    out: list[Sentence | None] = [None]
    for prev, cur in zip(sentences, sentences[1:], strict=False):
        same = (
            cur.kind == "paragraph"
            and prev.evidence.document == cur.evidence.document
            and prev.evidence.page == cur.evidence.page
            and prev.evidence.location == cur.evidence.location
        )
        if not same:
            out.append(None)
            continue
        # matched as one text; quoted as the document has the two (a quote is the
        # original characters, Sentence.text their matching form: evidence.normalise)
        text = prev.text + cur.text
        quote = _joined_quote(prev.evidence, cur.evidence)
        offset = len(prev.text)
        shifted = [
            q.model_copy(update={"start": q.start + offset, "end": q.end + offset})
            for q in cur.quantities
        ]
        out.append(
            cur.model_copy(
                update={
                    "text": text,
                    "quantities": prev.quantities + shifted,
                    "evidence": cur.evidence.model_copy(
                        # the context window is cur's: keep it only if it holds both
                        update={"quote": quote, "context": _holding(cur.evidence.context, quote)}
                    ),
                }
            )
        )
    return out


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
