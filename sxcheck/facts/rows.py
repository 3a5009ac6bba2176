"""Lists kept one per table row: counted rows as a measure's numerator and denominator.

A 测评结论 column ("符合" / "基本符合" / "不符合") says which rows pass; kept apart
from observe.py (what one sentence says) because it reads whole tables.
"""

from __future__ import annotations

from decimal import Decimal

from sxcheck.catalogue.schema import TableRows
from sxcheck.facts.observe import Observation
from sxcheck.facts.tables import table_place
from sxcheck.models import Sentence


def _starts(cells: list[str], words: list[str]) -> bool:
    return any(cell.startswith(word) for cell in cells for word in words)


def count_rows(sentences: list[Sentence], spec: TableRows) -> list[Observation]:
    """Count a list of things kept one per table row (systems with their 测评结论).

    Rows of tables whose caption or header names a `header_any` word; the
    header and total rows are skipped; a row passes when a cell starts with a
    passed word and none with a failed word ("不符合" does not start with
    "符合"). A table where no row states a conclusion at all is a summary, not
    a list (项目 | 数量), and is left out. Each document with such a list gives
    one observation citing every counted row.
    """
    tables: dict[tuple[str, str], list[Sentence]] = {}
    for sentence in sentences:
        if sentence.kind == "paragraph" or not any(w in sentence.context for w in spec.header_any):
            continue
        cells = [c.strip() for c in sentence.text.split(" | ")]
        if any(w in cell for cell in cells for w in spec.header_any) or _starts(
            cells, spec.total_any
        ):
            continue
        tables.setdefault(table_place(sentence), []).append(sentence)
    by_document: dict[str, list[tuple[Sentence, bool]]] = {}
    for (document, _), rows in tables.items():
        judged = [(r, _cells(r)) for r in rows]
        if not any(_starts(c, spec.passed_any) or _starts(c, spec.failed_any) for _, c in judged):
            continue
        by_document.setdefault(document, []).extend(
            (r, _starts(c, spec.passed_any) and not _starts(c, spec.failed_any)) for r, c in judged
        )
    return [
        Observation(
            sentence=rows[0][0],
            numerator=Decimal(sum(passed for _, passed in rows)),
            denominator=Decimal(len(rows)),
            rows=[r.evidence for r, _ in rows],
        )
        for rows in by_document.values()
    ]


def _cells(sentence: Sentence) -> list[str]:
    return [c.strip() for c in sentence.text.split(" | ")]
