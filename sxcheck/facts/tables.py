"""Tables read as tables: a row's figures by their column's header, and the 合计 check.

A table row reaches the facts stage with its cells (`Sentence.cells`), each with
its column's header path ("2024年/覆盖数"). What a column holds is read from its
header, not from where a figure stands in the row's text: the lowest level names
a numerator, a denominator or a rate (rule data: `rules/lexicon.yaml`
`table_headers`, and the measure's own numerator and denominator names), the
levels above it group the columns ("2024年" and "2023年" each with 覆盖数 | 总数 |
覆盖率). A figure of another year than the evaluation period is never one of
them (facts.periods: the header gave it its year), so a 2023 column is set aside.

An auditor's classic check goes with it: where a table has a 合计 row and parts,
the total of a column the measure used must be the sum of its parts (within the
precision the figures are written with; a figure merged down over rows counts
once, as the grid reader gives it once; percentages are never summed).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from sxcheck.catalogue.schema import MeasureRule, TableHeaders
from sxcheck.evidence import row_location, sheet_ref
from sxcheck.evidence.figures import CELL
from sxcheck.evidence.quantities import decimals_shown
from sxcheck.facts.compare import fmt_number
from sxcheck.facts.observe import Observation, close_to, names_another_rate
from sxcheck.facts.periods import Periods
from sxcheck.models import Evidence, Fact, Quantity, Sentence, TableCell

Role = str  # "numerator" | "denominator" | "rate"
_ROLES: tuple[Role, ...] = ("rate", "denominator", "numerator")  # the order they are tried in


def _bigrams(text: str) -> set[str]:
    return {text[i : i + 2] for i in range(len(text) - 1)}


def lowest(header: str) -> str:
    """The lowest level of a header path ("2024年/覆盖数" -> "覆盖数")."""
    return header.rsplit("/", 1)[-1]


def group_of(header: str) -> str:
    """The levels above the lowest ("2024年/覆盖数" -> "2024年"; "" for a one-level header)."""
    return header.rsplit("/", 1)[0] if "/" in header else ""


def header_role(header: str, words: TableHeaders, roles: tuple[str, str] = ("", "")) -> Role | None:
    """What a column holds by its header: a numerator, a denominator, a rate, or None.

    The lexicon's words first (rate, then denominator, then numerator: "应接入数" is a
    denominator although it holds 接入数); else the measure's own names (`roles`, its
    numerator and denominator descriptions): three word pairs of one of them that the
    other does not share ("已实现5G覆盖的区域数量" for "已经实现5G覆盖的城市重点公共区域数量";
    "重点公共区域数量" shares only 域数/数量 with it, and may well be the total).
    """
    name = lowest(header).replace(" ", "")
    if not name:
        return None
    for role in _ROLES:
        if any(word in name for word in getattr(words, role)):
            return role
    numerator, denominator = (_bigrams(r) for r in roles)
    own = _bigrams(name)
    num = len(own & (numerator - denominator))
    den = len(own & (denominator - numerator))
    if max(num, den) >= 3 and num != den:
        return "numerator" if num > den else "denominator"
    return None


def row_cells(sentence: Sentence) -> list[tuple[TableCell, list[Quantity]]] | None:
    """The row's cells, each with the numbers read in it (spans in `sentence.text`).

    None when the row has no cells, or its matching text no longer splits into them
    (the same guard as evidence.figures: then the header cannot be aligned either).
    """
    if not sentence.cells:
        return None
    parts = sentence.text.split(CELL)
    if len(parts) != len(sentence.cells):
        return None
    out: list[tuple[TableCell, list[Quantity]]] = []
    start = 0
    for cell, part in zip(sentence.cells, parts, strict=True):
        end = start + len(part)
        out.append((cell, [q for q in sentence.quantities if start <= q.start and q.end <= end]))
        start = end + len(CELL)
    return out


def others_figures(
    sentence: Sentence, measure: MeasureRule, headers: Iterable[str] = ()
) -> set[tuple[int, int]]:
    """Spans of a row's numbers that are not the measure's, when the row is read as a
    line of text: those under a header naming a rate the measure does not ("预约诊疗率
    （%）" in a row read for 电子病历普及率), and, when some headers of the table name the
    measure's words ("电子病历系统/是否建立"), those under the other headers (年度诊疗人次)
    but the row's label. `headers`: every header of the row's table (a 合计 row may
    leave the measure's columns empty)."""
    pieces = row_cells(sentence)
    if pieces is None:
        return set()
    words = [w.lower() for group in measure.evidence.all_of for w in group]
    every = {*headers, *(cell.header for cell, _ in pieces)}
    naming = {h for h in every if any(w in h.lower() for w in words)}
    return {
        (q.start, q.end)
        for cell, quantities in pieces
        if names_another_rate(cell.header, measure.evidence)
        or (naming and cell.header not in naming and cell.text != sentence.row_label)
        for q in quantities
    }


def _one_figure(quantities: list[Quantity]) -> Quantity | None:
    """A cell's figure, when it holds exactly one measure figure."""
    figures = [q for q in quantities if q.is_measure_figure]
    return figures[0] if len(figures) == 1 else None


def _percent_column(header: str) -> bool:
    return any(mark in lowest(header) for mark in ("%", "％"))


@dataclass
class _Pick:
    cell: TableCell
    quantity: Quantity


class TableReader:
    """Reads the rows of one submission's tables for one evaluation period."""

    def __init__(self, words: TableHeaders, periods: Periods, sentences: list[Sentence]):
        self.words = words
        self.periods = periods
        self.sum_rows = {w.replace(" ", "") for w in words.sum_row}
        # the rows read by their cells, by the place their evidence names: a quote is
        # traced back to its row without building every row's evidence (issue 18)
        self._by_place: dict[tuple[str, str], list[Sentence]] = {}
        self._tables: dict[str, list[Sentence]] = {}
        for sentence in sentences:
            if sentence.kind != "paragraph" and sentence.cells:
                self._by_place.setdefault(row_place(sentence), []).append(sentence)
                self._tables.setdefault(table_key(sentence), []).append(sentence)

    def _row_of(self, evidence: Evidence) -> Sentence | None:
        """The row whose evidence this is (the object itself, not a copy naming cells)."""
        rows = self._by_place.get((evidence.document, evidence.location), [])
        return next((s for s in reversed(rows) if s.evidence_made and s.evidence is evidence), None)

    # ------------------------------------------------------------ a ratio by header

    def ratio(self, sentence: Sentence, measure: MeasureRule) -> Observation | None:
        """Numerator, denominator and rate of a row, each from the column its header names.

        Cells of the evaluation period only (a "2023年/覆盖数" column is not one). When
        several column groups qualify (5G and 光纤 columns side by side), the group whose
        header names the measure's words wins; a tie reads nothing (the row is then read
        as a line of text, as before). None when no header names a role.
        """
        pieces = row_cells(sentence)
        if pieces is None:
            return None
        roles = (measure.numerator or "", measure.denominator or "")
        groups: dict[str, dict[Role, list[_Pick]]] = {}
        for cell, quantities in pieces:
            figure = _one_figure([q for q in quantities if self.periods.usable(q)])
            role = header_role(cell.header, self.words, roles) if figure else None
            if figure is None or role is None:
                continue
            percent = figure.is_percent or _percent_column(cell.header)
            if (role == "rate") != percent:
                continue  # a count under a rate header (or a percentage under a count's)
            groups.setdefault(group_of(cell.header), {}).setdefault(role, []).append(
                _Pick(cell, figure)
            )
        complete = {
            name: picks
            for name, picks in groups.items()
            if ("numerator" in picks and "denominator" in picks) or "rate" in picks
        }
        chosen = _best_group(complete, measure)
        if chosen is None:
            return None
        picked = {role: _best_pick(picks, roles, role) for role, picks in chosen.items()}
        obs = Observation(sentence=sentence)
        num, den, rate = picked.get("numerator"), picked.get("denominator"), picked.get("rate")
        if num is not None and den is not None:
            obs.numerator, obs.denominator = num.quantity.value, den.quantity.value
            obs.cells = [num.cell, den.cell]
        if rate is not None:
            obs.percent = rate.quantity.value
            obs.percent_decimals = decimals_shown(rate.quantity)
            obs.cells.append(rate.cell)
        if obs.ratio_percent is None:
            return None
        return obs

    # ------------------------------------------------------------ naming the cells used

    def name_cells(self, fact: Fact, figures: list[Decimal], percent: Decimal | None) -> None:
        """Each quoted row of the fact names the cells whose figures it compared.

        A copy of the row's evidence gets `cell` (the evidence object is shared by
        every fact quoting the row, and another fact compares other cells).
        """
        for role in ("support", "used", "conflict"):
            quotes = fact.evidence.get(role)
            if quotes:
                fact.evidence[role] = [self._named(e, figures, percent) for e in quotes]

    def _named(
        self, evidence: Evidence, figures: list[Decimal], percent: Decimal | None
    ) -> Evidence:
        sentence = self._row_of(evidence)
        if sentence is None or evidence.cell is not None:
            return evidence
        cells = self.cells_stating(sentence, figures, percent)
        if not cells:
            return evidence
        return evidence.model_copy(update={"cell": cell_names(cells, evidence.location)})

    def cells_stating(
        self, sentence: Sentence, figures: list[Decimal], percent: Decimal | None
    ) -> list[TableCell]:
        """The cells of the evaluation period whose one figure is one of `figures`
        (a count) or agrees with `percent` (a rate, to the places it shows), in the
        order of `figures` (numerator, denominator), the rate last."""
        out: list[tuple[int, TableCell]] = []
        for cell, quantities in row_cells(sentence) or []:
            figure = _one_figure([q for q in quantities if self.periods.usable(q)])
            if figure is None:
                continue
            if figure.is_percent or _percent_column(cell.header):
                if percent is not None and close_to(figure.value, decimals_shown(figure), percent):
                    out.append((len(figures), cell))
                continue
            at = [i for i, f in enumerate(figures) if f in (figure.value, figure.written)]
            if at:
                out.append((at[0], cell))
        return [cell for _, cell in sorted(out, key=lambda pair: pair[0])]

    # ------------------------------------------------------------ the 合计 check

    def check_sums(self, fact: Fact, figures: list[Decimal]) -> None:
        """A table backing the fact whose 合计 row is not the sum of its parts.

        The columns checked are those of the figures the fact compared (the backing
        row's cells stating them; called before `name_cells` copies the quotes); each mismatch is quoted with the total row and the
        part rows, and the fact is marked `total_conflict` (reported as
        inconsistent_figures, message `inconsistent_total`).
        """
        backing = fact.evidence.get("support", []) + fact.evidence.get("used", [])
        found: list[str] = []
        quotes: list[Evidence] = []
        checked: set[tuple[str, int]] = set()
        for evidence in backing:
            sentence = self._row_of(evidence)
            if sentence is None:
                continue
            key = table_key(sentence)
            for cell in self.cells_stating(sentence, figures, None):
                if (key, cell.column) in checked:
                    continue
                checked.add((key, cell.column))
                mismatch = self.column_sum(self._tables.get(key, []), cell.column)
                if mismatch is None:
                    continue
                total, parts, stated, summed = mismatch
                found.append(
                    f"“{cell.header or f'第{cell.column + 1}列'}”列{total.row_label}"
                    f"{fmt_number(stated)}，分项之和{fmt_number(summed)}"
                )
                quotes += [total.evidence, *(p.evidence for p in parts)]
                if "total_column" not in fact.params:
                    fact.params.update(
                        total_column=cell.header or f"第{cell.column + 1}列",
                        total_stated=fmt_number(stated),
                        total_sum=fmt_number(summed),
                    )
        if found:
            fact.data["total_conflict"] = True
            fact.evidence["total_conflict"] = quotes
            fact.params["total_found"] = "；".join(found)

    def column_sum(
        self, rows: list[Sentence], column: int
    ) -> tuple[Sentence, list[Sentence], Decimal, Decimal] | None:
        """(total row, part rows, the total stated, the parts' sum) when they disagree.

        Only a table with one row labelled as the sum (lexicon `sum_row`, the whole
        label) and no 小计/其中 rows (`subtotal`); at least two parts with a figure in
        the column; never a percentage column. Disagreeing means beyond the written
        precision of the figures (an integer count is exact; 96.5 stands for ±0.05).
        """
        totals = [r for r in rows if r.row_label.replace(" ", "") in self.sum_rows]
        if len(totals) != 1:
            return None
        total = totals[0]
        parts = [r for r in rows if r is not total]
        if any(w in r.row_label for r in parts for w in self.words.subtotal):
            return None
        stated = self._figure_at(total, column)
        if stated is None or stated.is_percent:
            return None
        figures: list[tuple[Sentence, Quantity]] = []
        for row in parts:
            figure = self._figure_at(row, column)
            if figure is not None:
                if figure.is_percent:
                    return None
                figures.append((row, figure))
        if len(figures) < 2:
            return None
        summed = sum((q.value for _, q in figures), Decimal(0))
        tolerance = _half_step(stated) + sum((_half_step(q) for _, q in figures), Decimal(0))
        if abs(summed - stated.value) <= tolerance + Decimal("1e-9"):
            return None
        return total, [r for r, _ in figures], stated.value, summed

    @staticmethod
    def _figure_at(row: Sentence, column: int) -> Quantity | None:
        for cell, quantities in row_cells(row) or []:
            if cell.column == column:
                if _percent_column(cell.header):
                    return None
                return _one_figure(quantities)
        return None


def _half_step(quantity: Quantity) -> Decimal:
    """Half the step the figure is written to: 0 for an exact count, 0.05 for 96.5,
    the range of 6.31万 (its `low`/`high`)."""
    if quantity.low is not None and quantity.high is not None:
        return (quantity.high - quantity.low) / 2
    places = decimals_shown(quantity)
    return Decimal("0.5") * Decimal(10) ** -places if places else Decimal(0)


def _best_group(
    groups: dict[str, dict[Role, list[_Pick]]], measure: MeasureRule
) -> dict[Role, list[_Pick]] | None:
    """The one column group for the measure: the only one, else the one whose header
    names most of the measure's evidence words (none of its none_of words)."""
    if len(groups) <= 1:
        only = next(iter(groups.items()), None)
        if only is None:
            return None
        picks = only[1]
        if set(picks) == {"rate"} and all(
            names_another_rate(p.cell.header, measure.evidence) for p in picks["rate"]
        ):
            return None  # "预约诊疗率（%）" is no 电子病历 rate, however the row names it
        return picks

    def score(name: str) -> int:
        if any(w in name for w in measure.evidence.none_of):
            return -1
        return sum(any(w in name for w in group) for group in measure.evidence.all_of)

    ranked = sorted(groups, key=score, reverse=True)
    if score(ranked[0]) <= 0 or score(ranked[0]) == score(ranked[1]):
        return None
    return groups[ranked[0]]


def _best_pick(picks: list[_Pick], roles: tuple[str, str], role: Role) -> _Pick | None:
    """Of several columns of one role in a group, the one whose header shares most word
    pairs with the measure's description of that role; a tie picks none."""
    if len(picks) == 1:
        return picks[0]
    described = _bigrams(
        roles[0] if role == "numerator" else roles[1] if role == "denominator" else ""
    )
    ranked = sorted(picks, key=lambda p: len(_bigrams(p.cell.header) & described), reverse=True)
    overlap = [len(_bigrams(p.cell.header) & described) for p in ranked]
    return ranked[0] if overlap[0] > overlap[1] else None


def describe_header(header: str) -> str:
    """A column as a reviewer names it: "覆盖数 (2024年)" for "2024年/覆盖数"."""
    above = group_of(header)
    return f"{lowest(header)} ({above})" if above else lowest(header)


def cell_names(cells: list[TableCell], location: str) -> str:
    """The cells as a reviewer finds them: a sheet's addresses ("统计表!B14"), else the
    columns ("column 覆盖数 (2024年)")."""
    if location.startswith("sheet ") and all(c.address for c in cells):
        sheet = sheet_ref(location)
        return ", ".join(f"{sheet}!{c.address}" for c in cells)
    return ", ".join(
        f"column {describe_header(c.header)}" if c.header else f"column {c.column + 1}"
        for c in cells
    )


def table_key(sentence: Sentence) -> str:
    """Which table a row belongs to: document plus location without the row number, plus
    the table's number (two blocks of one sheet share their location prefix)."""
    return "#".join(table_place(sentence))


def table_place(sentence: Sentence) -> tuple[str, str]:
    """(document, the table's place in it): `table_key` in two parts."""
    document, location = row_place(sentence)
    return document, f"{location.rsplit(' row ', 1)[0]}#{sentence.table}"


def row_place(sentence: Sentence) -> tuple[str, str]:
    """(document, location) of the sentence's evidence, without building it: a sentence
    read from a unit names the unit's (evidence.LazyParts)."""
    if sentence.evidence_made or sentence.unit is None:
        return sentence.evidence.document, sentence.evidence.location
    return sentence.unit.document, row_location(sentence.unit)
