"""Scans into text units: the pages the parse left for OCR, read by the pool and put back.

The parse of each document (in its isolated child) only says which pages have
no usable text (`IngestedDocument.ocr_pending`); `read_scans` hands all such
pages of a submission to the OCR pool at once, so every core works on pages
whichever documents they are in, and then puts each page's lines back into
its document: grouped into paragraphs the way a text layer's visual lines are
(layout.split_paragraphs), with each line's offset in the paragraph kept
(`OcrLine.start`), so a quote can name the lines it came from, their lowest
confidence and their box. Text-layer pages keep their units; units stay in
page order. Each page also says whether a red round seal was seen on it
(seals.py): the document lists its sealed pages (`DocumentInfo.seals`) and
how many were checked, and a checked scan without one gets a note.
"""

from __future__ import annotations

import statistics
from collections.abc import Callable
from pathlib import Path

from sxcheck.ingest.isolate import Limits
from sxcheck.ingest.layout import split_paragraphs
from sxcheck.ingest.ocr.pages import OcrPool, PageJob, PageRead
from sxcheck.limits import MAX_THUMBNAILS
from sxcheck.models import DocumentInfo, IngestedDocument, OcrLine, TextUnit

Progress = Callable[[str, int, int], None]


def ocr_units(lines: list[OcrLine], rel: str, sha: str, page: int | None) -> list[TextUnit]:
    """The lines of one page as paragraphs, each line placed at its offset in the text.

    split_paragraphs joins lines without spaces (one space between two Latin
    words), so each line is found again in its paragraph in order, at the
    position where the previous one ended (or one further, after such a space).
    """
    # a line with no letter, digit or character (a "■" read off a black picture, a rule
    # read as "——") says nothing a rule could match
    body = [line for line in lines if any(ch.isalnum() for ch in line.text)]
    paragraphs = split_paragraphs(_with_breaks(body))
    units: list[TextUnit] = []
    index = 0
    for number, paragraph in enumerate(paragraphs, start=1):
        members: list[OcrLine] = []
        position = 0
        while index < len(body):
            text = body[index].text.strip()
            at = paragraph.find(text, position)
            if at < 0 or at > position + 1:
                break
            members.append(body[index].model_copy(update={"start": at, "text": text}))
            position = at + len(text)
            index += 1
        units.append(
            TextUnit(
                document=rel,
                sha256=sha,
                page=page,
                location=f"paragraph {number}",
                text=paragraph,
                source="ocr",
                lines=members,
            )
        )
    return units


def _with_breaks(lines: list[OcrLine]) -> list[str]:
    """The lines' texts with a blank line where the page's geometry ends a paragraph.

    A text layer has only characters, OCR also has where each line sits: a line
    indented from the text block's left edge (the 公文 first-line indent of two
    characters, or a centred title) starts a paragraph, a centred one is one on
    its own, and a gap well above the usual line spacing separates two. Boxes on
    one printed row (a line split by a seal) never break.
    """
    if len(lines) < 2:
        return [line.text for line in lines]
    heights = sorted(line.box[3] - line.box[1] for line in lines)
    height = heights[len(heights) // 2]
    widths = sorted((line.box[2] - line.box[0]) / len(line.text.strip()) for line in lines)
    char = widths[len(widths) // 2]  # a character's width (most are full-width CJK)
    lefts = sorted(line.box[0] for line in lines)
    rights = sorted(line.box[2] for line in lines)
    left, right = lefts[len(lefts) // 10], rights[len(rights) * 9 // 10]
    gaps = sorted(b.box[1] - a.box[3] for a, b in zip(lines, lines[1:], strict=False))
    usual_gap = max(0.0, gaps[len(gaps) // 2])
    out: list[str] = []
    for index, line in enumerate(lines):
        indented = line.box[0] - left > 1.5 * char
        centred = indented and right - line.box[2] > 1.5 * char
        if index:
            previous = lines[index - 1]
            gap = line.box[1] - previous.box[3]
            new_row = line.box[1] > previous.box[3] - height / 2
            if new_row and (indented or gap > max(2 * usual_gap, 0.8 * height)):
                out.append("")
        out.append(line.text)
        if centred:
            out.append("")
    return out


def _pages(pages: list[int]) -> str:
    shown = ", ".join(str(p) for p in pages[:10])
    return shown + (" ..." if len(pages) > 10 else "")


UNSEALED = "扫描件未见印章"  # the note on a scan checked for a seal on which none was found


def _zh_pages(pages: list[int]) -> str:
    """Pages as runs for a Chinese note: [1, 2, 3, 5] -> "1–3、5"."""
    runs: list[list[int]] = []
    for page in sorted(pages):
        if runs and page == runs[-1][-1] + 1:
            runs[-1].append(page)
        else:
            runs.append([page])
    return "、".join(f"{r[0]}–{r[-1]}" if len(r) > 1 else str(r[0]) for r in runs)


def _apply_seals(info: DocumentInfo, reads: list[PageRead], single_image: bool) -> None:
    """Which OCR'd pages showed a red round seal (`seals`, None when no page could be
    checked), and a note when a scan was checked and none was found: the note says
    so, it fails nothing (whether the document needed a seal is the reader's call)."""
    checked = sorted(read.page for read in reads if read.seal is not None)
    info.seal_pages_checked = len(checked)
    info.seals = sorted(read.page for read in reads if read.seal) if checked else None
    info.notes = [note for note in info.notes if not note.startswith(UNSEALED)]
    if checked and not info.seals:
        where = "" if single_image else f"（已查看第{_zh_pages(checked)}页）"
        info.notes.append(UNSEALED + where)


def apply_reads(doc: IngestedDocument, reads: list[PageRead], engine: str | None) -> None:
    """Put a document's OCR'd pages into it and say how it was read (in place).

    Pages whose OCR failed stay in `ocr_pending` (so the read is never cached)
    with their reason in the notes; a document with nothing read at all is an
    error with that reason, so items that needed it say so.
    """
    info = doc.info
    by_page = {read.page: read for read in reads}
    single_image = info.kind == "image" and (info.pages or 1) == 1
    had_text = bool(doc.units)
    added: list[TextUnit] = []
    done: list[int] = []
    read_pages: list[PageRead] = []
    failures: dict[str, list[int]] = {}
    confidences: list[float] = []
    for page in doc.ocr_pending:
        read = by_page.get(page)
        if read is None or read.error:
            reason = read.error if read is not None and read.error else "not read by OCR"
            failures.setdefault(reason, []).append(page)
            continue
        done.append(page)
        read_pages.append(read)
        added += ocr_units(read.lines, info.path, info.sha256, None if single_image else page)
        confidences += [line.confidence for line in read.lines]
        if read.thumbnail:
            info.thumbnails[page] = read.thumbnail
    doc.units = sorted(doc.units + added, key=lambda unit: unit.page or 0)  # stable
    doc.ocr_pending = sorted(p for pages in failures.values() for p in pages)
    info.notes = [note for note in info.notes if "needs OCR" not in note]
    for reason, pages in failures.items():
        info.notes.append(f"page(s) {_pages(pages)} not read by OCR: {reason}; needs OCR")
    if done and not added:
        info.notes.append(f"OCR found no text on page(s) {_pages(done)}")
    _apply_seals(info, read_pages, single_image)
    info.ocr_pages = sorted(done)
    info.ocr_confidence = round(statistics.fmean(confidences), 4) if confidences else None
    info.ocr_engine = engine if done else None
    info.read_by = ("text+ocr" if had_text else "ocr") if done else ("text" if had_text else "none")
    info.needs_ocr = bool(failures)
    info.text_units = len(doc.units)
    if failures and not doc.units and not done:
        reason, pages = next(iter(failures.items()))
        info.status = "error"
        info.error = (
            reason
            if info.kind == "image" and len(pages) == 1
            else (f"{reason} (page(s) {_pages(pages)})")
        )


def read_scans(
    documents: list[tuple[Path, IngestedDocument]],
    limits: Limits | None = None,
    progress: Progress | None = None,
    deadline: float | None = None,
    workers: int | None = None,
) -> int:
    """OCR every pending page of these documents in one pool; return the pages read.

    Each document is updated in place. Called once per submission, after all of
    its documents were parsed, so the pool spans documents.
    """
    jobs: list[PageJob] = []
    for index, (path, doc) in enumerate(documents):
        if doc.from_store or not doc.ocr_pending or doc.info.status != "ok":
            continue
        for rank, page in enumerate(doc.ocr_pending):
            jobs.append(
                PageJob(
                    doc=index,
                    path=str(path),
                    rel=doc.info.path,
                    sha=doc.info.sha256,
                    size=doc.info.size,
                    kind="pdf" if doc.info.kind == "pdf" else "image",
                    page=page,
                    thumbnail=rank < MAX_THUMBNAILS,
                )
            )
    if not jobs:
        return 0

    def started(job: PageJob, number: int, total: int) -> None:
        if progress is not None:
            info = documents[job.doc][1].info
            where = "" if info.kind == "image" and info.pages in (None, 1) else f" 第{job.page}页"
            progress(f"OCR {Path(job.rel).name}{where}", number, total)

    pool = OcrPool(limits, workers)
    reads = pool.read(jobs, started, deadline)
    by_doc: dict[int, list[PageRead]] = {}
    for read in reads:
        by_doc.setdefault(read.doc, []).append(read)
    for index in sorted({job.doc for job in jobs}):
        apply_reads(documents[index][1], by_doc.get(index, []), pool.engine)
    return sum(1 for read in reads if read.error is None)
