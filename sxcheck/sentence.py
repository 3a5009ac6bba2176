"""One sentence (or table row) of a document, as the evidence stage hands it to facts.

Kept apart from sxcheck.models because it is not a pydantic model (see Sentence) and
is the one boundary object a submission holds by the hundred thousand.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol

from sxcheck.models import DocumentRef, Evidence, Quantity, QuoteKey, TableCell, TextUnit, quote_key


class SentenceSource(Protocol):
    """Builds what a sentence keeps only as offsets until it is read (evidence.LazySentences)."""

    def evidence_of(self, sentence: Sentence) -> Evidence: ...

    def quantities_of(self, sentence: Sentence) -> list[Quantity]: ...

    def issued_of(self, sentence: Sentence) -> DocumentRef | None: ...

    def in_plan(self, sentence: Sentence) -> bool:
        """Is its document a plan (a 规划, 纲要, 行动计划: evidence._plan_documents)?"""
        ...

    def key_of(self, sentence: Sentence) -> QuoteKey | None:
        """`quote_key` of the evidence it would build, without building it (None: build)."""
        ...


class Sentence:
    """One sentence (or table row) with its parsed quantities and cue flags.

    Not a pydantic model: a submission holds one per sentence (16 a dense page) for the
    whole facts stage, and a model's field dict and fields set cost ~1.4 KiB each. Built
    by the evidence stage, a sentence keeps its place as `unit` with offsets
    `start`/`end` into the unit's text (one text per paragraph, shared by its
    sentences, never copied), and its `evidence` (quote, context window) and
    `quantities` are made from them on first use, once, by `source`: a sentence no
    measure reads costs its matching text only. Given explicitly (tests, a sentence
    rebuilt by the facts stage) they are what they were given.
    """

    __slots__ = (
        "_text",
        "context",
        "kind",
        "cells",
        "row_label",
        "table",
        "raw",
        "listing",
        "unit",
        "start",
        "end",
        "_evidence",
        "_quantities",
        "_source",
        "_when_made",
    )

    # what a pydantic model's fields were: compared, shown and copied
    _FIELDS = (
        "evidence",
        "text",
        "context",
        "kind",
        "quantities",
        "cells",
        "row_label",
        "table",
        "raw",
        "listing",
    )

    def __init__(
        self,
        *,
        text: str,
        evidence: Evidence | None = None,
        context: str = "",
        kind: str = "paragraph",
        quantities: list[Quantity] | None = None,
        cells: list[TableCell] | None = None,
        row_label: str = "",
        table: int | None = None,
        raw: str = "",
        listing: bool = False,
        unit: TextUnit | None = None,
        start: int = 0,
        end: int = 0,
        source: SentenceSource | None = None,
    ) -> None:
        if evidence is None and source is None:
            raise TypeError("a Sentence needs its evidence or a source to build it from")
        self.context = context
        self.kind = kind
        # a table row: its cells (TextUnit.cells) and label; `raw` is the row's own text
        # (cells joined " | ") when the quote is not it (the quote names each cell's header)
        self.cells = cells if cells is not None else []
        self.row_label = row_label
        self.table = table  # TextUnit.table
        self.raw = raw
        # a row of an attachment list, a 目录 or a 文件清单 naming a document: it says the
        # document exists in a list, never that what the document states holds
        self.listing = listing
        self.unit = unit  # where the sentence is: unit.text[start:end] (None: given whole)
        self.start = start
        self.end = end
        # None: the matching text is the unit's between the offsets (as written)
        self._text: str | None = None if self._is_slice(text) else text
        self._evidence = evidence
        # None: read by `source` on first use
        self._quantities = [] if quantities is None and source is None else quantities
        self._source = source
        self._when_made: Callable[[Sentence], None] | None = None

    def _is_slice(self, text: str) -> bool:
        unit = self.unit
        return (
            unit is not None
            and len(text) == self.end - self.start
            and unit.text.startswith(text, self.start)
        )

    @property
    def text(self) -> str:
        """The matching text (evidence.normalise): the unit's characters between the
        offsets when the document wrote them so, read from the unit each time (a dense
        page's 16 sentences held through the facts stage keep no copy; issue 18)."""
        text = self._text
        if text is None:
            assert self.unit is not None
            return self.unit.text[self.start : self.end]
        return text

    @property
    def evidence(self) -> Evidence:
        """The quotable place, built on first use (the same object ever after: facts
        share it and the trail notes its figures on it)."""
        if self._evidence is None:
            assert self._source is not None
            self._evidence = self._source.evidence_of(self)
            told, self._when_made = self._when_made, None
            if told is not None:
                told(self)
        return self._evidence

    @evidence.setter
    def evidence(self, evidence: Evidence) -> None:
        self._evidence = evidence

    @property
    def quantities(self) -> list[Quantity]:
        """Every number with its role and period, read on first use, once."""
        if self._quantities is None:
            assert self._source is not None
            self._quantities = self._source.quantities_of(self)
        return self._quantities

    @quantities.setter
    def quantities(self, quantities: list[Quantity]) -> None:
        self._quantities = quantities

    def forget_quantities(self) -> None:
        """Give back the numbers read from the source; asked again, they are read again,
        equal (facts.forgetting: what no later measure reads). Numbers given, not read,
        are kept: nothing could read them again."""
        if self._source is not None:
            self._quantities = None
            parts = getattr(self._source, "forget_parts", None)
            if parts is not None:
                parts()  # a joined sentence's numbers were read from its two parts

    @property
    def place(self) -> tuple[str, int | None, str]:
        """(document, page, location) without building the evidence for it."""
        if self._evidence is None and self.unit is not None:
            return self.unit.document, self.unit.page, self.unit.location
        evidence = self.evidence
        return evidence.document, evidence.page, evidence.location

    @property
    def issued(self) -> DocumentRef | None:
        """Its document as an official document (Evidence.issued), without building the
        evidence for it: every sentence about a measure is asked whether it is a draft's,
        and only the cited ones need their evidence (issue 18)."""
        if self._evidence is None and self._source is not None:
            return self._source.issued_of(self)
        return self.evidence.issued

    @property
    def in_plan(self) -> bool:
        """Is it a sentence of a plan, by the plan's name or title (a 规划 issued by a
        notice, "关于印发…规划的通知", is still a plan)? False when nothing says."""
        return self._source is not None and self._source.in_plan(self)

    def when_made(self, told: Callable[[Sentence], None]) -> None:
        """Have `told(self)` called once its evidence is built (now, if it is): what is
        asked of the evidence of every sentence about a measure (facts.periods.to_note)
        waits for the few a fact cites instead of building each (issue 18). One at a time:
        a later call replaces an earlier one not yet told."""
        if self._evidence is not None:
            told(self)
        else:
            self._when_made = told

    @property
    def quote_key(self) -> QuoteKey:
        """`quote_key` of its evidence (place and text: what makes two quotes one),
        without building the evidence when its source can tell."""
        if self._evidence is None and self._source is not None:
            key = self._source.key_of(self)
            if key is not None:
                return key
        return quote_key(self.evidence)

    @property
    def source(self) -> SentenceSource | None:
        """What builds its evidence and quantities from its place (None: they were given)."""
        return self._source

    @property
    def by_ocr(self) -> bool:
        """Was the sentence read by OCR (Evidence.source), without building its evidence?"""
        if self._evidence is None and self.unit is not None:
            return self.unit.source == "ocr"
        return self.evidence.source == "ocr"

    @property
    def evidence_made(self) -> bool:
        """Has its evidence been built (or given)?"""
        return self._evidence is not None

    @property
    def read(self) -> bool:
        """Have its quantities been read (or given)?"""
        return self._quantities is not None

    def model_copy(self, update: dict[str, Any] | None = None) -> Sentence:
        """A shallow copy with `update` applied, as pydantic's model_copy (what is not
        updated is shared: its evidence and quantities are built first if need be)."""
        values = {name: getattr(self, name) for name in self._FIELDS if name not in (update or {})}
        values.update(update or {})
        copy = Sentence(**values)
        given = values["text"]
        if "text" not in (update or {}) or (
            given is self._text if self._text is not None else given == self.text
        ):  # still the unit's text between the offsets (a lazy text is read anew each time)
            copy.unit, copy.start, copy.end = self.unit, self.start, self.end
            if copy._is_slice(copy.text):
                copy._text = None
        return copy

    def __eq__(self, other: object) -> bool:
        if self is other:
            return True
        if not isinstance(other, Sentence):
            return NotImplemented
        return all(getattr(self, n) == getattr(other, n) for n in self._FIELDS)

    __hash__ = None  # type: ignore[assignment]  # compared by value, as a model was

    def __repr__(self) -> str:
        shown = ", ".join(f"{n}={getattr(self, n)!r}" for n in self._FIELDS)
        return f"Sentence({shown})"
