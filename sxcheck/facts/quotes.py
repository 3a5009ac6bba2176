"""Quotes of the facts stage: a sentence joined with the one before, and the cap per role.

Kept apart from the fact builder so what a fact may quote (and how much: a
document may repeat a sentence 5,000 times) is decided in one place.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import overload

from sxcheck.evidence.joins import join_sentences
from sxcheck.limits import MAX_QUOTES_PER_ROLE
from sxcheck.models import (
    Evidence,
    Fact,
    QuoteKey,
    Sentence,
    quote_key,
    unique_evidence,
)

# fact id -> role -> quotes `cite` left out of it before cap_quotes
Omitted = dict[str, dict[str, int]]


def cap_quotes(fact: Fact, limit: int = MAX_QUOTES_PER_ROLE, left: Omitted | None = None) -> None:
    """Each role's quotes once (by place and text), at most `limit` of them.

    The counts the engine tests are in `data`, computed before; a document that
    repeats a figure-bearing sentence 5,000 times must not make every fact, reason
    and stored row carry 5,000 quotes. What was left out is noted in `params`
    (`quotes_omitted`, e.g. "support 4980"), which the store keeps with the fact,
    counting those `cite` left out of a role already (`left`).
    """
    omitted = []
    before = (left or {}).get(fact.id, {})
    for role, quotes in fact.evidence.items():
        kept = unique_evidence(quotes)
        count = len(kept) + before.get(role, 0)
        if count > limit:
            omitted.append(f"{role} {count - limit}")
            kept = kept[:limit]
        fact.evidence[role] = kept
    if omitted:
        fact.params["quotes_omitted"] = "；".join(omitted)


def cite(
    sources: Iterable[Evidence | Sentence], limit: int = MAX_QUOTES_PER_ROLE
) -> tuple[list[Evidence], int]:
    """The quotes `cap_quotes` would keep of these (the first `limit`, each once by
    place and text), and how many others there are.

    Only the kept ones are built: a dense submission's conflicting figures are every
    sentence about the measure, and building each one's evidence (a quote and context
    window) to keep twenty held them all to the end of the facts stage (issue 18).
    """
    seen: set[QuoteKey] = set()
    kept: list[Evidence] = []
    others = 0
    for source in sources:
        key = source.quote_key if isinstance(source, Sentence) else quote_key(source)
        if key in seen:
            continue
        seen.add(key)
        if len(kept) < limit:
            kept.append(source.evidence if isinstance(source, Sentence) else source)
        else:
            others += 1
    return kept, others


def quoted_keys(sentences: Sequence[Sentence]) -> set[int]:
    """What `is_quoted` looks a sentence up in: the sentences and the evidence built of
    them, by identity. Asking `id(s.evidence)` of every sentence about a measure would
    build the evidence of each (a quote and context window a sentence, held to the end of
    the facts stage; issue 18), although only the cited ones need it."""
    keys: set[int] = set()
    for sentence in sentences:
        keys.add(id(sentence))
        if sentence.evidence_made:
            keys.add(id(sentence.evidence))
    return keys


def is_quoted(sentence: Sentence, keys: set[int]) -> bool:
    """Is the sentence, or one sharing its evidence, among those `keys` were made of?

    The same answer as `id(sentence.evidence) in {id(s.evidence) for s in those}`: an
    evidence not built yet belongs to its one sentence (a copy sharing it builds it
    first, `Sentence.model_copy`), and live objects never share an id."""
    return id(sentence) in keys or (sentence.evidence_made and id(sentence.evidence) in keys)


def joined_with_previous(sentences: list[Sentence]) -> Joined:
    """For each sentence, itself joined with the previous sentence of the same paragraph."""
    return Joined(sentences)


class Joined(Sequence[Sentence | None]):
    """Each sentence joined with the one before it in its paragraph, made on first use.

    Only a sentence that continues the one before ("其中418所…") is ever read joined,
    so the joins are not made for every pair of a dense paragraph (a copy of both
    texts, the quote and every number each): `joinable` tells whether there is one,
    indexing makes it (once), and its quote and numbers are made when read.
    """

    def __init__(self, sentences: list[Sentence]) -> None:
        self.sentences = sentences
        self._made: dict[int, Sentence] = {}

    def __len__(self) -> int:
        return len(self.sentences)

    def made_at(self, index: int) -> Sentence | None:
        """The join at `index` if it has been made (None: not made, or none), never
        making it."""
        return self._made.get(index)

    def joinable(self, index: int) -> bool:
        """Is sentence `index` a paragraph's sentence after another of it?"""
        if index <= 0:
            return False
        prev, cur = self.sentences[index - 1], self.sentences[index]
        return cur.kind == "paragraph" and prev.place == cur.place

    @overload
    def __getitem__(self, index: int) -> Sentence | None: ...

    @overload
    def __getitem__(self, index: slice) -> list[Sentence | None]: ...

    def __getitem__(self, index: int | slice) -> Sentence | None | list[Sentence | None]:
        if isinstance(index, slice):
            return [self[i] for i in range(len(self))[index]]
        if index < 0:
            index += len(self)
        if not 0 <= index < len(self):
            raise IndexError(index)
        made = self._made.get(index)
        if made is None and self.joinable(index):
            made = self._made[index] = join_sentences(
                self.sentences[index - 1], self.sentences[index]
            )
        return made
