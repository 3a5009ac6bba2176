"""Units as matched (normalised text and the map back), parts of them, and the
quotes behind a part: every value read is quoted from its unit's own characters."""

from __future__ import annotations

import re
from dataclasses import dataclass

from sxcheck.evidence.normalise import Offsets, normalise
from sxcheck.models import Evidence, TextUnit


@dataclass(frozen=True, slots=True)
class Line:
    """A unit as matched: its index in the document, its matching text and the map back.

    A head line joined with others in one unit (a PDF's paragraph, an OCR group) is read
    as a piece of it: `text` is then a part of the unit's matching text, from `start` on,
    and `part` tells the pieces of one unit apart."""

    index: int
    unit: TextUnit
    text: str
    offsets: Offsets | None
    start: int = 0
    part: int = 0

    @property
    def key(self) -> tuple[int, int]:
        """The line's identity in its document (a unit, or a piece of one)."""
        return self.index, self.part

    def piece(self, start: int, end: int, part: int) -> Line:
        """The part [start, end) of this line's text, as a line of its own."""
        return Line(
            self.index, self.unit, self.text[start:end], self.offsets, self.start + start, part
        )


@dataclass(frozen=True, slots=True)
class Span:
    """Part of a line: [start, end) of its matching text."""

    line: Line
    start: int
    end: int

    @property
    def text(self) -> str:
        return self.line.text[self.start : self.end]


def read_lines(units: list[TextUnit], indices: range) -> list[Line]:
    """The units at `indices` as matched, blank ones left out."""
    out = []
    for index in indices:
        text, offsets = normalise(units[index].text)
        if text.strip():
            out.append(Line(index, units[index], text, offsets))
    return out


def bracketed(text: str, low: int, high: int) -> tuple[int, int]:
    """A number's span widened over the brackets around it ("…的意见（晋政发〔2023〕5号）")."""
    if low > 0 and text[low - 1] in "（(" and (high == len(text) or text[high] in "）)"):
        return low - 1, min(high + 1, len(text))
    return low, high


def name_end(joined: str, start: int) -> int:
    """Where a title's name part ends: before its last "的" (before the 文种), or at the 文种."""
    cut = joined.rfind("的", start)
    return cut if cut >= 0 else len(joined)


def quoted(text: str, at: int) -> bool:
    """Is `text[at]` inside 《…》?"""
    return text.count("《", 0, at) > text.count("》", 0, at)


def piece_at(pieces: list[Span], start: int, end: int | None = None) -> Span:
    """The part of a (multi-line) title at [start, end) of the joined text, within the one
    line that holds `start`."""
    offset = 0
    for piece in pieces:
        length = piece.end - piece.start
        if start < offset + length or piece is pieces[-1]:
            low = piece.start + max(0, start - offset)
            high = piece.end if end is None else min(piece.end, piece.start + end - offset)
            return Span(piece.line, low, max(low, high))
        offset += length
    return pieces[0]


def strip(span: Span) -> Span | None:
    """The span without surrounding whitespace; None when nothing is left."""
    text = span.text
    left = len(text) - len(text.lstrip())
    right = len(text.rstrip())
    if right <= left:
        return None
    return Span(span.line, span.start + left, span.start + right)


def tidy(span: Span) -> str:
    """An issuer's name: joint issuers apart by one space ("中共晋阳市委办公室 晋阳市人民
    政府办公室"), spacing of one name joined (the matching text)."""
    written = original(span)
    parts = written.split()
    if len(parts) > 1 and all(len(part) >= 3 for part in parts):
        return " ".join(normalise(part)[0] for part in parts)
    return span.text.strip()


def plain_number(text: str) -> str:
    """A number with its year bracket 〔〕 (a 期号's too: normalise leaves 〔2024〕第2期's)."""
    text = re.sub(r"\s+", "", text)
    return re.sub(r"[\[［【(（]((?:19|20)\d\d)[\]］】)）]", r"〔\1〕", text)


def original(span: Span) -> str:
    """The unit's own characters behind a span of its matching text."""
    low, high = unit_span(span)
    return span.line.unit.text[low:high]


def unit_span(span: Span) -> tuple[int, int]:
    """Where a span of a line's matching text is in its unit's own text."""
    line = span.line
    start, end = line.start + span.start, line.start + span.end
    return line.offsets.span(start, end) if line.offsets is not None else (start, end)


def evidence_of(span: Span) -> Evidence:
    """Where a field was read: the unit's place and its own characters (an OCR line's
    confidence and box)."""
    from sxcheck.evidence import ocr_provenance, row_location  # the package imports this module

    unit = span.line.unit
    low, high = unit_span(span)
    return Evidence(
        document=unit.document,
        sha256=unit.sha256,
        page=unit.page,
        location=row_location(unit),
        quote=unit.text[low:high],
        **ocr_provenance(unit, low, high),
    )
