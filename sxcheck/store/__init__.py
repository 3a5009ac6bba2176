"""Store: every run kept (SQLite by default, any SQLAlchemy URL), and the extraction
cache that makes a re-check pay only for the documents that changed.

The modules: `db` opens and checks a store, `tables` and `migrations` define it,
`runs` records and reads runs, `content` keeps what runs say once by hash, and
`quick` is the re-check's fast path on a SQLite file (stdlib sqlite3 only).

The names below are loaded on first use (PEP 562), so importing `sxcheck.store.quick`
costs neither SQLAlchemy nor pydantic: an unchanged re-check returns before either
would be needed.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sxcheck.store.db import resolve_url
    from sxcheck.store.errors import RunNotRecorded, StoreError
    from sxcheck.store.runs import (
        Store,
        _extraction_row,  # noqa: F401  (tests build rows with it)
        open_store,
        run_counts,
    )

__all__ = ["RunNotRecorded", "Store", "StoreError", "open_store", "resolve_url", "run_counts"]

_WHERE = {
    "StoreError": "sxcheck.store.errors",
    "resolve_url": "sxcheck.store.db",
    "RunNotRecorded": "sxcheck.store.errors",
    "Store": "sxcheck.store.runs",
    "open_store": "sxcheck.store.runs",
    "run_counts": "sxcheck.store.runs",
    "_extraction_row": "sxcheck.store.runs",
}


def __getattr__(name: str) -> Any:
    if name not in _WHERE:
        raise AttributeError(f"module 'sxcheck.store' has no attribute {name!r}")
    value = getattr(importlib.import_module(_WHERE[name]), name)
    globals()[name] = value
    return value
