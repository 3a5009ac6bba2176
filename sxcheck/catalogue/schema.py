"""The schema of the rule files in `rules/`.

Rule files are data written by domain people; this schema is what keeps a
typo from reaching the engine (durable_rules reports bad definitions only as
bare error numbers). Every model forbids unknown keys so a misspelt field is
an error with its file and line, never a silently ignored setting.
"""

from __future__ import annotations

import re
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator
from pydantic_core import PydanticCustomError

from sxcheck.declared import has_control
from sxcheck.limits import MAX_BAND_MAGNITUDE, MAX_NAME_CHARS, MAX_PROFILE_WEIGHT

ITEM_ID = re.compile(r"^(?:[1-8]\.\d\.\d|T\.\d+(?:\.\d+)*)$")
MEASURE_KEY = re.compile(r"^[a-z][a-z0-9_]*$")
MeasureKind = Literal["ratio", "value", "count", "rank", "qualitative"]
LevelName = Literal["city", "county"]
ALL_LEVELS: tuple[LevelName, ...] = ("city", "county")


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)


# a pass or partial line: finite and bounded, so the engine's integer form keeps its order
BandLine = Annotated[
    float, Field(allow_inf_nan=False, gt=-MAX_BAND_MAGNITUDE, lt=MAX_BAND_MAGNITUDE)
]
# a weight of a profile: positive and finite, so no total is negative, NaN or null
Weight = Annotated[float, Field(allow_inf_nan=False, gt=0, le=MAX_PROFILE_WEIGHT)]
# a score share (qualitative_scores): 0..1 like every score
Share = Annotated[float, Field(allow_inf_nan=False, ge=0, le=1)]


class Bands(Strict):
    """Thresholds of one measure: at or beyond `pass` passes, beyond `partial` is partial.

    Whether `partial` must lie below or above `pass` depends on the measure's
    direction, so that order is checked where bands meet a measure
    (`catalogue.extend.apply_profile`).
    """

    pass_: BandLine = Field(alias="pass")
    partial: BandLine
    doc: str = ""


class EvidencePattern(Strict):
    """Which sentences speak about a measure.

    Every group of `all_of` must be met by at least one of its words;
    a sentence containing any `none_of` word is about something else.
    """

    all_of: list[list[str]] = Field(min_length=1)
    none_of: list[str] = Field(default_factory=list)

    @field_validator("all_of")
    @classmethod
    def _groups_not_empty(cls, groups: list[list[str]]) -> list[list[str]]:
        for group in groups:
            if not group or any(not word.strip() for word in group):
                raise ValueError("every all_of group needs at least one non-empty word")
        return groups


class CountOption(Strict):
    """One entry of a count item's fixed list (a channel, a domain, a service)."""

    key: str
    aliases: list[str] = Field(min_length=1)


class Grade(Strict):
    """One grade of a graded qualitative measure (3.3.2), best first in the list."""

    key: str
    name: str
    any_of: list[str] = Field(min_length=1)
    status: Literal["pass", "partial", "fail"]
    score: float = Field(ge=0, le=1)


class TableRows(Strict):
    """Count the rows of a list of things (systems with their 测评结论) as a ratio.

    A table (or sheet) whose header or caption has a `header_any` word lists one
    thing per row; a row counts in the numerator when a cell starts with a
    `passed_any` word and no cell starts with a `failed_any` word. Rows naming
    a total (合计) are left out.
    """

    header_any: list[str] = Field(min_length=1)
    passed_any: list[str] = Field(min_length=1)
    failed_any: list[str] = Field(default_factory=list)
    total_any: list[str] = Field(default_factory=lambda: ["合计", "总计", "小计", "总数"])


class MeasureRule(Strict):
    key: str
    kind: MeasureKind
    name: str
    numerator: str | None = None
    denominator: str | None = None
    unit: str | None = None
    accept_units: list[str] = Field(default_factory=list)
    levels: list[LevelName] = Field(default_factory=lambda: list(ALL_LEVELS))
    bounded: bool = True
    direction: Literal["higher", "lower"] = "higher"
    bands: str | Bands | None = None
    options: list[CountOption] = Field(default_factory=list)
    evidence: EvidencePattern
    weight: Weight = 1.0
    # qualitative: regexes a done sentence about the measure must match
    established: list[str] = Field(default_factory=list)
    working: list[str] = Field(default_factory=list)
    working_needs_date: bool = False
    grades: list[Grade] = Field(default_factory=list)
    # ratio: read the figures from a list of things, one per table row
    table_rows: TableRows | None = None

    @field_validator("key")
    @classmethod
    def _key_form(cls, key: str) -> str:
        if not MEASURE_KEY.match(key):
            raise ValueError("measure key must be lower-case ascii, digits and _ (e.g. coverage)")
        return key

    @model_validator(mode="after")
    def _kind_needs(self) -> MeasureRule:
        if self.kind == "ratio" and not (self.numerator and self.denominator):
            raise ValueError("a ratio measure needs numerator and denominator descriptions")
        if self.kind == "count" and len(self.options) < 1:
            raise ValueError("a count measure needs its options list")
        if self.kind == "qualitative" and not (self.established or self.grades):
            raise ValueError("a qualitative measure needs `established` phrasings (or `grades`)")
        if self.grades and (self.established or self.working):
            raise ValueError(
                "a graded measure is decided by its `grades` alone; drop `established`/`working`"
            )
        for pattern in [
            *self.established,
            *self.working,
            *(w for g in self.grades for w in g.any_of),
        ]:
            try:
                re.compile(pattern)
            except re.error as exc:
                raise ValueError(f"invalid regular expression {pattern!r}: {exc}") from None
        if self.kind in ("ratio", "value", "count", "rank") and self.bands is None:
            raise ValueError(
                f"a {self.kind} measure needs bands (a name from defaults.yaml or inline)"
            )
        return self


class ItemRule(Strict):
    """One evaluation item: its identity, the source's definition and its measures."""

    id: str
    name: str
    kind: str
    definition: str
    measures: list[MeasureRule] = Field(min_length=1)
    weight: Weight = 1.0
    notes: str = ""

    @field_validator("id")
    @classmethod
    def _id_form(cls, value: str) -> str:
        if not ITEM_ID.match(value):
            raise ValueError("item id must look like 8.1.1 (or T.1.1 for 特色性指标)")
        return value

    @model_validator(mode="after")
    def _unique_measures(self) -> ItemRule:
        keys = [m.key for m in self.measures]
        if len(keys) != len(set(keys)):
            raise ValueError(f"duplicate measure keys in {self.id}: {keys}")
        return self


class SecondLevel(Strict):
    id: str
    name: str
    weight: Weight = 1.0


class FirstLevel(Strict):
    id: str
    name: str
    weight: Weight = 1.0
    children: list[SecondLevel] = Field(min_length=1)


class CatalogueFile(Strict):
    """`rules/catalogue.yaml`: the 8 -> 20 tree with its weights."""

    title: str
    weights_doc: str = ""
    first_levels: list[FirstLevel] = Field(min_length=1)


class Scoring(Strict):
    # relative: achievement against the pass line, capped at 1 (sxcheck's default);
    # linear: the ratio itself (the national method: item score = weight x ratio)
    method: Literal["relative", "linear"] = "relative"
    uncorroborated_factor: float = Field(ge=0, le=1)
    inconsistent_factor: float = Field(ge=0, le=1)
    qualitative_scores: dict[str, Share]
    doc: str = ""


class DefaultsFile(Strict):
    """`rules/defaults.yaml`: named defaults the source does not state."""

    bands: dict[str, Bands]
    scoring: Scoring


class FigureWords(Strict):
    """`rules/lexicon.yaml` `figures`: what a number is and when it is for (sxcheck/evidence/figures.py)."""

    names: list[str] = Field(default_factory=list)
    # words naming a plan document (in its file name or title): its undated figures are
    # the plan's (period "plan"), never the evaluation year's
    plan_documents: list[str] = Field(default_factory=list)
    target: list[str] = Field(default_factory=list)
    current: list[str] = Field(default_factory=list)
    this_year: list[str] = Field(default_factory=list)
    last_year: list[str] = Field(default_factory=list)
    base_before: str = r"(?:较|比)$"
    as_of_before: str = r"[（(]截至$"
    target_year_before: str = r"(?:到|力争)$"
    level_year_before: str = r"(?:提高|增)(?:到|至)$"
    deadline_after: str = r"^(?:底|末)?前"
    start_after: str = r"^以来"
    plan_periods: dict[str, int] = Field(default_factory=dict)
    plan_period_after: str = r"^(?:末|期间)"
    change: list[str] = Field(default_factory=list)
    change_units: list[str] = Field(default_factory=list)
    bound_low_before: list[str] = Field(default_factory=list)
    bound_high_before: list[str] = Field(default_factory=list)
    approx_before: list[str] = Field(default_factory=list)
    bound_low_after: list[str] = Field(default_factory=list)
    bound_high_after: list[str] = Field(default_factory=list)
    approx_after: list[str] = Field(default_factory=list)
    requirement: list[str] = Field(default_factory=list)
    identifier_before: list[str] = Field(default_factory=list)
    identifier_after: list[str] = Field(default_factory=list)
    date_before: str = r"(?:连续|提前)$"
    date_after: str = r"^内"
    measured_before: str = r"平均"
    grade_before: str = r"结论为"
    grades: str = r"优|良|中|差"
    column_identifier: str = r"序号|编号"
    column_score: str = r"得分"
    column_change: str = r"增长"
    column_target: str = r"目标"
    column_task: str = r"任务"
    column_period: str = r"年份|月份"
    column_unit: str = r"^单位$"
    column_deadline: str = r"时限|期限"


class TableHeaders(Strict):
    """`rules/lexicon.yaml` `table_headers`: what a table's column headers and row labels
    say (sxcheck/facts/tables.py). Words, matched in a header's lowest level."""

    numerator: list[str] = Field(default_factory=list)  # 分子, 覆盖数, 已接入
    denominator: list[str] = Field(default_factory=list)  # 分母, 总数, 应接入
    rate: list[str] = Field(default_factory=list)  # 比率, 覆盖率, 占比
    # whole row labels (spaces removed) of the row that sums the table's parts
    sum_row: list[str] = Field(default_factory=list)  # 合计, 总计, 全市
    # a part row labelled with one of these makes the parts overlap (小计, 其中): no sum check
    subtotal: list[str] = Field(default_factory=list)
    doc: str = ""


class ModalityWords(Strict):
    """`rules/lexicon.yaml` `modality`: the words that make a clause done, ongoing,
    planned (or a target), required by a rule, conditional or negated
    (sxcheck/evidence/modality.py holds the generic scoping logic). Regexes."""

    doc: str = ""


class OfficialWords(Strict):
    """`rules/lexicon.yaml` `official`: how an official document (公文) names its
    issuer, 文号, 文种, date, 主送机关 and draft status on its first page, and how an
    attachment list, 目录 or 文件清单 opens (sxcheck/evidence/official.py). Regexes."""

    doc: str = ""


class Lexicon(Strict):
    """`rules/lexicon.yaml`: phrasings that change what a sentence means.

    `not_done` marks plans, targets and drafts: figures in such a sentence are
    a goal, not an achievement, and never corroborate or contradict a claim.
    """

    not_done: list[str] = Field(min_length=1)
    whole: list[str] = Field(min_length=1)
    change: list[str] = Field(default_factory=list)
    rule_statement: list[str] = Field(default_factory=list)
    total_row: list[str] = Field(default_factory=list)
    total_label: list[str] = Field(default_factory=list)
    issuer: list[str] = Field(default_factory=list)  # 发文机关 after a region's name (batch)
    # how a sentence opens when it goes on with the previous one's subject ("其中418所…"
    # after "全市共有学校420所。"): only then are the two read as one statement
    continues_previous: list[str] = Field(default_factory=list)
    # a statement for part of the evaluation year (截至8月底, 1—10月, 前三季度): its figures
    # may back a year's declaration but never contradict it
    interim: list[str] = Field(default_factory=list)
    date: str = r"20\d\d年(?:\d{1,2}月)?"
    figures: FigureWords = Field(default_factory=FigureWords)  # issue 14: roles and periods
    table_headers: TableHeaders = Field(default_factory=TableHeaders)  # issue 16: tables
    modality: ModalityWords = Field(default_factory=ModalityWords)  # issue 17
    official: OfficialWords = Field(default_factory=OfficialWords)  # issue 17
    doc: str = ""


class ConfusionGroup(Strict):
    """Characters an OCR engine reads for one another (履 for 覆); `chars[0]` is the one
    both an OCR sentence and a keyword are matched as."""

    chars: str = Field(min_length=2, max_length=8)
    engines: list[Literal["tesseract", "pp-ocr"]] = Field(min_length=1)  # seen confusing them
    seen: str = Field(min_length=1)  # the misread as seen ("覆盖率 read as 履盖率")
    doc: str = ""

    @field_validator("chars")
    @classmethod
    def _ideographs(cls, chars: str) -> str:
        """CJK characters only, each once: a digit, letter or bracket is never folded
        (a misread number stays misread; the confidence rule handles numbers)."""
        if len(set(chars)) != len(chars) or not all("\u3400" <= c <= "\u9fff" for c in chars):
            raise PydanticCustomError(
                "confusion_chars", "chars must be distinct CJK ideographs (no digits or letters)"
            )
        return chars


class OcrConfusions(Strict):
    """`rules/ocr_confusions.yaml`: keyword matching on OCR text folds these characters.

    Only a sentence read by OCR is folded (a text layer's 履盖率 is a typo, not a
    misread); cases beside it (`ocr_confusions.cases.yaml`) hold the misreads that
    must match and the real words that must not be merged.
    """

    groups: list[ConfusionGroup] = Field(default_factory=list)
    doc: str = ""

    @model_validator(mode="after")
    def _disjoint(self) -> OcrConfusions:
        """A character in two groups would fold two ways."""
        seen: set[str] = set()
        for group in self.groups:
            if seen & set(group.chars):
                raise PydanticCustomError(
                    "confusion_overlap",
                    "a character is in two groups: {chars}",
                    {"chars": group.chars},
                )
            seen |= set(group.chars)
        return self


class MessagesFile(Strict):
    """`rules/messages.yaml`: the Chinese message template of each reason code."""

    messages: dict[str, str]


class CaseDocument(Strict):
    name: str = "case.txt"
    text: str


class CaseExpect(Strict):
    status: Literal["pass", "partial", "fail", "not_applicable"]
    codes: list[str] = Field(default_factory=list)
    absent_codes: list[str] = Field(default_factory=list)
    score: float | None = None


class RuleCase(Strict):
    name: str
    level: LevelName = "city"
    year: int = Field(default=2024, ge=2000, le=2100)  # the evaluation year of the case
    declared: dict[str, object] | None = None
    documents: list[CaseDocument] = Field(default_factory=list)
    expect: CaseExpect


class CasesFile(Strict):
    item: str
    cases: list[RuleCase] = Field(min_length=1)


# ---------------------------------------------------------------- profiles


class MeasureOverride(Strict):
    bands: str | Bands | None = None
    weight: Weight | None = None


class ItemOverride(Strict):
    weight: Weight | None = None
    exclude: str | None = Field(default=None, min_length=1)  # the reason, shown in reports
    measures: dict[str, MeasureOverride] = Field(default_factory=dict)


class Period(Strict):
    start: str = Field(pattern=r"^\d{4}-\d{2}-\d{2}$")
    end: str = Field(pattern=r"^\d{4}-\d{2}-\d{2}$")


class ProfileFile(Strict):
    """A `--profile` file: an evaluator's thresholds and weights over the rules' defaults."""

    name: str = Field(min_length=1, max_length=MAX_NAME_CHARS)
    doc: str = ""
    bands: dict[str, Bands] = Field(default_factory=dict)  # named bands, replaced or added
    scoring: Scoring | None = None
    first_weights: dict[str, Weight] = Field(default_factory=dict)
    second_weights: dict[str, Weight] = Field(default_factory=dict)
    items: dict[str, ItemOverride] = Field(default_factory=dict)
    special_weight: Weight | None = None  # 特色性指标 in the total
    period: Period | None = None
    # below it an OCR'd figure alone cannot pass an item (limits.OCR_MIN_CONFIDENCE)
    ocr_min_confidence: float | None = Field(default=None, ge=0, le=1)

    @field_validator("name")
    @classmethod
    def _printable_name(cls, name: str) -> str:
        """The name is shown in every report (escaped there); here it must be plain text."""
        if not name.strip() or has_control(name):
            raise PydanticCustomError(
                "profile_name", "a profile name must be printable text, without control characters"
            )
        return name.strip()
