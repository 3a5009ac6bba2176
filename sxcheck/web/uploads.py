"""Uploads: limits checked before anything is kept, packages kept by content.

An upload is a zip, or a folder's files (a browser's folder picker sends each
file with its path below the folder). Either way what is kept is one zip, named
by the sha256 of its bytes in the upload folder (never a served path), after the
same checks `sxcheck check` makes of a zip (archive.plan: entry names, counts,
sizes, ratio, no entry outside the folder). The request's size is refused from its
Content-Length before it is read, and counted while it is read for a request that
does not say it; the parsed parts are spooled to the system's temporary folder
and removed with the request.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import shutil
import tempfile
import time
import zipfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

from starlette.datastructures import UploadFile
from starlette.requests import Request

from sxcheck.errors import SubmissionError
from sxcheck.ingest.archive import plan
from sxcheck.web.settings import WebSettings

DECLARATIONS = ("submission.yaml", "submission.yml", "submission.xlsx")
CHUNK = 1024 * 1024


class UploadRefused(Exception):
    """The upload breaks a limit or is not a submission: one Chinese line, HTTP status."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.status = status


@dataclass
class Upload:
    sha256: str
    path: Path  # the kept zip
    filename: str  # as the user named it (a zip's name or the folder's)
    size: int


def _mib(n: int) -> str:
    return f"{n / 1024**2:.0f} MiB"


def limit_body(request: Request, most: int) -> None:
    """Refuse a request larger than `most` from its Content-Length, and make its body
    stream stop at `most` bytes when it gives none (chunked)."""
    length = request.headers.get("content-length")
    if length is not None:
        try:
            declared = int(length)
        except ValueError:
            raise UploadRefused("请求头 Content-Length 无效") from None
        if declared > most:
            raise UploadRefused(f"上传内容超过 {_mib(most)} 的上限，未保存任何内容", 413)
    seen = 0
    receive = request._receive

    async def counted() -> Any:
        nonlocal seen
        message = await receive()
        if message.get("type") == "http.request":
            seen += len(message.get("body", b""))
            if seen > most:
                raise UploadRefused(f"上传内容超过 {_mib(most)} 的上限，未保存任何内容", 413)
        return message

    request._receive = counted


def _folder_name(name: str) -> tuple[str, ...]:
    """A folder upload's file path, as parts; refuses what could land outside the folder."""
    pure = PurePosixPath(name.replace("\\", "/"))
    if pure.is_absolute() or ".." in pure.parts or not pure.parts or ":" in pure.parts[0]:
        raise UploadRefused(f"文件名不安全：{name[:80]}")
    return pure.parts


def _zip_of_files(files: list[UploadFile], target: Path, settings: WebSettings) -> str:
    """Write the folder's files into one zip; the folder's name."""
    if len(files) > settings.max_upload_files:
        raise UploadRefused(f"文件数 {len(files)} 超过 {settings.max_upload_files} 个的上限")
    names: set[str] = set()
    total = 0
    top: set[str] = set()
    with zipfile.ZipFile(target, "w", zipfile.ZIP_STORED) as archive:
        for upload in files:
            parts = _folder_name(upload.filename or "")
            key = "/".join(parts)
            if key in names:
                raise UploadRefused(f"文件重名：{key[:80]}")
            names.add(key)
            top.add(parts[0] if len(parts) > 1 else "")
            total += upload.size or 0
            if total > settings.max_unpacked_bytes:
                raise UploadRefused(f"文件合计超过 {_mib(settings.max_unpacked_bytes)} 的上限")
            with archive.open(key, "w", force_zip64=True) as out:
                shutil.copyfileobj(upload.file, out, CHUNK)
    if not any(PurePosixPath(n).name.lower() in DECLARATIONS for n in names):
        raise UploadRefused("所选文件中没有 submission.yaml 或 submission.xlsx（申报表）")
    return next(iter(top))[:200] if len(top) == 1 and "" not in top else "上传的文件夹"


def _check_zip(path: Path, settings: WebSettings) -> None:
    """The checks `sxcheck check` makes of a zip, before the zip is kept."""
    try:
        with zipfile.ZipFile(path) as archive:
            entries = plan(archive, path.stat().st_size)
    except SubmissionError as exc:
        raise UploadRefused(f"压缩包不安全或无法读取，未保存：{exc}") from None
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError) as exc:
        raise UploadRefused(f"不是可读取的 zip 压缩包，未保存：{exc}") from None
    unpacked = sum(info.file_size for info, _ in entries)
    if unpacked > settings.max_unpacked_bytes:
        raise UploadRefused(f"压缩包解压后超过 {_mib(settings.max_unpacked_bytes)} 的上限")
    if not any(parts[-1].lower() in DECLARATIONS for _, parts in entries):
        raise UploadRefused("压缩包中没有 submission.yaml 或 submission.xlsx（申报表）")


def keep(form: Any, settings: WebSettings) -> Upload:
    """The upload in the form (field `package`: one zip, or `files`: a folder's files),
    checked and kept by content; UploadRefused when it cannot be."""
    package = form.get("package")
    files = [f for f in form.getlist("files") if isinstance(f, UploadFile) and f.filename]
    if isinstance(package, UploadFile) and package.filename:
        if files:
            raise UploadRefused("请只选择一个 zip 压缩包，或一个文件夹的文件，不要同时选择")
        filename = PurePosixPath(package.filename.replace("\\", "/")).name[:200]
    elif files:
        filename = ""
    else:
        raise UploadRefused("请选择申报材料：一个 zip 压缩包，或含 submission.yaml 的文件夹")
    folder = settings.uploads()
    fd, name = tempfile.mkstemp(prefix=".incoming-", suffix=".zip", dir=folder)
    temporary = Path(name)
    try:
        with os.fdopen(fd, "wb") as out:
            if isinstance(package, UploadFile) and package.filename:
                shutil.copyfileobj(package.file, out, CHUNK)
        if files:
            filename = _zip_of_files(files, temporary, settings)
        _check_zip(temporary, settings)
        digest = hashlib.sha256()
        with open(temporary, "rb") as handle:
            for block in iter(lambda: handle.read(CHUNK), b""):
                digest.update(block)
        sha = digest.hexdigest()
        kept = path_of(settings, sha)
        kept.parent.mkdir(exist_ok=True, mode=0o700)
        size = temporary.stat().st_size
        os.replace(temporary, kept)  # the same bytes uploaded again replace themselves
        return Upload(sha, kept, filename, size)
    finally:
        temporary.unlink(missing_ok=True)


def remove_incoming(settings: WebSettings, older_than: float = 3600.0) -> None:
    """Remove what uploads cut short by a killed server left (`.incoming-*` files)."""
    cutoff = time.time() - older_than
    for leftover in settings.uploads().glob(".incoming-*"):
        with contextlib.suppress(OSError):
            if leftover.stat().st_mtime < cutoff:
                leftover.unlink()


def path_of(settings: WebSettings, sha: str) -> Path:
    if len(sha) != 64 or any(c not in "0123456789abcdef" for c in sha):
        raise ValueError("not a sha256")
    return settings.uploads() / sha[:2] / f"{sha}.zip"
