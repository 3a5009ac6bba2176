"""Tell a file's type from its first bytes, not its name.

A JPEG renamed `.pdf` or a zip of junk renamed `.docx` must become a clear
per-document error, so the type is decided by content and the extension is
only compared against it. An Office file is also refused here, before any
parser sees it, when it is a zip bomb, a damaged zip, or when any of its
parts declares a DTD: python-docx drops the text after an entity without a
word, and openpyxl fails on one with a library traceback. An OFD (GB/T 33190,
also zip + XML) passes the same checks.
"""

from __future__ import annotations

import io
import re
import zipfile
import zlib
from pathlib import Path

from sxcheck.errors import DocumentError
from sxcheck.ingest.text import utf16_order
from sxcheck.limits import MAX_OFD_PARTS, MAX_OOXML_BYTES, MAX_OOXML_RATIO, MiB

TEXT_EXTENSIONS = {".txt": "txt", ".md": "md", ".markdown": "md"}
IMAGE_EXTENSIONS = {".png", ".jpg", ".jpeg", ".tif", ".tiff", ".bmp", ".gif"}
# WPS and old Office files, converted by LibreOffice (ingest.convert) -> the OOXML kind
# WPS also writes under these names in some versions (read directly, or converted: pptx)
LEGACY_EXTENSIONS = {
    ".doc": "docx",
    ".wps": "docx",
    ".xls": "xlsx",
    ".et": "xlsx",
    ".ppt": "pptx",
    ".dps": "pptx",
}
KNOWN_EXTENSIONS = {
    ".pdf",
    ".docx",
    ".xlsx",
    ".ofd",
    *LEGACY_EXTENSIONS,
    *TEXT_EXTENSIONS,
    *IMAGE_EXTENSIONS,
}

MAGIC = [
    (b"\x89PNG\r\n\x1a\n", "PNG image"),
    (b"\xff\xd8\xff", "JPEG image"),
    (b"GIF8", "GIF image"),
    (b"II*\x00", "TIFF image"),
    (b"MM\x00*", "TIFF image"),
    (b"\xd0\xcf\x11\xe0", "legacy Office (OLE) file"),
    (b"PK\x03\x04", "zip"),
    (b"Rar!", "RAR archive"),
    (b"\x1f\x8b", "gzip archive"),
    (b"7z\xbc\xaf", "7-Zip archive"),
]


def _declaration(*words: str) -> re.Pattern[bytes]:
    """`<!WORD` in UTF-8, or in UTF-16/32 (NULs between the characters), any case.

    The whole word is matched, so random bytes of an image (which is scanned
    too: a relationship may name any part as the document) do not match.
    """
    gap = rb"\x00{0,3}"
    spelled = [gap.join(re.escape(ch.encode()) for ch in "<!" + word) for word in words]
    return re.compile(b"|".join(spelled), re.IGNORECASE)


_DTD = _declaration("DOCTYPE", "ENTITY")
_ENTITY = _declaration("ENTITY")
_ENCODING = re.compile(rb"<\?xml[^>]{0,200}?encoding\s*=\s*[\"']([A-Za-z0-9._-]{1,40})")
# the encodings Office writes; libxml2 also reads UTF-7 and others, in which a DTD hides
_ENCODINGS = {b"utf-8", b"utf8", b"utf-16", b"utf-16le", b"utf-16be"}
_SAFE_NAME = re.compile(r"[A-Za-z0-9_./\[\]-]{1,120}")
_CHUNK = 1 * MiB
_OVERLAP = 64  # bytes kept between chunks, so a `<!DOCTYPE` split by a chunk (even UTF-32) is seen


def part_name(name: str) -> str:
    """A zip member's name for a message: shown only when it is plain ASCII."""
    return name if _SAFE_NAME.fullmatch(name) else "(a part with an unusual name)"


def _magic_name(head: bytes) -> str | None:
    if b"%PDF-" in head[:1024]:
        return "PDF"
    for magic, name in MAGIC:
        if head.startswith(magic):
            return name
    return None


def _check_sizes(infos: list[zipfile.ZipInfo]) -> None:
    """A zip bomb (650 KB -> 600 MiB of XML) is refused before anything is unpacked."""
    total = sum(info.file_size for info in infos)
    if total > MAX_OOXML_BYTES:
        raise DocumentError(
            f"refused: unpacks to {total // MiB} MiB (limit {MAX_OOXML_BYTES // MiB} MiB)"
        )
    for info in infos:
        if info.file_size > MiB and info.file_size > MAX_OOXML_RATIO * max(info.compress_size, 1):
            raise DocumentError(
                f"refused: part {part_name(info.filename)} expands "
                f"{info.file_size // max(info.compress_size, 1)}x (a zip bomb)"
            )


def _check_encoding(head: bytes, name: str) -> None:
    """Refuse an XML declaration naming an encoding Office never writes."""
    found = _ENCODING.match(head.lstrip(b"\xef\xbb\xbf \t\r\n"))
    if found and found.group(1).lower() not in _ENCODINGS:
        raise DocumentError(f"refused: part {name} is not in UTF-8 or UTF-16 (not read)")


def _scan_part(archive: zipfile.ZipFile, info: zipfile.ZipInfo, budget: int) -> int:
    """Refuse a part that declares a DTD anywhere in it (streamed, not just its head).

    Returns the bytes it unpacked, so the scan of all parts stays within
    MAX_OOXML_BYTES even if a header lies about a size.
    """
    name = part_name(info.filename)
    # an SVG image may name the SVG DTD; only an entity in one is refused
    pattern = _ENTITY if info.filename.lower().endswith(".svg") else _DTD
    seen = 0
    tail = b""
    with archive.open(info) as part:
        while chunk := part.read(_CHUNK):
            if seen == 0:
                _check_encoding(chunk, name)
            seen += len(chunk)
            if seen > budget:
                raise DocumentError(f"refused: unpacks to more than {MAX_OOXML_BYTES // MiB} MiB")
            if pattern.search(tail + chunk):
                raise DocumentError(f"refused: part {name} declares a DOCTYPE or ENTITY (not read)")
            tail = chunk[-_OVERLAP:]
    return seen


def scan_zip(archive: zipfile.ZipFile, kind: str) -> None:
    """Refuse a zip bomb, an encrypted or damaged part, or a part declaring a DTD.

    Used for Office files and for OFD (also zip + XML): every part is unpacked
    once, streamed, within MAX_OOXML_BYTES in total.
    """
    infos = archive.infolist()
    _check_sizes(infos)
    budget = MAX_OOXML_BYTES
    for info in infos:
        if info.is_dir():
            continue
        try:
            budget -= _scan_part(archive, info, budget)
        except RuntimeError:  # zipfile: encrypted member
            raise DocumentError(
                f"unreadable {kind.upper()}: part {part_name(info.filename)} is encrypted"
            ) from None
        except NotImplementedError:  # zipfile: compression method it cannot unpack
            raise DocumentError(
                f"unreadable {kind.upper()}: part {part_name(info.filename)} "
                "uses an unsupported compression method"
            ) from None
        except (zipfile.BadZipFile, zlib.error, EOFError, OSError, ValueError):
            raise DocumentError(
                f"unreadable {kind.upper()}: part {part_name(info.filename)} is damaged"
            ) from None


def _ooxml_kind(data: bytes) -> str | None:
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, OSError, ValueError):
        return None
    with archive:
        infos = archive.infolist()
        names = {info.filename for info in infos}
        if "word/document.xml" in names:
            kind = "docx"
        elif "xl/workbook.xml" in names:
            kind = "xlsx"
        elif "ppt/presentation.xml" in names:  # only converted (a .dps WPS wrote as OOXML)
            kind = "pptx"
        elif "OFD.xml" in names:  # GB/T 33190: the package's entry point at its root
            kind = "ofd"
            if len(infos) > MAX_OFD_PARTS:
                raise DocumentError(f"refused: more than {MAX_OFD_PARTS} parts in the OFD")
        else:
            return None
        scan_zip(archive, kind)
    return kind


def _legacy_kind(ext: str, found: str | None, data: bytes) -> str:
    """An OLE compound file is converted (kind: its extension, the streams are checked by
    ingest.convert); an OOXML one of the right family is read as the DOCX/XLSX it is."""
    kind, family = ext[1:], LEGACY_EXTENSIONS[ext]
    if found == "legacy Office (OLE) file":
        return kind
    if found == "zip":
        content = _ooxml_kind(data)
        if content == family:
            return kind if content == "pptx" else content
        what = content.upper() if content else "a zip without the Office document parts"
    else:
        what = found or "unrecognised data"
    raise DocumentError(f"not a {kind.upper()} file: content is {what}")


def sniff(path: Path, data: bytes) -> str:
    """Return the kind to parse the file as, or raise DocumentError saying why not.

    Kinds: pdf, docx, xlsx, ofd, txt, md, image, and doc wps xls et ppt dps (to convert).
    Unknown extensions are left to the caller (listed as skipped).
    """
    head = data[:2048]
    ext = path.suffix.lower()
    if not head:
        raise DocumentError("empty file (0 bytes)")
    found = _magic_name(head)
    if ext == ".pdf":
        if found != "PDF":
            raise DocumentError(f"not a PDF: content is {found or 'unrecognised data'}")
        return "pdf"
    if ext in (".docx", ".xlsx"):
        expected = ext[1:]
        if found != "zip":
            raise DocumentError(
                f"not a {expected.upper()} file: content is {found or 'unrecognised data'}"
            )
        kind = _ooxml_kind(data)
        if kind != expected:
            what = kind.upper() if kind else "a zip without the Office document parts"
            raise DocumentError(f"not a {expected.upper()} file: content is {what}")
        return expected
    if ext in LEGACY_EXTENSIONS:
        return _legacy_kind(ext, found, data)
    if ext == ".ofd":
        packed = _ooxml_kind(data) if found == "zip" else None
        if found == "zip" and packed is None and not zipfile.is_zipfile(io.BytesIO(data)):
            raise DocumentError("unreadable OFD: damaged or truncated zip")
        if packed != "ofd":
            content = packed.upper() if packed else "a zip without OFD.xml"
            content = content if found == "zip" else found or "unrecognised data"
            raise DocumentError(f"not an OFD file: content is {content}")
        return "ofd"
    if ext in TEXT_EXTENSIONS:
        # UTF-16 text has NULs (every ASCII character): allowed when it is UTF-16
        if found and found != "PDF" or b"\x00" in head and not utf16_order(head):
            raise DocumentError(f"not a text file: content is {found or 'binary data'}")
        return TEXT_EXTENSIONS[ext]
    if ext in IMAGE_EXTENSIONS:
        return "image"
    return "unknown"


def unreadable(kind: str, exc: BaseException) -> DocumentError:
    """A reader library's failure as one line that never quotes the file's content.

    lxml and zipfile messages name parts and values from the file, so only the
    kind of failure (and a line number) is kept.
    """
    name = type(exc).__name__
    if name in ("XMLSyntaxError", "ExpatError", "ParseError"):
        line = getattr(exc, "lineno", None) or (getattr(exc, "position", None) or (None,))[0]
        where = f" (line {line})" if isinstance(line, int) else ""
        return DocumentError(f"unreadable {kind.upper()}: a part is not well-formed XML{where}")
    if isinstance(exc, KeyError):
        return DocumentError(f"unreadable {kind.upper()}: a part it refers to is missing")
    if isinstance(exc, zipfile.BadZipFile | zlib.error | EOFError):
        return DocumentError(f"unreadable {kind.upper()}: damaged zip")
    return DocumentError(f"unreadable {kind.upper()}: its reader failed ({name})")
