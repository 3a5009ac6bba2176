"""Shared fixtures: the real rule set and helpers to build submissions on disk."""

from __future__ import annotations

import atexit
import json
import os
import shutil
import tempfile
from pathlib import Path

import pytest
from click.testing import CliRunner

from sxcheck.catalogue.loader import RuleSet, load_rules
from sxcheck.cli import main

ROOT = Path(__file__).resolve().parents[1]
# the rule cache (sxcheck.catalogue.loader) of the tests is thrown away, never ~/.cache/sxcheck
os.environ["SXCHECK_CACHE_DIR"] = tempfile.mkdtemp(prefix="sxcheck-test-cache-")
atexit.register(shutil.rmtree, os.environ["SXCHECK_CACHE_DIR"], True)
SAMPLE = ROOT / "evidence_samples" / "晋阳市-2024"
# how the browser tests start Debian's Chromium headless as root on a machine with no
# network beyond loopback (its background connections would be refused, many at a time)
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]


@pytest.fixture(scope="session", autouse=True)
def _store_outside_the_repo(tmp_path_factory):
    """Every `sxcheck check` in the tests records into a throwaway store, never ./sxcheck.db."""
    os.environ["SXCHECK_DB"] = str(tmp_path_factory.mktemp("store") / "sxcheck.db")


@pytest.fixture(scope="session")
def rules() -> RuleSet:
    return load_rules()


@pytest.fixture
def make_submission(tmp_path: Path):
    """Write a submission folder: manifest text plus named files (bytes or Path to copy)."""

    def build(manifest: str | None = None, files: dict[str, bytes | Path] | None = None) -> Path:
        root = tmp_path / "submission"
        root.mkdir(exist_ok=True)
        if manifest is not None:
            (root / "submission.yaml").write_text(manifest, encoding="utf-8")
        for name, content in (files or {}).items():
            target = root / name
            target.parent.mkdir(parents=True, exist_ok=True)
            if isinstance(content, Path):
                shutil.copy(content, target)
            else:
                target.write_bytes(content)
        return root

    return build


MINIMAL = "region: 测试县\nlevel: county\nyear: 2024\nparent: 晋阳市\n"


def run_cli(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args), catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


def sample_reports(sample: str, folder: Path, *extensions: str) -> tuple[dict, dict[str, Path]]:
    """`sxcheck check` of an evidence sample with a report of each extension (and the
    JSON one, always): the JSON report as data and each report's path."""
    paths = {ext: folder / f"{sample}.{ext}" for ext in ("json", *extensions)}
    args = ["check", str(ROOT / "evidence_samples" / sample), "--no-store", "--quiet"]
    for path in paths.values():
        args += ["--report", str(path)]
    code, _, err = run_cli(*args)
    assert code == 0, err
    return json.loads(paths["json"].read_text(encoding="utf-8")), paths


def check_json(path: Path, *extra: str) -> tuple[int, dict | None, str]:
    code, out, err = run_cli("check", str(path), "--json", *extra)
    return code, (json.loads(out) if code in (0, 1) else None), err


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """Under CI=true a skip is a failure: a test that needs a real component (Chromium,
    LibreOffice, PostgreSQL, playwright) must not hide a missing install step."""
    outcome = yield
    report = outcome.get_result()
    if os.environ.get("CI") == "true" and report.skipped and not hasattr(report, "wasxfail"):
        report.outcome = "failed"
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else report.longrepr
        report.longrepr = f"skipped under CI=true (a missing install step?): {reason}"
