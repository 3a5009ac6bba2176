"""Ingest: files -> text units that remember document, page and place.

`read_document` never raises for a bad file: every failure becomes a
DocumentInfo with status `error` (or `skipped` for types sxcheck does not
read) and a one-line reason, so one broken document never stops a run.

A file is opened only when it is a regular file, and its size is taken with
fstat before anything is read: a 6 GiB sparse text file (0 bytes on disk) is
refused at MAX_FILE_BYTES without a byte read, and no more than the stat'ed
size is ever read, so a file growing meanwhile cannot blow up the reader.
"""

from __future__ import annotations

import hashlib
import os
import stat
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Literal, Protocol

from sxcheck.errors import DocumentError
from sxcheck.fingerprint import EXTRACTOR_READERS
from sxcheck.ingest.sniff import sniff
from sxcheck.ingest.text import read_text
from sxcheck.limits import MAX_FILE_BYTES, MiB
from sxcheck.models import DocumentInfo, IngestedDocument, TextUnit

if TYPE_CHECKING:
    from sxcheck.ingest.isolate import Limits


def _ocr_engine() -> str:
    """The OCR engine and its version, from package metadata only (not imported)."""
    try:
        from sxcheck.ingest.ocr import engine_name

        return engine_name()
    except Exception:  # noqa: BLE001 - no engine: nothing OCR'd is ever cached then
        return "no OCR engine"


# EXTRACTOR_READERS (in sxcheck.fingerprint, which the re-check's digest reads without
# importing the readers): bump it when a reader changes what it extracts; stored
# extractions of older versions are then read again instead of reused.
# 2: a DOCTYPE anywhere in an Office part is refused; workbooks read in read-only mode.
# 3: scans read by OCR; the OCR engine's name and version are part of the key, so a
#    new engine or model reads the scans again (package metadata only: the engine,
#    onnxruntime, is not imported to know it). Also in 3: OFD read (was skipped as
#    unsupported); UTF-16 text read (was refused) and every text file's encoding kept.
# 4: tables read as grids (merged headers as paths, cells with their headers, tables
#    continued across PDF pages joined, sheets split into blocks).
# 5: a row knows its table's number (two blocks of one sheet are two tables).
# 6: scanned pages are checked for a red round seal (DocumentInfo.seals, a note when
#    a checked scan has none).


@cache
def extractor_version() -> str:
    """The readers' version with the OCR engine's: the key of stored extractions.

    Looked up on first use, not at import: reading the engine's package metadata
    costs ~40 ms, which every command (`--help` included) paid at start-up.
    """
    return f"{EXTRACTOR_READERS}+{_ocr_engine()}"


# Reasons that come from the limits of a run, not from the content: a later run
# with other limits (or more time) may read the document, so they are never reused.
LIMIT_REASONS = (
    "timeout:",
    "memory limit:",
    "parser crashed",
    "not read:",
    "too large:",
    "cannot read:",
    "changed while",
    "cannot convert",  # the machine's, not the content's: LibreOffice missing, killed
)


def cacheable(status: str, error: str | None) -> bool:
    """May a read be kept and reused for the same content? Not when a limit decided it."""
    return not (status == "error" and (error or "").startswith(LIMIT_REASONS))


class ExtractionCache(Protocol):
    """Where earlier reads are kept by content (the store implements it)."""

    def lookup(self, sha256: str, version: str) -> tuple[DocumentInfo, list[TextUnit]] | None: ...


class Isolation(Protocol):
    """Parses in a child process with limits (ingest.isolate implements it)."""

    limits: Limits

    def parse_file(
        self, path: Path, rel: str, sha: str, size: int, deadline: float | None = None
    ) -> IngestedDocument: ...


def failed(rel: str, error: str, size: int = 0, sha: str = "") -> IngestedDocument:
    """A document that could not be read, listed with its one-line reason."""
    info = DocumentInfo(
        path=rel, sha256=sha, size=size, kind="unknown", status="error", error=error, read_by="none"
    )
    return IngestedDocument(info=info)


def out_of_time(rel: str, seconds: float, size: int = 0, sha: str = "") -> IngestedDocument:
    """A document the run had no time left for (RUN_SECONDS, `--run-timeout`)."""
    return failed(rel, f"not read: the run's time budget ({seconds:g} s) was used up", size, sha)


def open_regular(path: Path) -> tuple[int, int]:
    """Open a regular file for reading and return (fd, size); refuse anything else.

    O_NONBLOCK: a FIFO put in place after the listing does not block the open;
    fstat then refuses it (and devices, sockets) before a byte is read.
    """
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise DocumentError("not a regular file: not read")
        if st.st_size > MAX_FILE_BYTES:
            raise DocumentError(
                f"too large: {st.st_size // MiB} MiB (limit {MAX_FILE_BYTES // MiB} MiB)"
            )
    except BaseException:
        os.close(fd)
        raise
    return fd, st.st_size


def read_bounded(fd: int, size: int) -> bytes:
    """At most `size` bytes (what fstat said), in one buffer when the kernel allows."""
    with os.fdopen(os.dup(fd), "rb", buffering=0) as stream:
        data = stream.read(size) or b""
        while len(data) < size and (more := stream.read(size - len(data))):
            data += more
    return data


def hash_bounded(fd: int, size: int) -> tuple[str, int]:
    """The sha256 of the first `size` bytes, streamed: the parent never holds the file."""
    digest, left = hashlib.sha256(), size
    while left > 0 and (chunk := os.read(fd, min(left, MiB))):
        digest.update(chunk)
        left -= len(chunk)
    return digest.hexdigest(), size - left


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


@dataclass
class ToParse:
    """A file hashed and not found in the cache: what a parser is given (look_up)."""

    path: Path
    rel: str
    sha: str
    size: int
    data: bytes | None  # the bytes, when read here (no isolation: parsed in-process)


def look_up(
    path: Path, rel: str, cache: ExtractionCache | None, isolated: bool
) -> IngestedDocument | ToParse:
    """Open and hash a file, and take its earlier read from the cache when there is one:
    the document (from the cache, or listed with why it cannot be read), or what is
    left to parse. `isolated`: a child reads the bytes itself, so they are only hashed
    here, streamed, and the parent's memory does not grow with the file."""
    try:
        fd, size = open_regular(path)
    except DocumentError as exc:
        return failed(rel, str(exc), _size_of(path))
    except OSError as exc:
        return failed(rel, f"cannot read: {exc.strerror}")
    data = None
    try:
        if isolated:
            sha, size = hash_bounded(fd, size)
        else:
            data = read_bounded(fd, size)
            sha, size = hashlib.sha256(data).hexdigest(), len(data)
    except OSError as exc:
        return failed(rel, f"cannot read: {exc.strerror}", size)
    finally:
        os.close(fd)
    hit = cache.lookup(sha, extractor_version()) if cache is not None else None
    if hit is not None and cacheable(
        hit[0].status, hit[0].error
    ):  # a limit's failure in an older store: read again
        return _relabelled(*hit, rel, size)
    return ToParse(path, rel, sha, size, data)


def read_document(
    path: Path,
    rel: str,
    cache: ExtractionCache | None = None,
    isolation: Isolation | None = None,
    deadline: float | None = None,
) -> IngestedDocument:
    """Read one evidence file into text units; failures become a listed error.

    With a cache, content already read (same sha256, same extractor version)
    is taken from it instead of parsed again. With an isolation, the file is
    only hashed here (streamed) and the child reads it itself, checking the
    hash, so its sha256 and its parse are of the same bytes and the parent's
    memory does not grow with the file. `deadline` (time.monotonic) is when
    the run's time budget ends.
    """
    found = look_up(path, rel, cache, isolated=isolation is not None)
    if isinstance(found, IngestedDocument):
        return found
    if isolation is not None:
        return isolation.parse_file(path, rel, found.sha, found.size, deadline)
    assert found.data is not None
    return parse_document(found.data, rel, found.sha)


def _size_of(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0


def parse_file(path: Path, rel: str, sha: str, size: int) -> IngestedDocument:
    """Read a file hashed by the parent (in the child) and parse it; never raises.

    The bytes parsed are checked against the parent's hash: a file replaced in
    between is an error, never parsed under another file's hash.
    """
    try:
        fd, _ = open_regular(path)
    except DocumentError as exc:
        return failed(rel, str(exc), size, sha)
    except OSError as exc:
        return failed(rel, f"cannot read: {exc.strerror}", size, sha)
    try:
        data = read_bounded(fd, size)
    except OSError as exc:
        return failed(rel, f"cannot read: {exc.strerror}", size, sha)
    finally:
        os.close(fd)
    if hashlib.sha256(data).hexdigest() != sha:
        return failed(rel, "changed while it was read: not parsed (check again)", size, sha)
    return parse_document(data, rel, sha)


def _unread(
    info: DocumentInfo, error: str, status: Literal["error", "skipped"] = "error"
) -> IngestedDocument:
    """A document nothing was read from, listed with its reason (read by nothing)."""
    info.status, info.error, info.read_by = status, error, "none"
    return IngestedDocument(info=info)


def load_readers() -> None:
    """Import the format readers (pdfplumber, pypdfium2, openpyxl, the DOCX and OFD
    readers, LibreOffice conversion): about half a second, paid only by a run that reads
    a document (a re-check of unchanged documents reads none). The parse child calls it
    before its memory cap is set, so the cap stays on top of what the readers map."""
    from sxcheck.ingest import convert, docx_reader, ofd, pdf, xlsx  # noqa: F401


def parse_document(data: bytes, rel: str, sha: str) -> IngestedDocument:
    """Parse bytes already read (by type sniffed from content); never raises."""
    from sxcheck.ingest.convert import LEGACY_KINDS, read_converted
    from sxcheck.ingest.docx_reader import read_docx
    from sxcheck.ingest.ofd import read_ofd
    from sxcheck.ingest.pdf import read_pdf
    from sxcheck.ingest.xlsx import read_xlsx

    path = Path(rel)
    info = DocumentInfo(path=rel, sha256=sha, size=len(data), kind="unknown")
    try:
        info.kind = kind = sniff(path, data)
        units: list[TextUnit]
        notes: list[str] = []
        pending: list[int] = []  # pages with no usable text: read by the OCR pool next
        if kind == "pdf":
            info.pages, units, notes, pending = read_pdf(data, rel, sha)
        elif kind == "docx":
            units, notes = read_docx(data, rel, sha)
        elif kind == "xlsx":
            units, notes = read_xlsx(data, rel, sha)
        elif kind in ("txt", "md"):
            units, notes, info.encoding = read_text(data, rel, sha)
        elif kind == "ofd":
            ofd = read_ofd(data, rel, sha)
            info.pages, units, notes = ofd.pages, ofd.units, ofd.notes
            info.read_by, info.signatures = "ofd", ofd.signatures
        elif kind in LEGACY_KINDS:  # .doc .wps .xls .et .ppt .dps: LibreOffice converts
            info.read_by, info.converted_from = "converted", kind
            info.pages, units, notes = read_converted(data, rel, sha, kind)
        elif kind == "image":  # every frame is OCR work; only the header is read here
            from sxcheck.ingest.ocr.render import frame_count

            info.pages, units, info.read_by = frame_count(data), [], "ocr"
            pending = list(range(1, info.pages + 1))
        else:
            return _unread(info, f"unsupported file type '{path.suffix or '(none)'}'", "skipped")
    except DocumentError as exc:
        return _unread(info, str(exc))
    except RecursionError:
        return _unread(info, "parser failed: nested too deeply (RecursionError)")
    except Exception as exc:  # a parser bug on hostile input must not stop the run
        # the type only: a library's message may quote the file's content
        return _unread(info, f"parser failed ({type(exc).__name__})")
    info.notes = notes
    _summarise(info, units)
    info.needs_ocr = info.needs_ocr or bool(pending)
    return IngestedDocument(info=info, units=units, ocr_pending=pending)
