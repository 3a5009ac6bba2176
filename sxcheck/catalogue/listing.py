"""The rule cache's key, and the plain listing `sxcheck rules list` prints from it.

`rules list` should start like `--help` (issue 18: within 3x `python -c pass`), but
the validated rule set in the cache (sxcheck.catalogue.loader) is pydantic models:
unpickling it imports pydantic and the schema (~0.2 s), and finding the rule files
through safeyaml imports PyYAML. So beside that pickle the cache keeps a listing of
plain strings (id, 一级 and 二级 names, name, kind of every item) under the same key,
and this module computes that key and reads that listing with the standard library
only. On a miss (no listing, another key, a corrupt file, or a rules folder holding
anything but plain regular files) the rule set is loaded as before, which writes the
listing again. The key is the loader's: every rule file's name and bytes, the folder,
the sxcheck and Python versions and the code of the loader, the schema, safeyaml,
the limits and this module, so a changed rule file changes both at once.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Iterable
from pathlib import Path

from sxcheck import DEFAULT_RULES_DIR
from sxcheck.limits import MAX_PATH_DEPTH, MAX_RULE_FILE_BYTES, MAX_RULE_FILES

# Python's own SHA-256 (the same digest): importing hashlib loads OpenSSL, 2-10 ms of a
# command that should take 60
try:
    from _sha2 import sha256  # Python >= 3.12
except ImportError:
    try:
        from _sha256 import sha256  # type: ignore[no-redef]  # Python 3.11
    except ImportError:
        from hashlib import sha256  # type: ignore[no-redef,assignment]

# the code whose output the rule cache holds: a change to it is a new cache key
CODE = ("loader.py", "schema.py", "safeyaml.py", "listing.py", "../limits.py")
# one row of `rules list`: id, 一级 name, 二级 name, item name, kind
Row = tuple[str, str, str, str, str]
_FORMAT = 1


def cache_dir() -> Path:
    """Where the rule cache lives: SXCHECK_CACHE_DIR, $XDG_CACHE_HOME/sxcheck or ~/.cache/sxcheck."""
    if os.environ.get("SXCHECK_CACHE_DIR"):
        return Path(os.environ["SXCHECK_CACHE_DIR"])
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "sxcheck"


def cache_stem(root: Path) -> Path:
    """The cache's files for one rules folder, without their suffix (`.pickle`, `.listing.json`)."""
    return cache_dir() / f"rules-{sha256(str(root).encode()).hexdigest()[:16]}"


def cache_key(root: Path, files: Iterable[tuple[str, bytes | None, str | None]]) -> str:
    """Digest of every rule file (relative name, bytes, or the reason it was not read),
    the folder, the sxcheck and Python versions and the cached code."""
    import sxcheck

    sha = sha256(b"sxcheck rules cache 1\0")
    for part in (str(root), sxcheck.__version__, sys.version, sys.implementation.cache_tag):
        sha.update(str(part).encode() + b"\0")
    here = Path(__file__).resolve().parent
    for name in CODE:
        try:
            sha.update((here / name).read_bytes())
        except OSError:
            sha.update(b"?")
        sha.update(b"\0")
    for rel, data, problem in files:
        sha.update(rel.encode() + b"\0")
        sha.update(data if data is not None else f"!{problem}".encode())
        sha.update(b"\0")
    return sha.hexdigest()


def plain_files(folder: Path) -> list[tuple[str, bytes, None]] | None:
    """The `.yaml` files under `folder` as safeyaml.yaml_files(contained=False) finds them,
    when each is a plain regular file within the limits; None when any is not (a link, a
    device, a file too large, too many files, a folder too deep, an unreadable one): the
    loader then finds them itself, with the reasons its key includes. Plain strings and
    os.scandir rather than Path objects: this runs on every `rules list`."""
    found: list[tuple[str, bytes, None]] = []
    pending = [(str(folder), "", 0)]  # (folder, its path relative to `folder` + "/", depth)
    try:
        while pending:
            here, prefix, depth = pending.pop()
            with os.scandir(here) as entries:
                for entry in entries:
                    if entry.is_symlink():
                        if entry.name.endswith(".yaml") or entry.is_dir():
                            return None  # yaml_files names or reads it: only it gives the key
                    elif entry.is_dir(follow_symlinks=False):
                        if depth + 1 > MAX_PATH_DEPTH:
                            return None
                        pending.append((entry.path, f"{prefix}{entry.name}/", depth + 1))
                    elif entry.name.endswith(".yaml"):
                        if len(found) >= MAX_RULE_FILES or not entry.is_file(follow_symlinks=False):
                            return None
                        if entry.stat(follow_symlinks=False).st_size > MAX_RULE_FILE_BYTES:
                            return None
                        with open(entry.path, "rb") as stream:
                            data = stream.read(MAX_RULE_FILE_BYTES + 1)
                        if len(data) > MAX_RULE_FILE_BYTES:
                            return None
                        found.append((prefix + entry.name, data, None))
    except OSError:
        return None
    found.sort(key=lambda f: f[0])
    return found


def quick_key(root: Path) -> str | None:
    """The rule cache's key for `root`, found without PyYAML; None when only the loader can."""
    files = plain_files(root) if root.is_dir() else None
    return None if files is None else cache_key(root, files)


def read_listing(root: Path, key: str) -> list[Row] | None:
    """The listing stored for `root` under `key`, or None (missing, stale, corrupt)."""
    try:
        stored = json.loads((cache_stem(root).with_suffix(".listing.json")).read_bytes())
        if stored["format"] != _FORMAT or stored["key"] != key:
            return None
        rows: list[Row] = []
        for row in stored["rows"]:
            if not (isinstance(row, list) and len(row) == 5):
                return None
            if not all(isinstance(value, str) for value in row):
                return None
            rows.append((row[0], row[1], row[2], row[3], row[4]))
    except Exception:  # noqa: BLE001 - a corrupt or unreadable listing is rewritten
        return None
    return rows


def write_cache_file(path: Path, data: bytes) -> None:
    """Write a cache file atomically (a temporary file renamed over it); failures are
    ignored: no cache (a read-only home, a full disk) is only slower."""
    import tempfile

    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, temp = tempfile.mkstemp(dir=path.parent, prefix=".rules-", suffix=".tmp")
        try:
            with os.fdopen(fd, "wb") as stream:
                stream.write(data)
            os.replace(temp, path)
        except BaseException:
            Path(temp).unlink(missing_ok=True)
            raise
    except Exception:  # noqa: BLE001
        return


def write_listing(root: Path, key: str, rows: list[Row]) -> None:
    """Store the listing beside the rule cache, under the same key."""
    path = cache_stem(root).with_suffix(".listing.json")
    text = json.dumps({"format": _FORMAT, "key": key, "rows": rows}, ensure_ascii=False)
    write_cache_file(path, text.encode("utf-8"))


def rule_listing(rules_dir: Path | None = None) -> list[Row]:
    """Every item of the rules folder in catalogue order, as `rules list` prints it.

    From the stored listing when the rule files are unchanged; otherwise from the
    loaded rule set (RulesError when it is invalid), stored for the next time."""
    root = (rules_dir or DEFAULT_RULES_DIR).resolve()
    key = quick_key(root)
    if key is not None:
        rows = read_listing(root, key)
        if rows is not None:
            return rows
    from sxcheck.catalogue import loader

    ruleset, used_key = loader.load_rules_keyed(root)
    rows = loader.listing_rows(ruleset)
    if used_key is not None and read_listing(root, used_key) is None:
        write_listing(root, used_key, rows)
    return rows
