"""Tell a file's type from its first bytes, not its name.

A JPEG renamed `.pdf` or a zip of junk renamed `.docx` must become a clear
per-document error, so the type is decided by content and the extension is
only compared against it.
"""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

from sxcheck.errors import DocumentError

TEXT_EXTENSIONS = {".txt": "txt", ".md": "md", ".markdown": "md"}
IMAGE_EXTENSIONS = {".png", ".jpg", ".jpeg", ".tif", ".tiff", ".bmp", ".gif"}
KNOWN_EXTENSIONS = {".pdf", ".docx", ".xlsx", *TEXT_EXTENSIONS, *IMAGE_EXTENSIONS}

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


def _magic_name(head: bytes) -> str | None:
    if b"%PDF-" in head[:1024]:
        return "PDF"
    for magic, name in MAGIC:
        if head.startswith(magic):
            return name
    return None


# An Office file's parts, unpacked: real reports stay far below these; a zip
# bomb (650 KB -> 600 MiB of XML) does not, and is refused before parsing.
MAX_OOXML_BYTES = 200 * 1024**2
MAX_OOXML_RATIO = 100  # unpacked / packed, for parts above 1 MiB


def _ooxml_kind(data: bytes) -> str | None:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            infos = archive.infolist()
    except (zipfile.BadZipFile, OSError):
        return None
    names = {info.filename for info in infos}
    total = sum(info.file_size for info in infos)
    if total > MAX_OOXML_BYTES:
        raise DocumentError(
            f"refused: unpacks to {total // 1024**2} MiB (limit {MAX_OOXML_BYTES // 1024**2} MiB)"
        )
    for info in infos:
        if info.file_size > 1024**2 and info.file_size > MAX_OOXML_RATIO * max(
            info.compress_size, 1
        ):
            raise DocumentError(
                f"refused: part {info.filename} expands {info.file_size // max(info.compress_size, 1)}x (a zip bomb)"
            )
    if "word/document.xml" in names:
        return "docx"
    if "xl/workbook.xml" in names:
        return "xlsx"
    return None


def sniff(path: Path, data: bytes) -> str:
    """Return the kind to parse the file as, or raise DocumentError saying why not.

    Kinds: pdf, docx, xlsx, txt, md, image. Unknown extensions are left to the
    caller (listed as skipped).
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
    if ext in TEXT_EXTENSIONS:
        if found and found != "PDF" or b"\x00" in head:
            raise DocumentError(f"not a text file: content is {found or 'binary data'}")
        return TEXT_EXTENSIONS[ext]
    if ext in IMAGE_EXTENSIONS:
        return "image"
    return "unknown"
