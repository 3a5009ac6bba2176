"""Hostile stores (issue 13): a junk file, somebody else's database, a dropped table or
column, damaged rows, a read-only file or folder, bad URLs; for history, check, show and
diff. Each is one line naming the store and exit 2, nothing written to a store that is not
sxcheck's (sha256 before and after), no earlier report or run lost."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
import zlib
from collections.abc import Iterator
from contextlib import closing, contextmanager
from pathlib import Path

import pytest
from click.testing import CliRunner

from sxcheck.cli import main

from .conftest import MINIMAL

SXCHECK = str(Path(sys.executable).with_name("sxcheck"))
REGION = "测试县"
EVIDENCE = "全市IPv6网站共50个，其中支持IPv6访问的48个。"
COMMANDS = ("history", "check", "show", "diff")
NOBODY = 65534


def run(*args: str, env: dict[str, str] | None = None) -> tuple[int, str, str]:
    """The CLI in process; an uncaught exception fails the test (no traceback escapes)."""
    result = CliRunner().invoke(main, list(args), catch_exceptions=False, env=env)
    return result.exit_code, result.stdout, result.stderr


@contextmanager
def connected(path: Path) -> Iterator[sqlite3.Connection]:
    """sqlite3 directly (as an attacker would), committed and closed: no WAL left open."""
    with closing(sqlite3.connect(path)) as conn, conn:
        yield conn


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def write_submission(root: Path) -> Path:
    (root / "佐证材料").mkdir(parents=True, exist_ok=True)
    (root / "submission.yaml").write_text(MINIMAL, encoding="utf-8")
    (root / "佐证材料" / "a.txt").write_text(EVIDENCE, encoding="utf-8")
    return root


@pytest.fixture(scope="module")
def template(tmp_path_factory) -> tuple[Path, Path, list[str]]:
    """A real store with two runs of one small submission (newest first), built once."""
    base = tmp_path_factory.mktemp("template")
    sub = write_submission(base / "sub")
    db = base / "runs.db"
    env = {**os.environ, "SXCHECK_DB": str(db)}
    for _ in range(2):
        done = subprocess.run(
            [SXCHECK, "check", str(sub), "--quiet"], env=env, capture_output=True, text=True
        )
        assert done.returncode == 0, done.stderr
    with connected(db) as conn:
        ids = [r[0] for r in conn.execute("SELECT id FROM run ORDER BY recorded_at DESC")]
    assert len(ids) == 2 and not Path(f"{db}-wal").exists()
    return sub, db, ids


@pytest.fixture
def store(template, tmp_path) -> Path:
    """A private copy of the template store."""
    copy = tmp_path / "store" / "runs.db"
    copy.parent.mkdir()
    shutil.copy(template[1], copy)
    return copy


def args_for(command: str, db: Path | str, template) -> list[str]:
    sub, _, ids = template
    return {
        "history": ["history"],
        "check": ["check", str(sub), "--quiet"],
        "show": ["show", ids[0]],
        "diff": ["diff", REGION],
    }[command] + ["--db", str(db)]


def refused(command: str, db: Path, template, message: str, tmp_path: Path) -> None:
    """The command fails with exactly this line, the file is byte-identical, no side
    file appears and an earlier --report of `check` is kept."""
    before = digest(db)
    extra: list[str] = []
    earlier = tmp_path / "earlier.json"
    earlier.write_text('{"earlier": true}', encoding="utf-8")
    if command == "check":
        extra = ["--report", str(earlier)]
    started = time.monotonic()
    code, out, err = run(*args_for(command, db, template), *extra)
    assert time.monotonic() - started < 60
    assert (code, err) == (2, f"sxcheck: error: {message}\n"), (code, out, err)
    assert digest(db) == before
    wal = Path(f"{db}-wal")  # reading a WAL-mode store may leave an empty -wal beside it
    assert not Path(f"{db}-journal").exists() and (not wal.exists() or wal.stat().st_size == 0)
    assert earlier.read_text(encoding="utf-8") == '{"earlier": true}'


# ------------------------------------------------------------ 1. junk files


@pytest.mark.parametrize("command", COMMANDS)
@pytest.mark.parametrize(
    "content", [os.urandom(8192), b"just some notes\n" * 50], ids=["random", "text"]
)
def test_a_junk_file_is_refused_untouched(command, content, template, tmp_path):
    db = tmp_path / "junk.db"
    db.write_bytes(content)
    message = f"store {db}: not an SQLite database; nothing was written"
    refused(command, db, template, message, tmp_path)


def test_a_junk_file_named_by_sxcheck_db_is_refused(template, tmp_path):
    db = tmp_path / "junk.db"
    db.write_bytes(b"\x00\xff" * 4096)
    for command in COMMANDS:
        args = args_for(command, db, template)[:-2]  # no --db: the environment names it
        code, _, err = run(*args, env={"SXCHECK_DB": str(db)})
        assert (code, err) == (
            2,
            f"sxcheck: error: store {db}: not an SQLite database; nothing was written\n",
        )


def test_a_damaged_sqlite_file_is_refused(store, template, tmp_path):
    data = bytearray(store.read_bytes())
    data[100:4096] = os.urandom(3996)  # the header survives, the schema page does not
    store.write_bytes(bytes(data))
    for command in COMMANDS:
        code, _, err = run(*args_for(command, store, template))
        assert code == 2 and err.startswith(f"sxcheck: error: store {store}: damaged or not")
        assert err.endswith("; nothing was written\n") and err.count("\n") == 1


# ------------------------------------------------------------ 2. somebody else's database


def _foreign(path: Path) -> Path:
    with connected(path) as conn:
        conn.execute("CREATE TABLE invoices (id INTEGER PRIMARY KEY, total REAL)")
        conn.execute("INSERT INTO invoices (total) VALUES (12.5)")
    return path


@pytest.mark.parametrize("command", COMMANDS)
def test_somebody_elses_database_is_never_written(command, template, tmp_path):
    db = _foreign(tmp_path / "accounts.db")
    message = f"store {db}: not an sxcheck store (it has other tables); nothing was written"
    refused(command, db, template, message, tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["accounts.db", "earlier.json"]


def test_somebody_elses_alembic_database_is_never_written(template, tmp_path):
    db = _foreign(tmp_path / "app.db")
    with connected(db) as conn:
        conn.execute("CREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL)")
        conn.execute("INSERT INTO alembic_version VALUES ('ae1027a6acf')")
    message = f"store {db}: not an sxcheck store (it has other tables); nothing was written"
    for command in COMMANDS:
        refused(command, db, template, message, tmp_path)


# ------------------------------------------------------------ 3. a dropped table or column


@pytest.mark.parametrize("command", COMMANDS)
@pytest.mark.parametrize("table", ["content", "run", "extraction"])
def test_a_store_with_a_dropped_table_is_refused(command, table, store, template, tmp_path):
    with connected(store) as conn:
        conn.execute("PRAGMA foreign_keys=OFF")
        conn.execute(f"DROP TABLE {table}")
    message = f"store {store}: damaged: table {table} is missing; nothing was written"
    refused(command, store, template, message, tmp_path)


def test_a_store_with_a_dropped_column_is_refused(store, template, tmp_path):
    with connected(store) as conn:
        conn.execute("ALTER TABLE run DROP COLUMN profile")
    message = f"store {store}: damaged: column run.profile is missing; nothing was written"
    for command in COMMANDS:
        refused(command, store, template, message, tmp_path)


# ------------------------------------------------------------ 4/7. damaged rows


def test_a_damaged_report_row_fails_only_that_run(store, template, tmp_path):
    _, _, (newest, oldest) = template
    with connected(store) as conn:
        conn.execute("UPDATE run SET head_json = '{not json' WHERE id = ?", (newest,))
    damaged = (
        f"sxcheck: error: store {store}: run {newest}: its stored report is damaged "
        "(not a valid report); the other runs are unaffected\n"
    )
    assert run("show", newest, "--db", str(store))[::2] == (2, damaged)
    assert run("show", newest, "--json", "--db", str(store))[::2] == (2, damaged)
    assert run("diff", oldest, newest, "--db", str(store))[::2] == (2, damaged)
    assert run("diff", REGION, "--db", str(store))[::2] == (2, damaged)
    code, out, _ = run("show", oldest, "--json", "--db", str(store))
    assert code == 0 and json.loads(out)["run"]["id"] == oldest
    code, out, _ = run("history", "--db", str(store))
    assert code == 0 and newest in out and oldest in out


def test_history_lists_the_other_runs_past_a_damaged_row(store, template):
    _, _, (newest, oldest) = template
    with connected(store) as conn:
        conn.execute("UPDATE run SET counts_json = x'789c' WHERE id = ?", (newest,))
    code, out, err = run("history", "--db", str(store))
    lines = out.splitlines()
    assert (code, err) == (0, f"(2 run(s) shown from store {store})\n")
    assert lines[0] == f"{newest}  (its stored row is damaged)"
    assert lines[1].startswith(oldest) and "pass " in lines[1]


def test_a_recheck_reads_again_past_damaged_cached_rows(store, template):
    """Bad zlib in every stored part of the reports and facts, bad zlib and JSON in the
    extraction cache: the re-check judges and reads again, as if nothing were stored,
    and writes the damaged parts again, so its run shows whole."""
    sub = template[0]
    with connected(store) as conn:
        conn.execute("UPDATE content SET data_zlib = x'00112233'")
        conn.execute("UPDATE extraction SET units_zlib = x'00112233', notes_json = '{'")
        runs = conn.execute("SELECT count(*) FROM run").fetchone()[0]
    code, out, err = run("check", str(sub), "--json", "--db", str(store))
    assert code == 0, err
    report = json.loads(out)
    assert report["run"]["documents_read"] == 1 and report["run"]["documents_from_store"] == 0
    assert [d["status"] for d in report["documents"]] == ["ok"]
    with connected(store) as conn:
        assert conn.execute("SELECT count(*) FROM run").fetchone()[0] == runs + 1
    code, out, err = run("show", report["run"]["id"], "--json", "--db", str(store))
    assert code == 0, err
    assert json.loads(out) == report


def test_a_recheck_reads_again_past_a_cached_row_that_does_not_validate(store, template):
    sub = template[0]
    with connected(store) as conn:
        conn.execute("UPDATE extraction SET units_zlib = ?", (zlib.compress(b"[42]"),))
        # no reusable judgments either
        conn.execute("UPDATE run SET input_digest = 'x', quick_digest = ''")
    code, out, err = run("check", str(sub), "--json", "--db", str(store))
    assert code == 0, err
    assert json.loads(out)["run"]["documents_read"] == 1


# ------------------------------------------------------------ 5. read-only


@pytest.fixture
def shared() -> Iterator[Path]:
    """A folder another user can reach (pytest's own tmp folders are root's, mode 0700)."""
    folder = Path(tempfile.mkdtemp(prefix="sxcheck-ro-", dir="/tmp"))
    folder.chmod(0o755)
    yield folder
    for path in [folder, *folder.rglob("*")]:
        if path.is_dir():
            path.chmod(0o755)
    shutil.rmtree(folder)


def as_unprivileged(args: list[str], home: Path) -> subprocess.CompletedProcess[str]:
    """As root chmod stops nothing, so root runs the command as nobody (setpriv);
    any other user is already stopped by the modes."""
    command = [SXCHECK, *args]
    if os.geteuid() == 0:
        setpriv = shutil.which("setpriv")
        assert setpriv, "setpriv (util-linux) is needed to drop root for the read-only tests"
        command = [setpriv, f"--reuid={NOBODY}", f"--regid={NOBODY}", "--clear-groups", *command]
    env = {k: v for k, v in os.environ.items() if k != "SXCHECK_DB"}
    return subprocess.run(
        command, env={**env, "HOME": str(home)}, capture_output=True, text=True, timeout=300
    )


@pytest.mark.parametrize("folder_writable", [False, True], ids=["ro-folder", "rw-folder"])
def test_a_read_only_store(folder_writable, template, shared):
    sub_src, db_src, (newest, _) = template
    sub = shutil.copytree(sub_src, shared / "sub")
    for path in [sub, *sub.rglob("*")]:
        path.chmod(0o755 if path.is_dir() else 0o644)
    folder = shared / "store"
    folder.mkdir()
    db = folder / "runs.db"
    shutil.copy(db_src, db)
    db.chmod(0o444)
    if folder_writable:
        os.chown(folder, NOBODY if os.geteuid() == 0 else os.geteuid(), -1)
        folder.chmod(0o755)
    else:
        folder.chmod(0o555)
    before = digest(db)
    out = shared / "out"
    out.mkdir(mode=0o777)
    out.chmod(0o777)
    report = out / "r.json"
    done = as_unprivileged(
        ["check", str(sub), "--quiet", "--db", str(db), "--report", str(report)], out
    )
    assert done.returncode == 2 and "Traceback" not in done.stderr, done.stderr
    assert done.stderr == (
        f"sxcheck: error: store {db}: cannot record a run: read-only "
        "(attempt to write a readonly database); nothing was written\n"
    )
    assert not report.exists()  # refused before any work, not after it
    # reading a read-only store works, and writes nothing
    for args in (["history"], ["show", newest, "--json"], ["diff", REGION]):
        done = as_unprivileged([*args, "--db", str(db)], out)
        shown = f"(2 run(s) shown from store {db})\n" if args == ["history"] else ""
        assert done.returncode == 0 and done.stderr == shown, done.stderr
    assert newest in as_unprivileged(["history", "--db", str(db)], out).stdout
    assert digest(db) == before


def test_a_store_url_that_asks_for_read_only(store, template):
    url = f"sqlite:///file:{store}?mode=ro&uri=true"
    before = digest(store)
    code, _, err = run(*args_for("check", url, template))
    assert (code, err) == (
        2,
        f"sxcheck: error: store {store}: the URL opens it read-only; "
        "a check cannot record its run\n",
    )
    for command in ("history", "show", "diff"):
        assert run(*args_for(command, url, template))[0] == 0
    assert digest(store) == before


# ------------------------------------------------------------ 6. URLs and paths


@pytest.mark.parametrize("command", COMMANDS)
def test_bad_urls_and_paths(command, template, tmp_path):
    def error(db: str) -> str:
        code, _, err = run(*args_for(command, db, template))
        assert code == 2 and err.startswith("sxcheck: error: ") and err.count("\n") == 1, err
        return err.removeprefix("sxcheck: error: ").rstrip("\n")

    assert error("postgresql://u:secret@host:port/db") == (
        "store postgresql://u:***@host:port/db: not a database URL (e.g. sqlite:///runs.db)"
    )
    assert error("nosuchdriver://x/y").startswith("store nosuchdriver://x/y: cannot use this")
    assert error("mysql+nosuchdbapi://x/y").startswith("store mysql+nosuchdbapi://x/y: cannot")
    missing = tmp_path / "no" / "such" / "runs.db"
    assert error(str(missing)) == f"store {missing}: folder {missing.parent} does not exist"
    assert error(str(tmp_path)) == f"store {tmp_path}: not a file; nothing was written"
    absent = tmp_path / "absent.db"
    if command != "check":
        assert error(str(absent)) == f"no store at {absent} (a `sxcheck check` creates it)"
        assert not absent.exists()


def test_a_server_that_does_not_answer(template):
    url = "postgresql+psycopg://someone:pw@127.0.0.1:1/none"
    code, _, err = run(*args_for("history", url, template))
    assert code == 2 and err.count("\n") == 1
    assert err.startswith("sxcheck: error: store postgresql+psycopg://someone:***@127.0.0.1:1/none")
    assert "pw@" not in err


# ------------------------------------------------------------ the order: store, then reports


def test_a_store_failing_at_the_end_keeps_the_report_and_the_earlier_runs(
    store, template, tmp_path
):
    """The store is checked before any document is read; the run is judged, recorded,
    then the reports are written. If recording fails (here a trigger stands for a full
    disk), the reports are still written and every earlier run is kept."""
    sub, _, ids = template
    with connected(store) as conn:
        conn.execute(
            "CREATE TRIGGER full BEFORE INSERT ON run BEGIN SELECT RAISE(ABORT, 'disk full'); END"
        )
    report = tmp_path / "r.json"
    code, _, err = run("check", str(sub), "--quiet", "--report", str(report), "--db", str(store))
    assert (code, err) == (
        2,
        f"sxcheck: error: store {store}: the run was not recorded (disk full); "
        "no earlier run was changed\n",
    )
    written = json.loads(report.read_text(encoding="utf-8"))
    assert written["submission"]["region"] == REGION
    with connected(store) as conn:
        assert sorted(r[0] for r in conn.execute("SELECT id FROM run")) == sorted(ids)
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
