"""Open a store: resolve its URL, tune SQLite for concurrent writers, migrate forward.

SQLite by default (`./sxcheck.db`), any SQLAlchemy URL with `--db` or
`SXCHECK_DB` (`postgresql+psycopg://user:pw@host/db` for a team). The schema
is versioned with Alembic: an older store is upgraded in place when opened; a
store written by a newer sxcheck is refused with a clear error, never touched.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from alembic.util.exc import CommandError
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, OperationalError, SQLAlchemyError

from sxcheck.errors import SxcheckError

DEFAULT_URL = "sqlite:///sxcheck.db"
MIGRATIONS = Path(__file__).resolve().parent / "migrations"
BUSY_TIMEOUT_MS = 60_000


class StoreError(SxcheckError):
    """The store cannot be opened or written (exit code 2, one line)."""


def resolve_url(db: str | None) -> str:
    """`--db` beats `SXCHECK_DB` beats ./sxcheck.db; a plain path means a SQLite file."""
    value = db or os.environ.get("SXCHECK_DB") or DEFAULT_URL
    if "://" not in value:
        value = f"sqlite:///{value}"
    return value


def _sqlite_tuning(engine: Engine) -> None:
    """WAL lets readers and one writer work at once; busy_timeout makes a second
    writer wait instead of failing; BEGIN IMMEDIATE takes the write lock at the
    start so two writers never deadlock upgrading a read lock."""

    @event.listens_for(engine, "connect")
    def _connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # transactions are begun below
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _begin(connection: Any) -> None:
        connection.exec_driver_sql("BEGIN IMMEDIATE")


def _alembic(connection: Any) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = connection
    return config


def _migrate(engine: Engine, url: str) -> None:
    with engine.begin() as connection:
        config = _alembic(connection)
        scripts = ScriptDirectory.from_config(config)
        current = MigrationContext.configure(connection).get_current_revision()
        head = scripts.get_current_head()
        if current == head:
            return
        if current is not None:
            try:
                scripts.get_revision(current)
            except CommandError:
                raise StoreError(
                    f"{_shown(url)}: written by a newer sxcheck (schema {current}, this version "
                    f"knows up to {head}); upgrade sxcheck to use it"
                ) from None
        command.upgrade(config, "head")


def _shown(url: str) -> str:
    """The URL without its password, for messages."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return url


def open_engine(db: str | None = None) -> Engine:
    """An engine on a migrated store, or StoreError with one line saying why."""
    url = resolve_url(db)
    try:
        parsed = make_url(url)
    except ArgumentError:
        raise StoreError(f"{url}: not a database URL (e.g. sqlite:///runs.db)") from None
    if parsed.get_backend_name() == "sqlite" and parsed.database not in (None, "", ":memory:"):
        parent = Path(parsed.database).expanduser().resolve().parent
        if not parent.is_dir():
            raise StoreError(f"{_shown(url)}: folder {parent} does not exist")
    try:
        engine = create_engine(url)
    except (ArgumentError, ImportError) as exc:
        raise StoreError(f"{_shown(url)}: cannot use this database ({exc})") from None
    if parsed.get_backend_name() == "sqlite":
        _sqlite_tuning(engine)
    try:
        _migrate(engine, url)
    except OperationalError as exc:
        raise StoreError(f"{_shown(url)}: cannot open the store ({_first_line(exc)})") from None
    except SQLAlchemyError as exc:
        raise StoreError(f"{_shown(url)}: not an sxcheck store ({_first_line(exc)})") from None
    return engine


def _first_line(exc: Exception) -> str:
    text = str(getattr(exc, "orig", None) or exc)
    return text.strip().splitlines()[0] if text.strip() else type(exc).__name__
