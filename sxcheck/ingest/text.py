"""TXT and Markdown: UTF-8 (with or without BOM), else GB18030 as Chinese Windows writes."""

from __future__ import annotations

from sxcheck.errors import DocumentError
from sxcheck.ingest.layout import split_paragraphs
from sxcheck.models import TextUnit


def decode(data: bytes) -> str:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise DocumentError("not a text file: neither UTF-8 nor GB18030")


def read_text(data: bytes, rel: str, sha: str) -> tuple[list[TextUnit], list[str]]:
    text = decode(data)
    lines = [line.rstrip() for line in text.splitlines()]
    units = [
        TextUnit(document=rel, sha256=sha, location=f"paragraph {number}", text=paragraph)
        for number, paragraph in enumerate(split_paragraphs(lines), start=1)
    ]
    return units, []
