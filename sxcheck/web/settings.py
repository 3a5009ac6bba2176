"""Where `sxcheck serve` keeps things and what it accepts.

The store is the same as the CLI's (`--db`, SXCHECK_DB, or the user's default
store). Uploads and the session key live in a data folder beside a SQLite store
(or the user's data folder for a database URL), never under a served path:
uploads by the sha256 of their bytes, so the same package uploaded twice is kept
once. The session key is made once and kept (mode 0600), so sessions survive a
restart.
"""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass, field
from pathlib import Path

from sxcheck.limits import MAX_SUBMISSION_FILES, MAX_UNPACKED_BYTES, MiB
from sxcheck.store.location import default_store_file

MAX_UPLOAD_BYTES = 512 * MiB  # one upload request (a zip or a folder's files)
MAX_UPLOAD_FILES = MAX_SUBMISSION_FILES  # files of a folder upload
SESSION_HOURS = 8
LOGIN_FAILURES = 5  # wrong passwords for one account (or from one address) ...
LOGIN_WINDOW_SECONDS = 15 * 60  # ... within this window: logins refused until it passes


@dataclass
class WebSettings:
    db: str | None = None  # as the CLI's --db
    data_dir: Path | None = None  # uploads/ and the session key; default: beside the store
    workers: int = 2  # background check processes
    scheduler: str | None = None  # a Dask scheduler address: checks run on its workers
    https_only: bool = False  # session cookie marked Secure (behind a TLS proxy)
    max_upload_bytes: int = MAX_UPLOAD_BYTES
    max_upload_files: int = MAX_UPLOAD_FILES
    max_unpacked_bytes: int = MAX_UNPACKED_BYTES
    login_failures: int = LOGIN_FAILURES
    login_window: float = LOGIN_WINDOW_SECONDS
    doc_seconds: float | None = None  # per-document limits of the checks (None: the CLI's)
    doc_memory_mb: int | None = None
    run_seconds: float | None = None
    secret_key: str = field(default="", repr=False)

    def folder(self) -> Path:
        """The data folder (created, mode 0700)."""
        if self.data_dir is not None:
            base = self.data_dir
        else:
            db = self.db or os.environ.get("SXCHECK_DB")
            if db and "://" not in db:
                base = Path(db).expanduser().resolve().parent / "sxcheck-web"
            else:
                base = default_store_file().parent / "web"
        base.mkdir(parents=True, exist_ok=True, mode=0o700)
        return base

    def uploads(self) -> Path:
        path = self.folder() / "uploads"
        path.mkdir(exist_ok=True, mode=0o700)
        return path

    def key(self) -> str:
        """The session-signing key: given, or made once and kept in the data folder."""
        if self.secret_key:
            return self.secret_key
        path = self.folder() / "session.key"
        if not path.exists():
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "w") as handle:
                handle.write(secrets.token_hex(32))
        self.secret_key = path.read_text().strip()
        return self.secret_key
