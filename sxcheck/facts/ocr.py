"""Text read by OCR in the facts stage: keywords through misreads, figures by confidence.

An OCR engine misreads characters a text layer never does (覆盖率 as 履盖率), so
a sentence read by OCR is matched against a measure's keywords with the
confusable characters of `rules/ocr_confusions.yaml` folded on both sides; a
text layer is matched exactly (there 履盖率 is a typo). Digits are never folded.

A figure is only as good as the line it was read from: one that only OCR lines
below the confidence threshold (limits.OCR_MIN_CONFIDENCE, a profile's
`ocr_min_confidence`) back cannot alone pass an item. The fact is marked
`ocr_uncertain` and names those lines; a text-layer copy or a confident OCR
line of the same figure lifts it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol, TypeVar

from sxcheck.catalogue.schema import EvidencePattern, OcrConfusions
from sxcheck.models import Evidence, Fact, Sentence

FIGURE_KINDS = ("ratio", "value", "rank")  # measures whose status rests on a figure
QUOTE_CHARS = 60  # of an OCR line named in the ocr_uncertain message
NAMED_LINES = 3  # OCR lines named in one message (the evidence lists them all)


class _Quoted(Protocol):
    @property
    def sources(self) -> list[Evidence] | list[Sentence]: ...


Q = TypeVar("Q", bound=_Quoted)


class Folding:
    """The confusion table of one rule set, ready to fold text and keyword lists."""

    def __init__(self, confusions: OcrConfusions) -> None:
        self.table = str.maketrans(
            {c: group.chars[0] for group in confusions.groups for c in group.chars[1:]}
        )
        # id(pattern) -> (pattern, folded): the pattern is kept so its id stays its own
        self._patterns: dict[int, tuple[EvidencePattern, EvidencePattern]] = {}

    def fold_for(self, sentence: Sentence) -> Callable[[str], str] | None:
        """How to fold this sentence's text, or None when it is matched exactly
        (a text layer, or no confusion table)."""
        if not self.table or not sentence.by_ocr:
            return None
        return self.fold

    def fold(self, text: str) -> str:
        """One character for one, so spans in the folded text are spans in `text`."""
        return text.translate(self.table)

    def pattern(self, pattern: EvidencePattern) -> EvidencePattern:
        """The pattern with its words folded (computed once per pattern)."""
        cached = self._patterns.get(id(pattern))
        if cached is None or cached[0] is not pattern:
            folded = pattern.model_copy(
                update={
                    "all_of": [[self.fold(w) for w in group] for group in pattern.all_of],
                    "none_of": [self.fold(w) for w in pattern.none_of],
                }
            )
            cached = self._patterns[id(pattern)] = (pattern, folded)
        return cached[1]


def matching(
    folding: Folding | None, sentence: Sentence, pattern: EvidencePattern
) -> tuple[EvidencePattern, Callable[[str], str] | None]:
    """The pattern and the fold to match this sentence with (as given on a text layer)."""
    fold = folding.fold_for(sentence) if folding is not None else None
    if fold is None or folding is None:
        return pattern, None
    return folding.pattern(pattern), fold


def uncertain(evidence: Evidence, threshold: float) -> bool:
    """Read by OCR with a known confidence below the threshold."""
    return (
        evidence.source == "ocr"
        and evidence.confidence is not None
        and evidence.confidence < threshold
    )


def certain_first(observations: list[Q], threshold: float) -> list[Q]:
    """Observations backed by a text layer or a confident OCR line first (stable), so a
    figure taken from the documents is taken from the best reading of it."""
    return sorted(
        observations, key=lambda o: all(_uncertain_source(s, threshold) for s in o.sources)
    )


def _uncertain_source(source: Evidence | Sentence, threshold: float) -> bool:
    """`uncertain` of the source's evidence, not built for a text layer's sentence."""
    if isinstance(source, Sentence):
        if not source.by_ocr:
            return False  # its evidence's source is "text"
        source = source.evidence
    return uncertain(source, threshold)


def mark_uncertain(fact: Fact, threshold: float) -> None:
    """Mark a figure measure whose figure only low-confidence OCR lines back.

    Declared: the quotes that state the declared figures (`support`); taken from
    the documents: the quotes it was taken from (`used`). The engine's
    `ocr_uncertain` rule caps such a measure at partial.
    """
    if fact.data.get("mkind") not in FIGURE_KINDS:
        return
    role = {"declared": "support", "evidence": "used"}.get(str(fact.data.get("source")))
    backing = fact.evidence.get(role, []) if role else []
    if not backing or not all(uncertain(e, threshold) for e in backing):
        return
    fact.data["ocr_uncertain"] = True
    fact.evidence["ocr_uncertain"] = list(backing)
    fact.params["ocr_threshold"] = f"{threshold:.2f}"
    fact.params["ocr_lines"] = "；".join(describe(e) for e in backing[:NAMED_LINES])


def describe(evidence: Evidence) -> str:
    """An OCR line as a reviewer finds it: 《document》第2页“…”（识别置信度0.62）."""
    text = evidence.quote
    if len(text) > QUOTE_CHARS:
        text = text[:QUOTE_CHARS] + "…"
    page = f"第{evidence.page}页" if evidence.page is not None else ""
    confidence = (
        f"（识别置信度{evidence.confidence:.2f}）" if evidence.confidence is not None else ""
    )
    return f"《{evidence.document}》{page}“{text}”{confidence}"
