"""Where the store is when nobody says: one file per user, whatever the current folder.

`--db` beats `SXCHECK_DB` beats the user's data directory (`$XDG_DATA_HOME/sxcheck/
sxcheck.db`, by default `~/.local/share/sxcheck/sxcheck.db`), so `history` and `show`
find the runs a `check` recorded from any folder. Stdlib only: the re-check's fast
path (store.quick) resolves it too.
"""

from __future__ import annotations

import os
from pathlib import Path

FILE_NAME = "sxcheck.db"


def default_store_file() -> Path:
    """The store a user has when no --db or SXCHECK_DB names one."""
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base).expanduser() / "sxcheck" / FILE_NAME


def store_value(db: str | None) -> str:
    """`--db`, else SXCHECK_DB, else the default file: a path or a URL, as given."""
    return db or os.environ.get("SXCHECK_DB") or str(default_store_file())
