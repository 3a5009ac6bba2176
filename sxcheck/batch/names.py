"""File names made from submission text (`batch --reports-dir`).

A region name is whatever the submitter typed: `../../x`, `/etc/cron.d/x`,
`CON`, a NUL, 200 characters. It must never become a path as it is. It is
reduced to a safe file name here (one function for every such name), and the
caller checks that the resolved path is still inside the folder it writes to.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from pathlib import Path

from sxcheck.errors import SxcheckError
from sxcheck.limits import MAX_FILE_STEM_CHARS

# ASCII letters and digits, CJK ideographs (basic, extension A, compatibility, B+),
# and `-_.`: nothing that a file system, a shell or Windows reads specially
_UNSAFE = re.compile(
    r"[^A-Za-z0-9\-_.\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f]"
)
# names Windows reserves whatever their extension (CON.json is the console)
_RESERVED = re.compile(r"^(?:CON|PRN|AUX|NUL|COM[0-9¹²³]|LPT[0-9¹²³])(?:\.|$)", re.IGNORECASE)
HASH_CHARS = 8


def safe_stem(text: str, limit: int = MAX_FILE_STEM_CHARS) -> str:
    """`text` as a file-name stem: safe characters only, no leading or trailing dot,
    not a reserved name, at most `limit` characters.

    When anything had to change, a short hash of the original text is added, so
    two different names that reduce alike (`a/b`, `a:b`) still give two files.
    """
    normal = unicodedata.normalize("NFC", text)
    stem = _UNSAFE.sub("_", normal).strip(".")
    if _RESERVED.match(stem):
        stem = "_" + stem
    changed = stem != text
    if len(stem) > limit - HASH_CHARS - 1:
        stem = stem[: limit - HASH_CHARS - 1]
        changed = True
    if changed or not stem:
        digest = hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()
        stem = f"{stem}_{digest[:HASH_CHARS]}" if stem else digest[:HASH_CHARS]
    return stem


def report_stem(region: str, year: int, run_id: str) -> str:
    """The file stem of one submission's report in `batch --reports-dir`."""
    return f"{safe_stem(region)}-{int(year)}-{safe_stem(run_id)}"


def inside(folder: Path, name: str) -> Path:
    """`folder / name`, refused unless it resolves to a file directly inside `folder`."""
    base = folder.resolve()
    target = (base / name).resolve()
    if target.parent != base or name in ("", ".", ".."):
        raise SxcheckError(f"{folder}: refusing to write {name!r} outside the folder")
    return target
