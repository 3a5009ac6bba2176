"""Modality: is a clause done, ongoing, planned, required by a rule, conditional or negated?

A qualitative item turns on whether something happened. The words that say so
live in `rules/lexicon.yaml` `modality` (with cases); this module holds only
the generic logic: where a clause ends, how far a cue's scope reaches
(a negation to the end of its clause, a plan over what follows it in its
statement), and double negation (无一未 is done).

API (fixed; issue 17):
- `ModalityReader(words).clauses(text, year=None) -> list[Clause]`
- `ModalityReader(words).at(text, start, end, year=None) -> Clause`: the
  modality of what `text[start:end]` says (e.g. where an item's pattern matched)
- `reader_for(lexicon)`: one compiled reader per lexicon.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    from sxcheck.catalogue.schema import Lexicon, ModalityWords

Modality = Literal["done", "ongoing", "planned", "required", "conditional", "negated"]
MODALITIES: tuple[Modality, ...] = (
    "done",
    "ongoing",
    "planned",
    "required",
    "conditional",
    "negated",
)


@dataclass(frozen=True, slots=True)
class Clause:
    """A span of a sentence and what it says of its content happening."""

    start: int
    end: int
    modality: Modality
    cue: str = ""  # the words that decided it, as written ("" when done by default)


class ModalityReader:
    """The lexicon's modality words compiled once."""

    def __init__(self, words: ModalityWords) -> None:
        self.words = words

    def clauses(self, text: str, year: int | None = None) -> list[Clause]:
        """The clauses of `text` in order, each with its modality. `year` is the
        evaluation year: a clause stating only a later year's deadline is planned."""
        raise NotImplementedError

    def at(self, text: str, start: int, end: int, year: int | None = None) -> Clause:
        """The modality of what `text[start:end]` states (a cue before it in its scope,
        or inside it, decides)."""
        raise NotImplementedError


_READERS: dict[int, tuple[Lexicon, ModalityReader]] = {}


def reader_for(lexicon: Lexicon) -> ModalityReader:
    """The reader of a lexicon, compiled once (keyed by the lexicon object)."""
    entry = _READERS.get(id(lexicon))
    if entry is None or entry[0] is not lexicon:
        entry = (lexicon, ModalityReader(lexicon.modality))
        _READERS[id(lexicon)] = entry
    return entry[1]
