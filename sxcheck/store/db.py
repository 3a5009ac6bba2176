"""Open a store: resolve its URL, look before touching, migrate forward, tune SQLite.

SQLite by default (the user's `~/.local/share/sxcheck/sxcheck.db`, see store.location),
any SQLAlchemy URL with `--db` or `SXCHECK_DB` (`postgresql+psycopg://user:pw@host/db` for a team). The schema
is versioned with Alembic: an older store is upgraded in place when opened; a
store written by a newer sxcheck is refused with a clear error, never touched.
Alembic is imported only when the stored version is not the head revision (read
from the migration files' `revision =` lines): opening a current store, as every
run but the first does, never pays for it.

A `--db` may name anything, so a store is inspected through a read-only
connection first (`sqlite3` `mode=ro`, which cannot write even by accident;
the WAL switch would rewrite the file header): a file that is not SQLite,
somebody else's database, a store missing a table or column, or one that
cannot be written is refused with one line naming it, before any write and
before a `check` spends time reading documents. Read-only commands (`history`,
`show`, `diff`) never create a store and read through `mode=ro` connections.
"""

from __future__ import annotations

import re
import sqlite3
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from sqlalchemy import Engine, create_engine, event, inspect, text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError, SQLAlchemyError
from sqlalchemy.pool import NullPool
from sqlmodel import SQLModel

from sxcheck.store.errors import StoreError
from sxcheck.store.location import default_store_file, store_value
from sxcheck.store.revision import MIGRATIONS, head_revision

if TYPE_CHECKING:
    from alembic.config import Config
    from alembic.script import ScriptDirectory

BUSY_TIMEOUT_MS = 60_000
SQLITE_MAGIC = b"SQLite format 3\x00"
NOTHING_WRITTEN = "nothing was written"


@dataclass(frozen=True)
class Target:
    """Where a store is: the URL SQLAlchemy takes and how messages name it."""

    url: URL
    shown: str  # "store /x/y.db", or the URL without its password
    file: Path | None  # the SQLite file; None for a server or an in-memory database
    read_only: bool = False  # the URL itself asks for read-only (mode=ro, immutable)


def resolve_url(db: str | None) -> str:
    """`--db` beats `SXCHECK_DB` beats the user's default store; a plain path means a
    SQLite file."""
    value = store_value(db)
    if "://" not in value:
        value = f"sqlite:///{value}"
    return value


def target(db: str | None) -> Target:
    """Parse the store's URL; a malformed one is a one-line error, never a traceback."""
    value = resolve_url(db)
    try:
        url = make_url(value)
        backend = url.get_backend_name()
        url.port  # noqa: B018  (a port that is not a number raises only when read)
    except (ArgumentError, ValueError, TypeError):
        shown = re.sub(r"(//[^:/@]*:)[^@/]*@", r"\1***@", value)  # no password in the message
        raise StoreError(f"store {shown}: not a database URL (e.g. sqlite:///runs.db)") from None
    if backend != "sqlite":
        return Target(url, f"store {url.render_as_string(hide_password=True)}", None)
    database = url.database or ""
    uri = str(url.query.get("uri", "")).lower() in ("true", "1")
    if uri and database.startswith("file:"):
        database = database[len("file:") :].split("?", 1)[0]
    if database in ("", ":memory:"):
        return Target(url, "store :memory:", None)
    read_only = url.query.get("mode") == "ro" or "immutable" in url.query
    return Target(url, f"store {database}", Path(database).expanduser(), read_only)


def _alembic(connection: Any) -> Config:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = connection
    return config


def _first_line(exc: BaseException) -> str:
    text_ = str(getattr(exc, "orig", None) or exc)
    return text_.strip().splitlines()[0] if text_.strip() else type(exc).__name__


# ------------------------------------------------------------ looking first


def _check_file(where: Target, write: bool) -> None:
    """The SQLite file before any connection: its folder, its kind, its first bytes."""
    path = where.file
    assert path is not None
    parent = path.resolve().parent
    if write and not parent.exists() and path.resolve() == default_store_file().resolve():
        try:  # the user's own store: its folder is made on the first check
            parent.mkdir(parents=True)
        except OSError as exc:
            raise StoreError(
                f"{where.shown}: folder {parent} cannot be made ({exc.strerror})"
            ) from None
    if not parent.is_dir():
        if not write and path.resolve() == default_store_file().resolve():
            raise StoreError(f"no store at {path} (a `sxcheck check` creates it)")
        raise StoreError(f"{where.shown}: folder {parent} does not exist")
    if not path.exists():
        if not write:
            raise StoreError(f"no store at {path} (a `sxcheck check` creates it)")
        if where.read_only:
            raise StoreError(f"{where.shown}: does not exist and the URL opens it read-only")
        return
    if not path.is_file():
        raise StoreError(f"{where.shown}: not a file; {NOTHING_WRITTEN}")
    try:
        with path.open("rb") as handle:
            head = handle.read(len(SQLITE_MAGIC))
    except OSError as exc:
        raise StoreError(
            f"{where.shown}: cannot be read ({exc.strerror}); {NOTHING_WRITTEN}"
        ) from None
    if head and head != SQLITE_MAGIC:
        raise StoreError(f"{where.shown}: not an SQLite database; {NOTHING_WRITTEN}")


def _read_only_sqlite(path: Path) -> sqlite3.Connection:
    """A connection that cannot write. A store in WAL mode in a folder this user cannot
    write has no -shm to share, so it is read as an immutable snapshot, but only when no
    WAL holds newer pages (that snapshot would miss them)."""
    name = quote(str(path.resolve()))
    try:
        connection = sqlite3.connect(f"file:{name}?mode=ro", uri=True, check_same_thread=False)
        connection.execute("SELECT 1 FROM sqlite_master LIMIT 1").fetchall()
        return connection
    except sqlite3.OperationalError as exc:
        wal = path.with_name(path.name + "-wal")
        if "readonly" not in str(exc) or (wal.exists() and wal.stat().st_size > 0):
            raise
    return sqlite3.connect(f"file:{name}?immutable=1", uri=True, check_same_thread=False)


def _reader(where: Target) -> Engine:
    """An engine that only reads: `mode=ro` for a SQLite file, the URL itself otherwise."""
    if where.file is None:
        return create_engine(where.url, poolclass=NullPool)
    path = where.file
    engine = create_engine("sqlite://", creator=lambda: _read_only_sqlite(path), poolclass=NullPool)

    @event.listens_for(engine, "connect")
    def _connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # a read sees one snapshot: BEGIN below
        dbapi_connection.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")

    @event.listens_for(engine, "begin")
    def _begin(connection: Any) -> None:
        connection.exec_driver_sql("BEGIN")

    return engine


@dataclass(frozen=True)
class Found:
    """What a database holds, as far as sxcheck cares."""

    tables: dict[str, set[str]]  # table -> its columns
    version: str | None  # alembic_version.version_num, if there is one


def _look(engine: Engine) -> Found:
    with engine.connect() as connection:
        inspector = inspect(connection)
        tables = {
            name: {column["name"] for column in inspector.get_columns(name)}
            for name in inspector.get_table_names()
        }
        version = None
        if "alembic_version" in tables:
            rows = connection.execute(text("SELECT version_num FROM alembic_version")).all()
            version = str(rows[0][0]) if len(rows) == 1 else None
    return Found(tables, version)


def _expected() -> dict[str, set[str]]:
    import sxcheck.store.tables  # noqa: F401  (registers the tables)

    return {
        name: {c.name for c in table.columns} for name, table in SQLModel.metadata.tables.items()
    }


def _damage(where: Target, found: Found) -> str | None:
    """What a store at the current schema lacks, for a one-line refusal."""
    for table, columns in _expected().items():
        if table not in found.tables:
            return f"{where.shown}: damaged: table {table} is missing; {NOTHING_WRITTEN}"
        missing = sorted(columns - found.tables[table])
        if missing:
            return (
                f"{where.shown}: damaged: column {table}.{missing[0]} is missing; {NOTHING_WRITTEN}"
            )
    return None


def _classify(where: Target, found: Found, head: str | None, scripts: ScriptDirectory) -> bool:
    """Refuse what is not an sxcheck store; True when the schema must be upgraded."""
    others = set(found.tables) - {"alembic_version"}
    if not found.tables:
        return True
    ours = set(_expected())
    if found.version is None:
        if "alembic_version" in found.tables and others & ours:
            return _refuse(f"{where.shown}: damaged: it has no schema version; {NOTHING_WRITTEN}")
        if others:
            return _refuse(
                f"{where.shown}: not an sxcheck store (it has other tables); {NOTHING_WRITTEN}"
            )
        return True
    from alembic.util.exc import CommandError

    try:
        scripts.get_revision(found.version)
    except CommandError:
        if not others & ours:
            return _refuse(
                f"{where.shown}: not an sxcheck store (it has other tables); {NOTHING_WRITTEN}"
            )
        return _refuse(
            f"{where.shown}: written by a newer sxcheck (schema {found.version}, this version "
            f"knows up to {head}); upgrade sxcheck to use it"
        )
    return found.version != head


def _refuse(message: str) -> bool:
    raise StoreError(message)


_head = head_revision  # the name the tests and older code use


# ------------------------------------------------------------ writing


def _writer(where: Target) -> Engine:
    """WAL lets readers and one writer work at once; busy_timeout makes a second
    writer wait instead of failing; BEGIN IMMEDIATE takes the write lock at the
    start so two writers never deadlock upgrading a read lock.

    A SQLite file's connections are not pooled: each closes when its session ends. A
    connection left open in a process loses its locks when that process closes any
    other descriptor of the file (POSIX locks are per process, and `_check_file` reads
    the header), and a writer elsewhere may then take it for the last one and remove
    the WAL under it: one long-lived process checking twice (the tests, a service)
    saw the store as malformed until it restarted."""
    if where.url.get_backend_name() != "sqlite":
        return create_engine(where.url)
    engine = create_engine(where.url, poolclass=NullPool if where.file else None)

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

    return engine


def _upgrade(engine: Engine) -> None:
    from alembic import command

    with engine.begin() as connection:
        command.upgrade(_alembic(connection), "head")


def _probe(engine: Engine) -> None:
    """A write that changes nothing: a read-only file or role fails here, before the
    run is judged, not at the end of it."""
    with engine.begin() as connection:
        connection.execute(text("UPDATE alembic_version SET version_num = version_num WHERE 1 = 0"))


def _why(exc: BaseException) -> str:
    reason = _first_line(exc)
    if "readonly" in reason or "read-only" in reason or "permission denied" in reason.lower():
        return f"read-only ({reason})"
    return f"cannot be written ({reason})"


# ------------------------------------------------------------ opening


def open_engine(db: str | None = None, write: bool = True) -> Engine:
    """An engine on a checked, migrated store, or StoreError with one line saying why.

    `write=False` (history, show, diff): never creates a store, reads through a
    read-only connection; it still upgrades an older sxcheck store's schema."""
    where = target(db)
    if where.file is not None:
        _check_file(where, write)
    if write and where.read_only:
        raise StoreError(
            f"{where.shown}: the URL opens it read-only; a check cannot record its run"
        )
    try:
        reader = _reader(where)
    except (ArgumentError, ImportError) as exc:
        raise StoreError(f"{where.shown}: cannot use this database ({_first_line(exc)})") from None
    try:
        found = Found({}, None) if where.file and not where.file.exists() else _look(reader)
    except (SQLAlchemyError, sqlite3.Error) as exc:
        if where.file is not None:
            raise StoreError(
                f"{where.shown}: damaged or not a database ({_first_line(exc)}); {NOTHING_WRITTEN}"
            ) from None
        raise StoreError(f"{where.shown}: cannot open the store ({_first_line(exc)})") from None
    except (ImportError, ValueError, TypeError, OSError) as exc:
        raise StoreError(f"{where.shown}: cannot use this database ({_first_line(exc)})") from None
    finally:
        reader.dispose()
    if not found.tables and not write:
        raise StoreError(f"{where.shown}: empty, no runs recorded yet")
    if found.version is not None and found.version == _head():
        upgrade = False  # current: what _classify would say, without importing Alembic
    else:
        from alembic.script import ScriptDirectory

        scripts = ScriptDirectory.from_config(_alembic(None))
        upgrade = _classify(where, found, scripts.get_current_head(), scripts)
    if not upgrade and (damage := _damage(where, found)):
        raise StoreError(damage)
    if not write and not upgrade:
        return _reader(where)
    writer = _writer(where)
    try:
        if upgrade:
            _upgrade(writer)
        if write:
            _probe(writer)
    except SQLAlchemyError as exc:
        writer.dispose()
        action = (
            "cannot be created"
            if not found.tables
            else "cannot be upgraded"
            if upgrade
            else "cannot record a run"
        )
        raise StoreError(f"{where.shown}: {action}: {_why(exc)}; {NOTHING_WRITTEN}") from None
    if upgrade and found.tables and (damage := _damage(where, _look(writer))):
        writer.dispose()
        raise StoreError(damage)
    if write:
        return writer
    writer.dispose()
    return _reader(where)
