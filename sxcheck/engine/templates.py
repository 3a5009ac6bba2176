"""Rule templates: what each kind of measure's rules test, as data.

A measure in a rule file names its kind and bands; these templates turn it
into engine rules. Each template rule is a list of conditions on the
measure's fact (field, operator, operand) and an outcome. An operand written
`band:pass` / `band:partial` is the measure's band value. Exactly one rule
marked `verdict` fires per measure (checked after evaluation); the others add
reasons (corroborated, uncorroborated, inconsistent...) and may cap the status.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

Condition = tuple[str, str, Any]  # (field, operator, operand)


@dataclass(frozen=True)
class Outcome:
    status: str | None  # pass / partial / fail / not_applicable; None = informational
    code: str
    message: str = ""  # message template key; defaults to the code
    evidence: tuple[str, ...] = ()  # evidence roles of the fact to quote
    verdict: bool = False


@dataclass(frozen=True)
class TemplateRule:
    name: str
    when: list[Condition]
    then: Outcome
    kinds: tuple[str, ...] = field(default=("ratio", "value"))


NONE = TemplateRule(
    "no_evidence",
    [("source", "==", "none")],
    Outcome("fail", "no_evidence", verdict=True),
    kinds=("ratio", "value", "count", "rank"),
)
QUALITATIVE_NONE = TemplateRule(
    "no_evidence",
    [("source", "==", "none")],
    Outcome(
        "fail", "no_evidence", "qualitative_missing", evidence=("planned", "mentions"), verdict=True
    ),
    kinds=("qualitative",),
)
NOT_APPLICABLE = TemplateRule(
    "not_applicable",
    [("source", "==", "not_applicable")],
    Outcome("not_applicable", "not_applicable_level", verdict=True),
    kinds=("ratio", "value", "count", "rank", "qualitative"),
)
PLANNED_ONLY = TemplateRule(
    "planned_not_done",
    [("source", "==", "none"), ("planned", ">", 0)],
    Outcome("fail", "planned_not_done", evidence=("planned",)),
    kinds=("ratio", "value", "count", "rank", "qualitative"),
)
# issue 17: what a qualitative measure's sentences show beyond done or not
DRAFT_ONLY = TemplateRule(
    "draft_only",
    [("source", "==", "draft")],
    Outcome("partial", "draft_only", evidence=("draft",), verdict=True),
    kinds=("qualitative",),
)
STALE = TemplateRule(
    "stale_document",
    [("source", "==", "evidence"), ("stale", "==", True)],
    Outcome("partial", "stale_document", evidence=("stale",)),
    kinds=("qualitative",),
)
SUPERSEDED = TemplateRule(
    "superseded_document",
    [("superseded", "==", True)],
    Outcome(None, "superseded_document", evidence=("superseded",)),
    kinds=("qualitative",),
)
NEGATED = TemplateRule(
    "stated_not_done",
    [("source", "in", ["none", "draft"]), ("negated", ">", 0)],
    Outcome(None, "stated_not_done", evidence=("negated",)),
    kinds=("qualitative",),
)
LISTED = TemplateRule(
    "listed_not_evidence",
    [("source", "in", ["none", "draft"]), ("listed", ">", 0)],
    Outcome(None, "listed_not_evidence", evidence=("listed",)),
    kinds=("qualitative",),
)
OTHER_REGION = TemplateRule(
    "other_region_evidence",
    [("other_region", ">", 0)],
    Outcome(None, "other_region_evidence", evidence=("other_region",)),
    kinds=("qualitative",),
)
DOCUMENT_RULES = [DRAFT_ONLY, STALE, SUPERSEDED, NEGATED, LISTED, OTHER_REGION]
HAS_DATA = [("source", "in", ["declared", "evidence"])]
USABLE = [*HAS_DATA, ("valid", "==", True), ("has_value", "==", True)]

QUALITATIVE = ("qualitative",)
QUALITATIVE_RULES = [
    TemplateRule(
        "established_and_working",
        [
            ("source", "==", "evidence"),
            ("graded", "==", False),
            ("needs_working", "==", True),
            ("established", ">", 0),
            ("working", ">", 0),
        ],
        Outcome(
            "pass", "established_and_working", evidence=("established", "working"), verdict=True
        ),
        kinds=QUALITATIVE,
    ),
    TemplateRule(
        "not_shown_in_use",
        [
            ("source", "==", "evidence"),
            ("graded", "==", False),
            ("needs_working", "==", True),
            ("established", ">", 0),
            ("working", "==", 0),
        ],
        Outcome("partial", "not_shown_in_use", evidence=("established",), verdict=True),
        kinds=QUALITATIVE,
    ),
    TemplateRule(
        "establishment_not_shown",
        [
            ("source", "==", "evidence"),
            ("graded", "==", False),
            ("needs_working", "==", True),
            ("established", "==", 0),
            ("working", ">", 0),
        ],
        Outcome("partial", "establishment_not_shown", evidence=("working",), verdict=True),
        kinds=QUALITATIVE,
    ),
    TemplateRule(
        "established",
        [
            ("source", "==", "evidence"),
            ("graded", "==", False),
            ("needs_working", "==", False),
            ("established", ">", 0),
        ],
        Outcome("pass", "established", evidence=("established",), verdict=True),
        kinds=QUALITATIVE,
    ),
    TemplateRule(
        "working_without_establishment",
        [
            ("source", "==", "evidence"),
            ("graded", "==", False),
            ("needs_working", "==", False),
            ("established", "==", 0),
            ("working", ">", 0),
        ],
        Outcome("pass", "established", evidence=("working",), verdict=True),
        kinds=QUALITATIVE,
    ),
]

TEMPLATES: list[TemplateRule] = [
    NONE,
    QUALITATIVE_NONE,
    *QUALITATIVE_RULES,
    *DOCUMENT_RULES,
    NOT_APPLICABLE,
    PLANNED_ONLY,
    TemplateRule(
        "invalid",
        [*HAS_DATA, ("valid", "==", False)],
        Outcome("fail", "invalid_ratio", evidence=("used",), verdict=True),
        kinds=("ratio",),
    ),
    TemplateRule(
        "invalid",
        [*HAS_DATA, ("valid", "==", False)],
        Outcome("fail", "invalid_value", verdict=True),
        kinds=("value",),
    ),
    TemplateRule(
        "meets_threshold",
        [*USABLE, ("value", "at_least", "band:pass")],
        Outcome("pass", "meets_threshold", evidence=("support", "used"), verdict=True),
    ),
    TemplateRule(
        "below_pass",
        [*USABLE, ("value", "below", "band:pass"), ("value", "at_least", "band:partial")],
        Outcome("partial", "below_threshold", evidence=("support", "used"), verdict=True),
    ),
    TemplateRule(
        "below_partial",
        [*USABLE, ("value", "below", "band:partial")],
        Outcome("fail", "below_threshold", evidence=("support", "used"), verdict=True),
    ),
    TemplateRule(
        "corroborated",
        [("source", "==", "declared"), ("valid", "==", True), ("corroborated", "==", True)],
        Outcome(None, "corroborated", evidence=("support",)),
        kinds=("ratio", "value", "rank"),
    ),
    TemplateRule(
        "uncorroborated",
        [("source", "==", "declared"), ("valid", "==", True), ("corroborated", "==", False)],
        Outcome("partial", "uncorroborated"),
        kinds=("ratio", "value", "rank"),
    ),
    # a declaration no document states, which a document says is not done at all
    # ("全市公共停车场（库）尚未实现统一联网", facts.denials): contradicted, not just unbacked
    TemplateRule(
        "declared_not_done",
        [
            ("source", "==", "declared"),
            ("valid", "==", True),
            ("corroborated", "==", False),
            ("denied", ">", 0),
        ],
        Outcome("fail", "declared_not_done", evidence=("denied",)),
        kinds=("ratio", "value", "rank"),
    ),
    # a declaration no document states, which the documents state otherwise, at a figure
    # below the partial line: judged by what the documents say ("申报46/52，材料载明21/52")
    TemplateRule(
        "documented_below_partial",
        [
            ("source", "==", "declared"),
            ("valid", "==", True),
            ("corroborated", "==", False),
            ("contradicted", "==", True),
            ("documented", "below", "band:partial"),
        ],
        Outcome("fail", "documented_below_threshold", evidence=("conflict",)),
        kinds=("ratio", "value"),
    ),
    TemplateRule(
        "evidence_used",
        [("source", "==", "evidence")],
        Outcome(None, "evidence_figures_used", evidence=("used",)),
        kinds=("ratio", "value", "count", "rank"),
    ),
    TemplateRule(
        "inconsistent",
        [*HAS_DATA, ("inconsistent", "==", True)],
        Outcome("partial", "inconsistent_figures", evidence=("conflict",)),
        kinds=("ratio", "value", "rank"),
    ),
    # a figure only OCR lines below the confidence threshold back (facts.ocr)
    TemplateRule(
        "ocr_uncertain",
        [*HAS_DATA, ("ocr_uncertain", "==", True)],
        Outcome("partial", "ocr_uncertain", evidence=("ocr_uncertain",)),
        kinds=("ratio", "value", "rank"),
    ),
    TemplateRule(
        "figures_set_aside",
        [("set_aside", ">", 0)],
        Outcome(None, "figures_set_aside", evidence=("set_aside",)),
        kinds=("ratio", "value", "rank"),
    ),
    TemplateRule(
        "inconsistent_denominator",
        [*HAS_DATA, ("den_conflict", "==", True)],
        Outcome(
            "partial",
            "inconsistent_figures",
            "inconsistent_denominator",
            evidence=("support", "used", "den_conflict"),
        ),
        kinds=("ratio",),
    ),
    # a table backing the measure whose 合计 row is not the sum of its parts (facts.tables)
    TemplateRule(
        "inconsistent_total",
        [*HAS_DATA, ("total_conflict", "==", True)],
        Outcome(
            "partial", "inconsistent_figures", "inconsistent_total", evidence=("total_conflict",)
        ),
        kinds=("ratio", "value", "rank"),
    ),
    # count: k / n of the fixed list against the bands
    TemplateRule(
        "meets_threshold",
        [*HAS_DATA, ("share", "at_least", "band:pass")],
        Outcome("pass", "options_covered", evidence=("support", "used"), verdict=True),
        kinds=("count",),
    ),
    TemplateRule(
        "below_pass",
        [*HAS_DATA, ("share", "below", "band:pass"), ("share", "at_least", "band:partial")],
        Outcome(
            "partial",
            "below_threshold",
            "options_covered",
            evidence=("support", "used"),
            verdict=True,
        ),
        kinds=("count",),
    ),
    TemplateRule(
        "below_partial",
        [*HAS_DATA, ("share", "below", "band:partial")],
        Outcome(
            "fail", "below_threshold", "options_covered", evidence=("support", "used"), verdict=True
        ),
        kinds=("count",),
    ),
    TemplateRule(
        "option_uncorroborated",
        [("source", "==", "declared"), ("missing", ">", 0)],
        Outcome(None, "option_uncorroborated"),
        kinds=("count",),
    ),
    # rank: a single submission cannot be ranked; its figure is still checked
    TemplateRule(
        "invalid",
        [*HAS_DATA, ("valid", "==", False)],
        Outcome("fail", "invalid_value", verdict=True),
        kinds=("rank",),
    ),
    # in a batch: standing among submissions of the same level against the bands
    TemplateRule(
        "ranked_top",
        [*USABLE, ("ranked", "==", True), ("standing", "at_least", "band:pass")],
        Outcome("pass", "ranked", evidence=("support", "used"), verdict=True),
        kinds=("rank",),
    ),
    TemplateRule(
        "ranked_middle",
        [
            *USABLE,
            ("ranked", "==", True),
            ("standing", "below", "band:pass"),
            ("standing", "at_least", "band:partial"),
        ],
        Outcome("partial", "ranked", evidence=("support", "used"), verdict=True),
        kinds=("rank",),
    ),
    TemplateRule(
        "ranked_bottom",
        [*USABLE, ("ranked", "==", True), ("standing", "below", "band:partial")],
        Outcome("fail", "ranked", evidence=("support", "used"), verdict=True),
        kinds=("rank",),
    ),
    TemplateRule(
        "rank_requires_batch",
        [*USABLE, ("ranked", "==", False)],
        Outcome(
            "not_applicable", "rank_requires_batch", evidence=("support", "used"), verdict=True
        ),
        kinds=("rank",),
    ),
]
