"""The schema's head revision, read from the migration files' own lines (stdlib only).

Opening a current store compares its `alembic_version` with this, so neither a normal
open (store.db) nor the re-check's fast path (store.quick) imports Alembic; a test
checks it is the head Alembic itself finds.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

MIGRATIONS = Path(__file__).resolve().parent / "migrations"

_REVISION = re.compile(r"^(down_revision|revision)\s*=\s*(None|\"[^\"]*\"|'[^']*')\s*$", re.M)


@cache
def head_revision() -> str | None:
    """The head revision; None when the files do not say plainly (then Alembic decides)."""
    revisions: dict[str, str | None] = {}
    for path in sorted((MIGRATIONS / "versions").glob("*.py")):
        found = _REVISION.finditer(path.read_text(encoding="utf-8"))
        lines: dict[str, str] = {m[1]: m[2] for m in found}
        if set(lines) != {"revision", "down_revision"} or lines["revision"] == "None":
            return None
        down = lines["down_revision"]
        revisions[lines["revision"][1:-1]] = None if down == "None" else down[1:-1]
    heads = set(revisions) - set(revisions.values())
    return heads.pop() if len(heads) == 1 else None
