"""Scoping: which cue governs a clause (its own, the one its statement carries, a
main clause's), how far a plan or a heading reaches, and `at` over a cached scan."""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections import OrderedDict
from typing import TYPE_CHECKING

from sxcheck.evidence.modality.kinds import (
    CARRIED,
    RANK,
    Clause,
    Cue,
    Scan,
    Span,
    governs,
    strongest,
)
from sxcheck.evidence.modality.scanner import CueScanner

if TYPE_CHECKING:
    from sxcheck.catalogue.schema import Lexicon, ModalityWords

_CACHE_TEXTS = 256  # scans kept for `at`: the last texts read...
_CACHE_CHARS = 2_000_000  # ...up to this many characters in all


class ModalityReader(CueScanner):
    """The lexicon's modality words compiled once; reads clauses and spans."""

    def __init__(self, words: ModalityWords) -> None:
        super().__init__(words)
        self._scans: OrderedDict[tuple[str, int | None], Scan] = OrderedDict()
        self._cached_chars = 0

    # ---------------------------------------------------------------- API

    def clauses(self, text: str, year: int | None = None) -> list[Clause]:
        """The clauses of `text` in order, each with its modality. `year` is the
        evaluation year: a clause stating only a later year's deadline is planned."""
        return [self._decide(span, span.cues) for span in self._scan(text, year).spans]

    def at(self, text: str, start: int, end: int, year: int | None = None) -> Clause:
        """The modality of what `text[start:end]` states (a cue before it in its scope,
        or inside it, decides).

        The Clause returned spans the clauses the span touches (to quote), with the
        modality and cue that govern the span."""
        scan = self._scan(text, year)
        end = max(end, start + 1)
        first = bisect_right(scan.ends, start)  # the first clause ending after start
        last = bisect_left(scan.starts, end) - 1  # the last clause starting before end
        if first >= len(scan.spans) or last < first:
            return Clause(start, min(end, len(text)), "done")
        spans = scan.spans[first : last + 1]
        cues = [
            c
            for s in spans
            for c in s.cues
            if governs(c, s, end) and (s is spans[0] or c.kind != "duties")
        ]
        decided = self._decide(spans[0], cues)
        return Clause(spans[0].start, spans[-1].end, decided.modality, decided.cue)

    # ---------------------------------------------------------------- reading

    @classmethod
    def _decide(cls, span: Span, cues: list[Cue] | tuple[Cue, ...]) -> Clause:
        best = cls._governing(span, cues)
        if best is None:
            return Clause(span.start, span.end, "done")
        return Clause(span.start, span.end, best.modality, best.text)

    @staticmethod
    def _governing(span: Span, cues: list[Cue] | tuple[Cue, ...]) -> Cue | None:
        """The clause's strongest cue; the carried one instead when it is a condition, or
        when the clause's own cue is only work under way or a weak one ("会议要求，各县区
        加快推进…" is required); with no cue of its own, the carried one, else the main
        clause's (of a subordinate clause); else none (done)."""
        best = strongest(cues)
        carried = span.carried
        if carried is not None and (
            best is None
            or carried.modality == "conditional"
            or (
                best.rank >= RANK["ongoing"][1]
                and best.modality != "done"
                and carried.rank < best.rank
            )
        ):
            best = carried
        return span.lead if best is None else best

    def _scan(self, text: str, year: int | None) -> Scan:
        """The clauses of `text` with their cues, scanned once (kept for repeated `at`)."""
        key = (text, year)
        scan = self._scans.get(key)
        if scan is not None:
            self._scans.move_to_end(key)
            return scan
        scan = self._read(text, year)
        self._scans[key] = scan
        self._cached_chars += len(text)
        while len(self._scans) > 1 and (
            len(self._scans) > _CACHE_TEXTS or self._cached_chars > _CACHE_CHARS
        ):
            (old, _), _ = self._scans.popitem(last=False)
            self._cached_chars -= len(old)
        return scan

    def _read(self, text: str, year: int | None) -> Scan:
        if self.words.cell_mark and self.words.cell_mark in text:
            return self._row(text, year)
        spans: list[Span] = []
        cues: list[Cue] = []
        carried: Cue | None = None
        heading: Cue | None = None  # "下一步：" carries over its list's items (；, 一是)
        # "到2025年，" opening the text: a time frame of its own clause reaches every
        # statement after it ("到2025年，覆盖率达到95%；…；驾驶舱建成上线" is all plan)
        frame: Cue | None = None
        begin = opened = 0  # where the clause begins, where its statement's spans begin
        for match in self._scanner.finditer(text):
            kind = match.lastgroup
            if kind in ("statement", "clause"):
                count = len(spans)
                carried = self._close(
                    text, begin, match.start(), cues, carried, heading or frame, spans
                )
                if count == 0 and len(spans) == 1:
                    frame = _frame(text, spans[0])
                if (
                    kind == "clause"
                    and len(spans) > count
                    and self._heading.fullmatch(match.group())
                ):
                    best = self._governing(spans[-1], spans[-1].cues)
                    if best is not None and best.modality in CARRIED:
                        heading = best
                elif kind == "statement":
                    if not self._item.fullmatch(match.group()):
                        heading = None
                    carried = heading or frame
                    _finish(spans, opened, text, self)
                    opened = len(spans)
                begin, cues = match.end(), []
            else:
                cues += self._cues(text, match, year)
        self._close(text, begin, len(text), cues, carried, heading or frame, spans)
        _finish(spans, opened, text, self)
        return Scan(
            spans=tuple(spans),
            starts=tuple(s.start for s in spans),
            ends=tuple(s.end for s in spans),
        )

    def _close(
        self,
        text: str,
        begin: int,
        end: int,
        cues: list[Cue],
        carried: Cue | None,
        heading: Cue | None,
        spans: list[Span],
    ) -> Cue | None:
        """Record the clause text[begin:end]; return what its statement carries on."""
        while begin < end and text[begin].isspace():
            begin += 1
        while end > begin and text[end - 1].isspace():
            end -= 1
        if begin >= end:
            return carried
        if self._new_statement.match(text, begin):
            carried = heading
        spans.append(Span(begin, end, tuple(cues), carried))
        best = strongest(cues)
        if best is None:
            return carried
        if best.modality in CARRIED:
            return best
        if best.modality == "done":
            return heading
        return carried  # a negated or ongoing clause leaves the statement's plan standing


# what may stand beside a time frame's cue in its own clause ("到2025年底", "力争到2025年前")
_FRAME_REST = 2


def _frame(text: str, span: Span) -> Cue | None:
    """The plan of a first clause that is only a time frame ("到2025年", "力争到2025年底"):
    its strongest cue is a plan and next to nothing else is said in it."""
    best = strongest(span.cues)
    if best is None or best.modality != "planned":
        return None
    said = text[span.start : span.end]
    for cue in sorted(span.cues, key=lambda c: -c.start):
        if span.start <= cue.start and cue.end <= span.end:
            start, end = cue.start - span.start, cue.end - span.start
            said = said[:start] + said[end:]
    return best if len(said.strip()) <= _FRAME_REST else None


def _finish(spans: list[Span], opened: int, text: str, reader: ModalityReader) -> None:
    """Complete the spans of one statement (spans[opened:]). After a subordinate clause
    ("收到预警信息后，"), a clause stating what may or will follow ("2小时内转发", "平台可…")
    is a procedure (conditional); a subordinate clause without cues of its own reads as
    the plan, rule or condition of the clause it leads into ("平台上线后，将…")."""
    subordinate = [bool(reader._subordinate.search(text, s.start, s.end)) for s in spans[opened:]]
    for index in range(opened + 1, len(spans)):
        span = spans[index]
        if not subordinate[index - opened - 1] or any(c.rank <= 4 for c in span.cues):
            continue
        found = reader._procedure.search(text, span.start, span.end)
        if found:
            cue = Cue(found.start(), found.end(), "conditional", found.group())
            spans[index] = Span(span.start, span.end, (*span.cues, cue), span.carried)
    lead: Cue | None = None
    for index in range(len(spans) - 1, opened - 1, -1):
        span = spans[index]
        if not span.cues and span.carried is None and subordinate[index - opened]:
            span = spans[index] = Span(span.start, span.end, span.cues, None, lead)
        decided = ModalityReader._governing(span, span.cues)
        lead = decided if decided is not None and decided.modality in CARRIED else None


_READERS: dict[int, tuple[Lexicon, ModalityReader]] = {}


def reader_for(lexicon: Lexicon) -> ModalityReader:
    """The reader of a lexicon, compiled once (keyed by the lexicon object)."""
    entry = _READERS.get(id(lexicon))
    if entry is None or entry[0] is not lexicon:
        entry = (lexicon, ModalityReader(lexicon.modality))
        _READERS[id(lexicon)] = entry
    return entry[1]
