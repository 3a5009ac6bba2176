"""Extract a submission zip safely into a folder of sxcheck's.

No entry can land outside the target (no `..`, absolute paths or symlinks) and
sizes are bounded before anything is written; every problem is a one-line
SubmissionError naming the entry.
"""

from __future__ import annotations

import stat
import zipfile
from pathlib import Path, PurePosixPath

from sxcheck.errors import SubmissionError
from sxcheck.limits import MAX_FILE_BYTES, MAX_UNPACKED_BYTES, MAX_ZIP_ENTRIES, MAX_ZIP_RATIO

MAX_ENTRIES = MAX_ZIP_ENTRIES
MAX_TOTAL_BYTES = MAX_UNPACKED_BYTES
MAX_RATIO = MAX_ZIP_RATIO


def entry_name(info: zipfile.ZipInfo) -> str:
    """Decode an entry name: zips from Chinese Windows tools store GBK without the UTF-8 flag."""
    if info.flag_bits & 0x800:
        return info.filename
    raw = info.filename.encode("cp437", errors="replace")
    for encoding in ("utf-8", "gb18030"):
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    return info.filename


def safe_extract(archive_path: Path, target: Path) -> None:
    try:
        archive = zipfile.ZipFile(archive_path)
    except (zipfile.BadZipFile, OSError) as exc:
        raise SubmissionError(f"{archive_path.name}: not a readable zip file ({exc})") from None
    with archive:
        members = archive.infolist()
        if len(members) > MAX_ENTRIES:
            raise SubmissionError(f"unsafe zip: {len(members)} entries (limit {MAX_ENTRIES})")
        total = 0
        for info in members:
            name = entry_name(info)
            pure = PurePosixPath(name.replace("\\", "/"))
            drive = pure.parts[0] if pure.parts else ""
            if pure.is_absolute() or name.startswith(("/", "\\")) or ":" in drive:
                raise SubmissionError(f"unsafe zip: absolute entry '{name}'")
            if ".." in pure.parts:
                raise SubmissionError(f"unsafe zip: entry '{name}' points outside the folder")
            mode = info.external_attr >> 16
            if stat.S_ISLNK(mode):
                raise SubmissionError(f"unsafe zip: entry '{name}' is a symbolic link")
            if info.file_size > MAX_FILE_BYTES:
                raise SubmissionError(
                    f"unsafe zip: entry '{name}' unpacks to {info.file_size} bytes"
                )
            if info.file_size > 1024**2 and info.file_size > MAX_RATIO * max(info.compress_size, 1):
                raise SubmissionError(
                    f"unsafe zip: entry '{name}' is compressed {info.file_size // max(info.compress_size, 1)}:1 (zip bomb?)"
                )
            total += info.file_size
            if total > MAX_TOTAL_BYTES:
                raise SubmissionError(f"unsafe zip: unpacks to more than {MAX_TOTAL_BYTES} bytes")
        root = target.resolve()
        for info in members:
            pure = PurePosixPath(entry_name(info).replace("\\", "/"))
            destination = (root / Path(*pure.parts)).resolve()
            if not destination.is_relative_to(root):
                raise SubmissionError(f"unsafe zip: entry '{pure}' points outside the folder")
            if info.is_dir():
                destination.mkdir(parents=True, exist_ok=True)
                continue
            destination.parent.mkdir(parents=True, exist_ok=True)
            with archive.open(info) as source, open(destination, "wb") as sink:
                written = 0
                while chunk := source.read(1024 * 1024):
                    written += len(chunk)
                    if written > info.file_size or written > MAX_FILE_BYTES:
                        raise SubmissionError(
                            f"unsafe zip: entry '{pure}' is larger than it declares"
                        )
                    sink.write(chunk)
