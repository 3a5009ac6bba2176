"""A declared ratio whose two figures a document states in two places.

A key-value table states the part and the total in two rows ("可使用电子证照办理的事项
（项） | 1600" and "政务服务事项总数（项） | 1950"); a report states the total in one
sentence and the part in a later one ("县政务服务中心进驻事项1128项。…实现“一窗受理、
一站办结”的事项1096项。"). Either backs a declared 1096/1128 as a sentence giving both
would. The other place must name a total (lexicon.total_label) or the measure's
denominator (a run of three of its characters: 政务服务事项总数 -> "政务服"), and state
the declared figure exactly, so a coincidence is unlikely; both places are quoted.
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import TYPE_CHECKING

from sxcheck.catalogue.schema import MeasureRule
from sxcheck.facts.observe import states_figures
from sxcheck.facts.periods import Periods
from sxcheck.facts.tables import table_key
from sxcheck.models import Evidence, Quantity, Sentence

# how many sentences before the part a paragraph's total may stand (same document): a
# report's 基本情况 states it, a heading and a sentence or two on the work come between
TOTAL_REACH = 5


class StatedApart:
    """The lookups of FigureFacts for figures stated apart; its attributes are FactBuilder's."""

    if TYPE_CHECKING:
        sentences: list[Sentence]
        periods: Periods
        total_label: re.Pattern[str]
        total_before: re.Pattern[str]
        _tables: dict[str, list[Sentence]] | None
        _positions: dict[int, int]

    def _rows_stating(
        self,
        measure: MeasureRule,
        done: list[tuple[Sentence, str]],
        numerator: Decimal,
        denominator: Decimal,
    ) -> list[Evidence]:
        """A key-value table states the two figures in two rows of one table.

        "可使用电子证照办理的事项（项） | 1600" is about the measure; the row
        "政务服务事项总数（项） | 1950" of the same table names a total
        (lexicon.total_label), or names the measure's denominator (新能源汽车保有量),
        and states the declared denominator. Both rows are
        quoted; exact figures only, so a coincidence is unlikely.
        """
        totals: dict[str, list[Sentence]] = {}  # per table, its rows stating the total
        for sentence, _ in done:
            if sentence.kind == "paragraph" or not states_figures(
                [numerator], self.periods.figures_in(sentence)
            ):
                continue
            key = table_key(sentence)
            if key not in totals:
                totals[key] = [
                    other
                    for other in self._rows_of(key)
                    if (
                        self.total_label.search(other.text)
                        or _names(other.text, measure.denominator or "")
                    )
                    and states_figures([denominator], self.periods.figures_in(other))
                ]
            other = next((o for o in totals[key] if o is not sentence), None)
            if other is not None:
                return [sentence.evidence, other.evidence]
        return []

    def _rows_of(self, key: str) -> list[Sentence]:
        """The rows of one table (indexed once: looking them up is then linear overall)."""
        if self._tables is None:
            self._tables = {}
            for other in self.sentences:
                if other.kind != "paragraph":
                    self._tables.setdefault(table_key(other), []).append(other)
        return self._tables.get(key, [])

    def _sentences_stating(
        self,
        measure: MeasureRule,
        done: list[tuple[Sentence, str]],
        numerator: Decimal,
        denominator: Decimal,
    ) -> list[Evidence]:
        """A paragraph's sentence about the measure states the numerator, and one of the
        TOTAL_REACH sentences before it, in the same document, the denominator in the
        same unit while naming a total or the measure's denominator, or writing the number as
        a total ("应编制目录的部门共34个", lexicon.total_before)."""
        positions = self._positions  # of the sentences the measure's reading found
        for sentence, _ in done:
            index = positions.get(id(sentence))
            if index is None or sentence.kind != "paragraph":
                continue
            figures = self.periods.figures_in(sentence)
            if not states_figures([numerator], figures) or states_figures([denominator], figures):
                continue
            units = {q.unit for q in figures if _is(q, numerator)}
            document = sentence.place[0]
            for other in self.sentences[max(0, index - TOTAL_REACH) : index][::-1]:
                if other.kind != "paragraph" or other.place[0] != document:
                    break
                named = self.total_label.search(other.text) or _names(
                    other.text, measure.denominator or "", whole=True
                )
                totals = self.periods.figures_in(other)
                for q in totals:
                    if not (_is(q, denominator) and q.unit in units):
                        continue
                    before = other.text[max(0, q.start - 14) : q.start]
                    if named or self.total_before.search(before):  # "…的部门共34个"
                        return [other.evidence, sentence.evidence]
        return []


def _is(quantity: Quantity, figure: Decimal) -> bool:
    return not quantity.is_percent and quantity.is_measure_figure and quantity.value == figure


def _names(text: str, description: str, size: int = 3, whole: bool = False) -> bool:
    """Does a table row's label (or, `whole`, a sentence) share a run of `size`
    characters with a description?"""
    label = text if whole else text.split(" | ", 1)[0]
    return any(description[i : i + size] in label for i in range(len(description) - size + 1))
