"""Modality kinds: the six modalities, the cue kinds and how they rank, and the
clauses a scan records (the reader's logic; the words are the lexicon's)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

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
RANK: dict[str, tuple[Modality, int]] = {
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
ORDER = (
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
CARRIED = frozenset(["planned", "required", "conditional"])  # modalities a statement carries
# cues of their whole clause wherever they stand in it: times and conditions
# ("平台2025年6月底前投入使用" is planned at 平台; "新建系统未完成测评的，" conditional at 测评)
WIDE = frozenset(["deadline", "later", "earlier", "conditional"])


@dataclass(frozen=True, slots=True)
class Clause:
    """A span of a sentence and what it says of its content happening."""

    start: int
    end: int
    modality: Modality
    cue: str = ""  # the words that decided it, as written ("" when done by default)


@dataclass(frozen=True, slots=True)
class Cue:
    start: int
    end: int
    kind: str
    text: str

    @property
    def modality(self) -> Modality:
        return RANK[self.kind][0]

    @property
    def rank(self) -> int:
        return RANK[self.kind][1]


@dataclass(frozen=True, slots=True)
class Span:
    """One clause of a scanned text: its own cues and the cue its statement carries in."""

    start: int
    end: int
    cues: tuple[Cue, ...]
    carried: Cue | None
    lead: Cue | None = None  # a subordinate clause's main clause ("投入使用后，将实现…")
    row: bool = False  # a table row: one clause, its cue governs every span of it


@dataclass(frozen=True, slots=True)
class Scan:
    spans: tuple[Span, ...]
    starts: tuple[int, ...]
    ends: tuple[int, ...]


def governs(cue: Cue, span: Span, end: int) -> bool:
    """Whether `cue` of `span` governs a span of it ending at `end`: a cue before the
    span's end (before it or inside it); a time or condition wherever it stands; a stage
    only after the span (its subject: "平台项目已完成招标" at 平台, not at 已完成招标).
    (A duty word of a later clause, "…作为运营主体，负责平台日常运营", qualifies its own
    clause only: `at` leaves it out for a span begun before.)"""
    if span.row:
        return True
    if cue.kind == "stages":
        return cue.start >= end
    return cue.start < end or cue.kind in WIDE


def alt(words: list[str]) -> str:
    return "|".join(f"(?:{w})" for w in words) if words else r"(?!x)x"


def strongest(cues: list[Cue] | tuple[Cue, ...]) -> Cue | None:
    best: Cue | None = None
    for cue in cues:
        if best is None or cue.rank < best.rank:
            best = cue
    return best
