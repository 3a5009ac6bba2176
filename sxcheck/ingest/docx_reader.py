"""DOCX: paragraphs and tables in body order, merged cells counted once.

`doc.paragraphs` skips tables, so the body is walked in order; `row.cells`
repeats a merged cell's text for every grid column it spans (a "合计" merged
over four columns appears four times), so each underlying cell is kept once.
"""

from __future__ import annotations

import io

import docx
from docx.table import Table
from docx.text.paragraph import Paragraph

from sxcheck.ingest.layout import join_lines
from sxcheck.ingest.sniff import unreadable
from sxcheck.models import TextUnit


def _row_cells(table: Table, row_index: int, seen: set[int]) -> list[str]:
    cells: list[str] = []
    for cell in table.rows[row_index].cells:
        key = id(cell._tc)
        if key in seen:
            continue  # a horizontal or vertical merge already counted
        seen.add(key)
        text = join_lines(cell.text.split("\n"))
        if text:
            cells.append(text)
    return cells


def read_docx(data: bytes, rel: str, sha: str) -> tuple[list[TextUnit], list[str]]:
    # sniff has refused zip bombs and any part with a DOCTYPE (python-docx drops
    # the text after an entity without a word)
    try:
        document = docx.Document(io.BytesIO(data))
    except Exception as exc:  # python-docx raises KeyError, ValueError, lxml errors...
        raise unreadable("docx", exc) from None
    units: list[TextUnit] = []
    paragraph_no = 0
    table_no = 0
    last_paragraph = ""
    for block in document.iter_inner_content():
        if isinstance(block, Paragraph):
            text = join_lines(block.text.split("\n"))
            if not text:
                continue
            paragraph_no += 1
            last_paragraph = text
            units.append(
                TextUnit(document=rel, sha256=sha, location=f"paragraph {paragraph_no}", text=text)
            )
        elif isinstance(block, Table):
            table_no += 1
            seen: set[int] = set()
            # keep the cell objects alive so id() stays unique while deduplicating
            _keep = [c._tc for row in block.rows for c in row.cells]
            header = ""
            for row_index in range(len(block.rows)):
                cells = _row_cells(block, row_index, seen)
                if not cells:
                    continue
                text = " | ".join(cells)
                header = header or text
                units.append(
                    TextUnit(
                        document=rel,
                        sha256=sha,
                        location=f"table {table_no} row {row_index + 1}",
                        kind="table_row",
                        text=text,
                        context=f"{last_paragraph} {header}".strip(),
                    )
                )
            del _keep
    return units, []
