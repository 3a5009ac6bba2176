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
* a subordinate clause (…后，…时，…前，) without cues reads as the plan, rule or
  condition of the clause it leads into ("平台上线后，将为…"); the clause after it
  stating what may or will follow is a procedure, conditional ("收到预警信息后，2小时
  内转发", "…完成后，平台可远程调节");
* work under way keeps its reading beside a deadline of another clause
  ("正在抓紧建设，力争2025年供暖季前投入使用": ongoing at 建设, planned at 投入使用);
* a table row (cells joined by `cell_mark`, each "header=value" or a value) is one
  clause: its status cell decides (进展情况=正在编制), else its cells' cues but a
  stated problem's (问题=…不符合); every span of it reads so;
* a written year is read against the evaluation year `year`: after it, or a
  deadline (…前) or target (到…) not before it, is a weak plan; up to it, a
  dated event (done); a range counts from its first year (2024—2025年供暖季);
  a base of comparison (较2020年) is nothing; without `year` only targets and
  deadlines are read;
* `at()` reads the cues of the span's clauses that stand before the span's end
  (before the span or inside it): "已建成但尚未投入使用" is done at 建成 and negated
  at 投入使用. A written year, a deadline or a condition speaks of its whole
  clause ("平台2025年6月底前投入使用" is planned at 平台 too); a project's stage
  word only of what stands before it ("平台项目已完成招标": ongoing at 平台 and for
  the clause, done at 已完成招标).

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
    "stages": ("ongoing", 5),
    "done": ("done", 6),
    "double_negation": ("done", 6),
    "routine": ("required", 7),
    "duties": ("required", 7),
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
    "duties",
    "conditional",
    "drafts",
    "ongoing",
    "stages",
    "deadline",
    "planned",
    "negated",
)
_CARRIED = frozenset(["planned", "required", "conditional"])  # modalities a statement carries
# cues of their whole clause wherever they stand in it: times and conditions
# ("平台2025年6月底前投入使用" is planned at 平台; "新建系统未完成测评的，" conditional at 测评)
_WIDE = frozenset(["deadline", "later", "earlier", "conditional"])
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
    lead: _Cue | None = None  # a subordinate clause's main clause ("投入使用后，将实现…")
    row: bool = False  # a table row: one clause, its cue governs every span of it


@dataclass(frozen=True, slots=True)
class _Scan:
    spans: tuple[_Span, ...]
    starts: tuple[int, ...]
    ends: tuple[int, ...]


def _governs(cue: _Cue, span: _Span, end: int) -> bool:
    """Whether `cue` of `span` governs a span of it ending at `end`: a cue before the
    span's end (before it or inside it); a time or condition wherever it stands; a stage
    only after the span (its subject: "平台项目已完成招标" at 平台, not at 已完成招标).
    (A duty word of a later clause, "…作为运营主体，负责平台日常运营", qualifies its own
    clause only: `at` leaves it out for a span begun before.)"""
    if span.row:
        return True
    if cue.kind == "stages":
        return cue.start >= end
    return cue.start < end or cue.kind in _WIDE


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
        self._procedure = re.compile(_alt(words.procedure))
        self._status = re.compile(words.status_headers)
        self._problem = re.compile(words.problem_headers)
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
        cues = [
            c
            for s in spans
            for c in s.cues
            if _governs(c, s, end) and (s is spans[0] or c.kind != "duties")
        ]
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
        """The clause's strongest cue; the carried one instead when it is a condition, or
        when the clause's own cue is only work under way or a weak one ("会议要求，各县区
        加快推进…" is required); with no cue of its own, the carried one, else the main
        clause's (of a subordinate clause); else none (done)."""
        best = _strongest(cues)
        carried = span.carried
        if carried is not None and (
            best is None
            or carried.modality == "conditional"
            or (
                best.rank >= _RANK["ongoing"][1]
                and best.modality != "done"
                and carried.rank < best.rank
            )
        ):
            best = carried
        return span.lead if best is None else best

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
        if self.words.cell_mark and self.words.cell_mark in text:
            return self._row(text, year)
        spans: list[_Span] = []
        cues: list[_Cue] = []
        carried: _Cue | None = None
        heading: _Cue | None = None  # "下一步：" carries over its list's items (；, 一是)
        begin = opened = 0  # where the clause begins, where its statement's spans begin
        for match in self._scanner.finditer(text):
            kind = match.lastgroup
            if kind in ("statement", "clause"):
                count = len(spans)
                carried = self._close(text, begin, match.start(), cues, carried, heading, spans)
                if (
                    kind == "clause"
                    and len(spans) > count
                    and self._heading.fullmatch(match.group())
                ):
                    best = self._governing(spans[-1], spans[-1].cues)
                    if best is not None and best.modality in _CARRIED:
                        heading = best
                elif kind == "statement":
                    if not self._item.fullmatch(match.group()):
                        heading = None
                    carried = heading
                    _finish(spans, opened, text, self)
                    opened = len(spans)
                begin, cues = match.end(), []
            else:
                cues += self._cues(text, match, year)
        self._close(text, begin, len(text), cues, carried, heading, spans)
        _finish(spans, opened, text, self)
        return _Scan(
            spans=tuple(spans),
            starts=tuple(s.start for s in spans),
            ends=tuple(s.end for s in spans),
        )

    def _cues(self, text: str, match: re.Match[str], year: int | None) -> list[_Cue]:
        """The cue a scanned token is (none for a look-alike or an undated year)."""
        kind = match.lastgroup
        if kind == "title":  # a 《title》: only its draft marker is a cue
            draft = self._drafts.search(match.group())
            return [_Cue(match.start(), match.end(), "drafts", draft.group())] if draft else []
        if kind == "date":
            cue = self._date(text, match, year)
            return [cue] if cue is not None else []
        if kind in (None, "look_alikes", "statement", "clause"):
            return []
        return [_Cue(match.start(), match.end(), kind, match.group())]

    def _row(self, text: str, year: int | None) -> _Scan:
        """A table row as one clause: its status cell decides ("进展情况=正在编制"), else its
        cells' cues but a stated problem's ("问题=3个系统测评不符合")."""
        status: list[_Cue] = []
        others: list[_Cue] = []
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
        best = _strongest(status if has_status else others)
        start = len(text) - len(text.lstrip())
        end = len(text.rstrip())
        if start >= end:
            return _Scan((), (), ())
        span = _Span(start, end, (best,) if best else (), None, row=True)
        return _Scan((span,), (start,), (end,))

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
        first = _FIRST_YEAR.search(match.group())
        if first is None:  # pragma: no cover - every date token holds a year
            return None
        stated = _year_value(first.group())
        if self._as_of.search(before):
            return _Cue(start, end, "earlier", written)
        if deadline or self._target.search(before):
            if year is None or stated >= year:
                return _Cue(start, end, "later", written)
            return _Cue(start, end, "earlier", written)
        if year is None:
            return None
        return _Cue(start, end, "later" if stated > year else "earlier", written)


def _finish(spans: list[_Span], opened: int, text: str, reader: ModalityReader) -> None:
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
            cue = _Cue(found.start(), found.end(), "conditional", found.group())
            spans[index] = _Span(span.start, span.end, (*span.cues, cue), span.carried)
    lead: _Cue | None = None
    for index in range(len(spans) - 1, opened - 1, -1):
        span = spans[index]
        if not span.cues and span.carried is None and subordinate[index - opened]:
            span = spans[index] = _Span(span.start, span.end, span.cues, None, lead)
        decided = ModalityReader._governing(span, span.cues)
        lead = decided if decided is not None and decided.modality in _CARRIED else None


_READERS: dict[int, tuple[Lexicon, ModalityReader]] = {}


def reader_for(lexicon: Lexicon) -> ModalityReader:
    """The reader of a lexicon, compiled once (keyed by the lexicon object)."""
    entry = _READERS.get(id(lexicon))
    if entry is None or entry[0] is not lexicon:
        entry = (lexicon, ModalityReader(lexicon.modality))
        _READERS[id(lexicon)] = entry
    return entry[1]
