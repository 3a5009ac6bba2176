"""The re-check's fast path (issue 18): an unchanged submission is answered from the
store before any rule or document is loaded, records a run that refers to the same
content, and is the same run the full path would have recorded; anything that may
change a judgment sends the check down the full path."""

from __future__ import annotations

import json
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from .conftest import SAMPLE, run_cli

HEAVY = ("sqlalchemy", "sqlmodel", "pydantic", "sxcheck.catalogue", "sxcheck.ingest", "yaml")
VOLATILE = ("id", "started_at", "finished_at", "duration_seconds")


@pytest.fixture
def submission(tmp_path) -> Path:
    root = tmp_path / "晋阳市"
    shutil.copytree(SAMPLE, root)
    return root


def _check(root: Path, db: Path, *extra: str) -> dict:
    code, out, err = run_cli("check", str(root), "--db", str(db), "--json", *extra)
    assert code == 0, err
    return json.loads(out)


def _count(db: Path, sql: str, *args: object) -> int:
    with sqlite3.connect(db) as conn:
        return int(conn.execute(sql, args).fetchone()[0])


def _imported_by_check(root: Path, db: Path, *extra: str) -> tuple[int, set[str]]:
    """Run `sxcheck check` in a fresh interpreter; its exit code and the heavy modules it imported."""
    code = (
        "import sys\n"
        "from sxcheck.cli import main\n"
        "try:\n"
        f"    main({['check', str(root), '--db', str(db), *extra]!r})\n"
        "except SystemExit as exc:\n"
        "    code = exc.code or 0\n"
        f"heavy = sorted(m for m in sys.modules if m.split('.')[0] in {HEAVY!r} or "
        f"any(m == h or m.startswith(h + '.') for h in {HEAVY!r}))\n"
        "print(code, ' '.join(heavy))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout.splitlines()[-1]
    status, _, modules = out.partition(" ")
    return int(status), set(modules.split())


def _same_run(a: dict, b: dict) -> None:
    """Two reports of one judgment: equal but for the run's id and times."""
    assert {k: v for k, v in a.items() if k != "run"} == {k: v for k, v in b.items() if k != "run"}
    strip = lambda run: {k: v for k, v in run.items() if k not in VOLATILE}  # noqa: E731
    assert strip(a["run"]) == strip(b["run"])


def test_an_unchanged_recheck_loads_nothing_and_records_the_run_the_full_path_would(
    submission, tmp_path
):
    db = tmp_path / "runs.db"
    first = _check(submission, db)
    content = _count(db, "SELECT count(*) FROM content")
    code, heavy = _imported_by_check(submission, db, "--quiet")
    assert code == 0 and heavy == set(), heavy  # no rules, readers, store ORM or pydantic
    quick_id = _newest(db)
    # the same re-check through the full path: its quick digest forgotten
    with sqlite3.connect(db) as conn:
        conn.execute("UPDATE run SET quick_digest = ''")
    full = _check(submission, db)
    code, out, err = run_cli("show", quick_id, "--json", "--db", str(db))
    assert code == 0, err
    quick = json.loads(out)
    _same_run(quick, full)
    assert quick["run"]["judged_as_run"] == first["run"]["id"] == full["run"]["judged_as_run"]
    assert quick["run"]["documents_read"] == 0
    assert quick["run"]["documents_from_store"] == len(first["documents"])
    # the judgments are the first run's, and no content was written twice
    assert quick["indicators"] == first["indicators"]
    assert _count(db, "SELECT count(*) FROM content") == content
    assert _count(db, "SELECT count(*) FROM judgment WHERE run_id = ?", quick_id) == 69


def test_the_fast_path_shows_what_the_full_path_shows(submission, tmp_path):
    db = tmp_path / "runs.db"
    _check(submission, db)
    quick = _check(submission, db)  # --json: the report is built from the stored parts
    code, out, _ = run_cli("show", quick["run"]["id"], "--json", "--db", str(db))
    assert code == 0 and json.loads(out) == quick
    report = tmp_path / "again.html"
    code, out, err = run_cli("check", str(submission), "--db", str(db), "--report", str(report))
    assert code == 0, err
    assert "晋阳市" in out and report.stat().st_size > 1000
    # --fail-on answers from the stored statuses, as the full path does
    fails = any(j["status"] == "fail" for j in quick["indicators"])
    code, heavy = _imported_by_check(submission, db, "--quiet", "--fail-on", "fail")
    assert code == (1 if fails else 0) and heavy == set()


def test_what_may_change_a_judgment_takes_the_full_path(submission, tmp_path):
    db = tmp_path / "runs.db"
    first = _check(submission, db)
    # the same bytes touched again: still the fast path
    manifest = submission / "submission.yaml"
    manifest.write_bytes(manifest.read_bytes())
    assert _imported_by_check(submission, db, "--quiet")[1] == set()
    # a file added (even one the check ignores): the full path, which finds the inputs unchanged
    (submission / ".DS_Store").write_bytes(b"\0")
    code, heavy = _imported_by_check(submission, db, "--quiet")
    assert code == 0 and "sqlalchemy" in heavy
    assert _newest_row(db)["judged_as_run"] == first["run"]["id"]
    # a rule folder's file changed: judged again
    rules = tmp_path / "rules"
    rules.mkdir()
    _check(submission, db, "--rules-dir", str(rules))
    assert _imported_by_check(submission, db, "--quiet", "--rules-dir", str(rules))[1] == set()
    (rules / "note.txt").write_text("x", encoding="utf-8")
    assert _imported_by_check(submission, db, "--quiet", "--rules-dir", str(rules))[1]
    # a document edited: read again
    (submission / "佐证材料" / "补充说明.txt").write_text(
        "全市IPv6网站共50个，其中支持IPv6访问的48个。", encoding="utf-8"
    )
    again = _check(submission, db)
    assert again["run"]["documents_read"] == 1 and again["run"]["judged_as_run"] is None


def test_a_run_that_did_not_read_everything_is_never_answered_quickly(submission, tmp_path):
    db = tmp_path / "runs.db"
    report = _check(submission, db, "--doc-timeout", "0.1")  # too short for the scans' OCR
    assert "timeout" in json.dumps(report["documents"], ensure_ascii=False)
    assert _count(db, "SELECT count(*) FROM run WHERE quick_digest != ''") == 0
    assert _imported_by_check(submission, db, "--quiet")[1]  # the full path


def test_the_fast_path_leaves_unusual_stores_to_the_full_path(submission, tmp_path):
    from sxcheck.store.quick import sqlite_file

    assert sqlite_file("runs.db") == Path("runs.db")
    assert sqlite_file("sqlite:////x/runs.db") == Path("/x/runs.db")
    assert sqlite_file("sqlite:///runs.db?mode=ro") is None
    assert sqlite_file("postgresql+psycopg://u:p@h/db") is None
    db = tmp_path / "runs.db"
    _check(submission, db)
    with sqlite3.connect(db) as conn:
        conn.execute("PRAGMA foreign_keys=OFF")
        conn.execute("DROP TABLE extraction")
    code, out, err = run_cli("check", str(submission), "--db", str(db), "--quiet")
    assert code == 2 and "damaged: table extraction is missing" in err


def test_the_fast_paths_schema_is_the_stores():
    from sqlmodel import SQLModel

    import sxcheck.store.tables  # noqa: F401  (registers the tables)
    from sxcheck.catalogue.loader import DEFAULT_RULES_DIR
    from sxcheck.fingerprint import DEFAULT_RULES_DIR as FINGERPRINTED
    from sxcheck.store.quick import SCHEMA

    tables = {
        name: tuple(c.name for c in t.columns) for name, t in SQLModel.metadata.tables.items()
    }
    assert {k: set(v) for k, v in SCHEMA.items()} == {k: set(v) for k, v in tables.items()}
    assert FINGERPRINTED == DEFAULT_RULES_DIR


def _newest(db: Path) -> str:
    with sqlite3.connect(db) as conn:
        return conn.execute("SELECT id FROM run ORDER BY recorded_at DESC LIMIT 1").fetchone()[0]


def _newest_row(db: Path) -> dict:
    with sqlite3.connect(db) as conn:
        head = conn.execute(
            "SELECT head_json FROM run ORDER BY recorded_at DESC LIMIT 1"
        ).fetchone()[0]
    return json.loads(head)["run"]
