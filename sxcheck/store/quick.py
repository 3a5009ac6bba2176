"""The re-check's fast path: an unchanged submission answered from a SQLite store
before any rule is loaded or any document looked up.

`check` first hashes what it would read (sxcheck.fingerprint). When a run recorded in
the store hashed the same and read every document whole, nothing a judgment depends
on can differ, so its judgments stand: a new run row is written that refers to the
same content (store.content) and copies the earlier run's small per-item rows, in one
`BEGIN IMMEDIATE` transaction, exactly as the full path records a reused run. Only the
stdlib is imported (sqlite3, json); the report is built as a pydantic model only when
something shows it (the summary table, --json, --report).

Anything unusual (a server URL, a store to migrate, a table or column missing, a lock
held too long, a damaged row) returns None: the full path then runs and says what is
wrong, as it always did. The fast path never reports an error of its own.
"""

from __future__ import annotations

import json
import os
import sqlite3
import time
import zlib
from contextlib import closing
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sxcheck.store.location import store_value
from sxcheck.store.parts import chunks, join, sha_of
from sxcheck.store.revision import head_revision

BUSY_TIMEOUT_S = 60
# the tables and columns of the current schema (a test checks them against store.tables):
# a store missing any is left to the full path, which refuses it with one line
SCHEMA = {
    "content": ("sha256", "data_zlib"),
    "extraction": (
        "sha256",
        "extractor_version",
        "kind",
        "pages",
        "status",
        "error",
        "notes_json",
        "units_zlib",
        "created_at",
        "info_json",
    ),
    "judgment": ("id", "run_id", "item_id", "status", "score", "codes", "judgment_sha"),
    "run": (
        "id",
        "input_digest",
        "started_at",
        "recorded_at",
        "finished_at",
        "tool_version",
        "rules_digest",
        "profile",
        "region",
        "level",
        "year",
        "source",
        "total_score",
        "counts_json",
        "documents_read",
        "documents_from_store",
        "report_json",
        "head_json",
        "body_sha",
        "facts_sha",
        "quick_digest",
        "kind",
    ),
    "run_document": ("id", "run_id", "path", "sha256", "size", "kind", "status", "error"),
    "decision": (
        "id",
        "region",
        "level",
        "item_id",
        "status",
        "reason",
        "decided_by",
        "role",
        "decided_at",
        "expires",
        "on_run",
        "engine_status",
        "based_on_json",
        "recorded_by",
    ),
    "web_user": (
        "name",
        "role",
        "region",
        "password_hash",
        "created_at",
        "disabled",
        "session_epoch",
    ),
    "web_job": (
        "id",
        "region",
        "level",
        "uploaded_by",
        "upload_sha",
        "filename",
        "state",
        "progress_json",
        "run_id",
        "error",
        "created_at",
        "started_at",
        "finished_at",
        "worker",
        "beat_at",
        "attempts",
    ),
}
# the run row's columns a reused run copies from the run it reuses
COPIED = (
    "input_digest",
    "tool_version",
    "rules_digest",
    "profile",
    "region",
    "level",
    "year",
    "source",
    "total_score",
    "counts_json",
    "report_json",
    "body_sha",
    "facts_sha",
    "quick_digest",
    "kind",
)


def sqlite_file(db: str | None) -> Path | None:
    """The SQLite file a `--db` (or SXCHECK_DB, or the default) names, when it is a
    plain file URL; None for anything else (a server, a URI with options)."""
    value = store_value(db)
    if "://" not in value:
        return Path(value).expanduser()
    prefix = "sqlite:///"
    if not value.startswith(prefix) or "?" in value or value == prefix:
        return None
    return Path(value[len(prefix) :]).expanduser()


@dataclass
class QuickRun:
    """The run the fast path recorded: its item statuses (for --fail-on) and, when
    asked for, its report as JSON data (Report.model_validate takes it)."""

    run_id: str
    statuses: list[tuple[str, str]]  # (item, status) in the report's order
    report: dict[str, Any] | None


def recheck(
    db: str | None, digest: str | None, started: float, want_report: bool
) -> QuickRun | None:
    """Record a reused run for `digest` and return it, or None (the full path runs).

    With `want_report` every part of the report is read and decoded before the run is
    recorded, so a damaged part sends the check down the full path (which judges again);
    without, the parts need only be present."""
    path = sqlite_file(db)
    if digest is None or path is None or not path.is_file():
        return None
    try:
        with closing(_connect(path)) as connection:
            return _record(connection, digest, started, want_report)
    except (sqlite3.Error, ValueError, TypeError, KeyError, AttributeError, zlib.error):
        return None


def _connect(path: Path) -> sqlite3.Connection:
    connection = sqlite3.connect(path, timeout=BUSY_TIMEOUT_S)
    connection.isolation_level = None  # transactions are begun explicitly
    connection.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_S * 1000}")
    return connection


def _whole(connection: sqlite3.Connection) -> bool:
    """The store is at the head revision with every table and column of it."""
    versions = connection.execute("SELECT version_num FROM alembic_version").fetchall()
    if versions != [(head_revision(),)]:
        return False  # to migrate (or not ours): the full path decides
    for table, columns in SCHEMA.items():
        found = {row[1] for row in connection.execute(f"PRAGMA table_info({table})")}
        if not found.issuperset(columns):
            return False
    return True


def _record(
    connection: sqlite3.Connection, digest: str, started: float, want_report: bool
) -> QuickRun | None:
    if not _whole(connection):
        return None
    connection.execute("PRAGMA foreign_keys=ON")
    connection.execute("BEGIN IMMEDIATE")
    try:
        found = _record_in(connection, digest, started, want_report)
    except BaseException:
        connection.execute("ROLLBACK")
        raise
    connection.execute("COMMIT" if found else "ROLLBACK")
    return found


def _record_in(
    connection: sqlite3.Connection, digest: str, started: float, want_report: bool
) -> QuickRun | None:
    columns = ", ".join(COPIED)
    row = connection.execute(
        f"SELECT id, head_json, {columns} FROM run WHERE quick_digest = ? "
        "ORDER BY recorded_at DESC LIMIT 1",
        (digest,),
    ).fetchone()
    if row is None or row[1] is None or row[COPIED.index("facts_sha") + 2] is None:
        return None
    previous, head = row[0], json.loads(row[1])
    region = row[COPIED.index("region") + 2]
    if connection.execute("SELECT 1 FROM decision WHERE region = ? LIMIT 1", (region,)).fetchone():
        return None  # reviewers decided on this region: the full path applies their decisions
    body_sha, facts_sha = row[COPIED.index("body_sha") + 2], row[COPIED.index("facts_sha") + 2]
    shas = [
        sha
        for (sha,) in connection.execute(
            "SELECT judgment_sha FROM judgment WHERE run_id = ? ORDER BY id", (previous,)
        )
    ]
    if want_report:
        texts = _content(connection, [body_sha, *shas])
    elif not _present(connection, [body_sha, facts_sha, *shas]):
        return None
    documents = connection.execute(
        "SELECT count(*) FROM run_document WHERE run_id = ? AND sha256 != ''", (previous,)
    ).fetchone()[0]
    finished = time.time()
    run_id = os.urandom(6).hex()  # as uuid4().hex[:12] elsewhere, without importing uuid
    run = head["run"]
    run.update(
        id=run_id,
        started_at=_stamp(started),
        finished_at=_stamp(finished),
        duration_seconds=round(finished - started, 3),
        documents_read=0,
        documents_from_store=documents,
        pages_ocred=0,
        judged_as_run=run.get("judged_as_run") or previous,
    )
    now = datetime.now(UTC).isoformat(timespec="microseconds")
    connection.execute(
        f"INSERT INTO run (id, started_at, recorded_at, finished_at, documents_read, "
        f"documents_from_store, head_json, {columns}) "
        f"SELECT ?, ?, ?, ?, 0, ?, ?, {columns} FROM run WHERE id = ?",
        (
            run_id,
            run["started_at"],
            now,
            run["finished_at"],
            documents,
            json.dumps(head, ensure_ascii=False, separators=(",", ":")),
            previous,
        ),
    )
    connection.execute(
        "INSERT INTO run_document (run_id, path, sha256, size, kind, status, error) "
        "SELECT ?, path, sha256, size, kind, status, error FROM run_document "
        "WHERE run_id = ? ORDER BY id",
        (run_id, previous),
    )
    connection.execute(
        "INSERT INTO judgment (run_id, item_id, status, score, codes, judgment_sha) "
        "SELECT ?, item_id, status, score, codes, judgment_sha FROM judgment "
        "WHERE run_id = ? ORDER BY id",
        (run_id, previous),
    )
    statuses = [
        (item, status)
        for item, status in connection.execute(
            "SELECT item_id, status FROM judgment WHERE run_id = ? ORDER BY id", (run_id,)
        )
    ]
    report = None
    if want_report:
        head_json = json.dumps(head, ensure_ascii=False, separators=(",", ":"))
        report = join(head_json, texts[body_sha], [texts[sha] for sha in shas])
    return QuickRun(run_id, statuses, report)


def _stamp(moment: float) -> str:
    return datetime.fromtimestamp(moment, UTC).isoformat(timespec="seconds")


def _present(connection: sqlite3.Connection, shas: list[str]) -> bool:
    found = wanted = 0
    for chunk in chunks(shas):
        marks = ", ".join("?" * len(chunk))
        wanted += len(chunk)
        found += connection.execute(
            f"SELECT count(*) FROM content WHERE sha256 IN ({marks})", chunk
        ).fetchone()[0]
    return found == wanted


def _content(connection: sqlite3.Connection, shas: list[str]) -> dict[str, str]:
    """The parts' texts; a part missing, not decoding or not hashing to its sha (as
    store.content.get checks) raises, and the full path then judges again."""
    texts: dict[str, str] = {}
    wanted = 0
    for chunk in chunks(shas):
        marks = ", ".join("?" * len(chunk))
        wanted += len(chunk)
        for sha, data in connection.execute(
            f"SELECT sha256, data_zlib FROM content WHERE sha256 IN ({marks})", chunk
        ):
            text = zlib.decompress(data).decode("utf-8")
            if sha_of(text) == sha:
                texts[sha] = text
    if len(texts) != wanted:
        raise ValueError("content missing or damaged")
    return texts
