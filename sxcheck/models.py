"""Pydantic models at the pipeline's stage boundaries.

Data flows one way: ingest -> evidence -> facts -> engine -> judge -> report.
Each stage hands the next one of these models, so every stage can be tested
on its own and every judgment can be traced back to a quote in a document.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator

from sxcheck.declared import clean_figure, clean_label, clean_name, clean_year
from sxcheck.limits import MAX_UNIT_CONTEXT_CHARS

if TYPE_CHECKING:
    from sxcheck.sentence import Sentence, SentenceSource  # noqa: F401

Level = Literal["city", "county"]


class Status(StrEnum):
    """The four judgment statuses of the interface contract, worst last."""

    PASS = "pass"
    PARTIAL = "partial"
    FAIL = "fail"
    NOT_APPLICABLE = "not_applicable"


STATUS_RANK = {Status.PASS: 0, Status.PARTIAL: 1, Status.FAIL: 2}


def worst(statuses: list[Status]) -> Status:
    """The most severe of several statuses (not_applicable only when nothing else)."""
    ranked = [s for s in statuses if s in STATUS_RANK]
    if not ranked:
        return Status.NOT_APPLICABLE
    return max(ranked, key=lambda s: STATUS_RANK[s])


# ---------------------------------------------------------------- submission


class DeclaredMeasure(BaseModel):
    """One declared figure of the self-assessment (自评表)."""

    model_config = ConfigDict(extra="forbid")

    numerator: Decimal | None = None
    denominator: Decimal | None = None
    value: Decimal | None = None
    unit: str | None = None
    covered: list[str] | None = None

    @field_validator("numerator", "denominator", "value", mode="before")
    @classmethod
    def _figure(cls, value: object, info: ValidationInfo) -> Decimal | None:
        """Finite, bounded and plain before the facts stage formats or compares it."""
        return clean_figure(value, info.field_name or "figure")

    @field_validator("unit", mode="before")
    @classmethod
    def _unit(cls, value: object) -> object:
        return clean_label(value, "unit")

    @field_validator("covered", mode="before")
    @classmethod
    def _covered(cls, value: object) -> object:
        if isinstance(value, list):
            return [clean_label(entry, "covered") for entry in value]
        return value


class Manifest(BaseModel):
    """The validated content of `submission.yaml`."""

    model_config = ConfigDict(extra="forbid")

    region: str = Field(min_length=1)
    level: Level
    year: int = Field(ge=2000, le=2100)
    parent: str | None = None
    # item id -> measure key -> declared figures (normalised by ingest.submission)
    indicators: dict[str, dict[str, DeclaredMeasure]] = Field(default_factory=dict)
    # item id -> measure key -> where it is declared ("submission.yaml:12",
    # "submission.xlsx:自评表!H5"): set by the reader, never read from the file
    declared_at: dict[str, dict[str, str]] = Field(default_factory=dict)

    @field_validator("region", "parent", mode="before")
    @classmethod
    def _name(cls, value: object, info: ValidationInfo) -> str | None:
        """Names reach reports, file names and terminals: bounded and printable."""
        if value is None and info.field_name == "parent":
            return None
        return clean_name(value, info.field_name or "name")

    @field_validator("year", mode="before")
    @classmethod
    def _year(cls, value: object) -> int:
        return clean_year(value)


# ---------------------------------------------------------------- ingest


class OfficialInfo(BaseModel):
    """What a document says of itself as an official document (公文), read from its first
    page(s) by evidence.official: who issued it, its 文号, title, date, to whom, and
    whether it is a draft. Every field is as written in the document (the date also as
    ISO); `evidence` names where each was read (field -> its exact quote and place)."""

    issuer: str | None = None  # 发文机关 ("晋阳市人民政府办公室")
    number: str | None = None  # 发文字号 as written, brackets made plain ("晋阳政办发〔2023〕58号")
    title: str | None = None  # "晋阳市人民政府办公室关于成立…领导小组的通知"
    kind: str | None = None  # 文种: 通知, 决定, 办法, 纪要, 方案, 规划, 意见, 报告 …
    date: str | None = None  # 成文日期 / 印发日期 as ISO: "2023-05-12" (or "2023-05" / "2023")
    date_text: str | None = None  # as written ("2023年5月12日", "二〇二三年五月十二日")
    recipients: str | None = None  # 主送机关 ("各县（市、区）人民政府，市直各有关单位")
    draft: str | None = None  # the draft marker as written ("征求意见稿"); None: not a draft
    # the title adjusts, replaces or abolishes an earlier body or document ("关于调整…领导
    # 小组组成人员的通知"): the word ("调整"); the earlier one it names, when it names it
    adjusts: str | None = None
    adjusted: str | None = None  # the title or 文号 of what it adjusts, when named
    evidence: dict[str, Evidence] = Field(default_factory=dict)


class DocumentRef(BaseModel):
    """The official-document facts a quote's reader needs beside it (from OfficialInfo)."""

    issuer: str | None = None
    number: str | None = None
    date: str | None = None  # ISO, as OfficialInfo.date
    draft: str | None = None  # the draft marker when the document is a draft
    kind: str | None = None  # 文种, as OfficialInfo.kind
    adjusts: str | None = None  # as OfficialInfo.adjusts ("调整")
    # the year the document is of: its date's, else one its title names ("2024年…工作总结")
    year: int | None = None


class DocumentInfo(BaseModel):
    """One file of the submission as the report lists it."""

    path: str  # relative to the submission root, POSIX separators
    sha256: str
    size: int
    kind: str  # pdf | docx | xlsx | txt | md | image | unknown
    pages: int | None = None
    status: Literal["ok", "error", "skipped"] = "ok"
    error: str | None = None
    notes: list[str] = Field(default_factory=list)
    text_units: int = 0  # paragraphs and rows read; 0 with notes means nothing usable (scan)
    needs_ocr: bool = False  # pages or images that needed OCR and were not read by it
    # how the document was read, for the documents table: "text" (a text layer or an
    # Office/text file), "ocr" (every page by OCR), "text+ocr" (some pages), "converted"
    # (by LibreOffice from .doc/.wps/.xls/.et/.ppt/.dps), "ofd" (the OFD reader), "none"
    read_by: str = "text"
    ocr_pages: list[int] = Field(default_factory=list)  # pages read by OCR (1 for an image)
    ocr_confidence: float | None = None  # mean confidence of the OCR lines read
    ocr_engine: str | None = None  # engine and version ("rapidocr 3.10.0 PP-OCRv6")
    converted_from: str | None = None  # the original format when converted ("wps", "doc")
    encoding: str | None = None  # a plain text file's encoding as detected ("GB18030")
    signatures: bool | None = None  # OFD: signatures or seals present (None: not an OFD)
    # page -> a small JPEG of an OCR'd page (data URI), so a report can show the scan
    # behind a quote with the line's box drawn on it
    thumbnails: dict[int, str] = Field(default_factory=dict)
    # pages (1-based) of the scanned pages checked for a red round seal on which one was
    # found; None when no page was checked (a text document, nothing scanned)
    seals: list[int] | None = None
    seal_pages_checked: int = 0  # how many pages were looked at for a seal
    # as an official document (evidence.official); None when it is not one or not read
    official: OfficialInfo | None = None


class OcrLine(BaseModel):
    """One line an OCR engine read, where it is on its page and how sure the engine is.

    `box` is (left, top, right, bottom) as fractions of the page's width and
    height, from its top-left corner, so it can be drawn on a thumbnail of any
    size; `start` is where the line's text begins in its unit's text.
    """

    text: str
    start: int = 0
    box: tuple[float, float, float, float]
    confidence: float


@dataclass(slots=True)
class TableCell:
    """One body cell of a table row with the header path of its column.

    `header` is the column's header path, levels joined by "/" ("2024年/覆盖率");
    `address` is a sheet cell's address ("D14"); `repeated` is set on a
    vertically merged cell shown again in a row below the one it starts in (its
    text belongs to every row it spans; a figure in it counts once, in its first row).

    A slotted dataclass, not a model: a 50,000-row sheet has 300,000 cells, and as
    pydantic models they took 350 MB and 4-10 s to build (about 70 MB and 1-2 s so);
    pydantic still validates and serialises it inside TextUnit.
    """

    text: str
    header: str = ""
    column: int = 0
    address: str | None = None
    repeated: bool = False
    # a sheet cell: why it reads as it does ("公式未缓存计算结果": a formula never
    # calculated, shown empty), and whether its row, column or sheet is hidden in Excel
    note: str | None = None
    hidden: bool = False


class TextUnit(BaseModel):
    """A paragraph, table row or sheet row with the place it came from.

    `text` is what the document says with visual line breaks inside a
    paragraph removed, so a sentence that wraps is one sentence. `context`
    holds a table's caption and header for rows, used for matching only.
    """

    document: str
    sha256: str
    page: int | None = None
    location: str
    kind: Literal["paragraph", "table_row", "sheet_row"] = "paragraph"
    text: str
    context: str = ""
    # a table row: its cells with their column headers, and its row label (the first
    # text cell: "城区", "合计"); empty for paragraphs and for rows read as plain text
    cells: list[TableCell] = Field(default_factory=list)
    row_label: str = ""
    # which table of its document (or block of its sheet) the row is in: two blocks of
    # one sheet share the location prefix "sheet 智慧医疗" but are two tables
    table: int | None = None
    source: Literal["text", "ocr"] = "text"  # ocr: the text is what OCR read of a scan
    lines: list[OcrLine] = Field(default_factory=list)  # OCR: the lines joined into `text`

    @field_validator("context")
    @classmethod
    def _bounded_context(cls, context: str) -> str:
        """Caption and header, bounded: matched against every measure for every row,
        and a reader may put a whole paragraph before the header. Over the bound the
        start (caption, sheet title) and the end (the header) are kept."""
        if len(context) <= MAX_UNIT_CONTEXT_CHARS:
            return context
        head = MAX_UNIT_CONTEXT_CHARS * 3 // 10
        return f"{context[:head]} {context[head - MAX_UNIT_CONTEXT_CHARS + 1 :]}"


class IngestedDocument(BaseModel):
    info: DocumentInfo
    units: list[TextUnit] = Field(default_factory=list)
    from_store: bool = False  # read by an earlier run (same sha256 and extractor version)
    # pages (of a PDF; frames of an image) the parse found no usable text on: the OCR
    # pool reads them next; those still listed after it were not read (never cached)
    ocr_pending: list[int] = Field(default_factory=list)


# ---------------------------------------------------------------- evidence


# What a number is: only a `figure` (or `money`) can be a measure's value; an
# identifier (备案号, 文号, 表2-2, 第3期, 序号), a date or a score never is.
Role = Literal["figure", "money", "score", "identifier", "date"]


class Quantity:
    """A number found in text, with its unit, the exact span it came from, and what it is.

    `period` says when the figure is stated for: a year ("2020"), "current" (a
    present statement with no year of its own), "target" (到2025年, 力争, 计划)
    or "change" (同比增长, 提高…个百分点), or "plan" (a figure with no year of its own
    in a 规划: the plan's goal or its own present). `low`/`high` are the range the
    written precision stands for (6.31万 -> 63050..63150) or a bound (九成以上 ->
    low 90); both None for an exact figure.

    Not a pydantic model (issue 18): a dense page has ~40 of them, held through the
    facts stage, and a model's field dict cost ~460 bytes each, three times these
    slots. No stage boundary serialises one (facts keep Evidence and Decimals, never a
    Quantity), so nothing validates it: the evidence stage builds it from values
    already of these types. It compares, copies (`model_copy`) and shows as the model
    did; `model_dump` gives its fields for a test or a debugger.
    """

    __slots__ = (
        "value",
        "written",
        "unit",
        "is_percent",
        "text",
        "start",
        "end",
        "role",
        "period",
        "target_year",
        "low",
        "high",
    )

    value: Decimal
    written: Decimal | None  # the number as written before 万/亿 (28.6 of 28.6万元)
    unit: str | None  # "%", "个", "Mbps", "pp" (个百分点) ...
    is_percent: bool
    text: str
    start: int
    end: int
    role: Role
    period: str
    target_year: int | None
    low: Decimal | None
    high: Decimal | None

    def __init__(
        self,
        *,
        value: Decimal,
        text: str,
        start: int,
        end: int,
        written: Decimal | None = None,
        unit: str | None = None,
        is_percent: bool = False,
        role: Role = "figure",
        period: str = "current",
        target_year: int | None = None,
        low: Decimal | None = None,
        high: Decimal | None = None,
    ) -> None:
        self.value = value
        self.written = written
        self.unit = unit
        self.is_percent = is_percent
        self.text = text
        self.start = start
        self.end = end
        self.role = role
        self.period = period
        self.target_year = target_year
        self.low = low
        self.high = high

    @property
    def is_measure_figure(self) -> bool:
        """Could this number be a measure's value (a count, ratio, value or amount)?"""
        return self.role in ("figure", "money")

    def model_copy(self, update: dict[str, Any] | None = None) -> Quantity:
        """A copy with `update` applied, as pydantic's model_copy (no validation)."""
        copy = Quantity.__new__(Quantity)
        for name in Quantity.__slots__:
            setattr(copy, name, getattr(self, name))
        for name, value in (update or {}).items():
            setattr(copy, name, value)  # an unknown name raises AttributeError
        return copy

    def model_dump(self) -> dict[str, Any]:
        """Every field by name, in the order the model declared them."""
        return {name: getattr(self, name) for name in Quantity.__slots__}

    def __eq__(self, other: object) -> bool:
        if self is other:
            return True
        if not isinstance(other, Quantity):
            return NotImplemented
        return all(getattr(self, n) == getattr(other, n) for n in Quantity.__slots__)

    __hash__ = None  # type: ignore[assignment]  # compared by value, as a model was

    def __repr__(self) -> str:
        return f"Quantity({', '.join(self._shown())})"

    def __str__(self) -> str:
        return " ".join(self._shown())  # as a model's str: its fields, space-separated

    def _shown(self) -> list[str]:
        return [f"{n}={getattr(self, n)!r}" for n in Quantity.__slots__]


class FigureNote(BaseModel):
    """A number of a quote as the evidence stage read it, for the reviewer.

    Shown beside the quote so an auditor sees why a number counted or did not:
    "45%（2020年）", "100%（目标）", "〔2024〕15号（编号）".
    """

    text: str  # exactly as written in the quote
    role: Role
    period: str | None = None  # figure/money/score: "2024", "current", "target", "change", "plan"
    used: bool = False  # compared with the declaration (a figure of the evaluation period)


class Evidence(BaseModel):
    """A quotable place in a document: the contract's evidence entry."""

    document: str
    sha256: str
    page: int | None = None
    location: str
    quote: str
    # the paragraph around the quote (at most limits.CONTEXT_CHARS either side), when
    # the quote is one sentence of it
    context: str | None = None
    # the numbers of the quote with their role and period (figures the facts stage used
    # or set aside); empty when the quote states no number or was not about figures
    figures: list[FigureNote] = Field(default_factory=list)
    # "ocr": the quote is what OCR read of a scan (the lines it spans: their lowest
    # confidence and the box around them, as TextUnit.lines); "text": the document's text
    source: Literal["text", "ocr"] = "text"
    confidence: float | None = None
    box: tuple[float, float, float, float] | None = None
    # a table row's cells a fact compared (its figures), so a reviewer finds them in the
    # row: a sheet's addresses ("统计表!B14, 统计表!C14") or the columns' headers
    # ("column 覆盖数 (2024年)"); None when the whole quote is the evidence
    cell: str | None = None
    # the quote's document as an official document (文号, 发文机关, date, draft marker)
    issued: DocumentRef | None = None


QuoteKey = tuple[str, str, int | None, str, str]


def quote_key(evidence: Evidence) -> QuoteKey:
    """What makes two quotes one (unique_evidence): their place and text."""
    return (evidence.document, evidence.sha256, evidence.page, evidence.location, evidence.quote)


def unique_evidence(evidence: list[Evidence]) -> list[Evidence]:
    """Each quote once, in order (by place and text: linear, a reason can cite hundreds)."""
    seen: set[QuoteKey] = set()
    out: list[Evidence] = []
    for entry in evidence:
        key = quote_key(entry)
        if key not in seen:
            seen.add(key)
            out.append(entry)
    return out


# Sentence (the evidence stage's output, not a pydantic model) is in sxcheck.sentence;
# `from sxcheck.models import Sentence` still works (module __getattr__ below).


# ---------------------------------------------------------------- facts / judgments


class Fact(BaseModel):
    """A fact asserted into the engine, with the evidence it rests on.

    `data` holds only flat JSON values (what the engine's conditions test);
    `evidence` groups the quotes by role (support, conflict, used, planned) so
    a reason can cite exactly the sentences behind it; `params` fill the
    Chinese message templates.
    """

    id: str
    kind: str
    item: str
    measure: str
    data: dict[str, Any] = Field(default_factory=dict)
    evidence: dict[str, list[Evidence]] = Field(default_factory=dict)
    params: dict[str, str] = Field(default_factory=dict)


class Reason(BaseModel):
    code: str
    message: str
    rule: str | None = None
    measure: str | None = None
    evidence: list[Evidence] = Field(default_factory=list)


class DecidedOn(BaseModel):
    """A document (and the quotes of it) the judgment cited when a reviewer decided."""

    document: str
    sha256: str
    quotes: list[str] = Field(default_factory=list)


class Decision(BaseModel):
    """A reviewer's or auditor's 复核意见 on one item, as applied to this run.

    `state` says whether it stands: `applied` (its status is the item's), `lapsed` (a
    document it was based on changed, went, or the engine's judgment now rests on other
    documents) or `expired`; a decision that does not stand is shown with `note`, and
    the engine's judgment is used."""

    id: int
    status: Literal["pass", "partial", "fail", "not_applicable", "confirm"]
    reason: str
    by: str
    role: Literal["reviewer", "auditor"] = "reviewer"
    decided_at: str
    expires: str | None = None  # ISO date: the decision holds through that day
    on_run: str  # the run whose judgment was reviewed
    engine_status: str  # the engine's status then
    based_on: list[DecidedOn] = Field(default_factory=list)
    state: Literal["applied", "lapsed", "expired"] = "applied"
    note: str = ""


class Judgment(BaseModel):
    id: str
    name: str
    first: str
    second: str
    first_name: str = ""
    second_name: str = ""
    kind: str = ""
    status: Status
    score: float
    measures: dict[str, Any] = Field(default_factory=dict)
    reasons: list[Reason] = Field(default_factory=list)
    rules: list[str] = Field(default_factory=list)
    facts: list[str] = Field(default_factory=list)
    # a reviewer's decision on this item (None: nobody decided); while it stands, status
    # and score are the decision's and engine_status/engine_score keep the rules' own
    decision: Decision | None = None
    engine_status: Status | None = None
    engine_score: float | None = None


# ---------------------------------------------------------------- report


class RunInfo(BaseModel):
    id: str
    started_at: str
    finished_at: str | None = None
    tool_version: str
    rules_digest: str
    duration_seconds: float | None = None
    profile: str | None = None  # "name@digest" of the --profile that set thresholds and weights
    rules_skipped: list[str] = Field(default_factory=list)  # invalid 特色性 rule files, skipped
    documents_read: int = 0  # parsed in this run
    documents_from_store: int = 0  # unchanged since an earlier run: taken from the store
    pages_ocred: int = 0  # pages (and images) OCR read in this run (0: all from the store)
    # nothing an item depends on changed since this run: its judgments are reused
    judged_as_run: str | None = None


class SubmissionInfo(BaseModel):
    region: str
    level: Level
    year: int
    parent: str | None = None
    source: str = ""
    # what the self-assessment declared (item -> measure -> figures), so a report shows
    # the declaration it judged and a diff of two runs lists what was re-declared
    declared: dict[str, dict[str, DeclaredMeasure]] = Field(default_factory=dict)
    # where each of them is declared, so a report can say which line or cell to change
    declared_at: dict[str, dict[str, str]] = Field(default_factory=dict)


class Summary(BaseModel):
    counts: dict[str, int]
    scores: dict[str, float | None]


class Report(BaseModel):
    """The canonical JSON report (`schema_version: 1` of the interface contract)."""

    schema_version: int = 1
    run: RunInfo
    submission: SubmissionInfo
    summary: Summary
    indicators: list[Judgment]
    documents: list[DocumentInfo]


# ---------------------------------------------------------------- batch


class BatchEntry(BaseModel):
    """One submission of a batch: its run, totals, ranks and item statuses, or why not."""

    source: str
    evaluated: bool
    error: str | None = None
    run_id: str | None = None
    region: str | None = None
    level: Level | None = None
    year: int | None = None
    total: float | None = None
    first_level: dict[str, float | None] = Field(default_factory=dict)
    rank: int | None = None  # overall, among submissions of the same level
    first_level_ranks: dict[str, int] = Field(default_factory=dict)
    apps_rank: int | None = None  # 2.1.4, among submissions of the same level
    counts: dict[str, int] = Field(default_factory=dict)
    statuses: dict[str, str] = Field(default_factory=dict)  # item id -> status
    reused_evidence: list[str] = Field(default_factory=list)  # item ids flagged
    # item ids citing evidence another region also submitted, whose owner no content tells
    reused_unresolved: list[str] = Field(default_factory=list)


class BatchReport(BaseModel):
    """The comparison `sxcheck batch` writes (JSON canonical; HTML and XLSX render it)."""

    schema_version: int = 1
    started_at: str
    finished_at: str
    tool_version: str
    rules_digest: str
    workers: int
    documents: int
    first_levels: dict[str, str]  # id -> name
    items: dict[str, str]  # id -> name
    entries: list[BatchEntry]
    timings: dict[str, float] = Field(default_factory=dict)  # seconds per phase


def __getattr__(name: str) -> Any:
    """`Sentence` and `SentenceSource` live in sxcheck.sentence (it imports this module)."""
    if name in ("Sentence", "SentenceSource"):
        from sxcheck import sentence

        return getattr(sentence, name)
    raise AttributeError(f"module 'sxcheck.models' has no attribute {name!r}")
