"""The quick digest: everything a check reads, hashed from bytes before reading any.

A re-check of an unchanged submission should cost what hashing its files costs. The
full input digest (pipeline.input_digest) needs the rules loaded, the declaration
parsed and every document looked up; this one needs only the bytes: the files of the
submission (its declaration, its evidence, its own rules/), the rule folders and the
profile, the source path as given, sxcheck's version, the readers' version and the OCR
engine's installed packages. Two checks with the same quick digest read the same
bytes with the same code, so the store may answer the second with the first's
judgments (store.quick) when the first read every document whole.

Stdlib only, so a re-check that hits pays for no import beyond the CLI's own.
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
from collections.abc import Iterator
from pathlib import Path

from sxcheck import DEFAULT_RULES_DIR, __version__

# Bump when a reader changes what it extracts: stored extractions of older versions
# are then read again instead of reused (sxcheck.ingest explains each version).
EXTRACTOR_READERS = "6"

# the packages whose version decides what OCR reads (their dist-info names carry it)
OCR_PACKAGES = ("rapidocr", "onnxruntime")
CHUNK = 1 << 20


def _files(root: Path) -> Iterator[tuple[str, Path]]:
    """Every file under a folder, by relative path, in a fixed order (hidden ones too:
    the digest only has to change when anything might)."""
    for folder, dirs, names in os.walk(root):
        dirs.sort()
        for name in sorted(names):
            path = Path(folder, name)
            yield path.relative_to(root).as_posix(), path


def _bytes(text: str) -> bytes:
    """A path's text as bytes: a file name that is not UTF-8 keeps its own bytes
    (surrogate escapes), as the file system gave them."""
    return text.encode("utf-8", "surrogateescape")


def _hash_file(sha: hashlib._Hash, path: Path) -> None:
    with path.open("rb") as handle:
        sha.update(hashlib.file_digest(handle, "sha256").digest())


def _hash_tree(sha: hashlib._Hash, label: str, root: Path) -> None:
    sha.update(_bytes(f"\0{label}\0{root}\0"))
    if root.is_file():
        _hash_file(sha, root)
        return
    for rel, path in _files(root):
        sha.update(_bytes(f"{rel}\0"))
        _hash_file(sha, path)


def _ocr_packages() -> str:
    """The installed OCR packages' dist-info names (name and version), found without
    importing them or reading package metadata (which costs ~40 ms)."""
    found: list[str] = []
    for package in OCR_PACKAGES:
        try:
            spec = importlib.util.find_spec(package)
        except (ImportError, ValueError):
            spec = None
        if spec is None or not spec.origin:
            found.append(f"{package}:none")
            continue
        site = Path(spec.origin).resolve().parent.parent
        prefix = package.replace("-", "_").lower() + "-"
        try:
            names = sorted(n for n in os.listdir(site) if n.lower().startswith(prefix))
        except OSError:
            names = []
        found.append(f"{package}:{','.join(n for n in names if n.endswith('.dist-info'))}")
    return ";".join(found)


def quick_digest(
    submission: Path, rule_dirs: list[Path] | None = None, profile: Path | None = None
) -> str | None:
    """The digest of what a check of `submission` would read; None when something
    cannot be read now (the check itself then says what)."""
    sha = hashlib.sha256()
    sha.update(f"sxcheck {__version__} readers {EXTRACTOR_READERS}\0".encode())
    sha.update(_bytes(f"ocr {_ocr_packages()}\0source {submission}\0"))
    try:
        _hash_tree(sha, "rules", DEFAULT_RULES_DIR)
        for folder in rule_dirs or []:
            _hash_tree(sha, "rules-dir", folder.resolve())
        if profile is not None:
            _hash_tree(sha, "profile", profile.resolve())
        if not submission.exists():
            return None
        _hash_tree(sha, "submission", submission.resolve())
    except OSError:
        return None
    return sha.hexdigest()
