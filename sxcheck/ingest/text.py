"""TXT and Markdown in the encodings Chinese offices write, with the encoding recorded.

Notepad on Chinese Windows saves ANSI (GBK, read as its superset GB18030),
UTF-8 with a BOM, or "Unicode" (UTF-16LE with a BOM); other tools write UTF-8
without one. The order is what is certain first: a BOM, then strict UTF-8
(which random bytes and GBK practically never pass), then UTF-16 without a
BOM when its NUL pattern shows it, and only then charset-normalizer, limited
to the Chinese encodings a submission can use, so it cannot settle on a
Western code page that decodes any byte. What is decoded must still read as
text (few control characters), else the file is refused with one line.
"""

from __future__ import annotations

import re

import charset_normalizer

from sxcheck.errors import DocumentError
from sxcheck.ingest.layout import split_paragraphs
from sxcheck.models import TextUnit

_BOMS = [
    (b"\xef\xbb\xbf", "utf-8-sig", "UTF-8-SIG"),
    (b"\xff\xfe", "utf-16-le", "UTF-16LE"),
    (b"\xfe\xff", "utf-16-be", "UTF-16BE"),
]
# what the detector may choose from: GB18030 (a superset of GBK and GB2312), Big5
# (traditional characters), UTF-16 without a BOM
_DETECTABLE = ["gb18030", "big5", "utf_16_le", "utf_16_be"]
_NAMES = {"gb18030": "GB18030", "big5": "Big5", "utf_16_le": "UTF-16LE", "utf_16_be": "UTF-16BE"}
_CODECS = {"UTF-16LE": "utf-16-le", "UTF-16BE": "utf-16-be"}
_CONTROL = re.compile("[\x00-\x08\x0b\x0e-\x1f\x7f]")  # not tab, LF, CR, FF
MAX_CONTROL_SHARE = 0.01  # control characters (other than tab, CR, LF, FF) in real text
MIN_NUL_SHARE = 0.05  # NULs in one byte position of UTF-16 text (ASCII, digits, newlines)
OTHER_SIDE_SHARE = 0.1  # NULs in the other position, as a share of those (一 is U+4E00)


def utf16_order(head: bytes) -> str | None:
    """ "UTF-16LE" or "UTF-16BE" when the bytes are UTF-16 by BOM or by their NULs.

    Without a BOM: ASCII characters (digits, punctuation, line ends) in UTF-16
    put a NUL in every other byte, all on one side; binary data has NULs on
    both. Chinese characters rarely have a NUL byte (一 is U+4E00: one in 256),
    so the share asked for is small and the other side may have a few.
    """
    if head.startswith(b"\xff\xfe"):
        return "UTF-16LE"
    if head.startswith(b"\xfe\xff"):
        return "UTF-16BE"
    pairs = len(head) // 2
    if pairs < 8:
        return None
    even = head[0 : pairs * 2 : 2].count(0)
    odd = head[1 : pairs * 2 : 2].count(0)
    if odd >= pairs * MIN_NUL_SHARE and even <= odd * OTHER_SIDE_SHARE:
        return "UTF-16LE"
    if even >= pairs * MIN_NUL_SHARE and odd <= even * OTHER_SIDE_SHARE:
        return "UTF-16BE"
    return None


def _reads_as_text(text: str) -> bool:
    control = sum(1 for _ in _CONTROL.finditer(text))
    return control <= len(text) * MAX_CONTROL_SHARE


def _gb_name(data: bytes) -> str:
    """GBK when every character is in GBK (what most files are), else GB18030."""
    try:
        data.decode("gbk")
    except UnicodeDecodeError:
        return "GB18030"
    return "GBK"


def decode(data: bytes) -> tuple[str, str]:
    """Return (text, encoding name) or raise DocumentError saying it is not text."""
    for bom, codec, name in _BOMS:
        if data.startswith(bom):
            try:
                return _checked(data[len(bom) :].decode(codec.removesuffix("-sig")), name)
            except UnicodeDecodeError:
                raise DocumentError(f"not a text file: starts as {name} but is not") from None
    try:
        return _checked(data.decode("utf-8"), "UTF-8")
    except UnicodeDecodeError:
        pass
    order = utf16_order(data[:4096])
    if order is not None:
        try:
            return _checked(data.decode(_CODECS[order]), order)
        except (UnicodeDecodeError, DocumentError):
            pass
    best = charset_normalizer.from_bytes(data, cp_isolation=_DETECTABLE).best()
    if best is not None and best.encoding in _NAMES:
        name = _NAMES[best.encoding]
        if name == "GB18030":
            name = _gb_name(data)
        return _checked(str(best), name)
    raise DocumentError("not a text file: not UTF-8, GB18030/GBK, UTF-16 or Big5 text")


def _checked(text: str, name: str) -> tuple[str, str]:
    if not _reads_as_text(text):
        raise DocumentError(f"not a text file: control characters when read as {name}")
    return text, name


def read_text(data: bytes, rel: str, sha: str) -> tuple[list[TextUnit], list[str], str]:
    """Return (paragraphs as text units, notes, the encoding it was read in)."""
    text, encoding = decode(data)
    lines = [line.rstrip() for line in text.splitlines()]
    units = [
        TextUnit(document=rel, sha256=sha, location=f"paragraph {number}", text=paragraph)
        for number, paragraph in enumerate(split_paragraphs(lines), start=1)
    ]
    return units, [], encoding
