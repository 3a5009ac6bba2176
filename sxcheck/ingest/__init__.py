"""Ingest: files -> text units that remember document, page and place.

`read_document` never raises for a bad file: every failure becomes a
DocumentInfo with status `error` (or `skipped` for types sxcheck does not
read) and a one-line reason, so one broken document never stops a run.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Protocol

from sxcheck.errors import DocumentError
from sxcheck.ingest.docx_reader import read_docx
from sxcheck.ingest.pdf import read_pdf
from sxcheck.ingest.sniff import sniff
from sxcheck.ingest.text import read_text
from sxcheck.ingest.xlsx import read_xlsx
from sxcheck.models import DocumentInfo, IngestedDocument, TextUnit

# Bump when a reader changes what it extracts: stored extractions of older
# versions are then read again instead of reused.
EXTRACTOR_VERSION = "1"


class ExtractionCache(Protocol):
    """Where earlier reads are kept by content (the store implements it)."""

    def lookup(self, sha256: str, version: str) -> tuple[DocumentInfo, list[TextUnit]] | None: ...


def _summarise(info: DocumentInfo, units: list[TextUnit]) -> None:
    """What a reader sees of a read: how many units, and whether it needs OCR."""
    info.text_units = len(units)
    info.needs_ocr = any("needs OCR" in note for note in info.notes)


def _relabelled(info: DocumentInfo, units: list[TextUnit], rel: str, size: int) -> IngestedDocument:
    """An earlier read of the same content, under this submission's file name."""
    info = info.model_copy(update={"path": rel, "size": size})
    _summarise(info, units)
    return IngestedDocument(
        info=info,
        units=[u.model_copy(update={"document": rel}) for u in units],
        from_store=True,
    )


class Isolation(Protocol):
    """Parses in a child process with limits (ingest.isolate implements it)."""

    def parse(self, data: bytes, rel: str, sha: str) -> IngestedDocument: ...


def read_document(
    path: Path,
    rel: str,
    cache: ExtractionCache | None = None,
    isolation: Isolation | None = None,
) -> IngestedDocument:
    """Read one evidence file into text units; failures become a listed error.

    The file is read once; its sha256 and its parse are of the same bytes, even
    if the file changes meanwhile. With a cache, content already read (same
    sha256, same extractor version) is taken from it instead of parsed again;
    with an isolation, parsing happens in a child process with limits.
    """
    try:
        data = path.read_bytes()
    except OSError as exc:
        info = DocumentInfo(
            path=rel,
            sha256="",
            size=0,
            kind="unknown",
            status="error",
            error=f"cannot read: {exc.strerror}",
        )
        return IngestedDocument(info=info)
    sha = hashlib.sha256(data).hexdigest()
    if cache is not None and (hit := cache.lookup(sha, EXTRACTOR_VERSION)) is not None:
        return _relabelled(*hit, rel, len(data))
    if isolation is not None:
        return isolation.parse(data, rel, sha)
    return parse_document(data, rel, sha)


def parse_document(data: bytes, rel: str, sha: str) -> IngestedDocument:
    """Parse bytes already read (by type sniffed from content); never raises."""
    path = Path(rel)
    info = DocumentInfo(path=rel, sha256=sha, size=len(data), kind="unknown")
    try:
        info.kind = kind = sniff(path, data)
        units: list[TextUnit]
        notes: list[str] = []
        if kind == "pdf":
            info.pages, units, notes = read_pdf(data, rel, sha)
        elif kind == "docx":
            units, notes = read_docx(data, rel, sha)
        elif kind == "xlsx":
            units, notes = read_xlsx(data, rel, sha)
        elif kind in ("txt", "md"):
            units, notes = read_text(data, rel, sha)
        elif kind == "image":
            info.status = "skipped"
            info.error = "image: OCR of scans is not available yet, not read"
            return IngestedDocument(info=info)
        else:
            info.status = "skipped"
            info.error = f"unsupported file type '{path.suffix or '(none)'}'"
            return IngestedDocument(info=info)
    except DocumentError as exc:
        info.status = "error"
        info.error = str(exc)
        return IngestedDocument(info=info)
    except Exception as exc:  # a parser bug on hostile input must not stop the run
        info.status = "error"
        info.error = f"parser failed: {type(exc).__name__}: {exc}"[:300]
        return IngestedDocument(info=info)
    info.notes = notes
    _summarise(info, units)
    return IngestedDocument(info=info, units=units)
