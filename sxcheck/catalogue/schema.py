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
    # ratio/value: the words a clause saying the thing is not there names, when the
    # evidence groups include what the figure counts ("市级公共数据开放平台尚未建成上线"
    # names no 类 or 领域); None: the evidence groups (facts.denials)
    denied_by: EvidencePattern | None = None
    weight: Weight = 1.0
    # qualitative: regexes a done sentence about the measure must match
    established: list[str] = Field(default_factory=list)
    working: list[str] = Field(default_factory=list)
    working_needs_date: bool = False
    # an ongoing statement with a result ("持续开展…，已服务企业1200家次") counts as working
    ongoing_counts: bool = False
    # the item asks for the submitting region's own body or system: evidence about another
    # level's ("我县已接入市级…平台") is set aside (lexicon `subject`)
    own_region: bool = False
    grades: list[Grade] = Field(default_factory=list)
    # ratio: read the figures from a list of things, one per table row
    table_rows: TableRows | None = None

    def option_named(self, name: str) -> CountOption | None:
        """The option a declared name means: its key or an alias exactly, else the one
        option whose key or alias the name contains (the source's own wording,
        "异地居住人员领取社会保险待遇资格协助认证", names 异地待遇资格协助认证 through its
        alias 资格协助认证); None when no option or more than one is named."""
        name = name.strip()
        for option in self.options:
            if name == option.key or name in option.aliases:
                return option
        named = [
            option
            for option in self.options
            if any(word and word in name for word in (option.key, *option.aliases))
        ]
        return named[0] if len(named) == 1 else None

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


class Staleness(Strict):
    """When an official document is too old, or too late, to back an item alone."""

    # a document dated more than this many years before the evaluation period starts
    years: int = Field(default=3, ge=0, le=50)
    # 文种 written after the period about the period (a 工作总结 of the year): not late
    report_kinds: list[str] = Field(default_factory=list)
    doc: str = ""


class DefaultsFile(Strict):
    """`rules/defaults.yaml`: named defaults the source does not state."""

    bands: dict[str, Bands]
    scoring: Scoring
    staleness: Staleness = Field(default_factory=Staleness)


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
    # words that make a negated clause about part of a set ("部分停车场尚未联网"): it does
    # not deny a declared figure the way "全市停车场尚未实现统一联网" does (facts.denials)
    partial_denial: list[str] = Field(default_factory=list)
    # a clause under way or planned that still says the thing is not there: being
    # procured or built ("项目尚在招标"), or finished only after the period (with a year
    # after it: "测评计划于2025年一季度完成")
    not_yet: list[str] = Field(default_factory=list)
    later_done: list[str] = Field(default_factory=list)
    # administrative divisions a count is written in, counted together: "全县9镇3乡" is 12
    # townships, "6县4区" 10 counties (facts.observe), never a part and its whole
    divisions: list[str] = Field(default_factory=list)
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
    (sxcheck/evidence/modality/ holds the generic scoping logic). Regexes.

    Each list is one kind of cue. Strong cues decide a clause whatever else it
    says; the weak ones (`routine`, `deadline`, and a year read against the
    evaluation year) only when no strong cue or explicit `done` word is there:
    "2024年每季度召开" is a rule, "已于年底前完成" is done.
    """

    # done cues that say how, not that (按期, 如期): under a report's plan heading or in a
    # plan, "督促…项目按期建成上线" is still a task (facts.qualitative)
    manner: str = r"按期|如期|按时|按(?:照)?计划"
    # a document a plan names as its basis ("为贯彻落实《…发展规划》", "根据《…》") is one in
    # force, not one of its tasks (facts.qualitative)
    basis: str = r"(?:贯彻|落实|根据|按照|依据|依照|对照)[^，,；;。《]{0,4}《$"
    # where a clause ends (a negation's scope) and where a statement ends (a plan's)
    clause_marks: str = r"[，,：:]"
    statement_marks: str = r"[；;。！？!?\n]"
    # a clause ending so heads a list ("下一步工作打算：一是…；二是…。"): its plan carries
    # over the list's items, through `item_marks` and new statements, to the sentence's end
    heading_marks: str = r"[：:]"
    item_marks: str = r"[；;]"
    # a clause ending so is subordinate ("平台投入使用后，将实现…"): without cues of its own
    # it reads as the plan, rule or condition of the clause it leads into
    subordinate_end: str = r"(?:后|之后|以后|时|之时|前|之前)$"
    # after a subordinate clause, a clause with one of these states a procedure: conditional
    procedure: list[str] = Field(default_factory=list)
    # a table row: its cells joined by `cell_mark` (a literal), each "header=value" or a
    # value; the row is one clause, decided by its status cell (进展情况=正在编制) if it has
    # one, else by its cells' cues but a stated problem's (问题=…不符合)
    cell_mark: str = " | "
    status_headers: str = r"进展|完成情况|状态"
    problem_headers: str = r"问题"
    # a clause opening so starts a new statement (一是…，二是…): no plan carries into it
    new_statement: list[str] = Field(default_factory=list)
    # words holding a cue's characters that are no cue (未来, 无线, 不断, 按…要求)
    look_alikes: list[str] = Field(default_factory=list)
    double_negation: list[str] = Field(default_factory=list)  # 无一未, 没有不: done
    conditional: list[str] = Field(default_factory=list)  # 如发生…时, 若, 一旦
    negated: list[str] = Field(default_factory=list)  # 未, 尚未, 没有, 不再, 无法
    planned: list[str] = Field(default_factory=list)  # 将, 拟, 计划, 力争, 下一步
    required: list[str] = Field(default_factory=list)  # 原则上, 应当, 须, 不得
    ongoing: list[str] = Field(default_factory=list)  # 正在, 试运行, 启动, 征求意见稿
    # a project's stage (招标, 立项): ongoing for the clause and what stands before the word
    # (its subject), not for a span holding it ("已完成招标" is done)
    stages: list[str] = Field(default_factory=list)
    # draft markers: ongoing, and read inside a 《title》 too (whose other words are no cue)
    drafts: list[str] = Field(default_factory=list)
    done: list[str] = Field(default_factory=list)  # 已, 按计划, 如期, 实现了
    routine: list[str] = Field(default_factory=list)  # weak required: 每季度, 定期, 要求
    # weak required words of a duty (负责): of their own clause only
    duties: list[str] = Field(default_factory=list)
    deadline: list[str] = Field(default_factory=list)  # weak planned: 年内, 年底前, 明年
    # around a written year (2025年, 2025年6月底, 2021—2025年): 较2020年 is a base, not a
    # time; 截至2024年底 a state as of then (done); 到2025年 a target; 2025年6月底前 a deadline
    date_base_before: str = r"(?:较|比|与|相比|对比)$"
    date_as_of_before: str = r"(?:截至|截止)(?:到)?$"
    date_target_before: str = r"(?<![增提升降达扩长加])到$"
    deadline_after: str = r"^(?:以)?前(?![期端置沿列])"
    doc: str = ""

    @model_validator(mode="after")
    def _patterns_compile(self) -> ModalityWords:
        """A typo in a word list is an error naming the word, never a silent miss."""
        for name, value in self:
            for pattern in value if isinstance(value, list) else [value]:
                if name in ("doc", "cell_mark"):
                    continue
                try:
                    re.compile(pattern)
                except re.error as exc:
                    raise ValueError(f"modality.{name}: bad regex {pattern!r}: {exc}") from None
        return self


class OfficialWords(Strict):
    """`rules/lexicon.yaml` `official`: how an official document (公文) names its
    issuer, 文号, 文种, date, 主送机关 and draft status on its first page, and how an
    attachment list, 目录 or 文件清单 opens (sxcheck/evidence/official/). Regexes,
    matched on the matching text (evidence.normalise: spacing joined, ASCII digits, a
    文号's year bracket made 〔〕); how dates are written is the reader's own."""

    # how an issuing body's name ends: a line, or a title's part before 关于, is an
    # issuer when every (space-separated) name of it ends so ("晋阳市人民政府办公室")
    issuer_ends: list[str] = Field(default_factory=list)
    # after an issuer at the start of a line: the red header (版头, "…文件")
    header_after: str = r"文件"
    # 发文字号 (晋阳政办发〔2023〕58号) and 期号 (〔2024〕第2期, 第3期); standing at one end
    # of a line of the document's head (a number cited in the body is not its own)
    numbers: list[str] = Field(default_factory=list)
    # beside the 文号 on its line, not part of anything read (签发人：王某某)
    signer: str = r"签发人[：:]\s*\S{0,12}"
    # 文种 -> how a title ends with it ("(?:会议)?纪要"); titles end with one of these,
    # then at most two brackets (title_tail) or draft markers ("…方案初稿")
    kinds: dict[str, str] = Field(default_factory=dict)
    title_tail: str = r"[（(][^（）()]{1,24}[)）]"
    # labelled metadata (a 政府信息公开 page printed: "发文字号：…", "成文日期：…"): the
    # labels of each field (issuer, number, date, title), and other labels that end a
    # value on the same line ("索引号：", "发布日期：")
    labels: dict[Literal["issuer", "number", "date", "title"], list[str]] = Field(
        default_factory=dict
    )
    other_labels: list[str] = Field(default_factory=list)
    # lines of the head that are marks, not a title (份号, 密级, 紧急程度: "特急", "机密★1年")
    head_marks: list[str] = Field(default_factory=list)
    # draft markers (征求意见稿, 送审稿, 草案): in the title, or a short line of the head
    drafts: list[str] = Field(default_factory=list)
    # a line ending with ：after the title is the 主送机关 when it names one of these …
    recipient_words: list[str] = Field(default_factory=list)
    # … and does not open with one of these (附件：, 签发人：, 会议时间：)
    not_recipients: list[str] = Field(default_factory=list)
    # a title that adjusts, supplements or abolishes an earlier body or document; group 1
    # is the word ("调整"); what it adjusts is named after it (or between 关于 and it)
    adjusts: list[str] = Field(default_factory=list)
    # words around the name of what is adjusted that are not part of it
    adjusted_prefix: str = r"^(?:成立|设立|建立|组建|印发|公布)"
    adjusted_suffix: str = r"的?(?:组成人员|成员单位|成员|人员)$"
    # a 纪要's meeting date: a date before one of these in its clause, or after a label
    meeting_after: list[str] = Field(default_factory=list)
    meeting_label: list[str] = Field(default_factory=list)
    # after the date of the 版记's line ("2023年5月14日印发"): the 印发日期, not 成文日期
    issued_after: str = r"印发|印"
    # a paragraph opening an attachment list or a list of materials ("附件：", "佐证材料：")
    listing_openers: list[str] = Field(default_factory=list)
    # a paragraph titling a list of documents on its own ("佐证材料清单")
    listing_titles: list[str] = Field(default_factory=list)
    # a row of such a list: a numbered line ("1.《关于…的通知》", "（2）会议纪要")
    listing_row: str = r"^(?:\d{1,3}\s*[.．、]|[（(]\d{1,3}[)）]|[①-⑳])"
    # a 目录: its heading; a row anywhere (a title, dot leaders, a page number); a row
    # after the heading (a title and a page number); both matched on the document's own
    # text (a tab or spaces before the page number are gone from the matching text)
    toc_title: str = r"^目录$|^目次$"
    toc_row: str = r"(?<![.…·])(?:\.{4,}|…{3,}|·{3,})\s*\d{1,4}(?!\d)"
    toc_numbered: str = r"(?<=\S)\s+\d{1,4}\s*$"
    # a 文件清单 table: a column naming documents, every other column one of the others
    listing_name_columns: str = r"材料名称|文件名称"
    listing_other_columns: str = r"^(?:序号|页码|备注)$"
    doc: str = ""

    @model_validator(mode="after")
    def _patterns_compile(self) -> OfficialWords:
        """A bad pattern is a rules error with its file and line, never a crash when a
        document is read; an `adjusts` pattern must capture its word (group 1)."""
        for name, value in self:
            if name == "doc":
                continue
            entries = list(value.values()) if isinstance(value, dict) else [value]
            patterns = [p for e in entries for p in (e if isinstance(e, list) else [e])]
            for pattern in patterns:
                try:
                    compiled = re.compile(pattern)
                except re.error as exc:
                    raise ValueError(
                        f"{name}: invalid regular expression {pattern!r}: {exc}"
                    ) from None
                if name == "adjusts" and compiled.groups < 1:
                    raise ValueError(f"adjusts: {pattern!r} must capture the word (group 1)")
        return self


class SubjectWords(Strict):
    """`rules/lexicon.yaml` `subject`: words that make a body or system another level's
    (a county quoting its city's platform). Regexes; `{parent}` stands for the parent
    region's name and `{region}` for the submitting region's (both escaped)."""

    # per submitting level: qualifiers naming a body or system of another level
    other_level: dict[Literal["city", "county"], list[str]] = Field(default_factory=dict)
    # qualifiers naming the submitting region's own ("县级", "本县", "{region}")
    own_level: dict[Literal["city", "county"], list[str]] = Field(default_factory=dict)
    # a body or system named before the verb makes the statement about it, not about
    # the region using another's ("县级平台已接入市级平台")
    system_nouns: list[str] = Field(default_factory=list)
    doc: str = ""


class Lexicon(Strict):
    """`rules/lexicon.yaml`: phrasings that change what a sentence means.

    `not_done` marks plans, targets and drafts: figures in such a sentence are
    a goal, not an achievement, and never corroborate or contradict a claim.
    """

    not_done: list[str] = Field(min_length=1)
    whole: list[str] = Field(min_length=1)
    # words that make a `whole` phrase in their clause only nearly so ("基本实现…全覆盖")
    whole_hedges: list[str] = Field(default_factory=list)
    change: list[str] = Field(default_factory=list)
    rule_statement: list[str] = Field(default_factory=list)
    total_row: list[str] = Field(default_factory=list)
    total_label: list[str] = Field(default_factory=list)
    # the words just before a number that make it a total ("部门共34个"), a regex ending at it
    total_before: str = r"(?:共|共有|共计|总计|合计|总数为?|总量为?|总数达到?)$"
    issuer: list[str] = Field(default_factory=list)  # 发文机关 after a region's name (batch)
    # how a sentence opens when it goes on with the previous one's subject ("其中418所…"
    # after "全市共有学校420所。"): only then are the two read as one statement
    continues_previous: list[str] = Field(default_factory=list)
    # a statement for part of the evaluation year (截至8月底, 1—10月, 前三季度): its figures
    # may back a year's declaration but never contradict it
    interim: list[str] = Field(default_factory=list)
    date: str = r"20\d\d年(?:\d{1,2}月)?"
    # 文种 of plans: a clause of such a document that says nothing of its own is a task
    plan_kinds: list[str] = Field(default_factory=list)
    plan_sections: list[str] = Field(default_factory=list)
    # a task row's status cell saying it is done, whatever its deadline
    row_done: str = r"已完成|已建成|已上线|已印发|已投入|完成$"
    # a month with no year: dated when its paragraph gives the year ("7月，…组织开展演练")
    month: str = r"(?<![\d年])(?:1[0-2]|0?[1-9])月(?!底前|前)"
    figures: FigureWords = Field(default_factory=FigureWords)  # issue 14: roles and periods
    table_headers: TableHeaders = Field(default_factory=TableHeaders)  # issue 16: tables
    modality: ModalityWords = Field(default_factory=ModalityWords)  # issue 17
    official: OfficialWords = Field(default_factory=OfficialWords)  # issue 17
    subject: SubjectWords = Field(default_factory=SubjectWords)  # issue 17: whose body
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
    # an official document dated before this is stale (default: defaults.staleness.years
    # before `start`)
    stale_before: str | None = Field(default=None, pattern=r"^\d{4}-\d{2}-\d{2}$")


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
