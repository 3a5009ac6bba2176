"""The cue scanner: every cue word of the lexicon, the clause and statement marks,
《titles》 and written years as one compiled pattern, and what each token it finds is
(a cue, a year read against the evaluation year, a table row's deciding cell)."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from sxcheck.evidence.modality.firsts import first_chars
from sxcheck.evidence.modality.kinds import ORDER, Cue, Scan, Span, alt, strongest

if TYPE_CHECKING:
    from sxcheck.catalogue.schema import ModalityWords

_CN_DIGIT = {"〇": 0, "零": 0, "一": 1, "二": 2, "三": 3, "四": 4, "五": 5}
_CN_DIGIT.update({"六": 6, "七": 7, "八": 8, "九": 9})
_YEAR = r"(?:20\d\d|二[〇零][一二三四五六七八九〇零][〇零一二三四五六七八九])"
# a written year, a range of years (its first year counts: 2024—2025年供暖季 has begun)
# and its month, day or part
_DATE = (
    rf"{_YEAR}\s*(?:年?\s*[—–\-－~至到]\s*{_YEAR}\s*)?年"
    r"(?:\s*\d{1,2}\s*月(?:\s*\d{1,2}\s*[日号])?)?"
    r"(?:底|末|初|中旬|上旬|下旬|上半年|下半年)?"
)
_FIRST_YEAR = re.compile(_YEAR)
_BEFORE = 6  # characters before a year read by the date words


def _year_value(written: str) -> int:
    if written.isdigit():
        return int(written)
    return int("".join(str(_CN_DIGIT[ch]) for ch in written))


class CueScanner:
    """The lexicon's modality words compiled once: the scanner and the patterns a
    token is read with."""

    def __init__(self, words: ModalityWords) -> None:
        self.words = words
        groups = [
            r"(?P<title>《[^《》\n]{0,100}》(?:[（(][^（）()\n]{0,20}[）)])?)",
            rf"(?P<statement>{words.statement_marks})",
            rf"(?P<clause>{words.clause_marks})",
            rf"(?P<date>{_DATE})",
        ]
        groups += [f"(?P<{kind}>{alt(getattr(words, kind))})" for kind in ORDER]
        self.alternation = "|".join(groups)  # every cue kind, as one pattern
        first = first_chars(self.alternation)
        self._scanner = re.compile(
            f"(?={first})(?:{self.alternation})" if first else self.alternation
        )
        self._drafts = re.compile(alt(words.drafts))
        self._new_statement = re.compile(rf"\s*(?:{alt(words.new_statement)})")
        self._heading = re.compile(words.heading_marks)
        end = words.subordinate_end
        self._subordinate = re.compile(end if end.endswith("$") else f"(?:{end})$")
        self._item = re.compile(words.item_marks)
        self._procedure = re.compile(alt(words.procedure))
        self._status = re.compile(words.status_headers)
        self._problem = re.compile(words.problem_headers)
        self._base = re.compile(words.date_base_before)
        self._as_of = re.compile(words.date_as_of_before)
        self._target = re.compile(words.date_target_before)
        after = words.deadline_after
        self._deadline = re.compile(after[1:] if after.startswith("^") else after)

    def _cues(self, text: str, match: re.Match[str], year: int | None) -> list[Cue]:
        """The cue a scanned token is (none for a look-alike or an undated year)."""
        kind = match.lastgroup
        if kind == "title":  # a 《title》: only its draft marker is a cue
            draft = self._drafts.search(match.group())
            return [Cue(match.start(), match.end(), "drafts", draft.group())] if draft else []
        if kind == "date":
            cue = self._date(text, match, year)
            return [cue] if cue is not None else []
        if kind in (None, "look_alikes", "statement", "clause"):
            return []
        return [Cue(match.start(), match.end(), kind, match.group())]

    def _row(self, text: str, year: int | None) -> Scan:
        """A table row as one clause: its status cell decides ("进展情况=正在编制"), else its
        cells' cues but a stated problem's ("问题=3个系统测评不符合")."""
        status: list[Cue] = []
        others: list[Cue] = []
        has_status = False
        at = 0
        for cell in text.split(self.words.cell_mark):
            begin, at = at, at + len(cell) + len(self.words.cell_mark)
            header, equals, _ = cell.partition("=")
            header = header.strip() if equals else ""
            value = begin + (len(cell) - len(cell.lstrip()) if not equals else cell.index("=") + 1)
            cues = [
                cue
                for match in self._scanner.finditer(text, value, begin + len(cell))
                for cue in self._cues(text, match, year)
            ]
            if header and self._status.search(header):
                has_status = True
                status += cues
            elif not (header and self._problem.search(header)):
                others += cues
        best = strongest(status if has_status else others)
        start = len(text) - len(text.lstrip())
        end = len(text.rstrip())
        if start >= end:
            return Scan((), (), ())
        span = Span(start, end, (best,) if best else (), None, row=True)
        return Scan((span,), (start,), (end,))

    def _date(self, text: str, match: re.Match[str], year: int | None) -> Cue | None:
        """A written year as a cue: a target or deadline (planned), a year after the
        evaluation year (planned), one up to it (done, a dated event), or nothing (a
        base of comparison; any year when no evaluation year is given, unless a target
        or deadline)."""
        start, end = match.start(), match.end()
        before = text[max(0, start - _BEFORE) : start]
        if self._base.search(before):
            return None
        deadline = self._deadline.match(text, end)
        if deadline:
            end = deadline.end()
        written = text[start:end]
        first = _FIRST_YEAR.search(match.group())
        if first is None:  # pragma: no cover - every date token holds a year
            return None
        stated = _year_value(first.group())
        if self._as_of.search(before):
            return Cue(start, end, "earlier", written)
        if deadline or self._target.search(before):
            if year is None or stated >= year:
                return Cue(start, end, "later", written)
            return Cue(start, end, "earlier", written)
        if year is None:
            return None
        return Cue(start, end, "later" if stated > year else "earlier", written)
