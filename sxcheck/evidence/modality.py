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

How a text is read (one scan of one compiled pattern; `at()` reuses the scan of
the same text):

* every cue word of the lexicon is one alternative of a single pattern, with
  the clause and statement marks, 《titles》, written years and the look-alikes
  (read first, so 未来 or 无线 never reads as a negation);
* a clause's own cues decide it, the strongest first (`_RANK`): conditional,
  negated, planned, required, ongoing, explicit done words, then the weak ones
  (a routine such as 每季度, a deadline or a later year, an earlier year);
* a clause without cues of its own takes the plan, rule or condition carried
  from an earlier clause of its statement ("到2025年，我市将构建…，建成…"); a
  clause with cues keeps its own reading when it is done or negated ("到2023年
  底，全市已建成…") and otherwise the stronger of its own and the carried one
  ("会议要求，各县区加快推进…" is required); a carried condition always governs
  ("如发生…时，未及时报告的…"). A clause deciding done ends the carry, as does a
  clause opening a new statement (一是…，二是…); a negation never carries;
* a clause ending in a heading mark ("下一步工作打算：") carries its plan over
  the list it heads, through ；and 一是/二是, to the end of the sentence;
* work under way (ongoing) in a statement that names a later year or deadline
  is planned ("抓紧推进…建设，2025年供暖季前投入使用");
* a written year is read against the evaluation year `year`: after it, or a
  deadline (…前) or target (到…) not before it, is a weak plan; up to it, a
  dated event (done); a base of comparison (较2020年) is nothing; without `year`
  only targets and deadlines are read;
* `at()` reads the cues of the span's clauses that stand before the span's end
  (before the span or inside it): "已建成但尚未投入使用" is done at 建成 and negated
  at 投入使用. A written year or deadline speaks of its whole clause
  ("平台2025年6月底前投入使用" is planned at 平台 too).

Speed: the cue pattern is compiled once per lexicon behind a lookahead of the
characters a cue can begin with (derived from the pattern itself), so a
position no cue can start at fails in one test; a scan is O(text length), and
`at()` on a text scanned before (the last 256 texts, up to 2M characters) is a
bisection into its clauses.
"""

from __future__ import annotations

import importlib
import re
from bisect import bisect_left, bisect_right
from collections import OrderedDict
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

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

# cue kind -> (modality, rank: lower decides first). Ranks are the reader's logic, the
# words are the lexicon's: a hypothesis outranks all, a negation any plan or done word,
# an explicit word any weak cue (a routine, a deadline, a year).
_RANK: dict[str, tuple[Modality, int]] = {
    "conditional": ("conditional", 1),
    "negated": ("negated", 2),
    "planned": ("planned", 3),
    "required": ("required", 4),
    "ongoing": ("ongoing", 5),
    "drafts": ("ongoing", 5),
    "done": ("done", 6),
    "double_negation": ("done", 6),
    "routine": ("required", 7),
    "deadline": ("planned", 8),
    "later": ("planned", 8),  # a year after the evaluation year, or a deadline
    "earlier": ("done", 9),  # a year up to the evaluation year: a dated event
}
# the kinds scanned by the cue pattern, in the order they are tried at one position
# (a look-alike before any cue; 确保了 (done) before 确保 (planned); 不定期 before 不;
# 要求各县区 (required) before 要求 (routine))
_ORDER = (
    "double_negation",
    "look_alikes",
    "done",
    "required",
    "routine",
    "conditional",
    "drafts",
    "ongoing",
    "deadline",
    "planned",
    "negated",
)
_CARRIED = frozenset(["planned", "required", "conditional"])  # modalities a statement carries
_WIDE = frozenset(["deadline", "later", "earlier"])  # time cues: of their whole clause
_CN_DIGIT = {"〇": 0, "零": 0, "一": 1, "二": 2, "三": 3, "四": 4, "五": 5}
_CN_DIGIT.update({"六": 6, "七": 7, "八": 8, "九": 9})
_YEAR = r"(?:20\d\d|二[〇零][一二三四五六七八九〇零][〇零一二三四五六七八九])"
# a written year, a range of years (its last year counts) and its month, day or part
_DATE = (
    rf"{_YEAR}\s*(?:年?\s*[—–\-－~至到]\s*{_YEAR}\s*)?年"
    r"(?:\s*\d{1,2}\s*月(?:\s*\d{1,2}\s*[日号])?)?"
    r"(?:底|末|初|中旬|上旬|下旬|上半年|下半年)?"
)
_LAST_YEAR = re.compile(rf"({_YEAR})\s*年")
_BEFORE = 6  # characters before a year read by the date words
_CACHE_TEXTS = 256  # scans kept for `at`: the last texts read...
_CACHE_CHARS = 2_000_000  # ...up to this many characters in all


@dataclass(frozen=True, slots=True)
class Clause:
    """A span of a sentence and what it says of its content happening."""

    start: int
    end: int
    modality: Modality
    cue: str = ""  # the words that decided it, as written ("" when done by default)


@dataclass(frozen=True, slots=True)
class _Cue:
    start: int
    end: int
    kind: str
    text: str

    @property
    def modality(self) -> Modality:
        return _RANK[self.kind][0]

    @property
    def rank(self) -> int:
        return _RANK[self.kind][1]


@dataclass(frozen=True, slots=True)
class _Span:
    """One clause of a scanned text: its own cues and the cue its statement carries in."""

    start: int
    end: int
    cues: tuple[_Cue, ...]
    carried: _Cue | None
    due: _Cue | None = None  # a later year or deadline of its statement
    lead: _Cue | None = None  # a subordinate clause's main clause ("投入使用后，将实现…")


@dataclass(frozen=True, slots=True)
class _Scan:
    spans: tuple[_Span, ...]
    starts: tuple[int, ...]
    ends: tuple[int, ...]


def _alt(words: list[str]) -> str:
    return "|".join(f"(?:{w})" for w in words) if words else r"(?!x)x"


def _strongest(cues: list[_Cue] | tuple[_Cue, ...]) -> _Cue | None:
    best: _Cue | None = None
    for cue in cues:
        if best is None or cue.rank < best.rank:
            best = cue
    return best


def _first_chars(pattern: str) -> str | None:
    """A character class of every character a match of `pattern` can begin with, or
    None when any could (a negated class, a category, a dot). Put before the scanner
    as a lookahead, it makes every other position fail in one test instead of trying
    each of the lexicon's alternatives there."""
    try:  # the standard library's own regex parser (not in the typing stubs)
        c = importlib.import_module("re._constants")
        parser = importlib.import_module("re._parser")
    except ImportError:  # pragma: no cover - a Python without the 3.11 module names
        return None
    try:
        parsed = parser.parse(pattern)
        if parsed.state.flags & re.IGNORECASE:
            return None  # a letter would stand for its other case too
        chars, nullable = _firsts(parsed, c)
    except (TypeError, ValueError, AttributeError):  # pragma: no cover - an unknown op
        return None
    if chars is None or nullable or not chars:
        return None
    return "[" + "".join(re.escape(ch) for ch in sorted(chars)) + "]"


def _firsts(ops: Any, c: Any) -> tuple[set[str] | None, bool]:
    """(first characters or None for any, whether the ops can match empty)."""
    found: set[str] = set()
    for op, av in ops:
        if op is c.LITERAL:
            return found | {chr(av)}, False
        if op is c.IN:
            for kind, value in av:
                if kind is c.LITERAL:
                    found.add(chr(value))
                elif kind is c.RANGE and value[1] - value[0] < 2048:
                    found.update(chr(v) for v in range(value[0], value[1] + 1))
                else:
                    return None, False
            return found, False
        if op in (c.AT, c.ASSERT, c.ASSERT_NOT):
            continue  # zero width: the next op consumes the first character
        if op is c.BRANCH:
            alts = [_firsts(alt, c) for alt in av[1]]
            nullable = False
            for chars, empty in alts:
                if chars is None:
                    return None, False
                found |= chars
                nullable = nullable or empty
        elif op is c.SUBPATTERN:
            if av[1] & re.IGNORECASE:
                return None, False
            chars, nullable = _firsts(av[-1], c)
            if chars is None:
                return None, False
            found |= chars
        elif op in (c.MAX_REPEAT, c.MIN_REPEAT, c.POSSESSIVE_REPEAT):
            chars, empty = _firsts(av[2], c)
            if chars is None:
                return None, False
            found |= chars
            nullable = empty or av[0] == 0
        else:
            return None, False
        if not nullable:
            return found, False
    return found, True


def _year_value(written: str) -> int:
    if written.isdigit():
        return int(written)
    return int("".join(str(_CN_DIGIT[ch]) for ch in written))


class ModalityReader:
    """The lexicon's modality words compiled once."""

    def __init__(self, words: ModalityWords) -> None:
        self.words = words
        groups = [
            r"(?P<title>《[^《》\n]{0,100}》(?:[（(][^（）()\n]{0,20}[）)])?)",
            rf"(?P<statement>{words.statement_marks})",
            rf"(?P<clause>{words.clause_marks})",
            rf"(?P<date>{_DATE})",
        ]
        groups += [f"(?P<{kind}>{_alt(getattr(words, kind))})" for kind in _ORDER]
        self.alternation = "|".join(groups)  # every cue kind, as one pattern
        first = _first_chars(self.alternation)
        self._scanner = re.compile(
            f"(?={first})(?:{self.alternation})" if first else self.alternation
        )
        self._drafts = re.compile(_alt(words.drafts))
        self._new_statement = re.compile(rf"\s*(?:{_alt(words.new_statement)})")
        self._heading = re.compile(words.heading_marks)
        end = words.subordinate_end
        self._subordinate = re.compile(end if end.endswith("$") else f"(?:{end})$")
        self._item = re.compile(words.item_marks)
        self._base = re.compile(words.date_base_before)
        self._as_of = re.compile(words.date_as_of_before)
        self._target = re.compile(words.date_target_before)
        after = words.deadline_after
        self._deadline = re.compile(after[1:] if after.startswith("^") else after)
        self._scans: OrderedDict[tuple[str, int | None], _Scan] = OrderedDict()
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
        cues = [c for s in spans for c in s.cues if c.start < end or c.kind in _WIDE]
        decided = self._decide(spans[0], cues)
        return Clause(spans[0].start, spans[-1].end, decided.modality, decided.cue)

    # ---------------------------------------------------------------- reading

    @classmethod
    def _decide(cls, span: _Span, cues: list[_Cue] | tuple[_Cue, ...]) -> Clause:
        best = cls._governing(span, cues)
        if best is None:
            return Clause(span.start, span.end, "done")
        return Clause(span.start, span.end, best.modality, best.text)

    @staticmethod
    def _governing(span: _Span, cues: list[_Cue] | tuple[_Cue, ...]) -> _Cue | None:
        """The strongest cue, else the carried one, else the main clause's (of a
        subordinate one), else none (done). Work under way whose statement names a
        later deadline ("抓紧推进…建设，2025年供暖季前投入使用") is planned."""
        best = _strongest(cues)
        carried = span.carried
        if carried is not None and (
            best is None
            or carried.modality == "conditional"
            or (best.modality not in ("done", "negated") and carried.rank < best.rank)
        ):
            best = carried
        if best is None:
            return span.lead
        if best.modality == "ongoing" and span.due is not None:
            return span.due
        return best

    def _scan(self, text: str, year: int | None) -> _Scan:
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

    def _read(self, text: str, year: int | None) -> _Scan:
        spans: list[_Span] = []
        cues: list[_Cue] = []
        carried: _Cue | None = None
        heading: _Cue | None = None  # "下一步：" carries over its list's items (；, 一是)
        begin = opened = 0  # where the clause begins, where its statement's spans begin
        for match in self._scanner.finditer(text):
            kind = match.lastgroup
            if kind in ("statement", "clause"):
                carried = self._close(text, begin, match.start(), cues, carried, heading, spans)
                if kind == "clause" and self._heading.fullmatch(match.group()):
                    best = _strongest(cues)
                    if best is not None and best.modality in _CARRIED:
                        heading = best
                elif kind == "statement":
                    if not self._item.fullmatch(match.group()):
                        heading = None
                    carried = heading
                    _finish(spans, opened, text, self._subordinate)
                    opened = len(spans)
                begin, cues = match.end(), []
            elif kind == "title":
                draft = self._drafts.search(match.group())
                if draft:
                    cues.append(_Cue(match.start(), match.end(), "drafts", draft.group()))
            elif kind == "date":
                cue = self._date(text, match, year)
                if cue is not None:
                    cues.append(cue)
            elif kind is not None and kind != "look_alikes":
                cues.append(_Cue(match.start(), match.end(), kind, match.group()))
        self._close(text, begin, len(text), cues, carried, heading, spans)
        _finish(spans, opened, text, self._subordinate)
        return _Scan(
            spans=tuple(spans),
            starts=tuple(s.start for s in spans),
            ends=tuple(s.end for s in spans),
        )

    def _close(
        self,
        text: str,
        begin: int,
        end: int,
        cues: list[_Cue],
        carried: _Cue | None,
        heading: _Cue | None,
        spans: list[_Span],
    ) -> _Cue | None:
        """Record the clause text[begin:end]; return what its statement carries on."""
        while begin < end and text[begin].isspace():
            begin += 1
        while end > begin and text[end - 1].isspace():
            end -= 1
        if begin >= end:
            return carried
        if self._new_statement.match(text, begin):
            carried = heading
        spans.append(_Span(begin, end, tuple(cues), carried))
        best = _strongest(cues)
        if best is None:
            return carried
        if best.modality in _CARRIED:
            return best
        if best.modality == "done":
            return heading
        return carried  # a negated or ongoing clause leaves the statement's plan standing

    def _date(self, text: str, match: re.Match[str], year: int | None) -> _Cue | None:
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
        stated = _year_value(_LAST_YEAR.findall(match.group())[-1])
        if self._as_of.search(before):
            return _Cue(start, end, "earlier", written)
        if deadline or self._target.search(before):
            if year is None or stated >= year:
                return _Cue(start, end, "later", written)
            return _Cue(start, end, "earlier", written)
        if year is None:
            return None
        return _Cue(start, end, "later" if stated > year else "earlier", written)


def _finish(spans: list[_Span], opened: int, text: str, subordinate: re.Pattern[str]) -> None:
    """Complete the spans of one statement (spans[opened:]): each learns the
    statement's later year or deadline, and a subordinate clause without cues of its
    own ("平台投入使用后，") the plan, rule or condition of the clause it leads into."""
    due = next((c for s in spans[opened:] for c in s.cues if c.kind in ("later", "deadline")), None)
    lead: _Cue | None = None
    for index in range(len(spans) - 1, opened - 1, -1):
        span = spans[index]
        own = None
        if (
            not span.cues
            and span.carried is None
            and subordinate.search(text, span.start, span.end)
        ):
            own = lead
        spans[index] = _Span(span.start, span.end, span.cues, span.carried, due, own)
        decided = ModalityReader._governing(spans[index], spans[index].cues)
        lead = decided if decided is not None and decided.modality in _CARRIED else None


_READERS: dict[int, tuple[Lexicon, ModalityReader]] = {}


def reader_for(lexicon: Lexicon) -> ModalityReader:
    """The reader of a lexicon, compiled once (keyed by the lexicon object)."""
    entry = _READERS.get(id(lexicon))
    if entry is None or entry[0] is not lexicon:
        entry = (lexicon, ModalityReader(lexicon.modality))
        _READERS[id(lexicon)] = entry
    return entry[1]
