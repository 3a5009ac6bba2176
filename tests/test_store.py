"""The store: runs recorded, history, diff, show, incremental re-checks, kill -9 safety,
concurrent writers, schema migration; on SQLite and on a real PostgreSQL server."""

from __future__ import annotations

import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from .conftest import SAMPLE, run_cli
from .docbuilders import para, write_docx

PG_URL = os.environ.get(
    "SXCHECK_TEST_PG", "postgresql+psycopg://sxcheck:sxcheck@127.0.0.1:5432/sxcheck_test"
)
SXCHECK = [str(Path(sys.executable).with_name("sxcheck"))]


def _postgres_available() -> str | None:
    try:
        engine = create_engine(PG_URL)
        with engine.connect() as conn:
            conn.execute(text("select 1"))
        engine.dispose()
        return None
    except Exception as exc:  # no driver, no server, no role: say which
        return f"{type(exc).__name__}: {str(exc).splitlines()[0][:120]}"


def _empty_postgres() -> str:
    engine = create_engine(PG_URL)
    with engine.begin() as conn:
        for table in (
            "web_job",
            "web_user",
            "decision",
            "content",
            "fact",
            "reason",
            "judgment",
            "run_document",
            "run",
            "extraction",
            "alembic_version",
        ):
            conn.execute(text(f"DROP TABLE IF EXISTS {table} CASCADE"))
    engine.dispose()
    return PG_URL


@pytest.fixture(params=["sqlite", "postgresql"])
def db(request, tmp_path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'runs.db'}"
    problem = _postgres_available()
    if problem:
        pytest.skip(f"no PostgreSQL server at {PG_URL} ({problem}); `make postgres` starts one")
    return _empty_postgres()


@pytest.fixture
def submission(tmp_path) -> Path:
    root = tmp_path / "晋阳市"
    shutil.copytree(SAMPLE, root)
    return root


def _check(root: Path, db: str, *extra: str) -> dict:
    code, out, err = run_cli("check", str(root), "--db", db, "--json", *extra)
    assert code == 0, err
    return json.loads(out)


def _judged(report: dict) -> list[tuple]:
    return [
        (j["id"], j["status"], j["score"], [r["code"] for r in j["reasons"]])
        for j in report["indicators"]
    ]


def test_a_recheck_of_an_unchanged_submission_reads_no_document(submission, db):
    first = _check(submission, db)
    documents = len(first["documents"])
    assert first["run"]["documents_read"] == documents and first["run"]["documents_from_store"] == 0
    second = _check(submission, db)
    assert second["run"]["documents_read"] == 0
    assert second["run"]["documents_from_store"] == documents
    assert _judged(second) == _judged(first)
    assert second["documents"] == first["documents"]
    # nothing an item depends on changed: the earlier judgments stand, as a new run
    assert second["run"]["judged_as_run"] == first["run"]["id"] != second["run"]["id"]
    # a changed declaration is judged again (documents still come from the store)
    manifest = submission / "submission.yaml"
    manifest.write_text(
        manifest.read_text(encoding="utf-8").replace(
            "310, denominator: 320", "300, denominator: 320"
        ),
        encoding="utf-8",
    )
    third = _check(submission, db)
    assert third["run"]["judged_as_run"] is None and third["run"]["documents_read"] == 0
    assert next(j for j in third["indicators"] if j["id"] == "1.1.1") != next(
        j for j in first["indicators"] if j["id"] == "1.1.1"
    )
    # quotes taken from the store still name this submission's files and pages
    assert [r["evidence"] for j in second["indicators"] for r in j["reasons"]] == [
        r["evidence"] for j in first["indicators"] for r in j["reasons"]
    ]


def test_editing_one_document_rereads_only_that_one(submission, db):
    _check(submission, db)
    (submission / "佐证材料" / "补充说明.txt").write_text(
        "全市IPv6网站共50个，其中支持IPv6访问的48个。", encoding="utf-8"
    )
    report = _check(submission, db)
    assert report["run"]["documents_read"] == 1
    assert report["run"]["documents_from_store"] == len(report["documents"]) - 1


def test_the_same_content_under_another_name_is_not_read_again(submission, db, tmp_path):
    _check(submission, db)
    renamed = tmp_path / "renamed"
    shutil.copytree(submission, renamed)
    source = renamed / "佐证材料" / "04-领导小组会议纪要（扫描件）.pdf"
    source.rename(source.with_name("会议纪要（2024）.pdf"))
    report = _check(renamed, db)
    assert report["run"]["documents_read"] == 0
    quotes = [e for j in report["indicators"] for r in j["reasons"] for e in r["evidence"]]
    assert any(e["document"] == "佐证材料/会议纪要（2024）.pdf" for e in quotes)
    assert not any("04-领导小组会议纪要" in e["document"] for e in quotes)


def test_history_diff_and_show(submission, db, tmp_path):
    first = _check(submission, db)
    docx = write_docx(
        submission / "佐证材料" / "07-等保整改报告.docx",
        [para("截至2024年12月，全市45个智慧城市平台系统已全部通过等级保护测评并完成整改。")],
    )
    assert docx.exists()
    (submission / "佐证材料" / "05-领导驾驶舱截图.png").unlink()
    second = _check(submission, db)

    code, out, err = run_cli("history", "--db", db)
    assert code == 0, err
    lines = out.strip().splitlines()
    assert [line.split()[0] for line in lines] == [
        second["run"]["id"],
        first["run"]["id"],
    ]  # newest first
    assert "晋阳市" in lines[0] and "pass" in lines[0] and "total" in lines[0]
    code, out, _ = run_cli("history", "汾东市", "--db", db)
    assert code == 0 and "no runs" in out

    out_json, out_html = tmp_path / "diff.json", tmp_path / "diff.html"
    code, out, err = run_cli(
        "diff", "晋阳市", "--db", db, "--report", str(out_json), "--report", str(out_html)
    )
    assert code == 0, err
    diff = json.loads(out_json.read_text(encoding="utf-8"))
    assert (diff["run_before"], diff["run_after"]) == (first["run"]["id"], second["run"]["id"])
    changes = {d["path"]: d["change"] for d in diff["documents"]}
    assert changes == {
        "佐证材料/07-等保整改报告.docx": "added",
        "佐证材料/05-领导驾驶舱截图.png": "removed",
    }
    item = next(i for i in diff["items"] if i["id"] == "7.1.4")
    assert any("inconsistent_figures" in r for r in item["reasons_added"])
    assert "7.1.4" in out and "document added: 佐证材料/07-等保整改报告.docx" in out
    html = out_html.read_text(encoding="utf-8")
    assert "07-等保整改报告.docx" in html and "7.1.4" in html

    # the same diff by run ids (prefixes as `history` shows them work too)
    code, out2, _ = run_cli("diff", first["run"]["id"][:8], second["run"]["id"], "--db", db)
    assert code == 0 and out2 == out

    # show: the stored report, exactly, without reading documents
    shutil.rmtree(submission)
    code, out, err = run_cli("show", first["run"]["id"], "--json", "--db", db)
    assert code == 0, err
    assert json.loads(out) == first
    report_md = tmp_path / "again.md"
    code, _, err = run_cli("show", first["run"]["id"], "--report", str(report_md), "--db", db)
    assert code == 0, err and "晋阳市" in report_md.read_text(encoding="utf-8")
    code, out, _ = run_cli("show", first["run"]["id"], "8.1.1", "--db", db)
    assert (
        code == 0
        and "established_and_working" in out
        and "04-领导小组会议纪要（扫描件）.pdf" in out
    )


def _create_store(path: Path) -> None:
    """An empty store; history, show and diff no longer create one (issue 13)."""
    from sxcheck.store import open_store

    open_store(str(path)).engine.dispose()


def test_unknown_runs_and_bad_urls_are_one_line_errors(tmp_path):
    db = f"sqlite:///{tmp_path / 'runs.db'}"
    _create_store(tmp_path / "runs.db")
    code, _, err = run_cli("show", "ffffffff", "--db", db)
    assert code == 2 and "no run 'ffffffff'" in err and err.count("\n") == 1
    code, _, err = run_cli("diff", "晋阳市", "--db", db)
    assert code == 2 and "no run of '晋阳市'" in err and str(tmp_path / "runs.db") in err
    code, _, err = run_cli("history", "--db", "nosuchdriver://x/y")
    assert code == 2 and err.startswith("sxcheck: error:") and err.count("\n") == 1
    code, _, err = run_cli("history", "--db", str(tmp_path / "missing" / "runs.db"))
    assert code == 2 and "does not exist" in err
    not_a_store = tmp_path / "notes.db"
    not_a_store.write_bytes(b"this is not sqlite" * 100)
    code, _, err = run_cli("history", "--db", str(not_a_store))
    assert code == 2 and err.count("\n") == 1


def test_a_store_from_a_newer_sxcheck_is_refused_untouched(tmp_path):
    path = tmp_path / "runs.db"
    _create_store(path)
    assert run_cli("history", "--db", str(path))[0] == 0
    with sqlite3.connect(path) as conn:
        conn.execute("UPDATE alembic_version SET version_num = '0099'")
    before = path.read_bytes()
    code, _, err = run_cli("history", "--db", str(path))
    assert code == 2 and "newer sxcheck" in err and "0099" in err
    assert path.read_bytes() == before


def test_an_older_store_is_migrated_forward_keeping_its_runs(tmp_path, submission):
    """A store of the first release, then one of revision 0003 holding a run (its whole
    report in run.report_json, reasons and facts as rows): opening it migrates, and the
    run shows exactly as it was recorded, now from content kept once."""
    from alembic import command

    from sxcheck.store.db import _alembic

    path = tmp_path / "old.db"
    engine = create_engine(f"sqlite:///{path}")
    with engine.begin() as conn:
        command.upgrade(_alembic(conn), "0001")  # the store as the first release wrote it
    engine.dispose()
    with sqlite3.connect(path) as conn:
        assert "profile" not in [row[1] for row in conn.execute("PRAGMA table_info(run)")]
    report = _check(submission, str(path))  # opening it migrates
    with sqlite3.connect(path) as conn:
        assert conn.execute("SELECT version_num FROM alembic_version").fetchone()[0] == "0006"
        assert "info_json" in [row[1] for row in conn.execute("PRAGMA table_info(extraction)")]
        assert conn.execute("SELECT id, profile FROM run").fetchall() == [
            (report["run"]["id"], None)
        ]

    old = tmp_path / "0003.db"
    engine = create_engine(f"sqlite:///{old}")
    with engine.begin() as conn:
        command.upgrade(_alembic(conn), "0003")
    engine.dispose()
    _as_0003(old, report, facts=[{"id": "f1", "item": "1.1.1", "data": {"x": 1}}])
    code, out, err = run_cli("show", report["run"]["id"], "--json", "--db", str(old))
    assert code == 0, err
    assert json.loads(out) == report
    with sqlite3.connect(old) as conn:
        assert conn.execute("SELECT version_num FROM alembic_version").fetchone()[0] == "0006"
        tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_master")}
        assert "reason" not in tables and "fact" not in tables and "content" in tables
        assert conn.execute("SELECT report_json FROM run").fetchone()[0] == ""
    from sxcheck.store import open_store

    facts = open_store(str(old)).facts(report["run"]["id"])
    assert [(f.id, f.item, f.data) for f in facts] == [("f1", "1.1.1", {"x": 1})]


def _as_0003(path: Path, report: dict, facts: list[dict]) -> None:
    """Write a run as revision 0003 did: the whole report JSON, one row per judgment,
    reason and fact."""
    run = report["run"]
    with sqlite3.connect(path) as conn:
        conn.execute(
            "INSERT INTO run (id, input_digest, started_at, recorded_at, finished_at, "
            "tool_version, rules_digest, profile, region, level, year, source, total_score, "
            "counts_json, documents_read, documents_from_store, report_json) "
            "VALUES (?, '', ?, ?, ?, ?, ?, NULL, ?, ?, ?, '', 0, '{}', 0, 0, ?)",
            (
                run["id"],
                run["started_at"],
                run["started_at"],
                run["finished_at"],
                run["tool_version"],
                run["rules_digest"],
                report["submission"]["region"],
                report["submission"]["level"],
                report["submission"]["year"],
                json.dumps(report, ensure_ascii=False),
            ),
        )
        for judgment in report["indicators"]:
            conn.execute(
                "INSERT INTO judgment (run_id, item_id, status, score) VALUES (?, ?, ?, ?)",
                (run["id"], judgment["id"], judgment["status"], judgment["score"]),
            )
            for reason in judgment["reasons"]:
                conn.execute(
                    "INSERT INTO reason (run_id, item_id, code, message, evidence_json) "
                    "VALUES (?, ?, ?, ?, ?)",
                    (run["id"], judgment["id"], reason["code"], reason["message"], "[]"),
                )
        for fact in facts:
            conn.execute(
                "INSERT INTO fact (run_id, fact_id, item_id, fact_json) VALUES (?, ?, ?, ?)",
                (
                    run["id"],
                    fact["id"],
                    fact["item"],
                    json.dumps({"kind": "k", "measure": "m", **fact}),
                ),
            )


def _consistent(path: Path) -> int:
    """The store is whole: integrity ok, every run has all of its rows, and every part of
    content a run refers to is there."""
    with sqlite3.connect(path) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        runs = conn.execute("SELECT id, body_sha, facts_sha FROM run").fetchall()
        for run_id, body, facts in runs:
            assert (
                conn.execute("SELECT count(*) FROM judgment WHERE run_id=?", (run_id,)).fetchone()[
                    0
                ]
                == 69
            )
            refs = [body, facts] + [
                sha
                for (sha,) in conn.execute(
                    "SELECT judgment_sha FROM judgment WHERE run_id=?", (run_id,)
                )
            ]
            for sha in refs:
                assert conn.execute("SELECT 1 FROM content WHERE sha256=?", (sha,)).fetchone()
        for table in ("judgment", "run_document"):
            orphans = conn.execute(
                f"SELECT count(*) FROM {table} WHERE run_id NOT IN (SELECT id FROM run)"
            ).fetchone()[0]
            assert orphans == 0, table
        return len(runs)


def test_kill_minus_9_at_any_point_leaves_whole_runs_only(submission, tmp_path):
    path = tmp_path / "runs.db"
    env = {**os.environ, "SXCHECK_DB": str(path)}
    assert subprocess.run([*SXCHECK, "check", str(submission), "--quiet"], env=env).returncode == 0
    (submission / "佐证材料" / "新增.txt").write_text(
        "全市IPv6网站共50个，其中支持IPv6访问的48个。", encoding="utf-8"
    )
    for delay in (0.3, 0.8, 1.3, 1.8, 2.3, 2.8, 3.3):
        (submission / "佐证材料" / "新增.txt").write_text(
            f"第{delay}次修改：全市IPv6网站共50个。", encoding="utf-8"
        )
        process = subprocess.Popen([*SXCHECK, "check", str(submission), "--quiet"], env=env)
        time.sleep(delay)
        process.send_signal(signal.SIGKILL)
        process.wait()
        _consistent(path)
    runs = _consistent(path)
    result = subprocess.run([*SXCHECK, "check", str(submission), "--quiet"], env=env)
    assert result.returncode == 0
    assert _consistent(path) == runs + 1


def test_two_writers_at_once_both_succeed(tmp_path, submission):
    path = tmp_path / "runs.db"
    env = {**os.environ, "SXCHECK_DB": str(path)}
    _create_store(path)
    assert subprocess.run([*SXCHECK, "history"], env=env, capture_output=True).returncode == 0
    other = tmp_path / "清源县"
    shutil.copytree(SAMPLE.parent / "清源县-2024", other)
    processes = [
        subprocess.Popen([*SXCHECK, "check", str(root), "--quiet"], env=env, stderr=subprocess.PIPE)
        for root in (submission, other, submission, other)
    ]
    results = [
        (p.wait(timeout=300), p.stderr.read().decode() if p.stderr else "") for p in processes
    ]
    assert all(code == 0 for code, _ in results), results
    assert _consistent(path) == 4


def test_the_migrations_build_the_tables_the_code_uses(tmp_path):
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext
    from sqlmodel import SQLModel

    import sxcheck.store.tables  # noqa: F401  (registers the tables)
    from sxcheck.store.db import open_engine

    engine = open_engine(f"sqlite:///{tmp_path / 'fresh.db'}")
    with engine.connect() as conn:
        differences = compare_metadata(MigrationContext.configure(conn), SQLModel.metadata)
    assert differences == []


def test_the_head_revision_read_from_the_migration_files_is_alembics():
    """A current store is opened without importing Alembic (issue 18): the head it compares
    with is read from the migration files' own lines, and must be the one Alembic finds."""
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    from sxcheck.store.db import MIGRATIONS, _head

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    assert _head() == ScriptDirectory.from_config(config).get_current_head()
