"""Start-up: a command imports only what it uses (issue 18).

`--help`, `--version` and every command's `--help` need click and nothing heavy;
`rules list` needs the rules but no reader, store, engine or report writer.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

# what no command may pay for unless it uses it
HEAVY = (
    "sqlalchemy",
    "sqlmodel",
    "alembic",
    "pdfplumber",
    "pypdfium2",
    "openpyxl",
    "docx",
    "dask",
    "distributed",
    "jinja2",
    "durable_rules",
    "cn2an",
    "numpy",
    "rich.progress",
    "sxcheck.store",
    "sxcheck.pipeline",
    "sxcheck.engine",
    "sxcheck.ingest",
    "sxcheck.facts",
    "sxcheck.evidence",
    "sxcheck.batch",
    "sxcheck.report.docx_report",
    "sxcheck.report.xlsx_report",
    "sxcheck.report.html",
)
# and what `--help` does not need either
FOR_HELP = (*HEAVY, "yaml", "pydantic", "rich", "sxcheck.models", "sxcheck.catalogue")


def _loaded_after(argv: list[str], watched: tuple[str, ...]) -> list[str]:
    program = (
        "import sys\n"
        "from sxcheck.cli import main\n"
        "try:\n"
        f"    main({argv!r}, prog_name='sxcheck')\n"
        "except SystemExit as exc:\n"
        "    assert not exc.code, exc.code\n"
        f"print('\\n' + __import__('json').dumps([m for m in {watched!r} if m in sys.modules]))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", program], capture_output=True, text=True, cwd=ROOT, timeout=120
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.splitlines()[-1])


@pytest.mark.parametrize(
    "argv",
    [
        ["--help"],
        ["--version"],
        ["check", "--help"],
        ["batch", "--help"],
        ["show", "--help"],
        ["rules", "--help"],
        ["rules", "list", "--help"],
    ],
)
def test_help_imports_nothing_heavy(argv):
    assert _loaded_after(argv, FOR_HELP) == []


def test_rules_list_reads_the_rules_only():
    assert _loaded_after(["rules", "list"], HEAVY) == []


def test_python_dash_m_runs_the_cli():
    done = subprocess.run(
        [sys.executable, "-m", "sxcheck", "--help"], capture_output=True, text=True, cwd=ROOT
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("Usage: sxcheck ")
    assert "rules" in done.stdout


def test_a_check_without_the_store_imports_no_database_library(tmp_path):
    """`check --no-store` records nothing: SQLAlchemy, SQLModel and Alembic are not its to
    pay for (about a fifth of a second), nor are the readers, which only its parser
    children import."""
    sample = ROOT / "evidence_samples" / "晋阳市-2024"
    watched = ("sqlalchemy", "sqlmodel", "alembic", "sxcheck.store.runs", "pdfplumber", "docx")
    assert _loaded_after(["check", str(sample), "--no-store", "--quiet"], watched) == []
