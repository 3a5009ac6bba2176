"""PDF: text through pypdfium2 (fast, exact), ruled tables through pdfplumber.

pypdfium2 reads text about 50x faster than pdfplumber, so it handles every
page; pdfplumber is opened only for pages that carry ruling lines (possible
tables), and each of its pages is closed at once to keep memory flat.
"""

from __future__ import annotations

import io

import pdfplumber
import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c

from sxcheck.errors import DocumentError
from sxcheck.ingest.layout import split_paragraphs
from sxcheck.models import TextUnit

MIN_CELL_BOXES = 4  # stroked cell rectangles, as some writers draw table grids


def _is_garbled(text: str) -> bool:
    """A page whose text layer lacks a ToUnicode map reads as (cid:N) or control chars."""
    if "(cid:" in text:
        return True
    bad = sum(1 for ch in text if ord(ch) < 32 and ch not in "\r\n\t")
    return bool(text) and bad / len(text) > 0.1


def _may_have_table(page: pdfium.PdfPage) -> bool:
    """Does the page draw a grid (two horizontal and two vertical rules, or cell boxes)?

    Only such pages pay for pdfplumber's table finder, which parses the whole
    page with pdfminer (about 0.1 s a page); a header rule or an underline
    does not make a table.
    """
    horizontal = vertical = boxes = 0
    for obj in page.get_objects(filter=(pdfium_c.FPDF_PAGEOBJ_PATH,), max_depth=2):
        left, bottom, right, top = obj.get_bounds()
        width, height = right - left, top - bottom
        if height < 2 and width > 15:
            horizontal += 1
        elif width < 2 and height > 8:
            vertical += 1
        elif width > 15 and height > 8:
            boxes += 1
        if (horizontal >= 2 and vertical >= 2) or boxes >= MIN_CELL_BOXES:
            return True
    return False


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
    table_pages: dict[int, list[str]] = {}
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
                if _may_have_table(page):
                    table_pages[index] = paragraphs
                else:
                    page_paragraphs[index] = paragraphs
            finally:
                page.close()
    finally:
        doc.close()

    table_rows: list[TextUnit] = []
    if table_pages:
        page_paragraphs.update(_read_tables(data, rel, sha, table_pages, table_rows, notes))
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


def _read_tables(
    data: bytes,
    rel: str,
    sha: str,
    candidates: dict[int, list[str]],
    units: list[TextUnit],
    notes: list[str],
) -> dict[int, list[str]]:
    """Extract ruled tables of candidate pages; return the paragraphs outside them."""
    outside: dict[int, list[str]] = {}
    try:
        pdf = pdfplumber.open(io.BytesIO(data))
    except Exception as exc:  # pdfminer raises many types; keep the plain text
        notes.append(f"tables not read ({type(exc).__name__}); text kept")
        return candidates
    with pdf:
        for index, fallback in candidates.items():
            page = pdf.pages[index]
            try:
                tables = page.find_tables()
                if not tables:
                    outside[index] = fallback
                    continue
                boxes = [t.bbox for t in tables]

                def not_in_tables(obj: dict, boxes: list = boxes) -> bool:
                    x = (obj.get("x0", 0) + obj.get("x1", 0)) / 2
                    y = (obj.get("top", 0) + obj.get("bottom", 0)) / 2
                    return not any(b[0] <= x <= b[2] and b[1] <= y <= b[3] for b in boxes)

                rest = page.filter(not_in_tables).extract_text() or ""
                outside[index] = split_paragraphs(rest.split("\n"))
                for number, table in enumerate(tables, start=1):
                    _table_units(page, table, number, index, rel, sha, units)
            finally:
                page.close()
    return outside


def _table_units(page, table, number: int, index: int, rel: str, sha: str, units: list) -> None:
    rows = table.extract()
    top = table.bbox[1]
    caption = ""
    if top > 2:
        above = page.crop((0, max(0, top - 36), page.width, top)).extract_text() or ""
        caption = "".join(above.split("\n")[-2:]).strip()
    header = ""
    for row_number, row in enumerate(rows, start=1):
        cells = ["".join((cell or "").split("\n")).strip() for cell in row if cell is not None]
        cells = [c for c in cells if c]
        if not cells:
            continue
        text = " | ".join(cells)
        if not header:
            header = text
        units.append(
            TextUnit(
                document=rel,
                sha256=sha,
                page=index + 1,
                location=f"table {number} row {row_number}",
                kind="table_row",
                text=text,
                context=f"{caption} {header}".strip(),
            )
        )
