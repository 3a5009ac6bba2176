"""Extract a submission zip safely into a folder of sxcheck's.

No entry can land outside the target (no `..`, absolute paths or symlinks), two
entries can never share a name, and sizes and counts are bounded before
anything is written: every problem, damaged data included, is a one-line
SubmissionError naming the zip and the entry, never a traceback.

Zips are unpacked under `<tmp>/sxcheck-work-<uid>/<pid>-<random>/`, a folder
locked by its owner: a run killed by SIGKILL cannot remove its folder, so the
next run removes every folder whose owner is gone (`work_folder`).
"""

from __future__ import annotations

import contextlib
import errno
import lzma
import os
import shutil
import stat
import struct
import tempfile
import zipfile
import zlib
from collections.abc import Iterator
from pathlib import Path, PurePosixPath

from sxcheck.errors import SubmissionError
from sxcheck.limits import (
    MAX_FILE_BYTES,
    MAX_NAME_CHARS,
    MAX_PATH_DEPTH,
    MAX_UNPACKED_BYTES,
    MAX_ZIP_ENTRIES,
    MAX_ZIP_RATIO,
)

try:  # POSIX: the owner holds a lock on its folder for as long as it runs
    import fcntl
except ImportError:  # pragma: no cover - Windows: the owner's pid alone decides
    fcntl = None  # type: ignore[assignment]

MAX_ENTRIES = MAX_ZIP_ENTRIES
MAX_TOTAL_BYTES = MAX_UNPACKED_BYTES
MAX_RATIO = MAX_ZIP_RATIO
RATIO_FROM = 1024**2  # the ratio is checked for entries, and zips, unpacking to more
DIRECTORY_BYTES_PER_ENTRY = 4096  # a central-directory record: 46 bytes, a name, extra fields
MAX_COMPONENT_BYTES = 255  # one file or folder name (NAME_MAX of Linux and macOS file systems)
# What zipfile can unpack; anything else (99 is WinZip AES) is refused before reading.
METHODS = {zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED, zipfile.ZIP_BZIP2, zipfile.ZIP_LZMA}
METHOD_NAMES = {6: "implode", 9: "deflate64", 93: "zstd", 95: "xz", 98: "ppmd", 99: "AES"}
WORK = "sxcheck-work"
LOCK = "owner.lock"
TREE = "tree"  # the unpacked zip, beside the lock


def shown(name: str) -> str:
    """A name as an error message may show it: control characters and undecodable
    bytes escaped (nothing raw reaches a terminal), and cut to MAX_NAME_CHARS."""
    text = name.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
    text = "".join(c if c.isprintable() else ascii(c)[1:-1] for c in text)
    return text if len(text) <= MAX_NAME_CHARS else text[: MAX_NAME_CHARS - 1] + "…"


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


def _precheck(archive_path: Path) -> None:
    """Count the entries from the end record before zipfile parses every one of them
    (a directory of millions of entries costs seconds and hundreds of MiB to parse)."""
    try:
        with open(archive_path, "rb") as handle:
            end = zipfile._EndRecData(handle)  # type: ignore[attr-defined]
    except (OSError, ValueError, struct.error):
        return  # zipfile says what is wrong
    if not end:
        return
    entries, directory = end[zipfile._ECD_ENTRIES_TOTAL], end[zipfile._ECD_SIZE]  # type: ignore[attr-defined]
    if entries > MAX_ENTRIES:
        raise SubmissionError(f"unsafe zip: {entries} entries (limit {MAX_ENTRIES})")
    if directory > MAX_ENTRIES * DIRECTORY_BYTES_PER_ENTRY:
        raise SubmissionError(
            f"unsafe zip: a directory of {directory} bytes"
            f" (limit {MAX_ENTRIES * DIRECTORY_BYTES_PER_ENTRY})"
        )


def _open(archive_path: Path) -> zipfile.ZipFile:
    zip_name = shown(archive_path.name)
    _precheck(archive_path)
    try:
        return zipfile.ZipFile(archive_path)
    except UnicodeDecodeError:
        raise SubmissionError(
            f"{zip_name}: not a readable zip file (an entry name marked UTF-8 is not UTF-8)"
        ) from None
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, ValueError) as exc:
        raise SubmissionError(f"{zip_name}: not a readable zip file ({exc})") from None
    except OSError as exc:
        raise SubmissionError(f"{zip_name}: not a readable zip file ({exc.strerror})") from None


def _parts(name: str) -> tuple[str, ...]:
    """The entry's path below the target; refuses what could land outside it."""
    pure = PurePosixPath(name.replace("\\", "/"))
    drive = pure.parts[0] if pure.parts else ""
    if pure.is_absolute() or name.startswith(("/", "\\")) or ":" in drive:
        raise SubmissionError(f"unsafe zip: absolute entry '{shown(name)}'")
    if ".." in pure.parts:
        raise SubmissionError(f"unsafe zip: entry '{shown(name)}' points outside the folder")
    return pure.parts


def _check_entry(info: zipfile.ZipInfo, name: str, parts: tuple[str, ...], size: int) -> None:
    """One entry's own problems, found from the directory before anything is unpacked."""
    label = f"entry '{shown(name)}'"
    if stat.S_ISLNK(info.external_attr >> 16):
        raise SubmissionError(f"unsafe zip: {label} is a symbolic link")
    if any(len(os.fsencode(part)) > MAX_COMPONENT_BYTES for part in parts):
        raise SubmissionError(
            f"unsafe zip: {label} has a name longer than {MAX_COMPONENT_BYTES} bytes"
        )
    levels = len(parts) if info.is_dir() else len(parts) - 1
    if levels > MAX_PATH_DEPTH:
        raise SubmissionError(
            f"unsafe zip: {label} is {levels} folders deep (limit {MAX_PATH_DEPTH})"
        )
    if info.is_dir():
        return
    if info.flag_bits & 0x1:
        raise SubmissionError(
            f"unsafe zip: {label} is encrypted; unzip it and submit the folder instead"
        )
    if info.compress_type not in METHODS:
        method = METHOD_NAMES.get(info.compress_type, "unknown")
        raise SubmissionError(
            f"unsafe zip: {label} uses compression method {info.compress_type} ({method}),"
            " which sxcheck cannot unpack"
        )
    if info.file_size > MAX_FILE_BYTES:
        raise SubmissionError(
            f"unsafe zip: {label} unpacks to {info.file_size} bytes (limit {MAX_FILE_BYTES})"
        )
    if info.file_size > RATIO_FROM and info.file_size > MAX_RATIO * max(
        min(info.compress_size, size), 1
    ):
        ratio = info.file_size // max(min(info.compress_size, size), 1)
        raise SubmissionError(
            f"unsafe zip: {label} is compressed {ratio}:1 (limit {MAX_RATIO}:1, zip bomb?)"
        )


def plan(archive: zipfile.ZipFile, size: int) -> list[tuple[zipfile.ZipInfo, tuple[str, ...]]]:
    """Every entry to unpack with its path, checked as a whole before anything is written:
    counts and sizes within the limits, no two entries with one name, no name both a
    file and a folder. `size` is the zip's size on disk (what the entries really occupy)."""
    members = archive.infolist()
    if len(members) > MAX_ENTRIES:
        raise SubmissionError(f"unsafe zip: {len(members)} entries (limit {MAX_ENTRIES})")
    total = 0
    files: set[str] = set()  # normalised paths: `d/a`, `d\\a`, `./d//a` are one
    folders: set[str] = set()
    result = []
    for info in members:
        name = entry_name(info)
        parts = _parts(name)
        if not parts:
            if info.is_dir():
                continue  # `./`: the top folder itself
            raise SubmissionError(f"unsafe zip: entry '{shown(name)}' has no file name")
        _check_entry(info, name, parts, size)
        key = "/".join(parts)
        folders.update("/".join(parts[:i]) for i in range(1, len(parts)))
        if info.is_dir():
            folders.add(key)
        else:
            if key in files:
                raise SubmissionError(
                    f"unsafe zip: two entries named '{shown(key)}' (a zip must name each file once)"
                )
            files.add(key)
            total += info.file_size
            if total > MAX_TOTAL_BYTES:
                raise SubmissionError(
                    f"unsafe zip: unpacks to more than {MAX_TOTAL_BYTES} bytes"
                    f" (limit {MAX_TOTAL_BYTES})"
                )
        result.append((info, parts))
    clash = sorted(folders.intersection(files))
    if clash:
        raise SubmissionError(f"unsafe zip: entry '{shown(clash[0])}' is both a file and a folder")
    if total > RATIO_FROM and total > MAX_RATIO * max(size, 1):
        raise SubmissionError(
            f"unsafe zip: unpacks to {total} bytes from {size},"
            f" {total // max(size, 1)}:1 (limit {MAX_RATIO}:1, zip bomb?)"
        )
    return result


def _damage(exc: BaseException) -> str:
    """What went wrong while unpacking, in a few fixed words (never the data)."""
    if isinstance(exc, zipfile.BadZipFile) and "CRC" in str(exc):
        return "damaged: bad CRC"
    if isinstance(exc, zlib.error | lzma.LZMAError | EOFError):
        return "damaged: bad compressed data"
    if isinstance(exc, zipfile.BadZipFile):
        return "damaged: its header does not match the zip's directory"
    if isinstance(exc, OSError) and exc.errno == errno.ENAMETOOLONG:
        return "cannot be unpacked: its name is too long for the file system"
    if isinstance(exc, OSError) and exc.strerror:
        return f"cannot be unpacked: {exc.strerror}"
    return f"cannot be unpacked ({type(exc).__name__})"


class _Oversize(Exception):
    """An entry yields more than its header declares."""


def _unpack(archive: zipfile.ZipFile, info: zipfile.ZipInfo, destination: Path) -> int:
    """Copy one entry, never more than it declares; returns the bytes written.
    `xb`: a name that exists already (it cannot: `plan`) is never overwritten."""
    written = 0
    with archive.open(info) as source, open(destination, "xb") as sink:
        while chunk := source.read(1024 * 1024):
            written += len(chunk)
            if written > info.file_size:
                raise _Oversize
            sink.write(chunk)
    return written


def safe_extract(archive_path: Path, target: Path) -> None:
    """Unpack the zip into the (empty) target, or raise one SubmissionError."""
    archive = _open(archive_path)
    zip_name = shown(archive_path.name)
    with archive:
        try:
            size = archive_path.stat().st_size
        except OSError as exc:
            raise SubmissionError(f"{zip_name}: cannot read ({exc.strerror})") from None
        entries = plan(archive, size)
        made: set[Path] = set()
        for info, parts in entries:
            destination = target.joinpath(*parts)
            folder = destination if info.is_dir() else destination.parent
            label = f"{zip_name}: entry '{shown('/'.join(parts))}'"
            try:
                if folder not in made:
                    folder.mkdir(parents=True, exist_ok=True)
                    made.add(folder)
                if info.is_dir():
                    continue
                written = _unpack(archive, info, destination)
            except _Oversize:
                raise SubmissionError(f"{label} damaged: larger than it declares") from None
            except (
                zipfile.BadZipFile,
                zlib.error,
                lzma.LZMAError,
                EOFError,
                OSError,
                NotImplementedError,
                RuntimeError,
                ValueError,
            ) as exc:
                raise SubmissionError(f"{label} {_damage(exc)}") from None
            if written != info.file_size:
                raise SubmissionError(f"{label} damaged: shorter than it declares")


# ------------------------------------------------------------ sxcheck's work folder


def _work_base() -> Path:
    """`<tmp>/sxcheck-work-<uid>`, private to this user; refuses one it does not own."""
    uid = os.getuid() if hasattr(os, "getuid") else 0
    base = Path(tempfile.gettempdir()) / f"{WORK}-{uid}"
    try:
        with contextlib.suppress(FileExistsError):
            base.mkdir(mode=0o700)
        info = base.lstat()
    except OSError as exc:
        raise SubmissionError(
            f"{base}: cannot make sxcheck's work folder ({exc.strerror})"
        ) from None
    if not stat.S_ISDIR(info.st_mode) or (hasattr(os, "getuid") and info.st_uid != uid):
        raise SubmissionError(f"{base}: not sxcheck's work folder (remove it)")
    return base


def _owner_alive(folder: Path) -> bool:
    """Whether the run that made `folder` still runs: it holds the lock (POSIX) or,
    without a lock file yet, its pid (the name's first part) is a live process."""
    lock = folder / LOCK
    if fcntl is not None and lock.is_file() and not lock.is_symlink():
        try:
            handle = os.open(lock, os.O_RDWR | getattr(os, "O_NOFOLLOW", 0))
        except OSError:
            return True
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            return True  # held: its owner runs
        finally:
            os.close(handle)
        return False
    try:
        os.kill(int(folder.name.split("-", 1)[0]), 0)
    except (ValueError, ProcessLookupError):
        return False
    except OSError:
        return True  # exists, owned by someone else
    return True


def remove_stale(base: Path) -> None:
    """Remove the folders of runs that were killed before they could clean up."""
    try:
        children = list(base.iterdir())
    except OSError:
        return
    for child in children:
        if child.is_symlink() or not child.is_dir() or not child.name.split("-", 1)[0].isdigit():
            continue
        if not _owner_alive(child):
            shutil.rmtree(child, ignore_errors=True)


@contextlib.contextmanager
def work_folder() -> Iterator[Path]:
    """A fresh empty folder to unpack into, locked while this run uses it and
    removed afterwards; stale folders of killed runs go first."""
    base = _work_base()
    remove_stale(base)
    try:
        folder = Path(tempfile.mkdtemp(prefix=f"{os.getpid()}-", dir=base))
    except OSError as exc:
        raise SubmissionError(f"{base}: cannot make a work folder ({exc.strerror})") from None
    handle = None
    try:
        if fcntl is not None:  # locked before it takes its name: never seen unlocked
            pending = folder / f"{LOCK}.new"
            handle = os.open(pending, os.O_RDWR | os.O_CREAT | os.O_EXCL, 0o600)
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            pending.rename(folder / LOCK)
        tree = folder / TREE
        tree.mkdir()
        yield tree
    finally:
        shutil.rmtree(folder, ignore_errors=True)
        if handle is not None:
            os.close(handle)


@contextlib.contextmanager
def terminate_cleanly() -> Iterator[None]:
    """While a submission is open, SIGTERM raises SystemExit (exit 143) so `finally`
    blocks run and the work folder goes. Only in the main thread of a main process
    that left SIGTERM at its default: a pool worker or a Dask thread keeps its own."""
    import multiprocessing
    import signal
    import threading

    def stop(signum: int, frame: object) -> None:
        raise SystemExit(128 + signum)

    if (
        threading.current_thread() is not threading.main_thread()
        or multiprocessing.parent_process() is not None
        or signal.getsignal(signal.SIGTERM) is not signal.SIG_DFL
    ):
        yield
        return
    signal.signal(signal.SIGTERM, stop)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
