"""Text as it is matched, beside text as it is quoted.

PDFs exported by LibreOffice or WPS with expanded character spacing come out
of every text extractor as "2 0 2 4 年 4 月 1 8 日"; some writers type
full-width digits (２０２４, ５Ｇ, ９６．５％) or write a 文号's year in [], ［］
or 【】 (OCR reads 〔 as 【 as well). Keywords, numbers and 文号 are matched on
`normalise(text)[0]`; a quote stays the document's own characters, so it is
still found verbatim in the document. `Offsets` maps a span of the matching
text back to the original.

Rules, in order:

1. Whitespace next to a CJK character or full-width punctuation goes when the
   other side is CJK, full-width punctuation, an ASCII letter or digit, "%" or
   "." ("5G 基站" -> "5G基站", "共 3 个" -> "共3个"). Next to other ASCII
   punctuation it stays: " | " separates a table row's cells.
2. Between two narrow characters (letters, digits, "%", ".") whitespace stays
   ("Windows Server", and "3 218": a thousands space is not silently joined
   into another number), except in a letter-spaced text: one where most
   characters stand alone between single spaces ("达 到 9 6 . 5 % ，"), which
   is how expanded character spacing reads. There every single space goes but
   the " | " between cells ("3 2 1 8" -> "3218", and "５ ９ ９ ０个" where the
   extractor glued two characters together): such a text cannot tell a
   thousands space from the spacing, and the spacing is what it has.
3. Full-width letters, digits, ％ and the ideographic space become ASCII; a
   full-width point between digits becomes ".". Other full-width punctuation
   stays (，：（） are how Chinese is written, and the lexicon is written so).
4. A 4-digit year in any bracket before "N号" becomes 〔year〕 (晋政办发[2024]18号).

Only rule 1 and 2 change lengths (they delete); 3 and 4 replace one character
by one, so the offsets only record deletions.
"""

from __future__ import annotations

import re
from bisect import bisect_right

_IDEOGRAPH = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003ffff"
# full-width and CJK punctuation, Chinese quotes and dashes, letterlike units (℃, ㎡)
_WIDE_PUNCT = (
    "\u3001-\u303f\uff01-\uff0f\uff1a-\uff20\uff3b-\uff40\uff5b-\uff65\uffe0-\uffe6"
    "\u2014\u2015\u2018-\u201f\u2026\u00b7\u2100-\u214f\u3200-\u33ff\ufe30-\ufe4f"
)
_WIDE = f"{_IDEOGRAPH}{_WIDE_PUNCT}"
_FULL_ALNUM = "\uff10-\uff19\uff21-\uff3a\uff41-\uff5a\uff05\u3000"
_WIDE_CHAR = re.compile(f"[{_WIDE}]")
_NARROW_CHAR = re.compile(r"[A-Za-z0-9%.\uff10-\uff19\uff21-\uff3a\uff41-\uff5a\uff05\uff0e]")
_BRACKETS = "[［【〖〔(（"
_CLOSING = "]］】〗〕)）"
_YEAR_NUMBER = re.compile(
    f"[{re.escape(_BRACKETS)}](\\s*(?:19|20)\\d\\d\\s*)[{re.escape(_CLOSING)}]"
    "(?=\\s*第?\\s*\\d+\\s*号)"
)
# anything a rule could change: the common text (no such character) returns at once
_SUSPECT = re.compile(
    f"[{_WIDE}]\\s|\\s[{_WIDE}]|[{_FULL_ALNUM}]|[{re.escape(_BRACKETS)}]\\s*(?:19|20)\\d\\d"
)
_SPACES = re.compile(r"\s+")
# two or more lone characters separated by single whitespace ("|" never one: it
# separates a table row's cells)
_SPACED_RUN = re.compile(r"(?<!\S)[^\s|](?:\s[^\s|])+(?!\S)")
SPACED_SHARE = 0.6  # of a text's characters standing alone: the text is letter-spaced
SPACED_MIN = 4  # lone characters, at least (a short "1 2" is two numbers)
_TO_ASCII = str.maketrans(
    {
        **{chr(0xFF10 + i): chr(0x30 + i) for i in range(10)},
        **{chr(0xFF21 + i): chr(0x41 + i) for i in range(26)},
        **{chr(0xFF41 + i): chr(0x61 + i) for i in range(26)},
        "\uff05": "%",
        "\u3000": " ",
    }
)
_WIDE_POINT = re.compile(r"(?<=\d)\uff0e(?=\d)")


class Offsets:
    """Where each character of a matching text was in the original.

    Stored as breakpoints, not one entry per character: from matching index
    `starts[k]` on, the original index is `shifts[k]` further (the whitespace
    deleted before it). A document's rare spaced line has one breakpoint per
    deleted gap; everything else needs none (normalise returns None).
    """

    __slots__ = ("starts", "shifts")

    def __init__(self, starts: list[int], shifts: list[int]) -> None:
        self.starts = starts
        self.shifts = shifts

    def original(self, index: int) -> int:
        """The original index of matching index `index`."""
        k = bisect_right(self.starts, index) - 1
        return index + (self.shifts[k] if k >= 0 else 0)

    def span(self, start: int, end: int) -> tuple[int, int]:
        """The original span of matching `[start, end)`: from its first character to
        its last, so whitespace deleted around it is not part of it."""
        if end <= start:
            at = self.original(start)
            return at, at
        return self.original(start), self.original(end - 1) + 1

    def __repr__(self) -> str:
        return f"Offsets({list(zip(self.starts, self.shifts, strict=True))})"


def normalise(text: str) -> tuple[str, Offsets | None]:
    """The text as matched and the map back to `text` (None: indices are unchanged).

    Most text needs nothing: one regex search decides that and returns `text` itself.
    """
    if not _SUSPECT.search(text):
        return text, None
    joined, offsets = _join(text)
    joined = joined.translate(_TO_ASCII)
    joined = _WIDE_POINT.sub(".", joined)
    joined = _YEAR_NUMBER.sub(_year_bracket, joined)
    return joined, offsets


def original_slice(original: str, offsets: Offsets | None, start: int, end: int) -> str:
    """The original characters behind matching `[start, end)`."""
    if offsets is None:
        return original[start:end]
    low, high = offsets.span(start, end)
    return original[low:high]


def _year_bracket(match: re.Match[str]) -> str:
    """〔year〕: only the two brackets are replaced, so the length stays."""
    return f"〔{match.group(1)}〕"


def _letter_spaced(text: str) -> bool:
    """Is the text letter-spaced (most of its characters stand alone between spaces)?

    "按 1 2 两个批次" is not (3 of 9 characters stand alone): its "1 2" are two numbers.
    In one that is, every single space is the spacing, also where the extractor
    glued two characters together ("５ ９ ９ ０个", "实现5 G网络"): a thousands
    space cannot be told from it there.
    """
    runs = [run.span() for run in _SPACED_RUN.finditer(text)]
    alone = sum((end - start + 1) // 2 for start, end in runs)
    characters = len(text) - sum(len(gap) for gap in _SPACES.findall(text))
    return alone >= SPACED_MIN and alone >= SPACED_SHARE * characters


def _joins(left: str, right: str) -> bool:
    """Rule 1: whitespace between `left` and `right` goes."""
    left_wide, right_wide = bool(_WIDE_CHAR.match(left)), bool(_WIDE_CHAR.match(right))
    if left_wide and (right_wide or _NARROW_CHAR.match(right)):
        return True
    return right_wide and bool(_NARROW_CHAR.match(left))


def _join(text: str) -> tuple[str, Offsets | None]:
    """Rules 1 and 2: the text without the whitespace they delete, and its offsets."""
    spaced = _letter_spaced(text)
    pieces: list[str] = []
    starts: list[int] = []
    shifts: list[int] = []
    kept_to = 0  # original index up to which text is copied
    removed = 0
    for gap in _SPACES.finditer(text):
        start, end = gap.span()
        if start == 0 or end == len(text):
            continue  # leading or trailing whitespace: not between two characters
        # " | " between a table row's cells is never the spacing
        single = (
            end - start == 1 and text[start] != "\n" and "|" not in (text[start - 1], text[end])
        )
        if not (_joins(text[start - 1], text[end]) or (single and spaced)):
            continue
        pieces.append(text[kept_to:start])
        kept_to = end
        removed += end - start
        starts.append(start - (removed - (end - start)))
        shifts.append(removed)
    if not starts:
        return text, None
    pieces.append(text[kept_to:])
    return "".join(pieces), Offsets(starts, shifts)
