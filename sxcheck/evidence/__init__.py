"""Evidence: text units -> quotable sentences with their quantities.

A document's text comes from outside and may be one line of hundreds of KB:
every sentence keeps its exact quote, but the paragraph around it is kept as a
bounded window (CONTEXT_CHARS either side) and a "sentence" with no full stop
for thousands of characters is cut into pieces at clause marks
(MAX_SENTENCE_CHARS), so what each quote costs to match and to store is
bounded and a one-line file cannot make every quote carry the whole file.
"""

from __future__ import annotations

import re
from array import array
from decimal import Decimal
from sys import intern
from typing import TYPE_CHECKING, Any

from sxcheck.evidence.built import EMPTY, made, shared_fields
from sxcheck.evidence.figures import CELL, read_numbers
from sxcheck.evidence.normalise import normalise
from sxcheck.evidence.official import listing_rows, read_official
from sxcheck.evidence.pages import join_across_pages
from sxcheck.ingest.layout import split_sentences
from sxcheck.ingest.ocr.merge import UNSEALED
from sxcheck.limits import CONTEXT_CHARS, MAX_SENTENCE_CHARS
from sxcheck.models import (
    DocumentRef,
    Evidence,
    IngestedDocument,
    OfficialInfo,
    Quantity,
    QuoteKey,
    Sentence,
    TextUnit,
)

if TYPE_CHECKING:
    from sxcheck.catalogue.schema import Lexicon

_CLAUSE_MARKS = "，,；;、：:"


def read_documents(
    documents: list[IngestedDocument], lexicon: Lexicon
) -> tuple[list[TextUnit], dict[str, OfficialInfo], set[int]]:
    """Every document's units, each document read as an official document (its
    `info.official` set: evidence.official), and which units (indices into the returned
    list) are rows of an attachment list, 目录 or 文件清单."""
    units: list[TextUnit] = []
    officials: dict[str, OfficialInfo] = {}
    listing: set[int] = set()
    for document in documents:
        if not document.units:
            continue
        compact_units(document)
        official = read_official(document.units, lexicon.official)
        document.info.official = official
        if official is None or not official.number:
            # a scan without a seal is worth a note only for a document issued with a 文号
            # (a 通知, 决定, 批复 is sealed; a screenshot or a work report need not be)
            notes = document.info.notes
            document.info.notes = [n for n in notes if not n.startswith(UNSEALED)]
        if official is not None:
            officials[document.info.path] = official
        listing |= {len(units) + i for i in listing_rows(document.units, lexicon.official)}
        units += document.units
    return units, officials, listing


def compact_units(document: IngestedDocument) -> None:
    """Make a document's units again as compact ones, in place (issue 18).

    The units as they arrive (unpickled from the parser child, or validated from the
    store) each hold a dict and a fields set of their own: made again with key-sharing
    dicts and one shared fields set (evidence.built), a dense page's units cost about a
    third. The pipeline calls this on each document as it arrives, so a submission's
    documents are never all held in the arriving form at once; `read_documents` calls
    it again for callers that did not, and for the units OCR added since (it changes no
    value, only the objects; a unit already compact is kept as it is).

    Equal strings of one document are made one string: each arrives as its own, and a
    document repeats many (a page's locations, "paragraph 6" on every page; a table's
    caption and header as every row's context, its column headers in every row's cells,
    the same labels and figures in row after row), and every empty list of cells or
    OCR lines is one that refuses to change (evidence.built.EMPTY)."""
    shared = shared_fields(TextUnit)
    strings: dict[str, str] = {}
    document.units[:] = [
        unit if unit.__pydantic_fields_set__ is shared else _compact(unit, strings)
        for unit in document.units
    ]


def _compact(unit: TextUnit, strings: dict[str, str]) -> TextUnit:
    values = dict(unit.__dict__)
    values["location"] = intern(values["location"])  # the same in every document
    for name in ("cells", "lines"):
        if not values[name]:
            values[name] = EMPTY
    for name in ("context", "row_label"):
        values[name] = strings.setdefault(values[name], values[name])
    for cell in unit.cells:  # the row's own cells, fresh from the reader or the store
        cell.header = strings.setdefault(cell.header, cell.header)
        cell.text = strings.setdefault(cell.text, cell.text)
    return made(TextUnit, values)


def document_ref(official: OfficialInfo | None) -> DocumentRef | None:
    """What a quote's reader needs of its document as an official document, if it is one."""
    if official is None:
        return None
    named = _TITLE_YEAR.search(official.title or "")
    year = int(official.date[:4]) if official.date else int(named.group(1)) if named else None
    if not (official.number or official.date or official.draft or year):
        return None
    return DocumentRef(
        year=year,
        issuer=official.issuer,
        number=official.number,
        date=official.date,
        draft=official.draft,
        kind=official.kind,
        adjusts=official.adjusts,
    )


def sentences_of(
    units: list[TextUnit],
    year: int | None = None,
    lexicon: Lexicon | None = None,
    officials: dict[str, OfficialInfo] | None = None,
    listing: set[int] | None = None,
) -> list[Sentence]:
    """Split paragraphs into sentences; a table or sheet row is one sentence.

    The quote of each sentence is its exact text, so it can always be found
    again in the document's (line-joined) text (a table row with cells is quoted
    with each cell's header, `row_quote`: every part of it is the document's text); `Sentence.text` is that quote as
    matched (evidence.normalise: spaced characters joined, full-width digits and
    文号 brackets made plain), which numbers are read from; its context is the paragraph
    around it, at most CONTEXT_CHARS either side. Its quantities are every
    number in it with role and period (evidence.figures.read_numbers): `year`
    is the evaluation year, `lexicon` the rules' (the built-in one when None),
    and a row's header (`TextUnit.context`) gives each cell its column.

    A sentence holds its unit and offsets, not copies: its evidence (quote, context
    window) and its quantities are built on first use, once (`LazyParts`), so a
    sentence no measure reads never has them, and the paragraph is one text however
    many sentences it has.
    """
    out: list[Sentence] = []
    plan_words = lexicon.figures.plan_documents if lexicon is not None else []
    refs = {path: document_ref(o) for path, o in (officials or {}).items()}
    parts = LazyParts(
        year,
        lexicon,
        _plan_documents(units, plan_words),
        refs,
        _plan_sections(units, lexicon.plan_sections if lexicon else []),
    )
    listing = listing or set()
    # a table's rows share their caption and header: matched in one normalised copy
    contexts: dict[str, str] = {"": ""}
    # per unit, where its sentences start in `out` (they end where the next unit's start)
    starts = array("I")
    for index, unit in enumerate(units):
        starts.append(len(out))
        # numbers and keywords are read from the matching text (evidence.normalise:
        # "2 0 2 4 年" -> "2024年"); the quote stays the document's own characters
        context = contexts.get(unit.context)
        if context is None:
            context = contexts[unit.context] = normalise(unit.context)[0]
        for part, start in _parts(unit):
            out.append(
                Sentence(
                    text=normalise(part)[0],
                    context=context,
                    kind=unit.kind,
                    cells=unit.cells,
                    row_label=unit.row_label,
                    table=unit.table,
                    raw=unit.text if unit.cells else "",
                    listing=index in listing,
                    unit=unit,
                    start=start,
                    end=start + len(part),
                    source=parts,
                )
            )
    # a sentence a page break cut in two is read whole (evidence.pages)
    starts.append(len(out))
    return join_across_pages(out, units, starts, lambda u: _heading_level(u) is not None)


# distinct values the quantities read share one Decimal object of (LazyParts): beyond
# it the table starts afresh, so it never holds every number of a large submission
# after the sentences that stated them have forgotten theirs (facts.forgetting)
SHARED_DECIMALS = 4096


class LazyParts:
    """What the sentences of one `sentences_of` call build on first use, from their unit.

    The evidence: the quote (the unit's text between the sentence's offsets, or the
    row with its headers), the context window around it (only for one sentence of
    several) and the OCR provenance. The quantities: `read_numbers` on the matching
    text, once per sentence (the facts stage reads only the sentences some measure's
    keywords name); `reads` counts those readings.

    The quantities read share their equal parts (issue 18: a dense page holds ~40
    through the facts stage): one Decimal object per value as written (keyed by its
    exact text, so 1.0 and 1 stay apart), one string per unit, period and number text.
    All are immutable, so sharing them changes nothing a reader sees.
    """

    def __init__(
        self,
        year: int | None,
        lexicon: Lexicon | None,
        plans: set[str],
        refs: dict[str, DocumentRef | None],
        plan_sections: set[int] | None = None,
    ) -> None:
        self.year = year
        self.lexicon = lexicon
        self.plans = plans
        self.plan_sections = plan_sections or set()  # ids of units under a plan heading
        self.refs = refs
        self.reads = 0
        self._decimals: dict[str, Decimal] = {}

    @staticmethod
    def _quote(sentence: Sentence, unit: TextUnit) -> str:
        # the document's own characters (Sentence.text, the matching form, is read from
        # the same place when the two are one: no copy to share)
        return row_quote(unit) if unit.cells else unit.text[sentence.start : sentence.end]

    def key_of(self, sentence: Sentence) -> QuoteKey:
        """The `quote_key` of `evidence_of(sentence)`, of the same values."""
        unit = sentence.unit
        assert unit is not None
        quote = self._quote(sentence, unit)
        return (unit.document, unit.sha256, unit.page, row_location(unit), quote)

    def evidence_of(self, sentence: Sentence) -> Evidence:
        unit, start, end = sentence.unit, sentence.start, sentence.end
        assert unit is not None
        whole = unit.kind != "paragraph" or (start == 0 and end == len(unit.text))
        quote = self._quote(sentence, unit)
        provenance = ocr_provenance(unit, start, end)
        # every field, in order, of its type (evidence.built: the unit's values, validated
        # when it was read)
        return made(
            Evidence,
            {
                "document": unit.document,
                "sha256": unit.sha256,
                "page": unit.page,
                "location": row_location(unit),
                "quote": quote,
                "context": None if whole else window(unit.text, start, end),
                "figures": [],
                "source": provenance.get("source", "text"),
                "confidence": provenance.get("confidence"),
                "box": provenance.get("box"),
                "cell": None,
                "issued": self.refs.get(unit.document),
            },
        )

    def issued_of(self, sentence: Sentence) -> DocumentRef | None:
        assert sentence.unit is not None
        return self.refs.get(sentence.unit.document)

    def in_plan(self, sentence: Sentence) -> bool:
        unit = sentence.unit
        return unit is not None and (unit.document in self.plans or id(unit) in self.plan_sections)

    def quantities_of(self, sentence: Sentence) -> list[Quantity]:
        unit = sentence.unit
        assert unit is not None
        self.reads += 1
        rows = sentence.context if unit.kind != "paragraph" else ""
        found = _in_plan(
            read_numbers(sentence.text, rows, self.year, self.lexicon),
            unit.document in self.plans,
        )
        decimals = self._decimals
        if len(decimals) > SHARED_DECIMALS:
            decimals.clear()  # the numbers still held keep their objects; new ones share anew
        for q in found:
            q.value = decimals.setdefault(str(q.value), q.value)
            if q.written is not None:
                q.written = decimals.setdefault(str(q.written), q.written)
            if q.low is not None:
                q.low = decimals.setdefault(str(q.low), q.low)
            if q.high is not None:
                q.high = decimals.setdefault(str(q.high), q.high)
            q.text = intern(q.text)
            q.period = intern(q.period)
            if q.unit is not None:
                q.unit = intern(q.unit)
        return found


def row_quote(unit: TextUnit) -> str:
    """A table row as a reviewer reads it without the table: each cell with its header.

    "县区=城区 | 2024年/覆盖数=412 | 2024年/总数=420"; a cell without a header is its
    text alone. Every part (header levels and value) is the document's own text.
    """
    return CELL.join(f"{c.header}={c.text}" if c.header else c.text for c in unit.cells)


def row_location(unit: TextUnit) -> str:
    """The row's location; a sheet row's also names its cell range ("sheet 统计表 row 14
    (统计表!A14:E14)"), so a reviewer can select it in the workbook."""
    addresses = [c.address for c in unit.cells if c.address]
    if not addresses or not unit.location.startswith("sheet "):
        return unit.location
    sheet = sheet_ref(unit.location)
    span = addresses[0] if len(addresses) == 1 else f"{addresses[0]}:{addresses[-1]}"
    return f"{unit.location} ({sheet}!{span})"


def sheet_ref(location: str) -> str:
    """The sheet name of "sheet 统计表 row 14" as a cell reference writes it (quoted when
    it holds a space or a punctuation mark, as Excel does: '2024 统计'!A1)."""
    name = location[len("sheet ") :].rsplit(" row ", 1)[0]
    return name if name.replace("_", "").isalnum() else "'" + name.replace("'", "''") + "'"


def _plan_documents(units: list[TextUnit], words: list[str]) -> set[str]:
    """Documents that are plans (a 规划, 纲要, 行动计划): named so, or titled so in
    their first paragraph. Their undated figures are goals and their 发展基础 the
    plan's own present, never the evaluation year's."""
    if not words:
        return set()
    plans: set[str] = set()
    titled: set[str] = set()
    for unit in units:
        if unit.document in titled:
            continue
        titled.add(unit.document)
        name = unit.document.rsplit("/", 1)[-1]
        # a title, not a sentence: "各学区按照统一规划完成…" opening a report is no plan
        head = "" if _SENTENCE_MARKS.search(unit.text[:80]) else normalise(unit.text[:80])[0]
        if any(word in name or word in head for word in words):
            plans.add(unit.document)
    return plans


_SENTENCE_MARKS = re.compile("[，。；！？,;]")
# a numbered heading and its level: 第一部分 (0), 一、 (1), （一） (2), 1. / 1、 (3)
_HEADING_LEVELS = (
    re.compile(r"^\s*第[一二三四五六七八九十]+部分"),
    re.compile(r"^\s*[一二三四五六七八九十]+\s*、"),
    re.compile(r"^\s*[（(]\s*[一二三四五六七八九十]+\s*[)）]"),
    re.compile(r"^\s*\d{1,2}\s*[.、．](?!\d)"),
)
MAX_HEADING_CHARS = 30  # a heading is a short line; a numbered paragraph runs on


def _heading_level(unit: TextUnit) -> int | None:
    """The level of a paragraph that is a numbered heading ("三、2025年工作打算"), else None."""
    text = unit.text.strip()
    if unit.kind != "paragraph" or len(text) > MAX_HEADING_CHARS:
        return None
    if _SENTENCE_MARKS.search(text.rstrip("。")):
        return None
    return next((level for level, p in enumerate(_HEADING_LEVELS) if p.match(text)), None)


def _plan_sections(units: list[TextUnit], words: list[str]) -> set[int]:
    """The units (by id) under a heading that opens a report's plans ("三、2025年工作打算",
    lexicon plan_sections), up to the next heading of its level or above, or the end
    of its document: a 工作总结's 下一步 lists tasks, however they are worded."""
    found: set[int] = set()
    if not words:
        return found
    document, level = None, None  # the plan heading's level while inside its section
    for unit in units:
        if unit.document != document:
            document, level = unit.document, None
        heading = _heading_level(unit)
        if heading is not None and level is not None and heading <= level:
            level = None  # the next section of the plan's level, or a higher one
        if heading is not None and level is None:
            text = normalise(unit.text)[0]
            if any(word in text for word in words):
                level = heading
        if level is not None:
            found.add(id(unit))
    return found


_TITLE_YEAR = re.compile(r"(20\d\d)\s*年(?!\s*[—\-至到])")


def _in_plan(quantities: list[Quantity], plan: bool) -> list[Quantity]:
    """In a plan, a figure stated with no year of its own is the plan's, not today's."""
    if plan:
        for quantity in quantities:
            if quantity.period == "current" and quantity.role in ("figure", "money"):
                quantity.period = "plan"
    return quantities


def ocr_provenance(unit: TextUnit, start: int, end: int) -> dict[str, Any]:
    """For OCR text, what a reviewer must know of `unit.text[start:end]`: source "ocr",
    the lowest confidence of the lines it spans (one misread line makes the quote
    doubtful) and the box around them, to draw on the page. Nothing for a text layer."""
    if unit.source != "ocr":
        return {}
    spanned = [
        line for line in unit.lines if line.start < end and line.start + len(line.text) > start
    ] or unit.lines
    if not spanned:
        return {"source": "ocr"}
    boxes = [line.box for line in spanned]
    return {
        "source": "ocr",
        "confidence": min(line.confidence for line in spanned),
        "box": (
            min(b[0] for b in boxes),
            min(b[1] for b in boxes),
            max(b[2] for b in boxes),
            max(b[3] for b in boxes),
        ),
    }


def window(text: str, start: int, end: int, chars: int = CONTEXT_CHARS) -> str:
    """`text[start:end]` with at most `chars` characters of `text` on either side."""
    return text[max(0, start - chars) : end + chars]


def _parts(unit: TextUnit) -> list[tuple[str, int]]:
    """The sentences of a unit with where each starts in its text (a row is one part)."""
    if unit.kind != "paragraph":
        return [(unit.text, 0)]
    parts: list[tuple[str, int]] = []
    position = 0
    for sentence in split_sentences(unit.text):
        start = unit.text.find(sentence, position)
        start = position if start < 0 else start
        position = start + len(sentence)
        parts += [(piece, start + offset) for piece, offset in cut_long(sentence)]
    return parts


def cut_long(sentence: str, limit: int = MAX_SENTENCE_CHARS) -> list[tuple[str, int]]:
    """A sentence longer than `limit` as pieces (with offsets), cut after a clause mark.

    Each piece is a verbatim slice, so its quote is still found in the document.
    """
    pieces: list[tuple[str, int]] = []
    offset = 0
    while len(sentence) - offset > limit:
        chunk = sentence[offset : offset + limit]
        cut = max(chunk.rfind(mark) for mark in _CLAUSE_MARKS) + 1
        if cut < limit // 2:
            cut = limit  # no clause mark in the second half: a hard cut
        pieces.append((sentence[offset : offset + cut], offset))
        offset += cut
    pieces.append((sentence[offset:], offset))
    return [(p, o) for p, o in pieces if p.strip()]
