"""PDF: text through pypdfium2 (fast, exact), tables through pdfplumber (pdf_tables).

pypdfium2 reads text about 50x faster than pdfplumber, so it handles every
page; pdfplumber is opened only for pages that may hold a table (a grid of
ruling lines, or the long rules of a three-line table with text in columns
between them), and each of its pages is closed at once to keep memory flat.
The tables become grids (pdf_tables: spans, continuations over page breaks)
and their rows TextUnits through grid.table_units.
"""

from __future__ import annotations

from collections.abc import Iterable

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c

from sxcheck.errors import DocumentError
from sxcheck.ingest.grid import table_units
from sxcheck.ingest.layout import split_paragraphs
from sxcheck.ingest.pdf_objects import PATH, TEXT, Bounds, bounds_of, object_bounds
from sxcheck.ingest.pdf_tables import LONG_RULE, MIN_COLUMNS, TableKind, read_tables
from sxcheck.models import TextUnit

MIN_CELL_BOXES = 4  # stroked cell rectangles, as some writers draw table grids
COLUMN_GAP = 6  # pt between two text runs of a line that stand in separate columns


def _is_garbled(text: str) -> bool:
    """A page whose text layer lacks a ToUnicode map reads as (cid:N) or control chars."""
    if "(cid:" in text:
        return True
    bad = sum(1 for ch in text if ord(ch) < 32 and ch not in "\r\n\t")
    return bool(text) and bad / len(text) > 0.1


def _may_have_table(page: pdfium.PdfPage) -> TableKind | None:
    """Does the page draw a table: a grid ("ruled"), or a three-line table?

    Only such pages pay for pdfplumber's table finder, which parses the whole
    page with pdfminer (about 0.1 s a page). A grid is two horizontal and two
    vertical rules, or cell boxes. A three-line table (三线表) is two or more long
    horizontal rules and no vertical one with, between the outer rules, lines of
    text in three or more separate runs: a page's header rule and footer rule
    around prose, or an underline, do not make a table. The objects' types and
    bounds come straight from PDFium (pdf_objects) in one walk of the page: a
    Python wrapper per object, and a second walk for the text, cost 3-6x as much.
    """
    horizontal = vertical = boxes = 0
    width = page.get_width()
    long_rules: list[float] = []
    texts: list[int] = []  # text objects' handles, for _runs_in_columns without a second walk
    for left, bottom, right, top in object_bounds(page, PATH, max_depth=2, keep=TEXT, kept=texts):
        w, h = right - left, top - bottom
        if h < 2 and w > 15:
            horizontal += 1
        elif w < 2 and h > 8:
            vertical += 1
        elif w > 15 and h > 8:
            boxes += 1
        if (horizontal >= 2 and vertical >= 2) or boxes >= MIN_CELL_BOXES:
            return "ruled"
        if (
            h < 4 and w >= LONG_RULE * width
        ):  # 三线表 top and bottom rules are thick (1.5 pt drawn as up to 3)
            long_rules.append((top + bottom) / 2)
    if vertical or len(long_rules) < 2:
        return None
    in_columns = _runs_in_columns(bounds_of(texts), min(long_rules), max(long_rules))
    return "three_line" if in_columns else None


def _runs_in_columns(texts: Iterable[Bounds], low: float, high: float) -> bool:
    """Are there two or more lines between the rules with MIN_COLUMNS text runs apart?"""
    lines: dict[int, list[tuple[float, float]]] = {}
    for left, bottom, right, top in texts:
        if low < (top + bottom) / 2 < high:
            lines.setdefault(round(bottom / 3), []).append((left, right))
    tabular = 0
    for runs in lines.values():
        runs.sort()
        apart = 1 + sum(1 for a, b in zip(runs, runs[1:], strict=False) if b[0] - a[1] > COLUMN_GAP)
        tabular += apart >= MIN_COLUMNS
    return tabular >= 2


def _open(data: bytes) -> pdfium.PdfDocument:
    try:
        return pdfium.PdfDocument(data)
    except pdfium.PdfiumError as exc:
        message = str(exc)
        if "password" in message.lower():
            raise DocumentError(
                "password-protected PDF: not opened (sxcheck never guesses passwords)"
            ) from None
        raise DocumentError(f"unreadable PDF: {message}") from None


def read_pdf(data: bytes, rel: str, sha: str) -> tuple[int, list[TextUnit], list[str], list[int]]:
    """Return (page count, text units, notes, pages for OCR) of a PDF.

    Pages without a usable text layer (empty, or garbled without a ToUnicode
    map) are not read here: they are returned for the OCR pool, which reads
    the scans of the whole submission in parallel."""
    units: list[TextUnit] = []
    notes: list[str] = []
    table_pages: dict[int, tuple[TableKind, list[str]]] = {}
    no_text: list[int] = []
    doc = _open(data)
    if pdfium_c.FPDF_GetSecurityHandlerRevision(doc.raw) >= 0:
        # opened without a password, so only an owner password restricts it
        notes.append("encrypted with an owner password only (permissions restricted): read")
    try:
        pages = len(doc)
        page_paragraphs: dict[int, list[str]] = {}
        for index in range(pages):
            page = doc[index]
            try:
                textpage = page.get_textpage()
                text = textpage.get_text_range()
                textpage.close()
                lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
                if not text.strip() or _is_garbled(text):
                    no_text.append(index + 1)
                    continue
                paragraphs = split_paragraphs(lines)
                kind = _may_have_table(page)
                if kind is not None:
                    table_pages[index] = (kind, paragraphs)
                else:
                    page_paragraphs[index] = paragraphs
            finally:
                page.close()
    finally:
        doc.close()

    table_rows: list[TextUnit] = []
    if table_pages:
        outside, grids = read_tables(data, table_pages, notes)
        page_paragraphs.update(outside)
        for grid in grids:
            table_rows.extend(table_units(grid, rel, sha, f"table {grid.number}"))
    for index in sorted(page_paragraphs):
        for number, paragraph in enumerate(page_paragraphs[index], start=1):
            units.append(
                TextUnit(
                    document=rel,
                    sha256=sha,
                    page=index + 1,
                    location=f"paragraph {number}",
                    text=paragraph,
                )
            )
        units.extend(row for row in table_rows if row.page == index + 1)
    if no_text:
        shown = ", ".join(str(p) for p in no_text[:10]) + (" ..." if len(no_text) > 10 else "")
        notes.append(f"no usable text layer on page(s) {shown}: scanned or garbled, needs OCR")
    return pages, units, notes, no_text
