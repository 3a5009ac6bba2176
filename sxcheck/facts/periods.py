"""Which of a sentence's numbers may back or contradict a declaration.

The evidence stage says what each number is (its role: figure, money, score,
identifier, date) and when it is stated for (a year, "current", "target",
"change"). Only figures of the evaluation period are compared with what a
city declares: a 规划's 2020 baseline or 2025 target, a 同比增长 rate, a
备案号 or a 测评得分 never corroborates nor contradicts. Figures of another
period that a sentence about the measure states are kept as "set aside", so
the trail can say why they did not count.
"""

from __future__ import annotations

from decimal import Decimal

from sxcheck.evidence.built import made
from sxcheck.evidence.normalise import normalise, original_slice
from sxcheck.limits import MAX_QUOTES_PER_ROLE
from sxcheck.models import Evidence, Fact, FigureNote, Quantity, Sentence, unique_evidence

# Periods a figure can be stated for that are never the evaluation period's value.
NOT_COMPARABLE = ("target", "change", "plan")


class Periods:
    """The evaluation period of one submission and what it lets count."""

    def __init__(self, years: set[int] | None = None) -> None:
        # no year known (a rule case, a unit test): every dated figure counts as before
        self.years = {str(y) for y in years or set()}
        # id(evidence) -> the sentence `noted` was asked to note it for, or the sentences in
        # order when several were (most are one: a dense page cites ~16, so no tuple or
        # list each; the sentence holds its evidence, so the id is not reused meanwhile)
        self._noting: dict[int, Sentence | list[Sentence]] = {}
        # what `to_note` leaves with each sentence: one bound method for all of them
        self._ask = self._asked

    def usable(self, quantity: Quantity) -> bool:
        """A count, ratio, value or amount stated for the evaluation period (or undated)."""
        if not quantity.is_measure_figure:
            return False
        if quantity.period == "current":
            return True
        if quantity.period in NOT_COMPARABLE:
            return False
        return not self.years or quantity.period in self.years

    def set_aside(self, quantity: Quantity) -> bool:
        """A measure figure of another period: a baseline, a target, another year's figure."""
        return quantity.is_measure_figure and not self.usable(quantity)

    def figures_in(self, sentence: Sentence, text: str | None = None) -> list[Quantity]:
        """The usable figures of `text`, a part of the sentence, with spans in `text`."""
        return [q for q in self.within(sentence, text) if self.usable(q)]

    def within(self, sentence: Sentence, text: str | None = None) -> list[Quantity]:
        """The sentence's numbers that lie in `text` (a semicolon part or the whole),
        with their spans shifted to `text`; periods were read on the whole sentence,
        so "2020年为45%；2024年为96.9%" keeps each figure's own year."""
        if text is None or text == sentence.text:
            return list(sentence.quantities)
        offset = sentence.text.find(text)
        if offset < 0:
            return []
        end = offset + len(text)
        return [
            q.model_copy(update={"start": q.start - offset, "end": q.end - offset})
            for q in sentence.quantities
            if q.start >= offset and q.end <= end
        ]

    def label(self, quantity: Quantity) -> str:
        """How the trail names a set-aside figure: 2020年数据45%, 目标值100%."""
        if quantity.period == "target":
            year = f"{quantity.target_year}年" if quantity.target_year else ""
            return f"{year}目标值{quantity.text}"
        if quantity.period == "change":
            return f"增减变化{quantity.text}"
        if quantity.period == "plan":
            return f"规划所载{quantity.text}"
        return f"{quantity.period}年数据{quantity.text}"

    def noted(self, sentence: Sentence) -> Evidence:
        """The sentence's evidence with its numbers' roles and periods, for the trail.

        Filled once per sentence (the evidence object is shared by every fact that
        cites it, and the notes are the sentence's own, not a fact's).
        """
        self._fill(sentence.evidence, sentence)
        return sentence.evidence

    def to_note(self, sentence: Sentence) -> None:
        """Have the sentence's evidence `noted` if a fact keeps it (`note_cited`).

        The facts stage cites every sentence about a measure (a dense submission: all of
        them) and keeps a few quotes of each fact: only those get notes, as `noted`
        would have filled them, in the order they were asked for. The evidence is not
        built for this: the request waits until it is (`Sentence.when_made`), as most
        are never built (facts.quotes.cite; issue 18).
        """
        sentence.when_made(self._ask)

    def _asked(self, sentence: Sentence) -> None:
        key = id(sentence.evidence)
        entry = self._noting.get(key)
        if entry is None:
            self._noting[key] = sentence
        elif isinstance(entry, list):
            entry.append(sentence)
        else:
            self._noting[key] = [entry, sentence]

    def note_cited(self, fact: Fact, limit: int = MAX_QUOTES_PER_ROLE) -> None:
        """Note the numbers of the quotes the fact keeps (facts.quotes.cap_quotes keeps the
        first `limit` of each role) as `to_note` asked, before any copy of them is made."""
        for quotes in fact.evidence.values():
            for evidence in unique_evidence(quotes)[:limit]:
                entry = self._noting.pop(id(evidence), None)
                asked = [entry] if isinstance(entry, Sentence) else entry or []
                if asked and asked[0].evidence is evidence:
                    for sentence in asked:
                        self._fill(evidence, sentence)

    def _fill(self, evidence: Evidence, sentence: Sentence) -> None:
        """The notes of the sentence's numbers on its evidence, unless it has some."""
        if not evidence.figures and sentence.quantities:
            # the sentence's text is its quote as matched (evidence.normalise); a rebuilt
            # text (the done clauses of a sentence) is not, and its numbers are not noted.
            # A table row's quote names each cell's header: its own text is `raw`
            written = sentence.raw or evidence.quote
            matching, offsets = normalise(written)
            if matching != sentence.text:
                return
            evidence.figures = [
                made(
                    FigureNote,
                    {
                        # as written in the document ("９６．５％", "4 次"), not as matched
                        # (the number's own text when the two are one string)
                        "text": q.text
                        if matching is written
                        else original_slice(written, offsets, q.start, q.end),
                        "role": q.role,
                        "period": q.period if q.role in ("figure", "money", "score") else None,
                        "used": self.usable(q),
                    },
                )
                for q in sentence.quantities
            ]


def within_precision(quantity: Quantity, figure: Decimal) -> bool:
    """Does `figure` lie in the range the number's written precision stands for?

    "80.54万户" stands for 805,350–805,450, so a declared 805,412 agrees; a bound
    ("九成以上") agrees with anything inside it.
    """
    if quantity.low is None and quantity.high is None:
        return False
    low = quantity.low if quantity.low is not None else Decimal("-Infinity")
    high = quantity.high if quantity.high is not None else Decimal("Infinity")
    return low <= figure <= high
