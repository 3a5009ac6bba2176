"""The pure half of content once: how a part is written, hashed and joined back.

Shared by the SQLAlchemy store (store.content) and the re-check's sqlite3 fast path
(store.quick), so both read the same parts the same way; imports only the stdlib.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Iterator
from typing import Any

IN_CHUNK = 500  # shas per IN (...) query: well under every backend's parameter limit


def dumps(value: Any) -> str:
    """The JSON text a part is hashed and stored as (compact, UTF-8 as is)."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def sha_of(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def chunks(shas: Iterable[str]) -> Iterator[list[str]]:
    """The distinct shas, in order, IN_CHUNK at a time (one IN (...) query each)."""
    wanted = list(dict.fromkeys(shas))
    for start in range(0, len(wanted), IN_CHUNK):
        yield wanted[start : start + IN_CHUNK]


def join(head_json: str, body: str, judgments: Iterable[str]) -> dict[str, Any]:
    """The report's JSON data from its parts, keys in the report's own order."""
    head = json.loads(head_json)
    data: dict[str, Any] = json.loads(body)
    ordered = {"schema_version": data.pop("schema_version", 1), **head}
    ordered["summary"] = data.pop("summary")
    ordered["indicators"] = [json.loads(text) for text in judgments]
    ordered.update(data)
    return ordered
