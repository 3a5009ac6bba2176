"""Quotes of the facts stage: a sentence joined with the one before, and the cap per role.

Kept apart from the fact builder so what a fact may quote (and how much: a
document may repeat a sentence 5,000 times) is decided in one place.
"""

from __future__ import annotations

from sxcheck.limits import MAX_QUOTES_PER_ROLE
from sxcheck.models import Fact, Sentence, unique_evidence


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
        text = prev.text + cur.text
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
                        update={"quote": text, "context": _holding(cur.evidence.context, text)}
                    ),
                }
            )
        )
    return out


def _holding(context: str | None, quote: str) -> str | None:
    return context if context is not None and quote in context else None
