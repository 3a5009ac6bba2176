"""The README's walkthroughs work literally (issue 19).

Every `$ ` command of the README's code blocks is run as written, in order, by bash in
a fresh folder holding a copy of evidence_samples/, with `.venv/bin` on PATH (what
`. .venv/bin/activate` does) and a new user's default store. Every output line the
README shows must be what the command printed: compared without whitespace (the
terminal's width decides where rich wraps a line) and with run IDs and rule digests
(12 hex digits, new every run) and dates masked. A line starting with "…" stands for output the
README leaves out; the lines between two such marks must appear together, in order.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
HEX_ID = re.compile(r"\b[0-9a-f]{12}\b")
DAY = re.compile(r"\b20\d\d-\d\d-\d\d\b")  # the day a decision was recorded


def _norm(text: str) -> str:
    return re.sub(r"\s+", "", DAY.sub("<day>", HEX_ID.sub("<id>", text)))


def walkthroughs() -> list[list[tuple[str, list[str]]]]:
    """The README's code blocks that show commands: [(command, its output lines), ...]."""
    blocks: list[list[tuple[str, list[str]]]] = []
    inside, current = False, []  # type: ignore[var-annotated]
    for line in README.read_text(encoding="utf-8").splitlines():
        if line.startswith("```"):
            if inside and current:
                blocks.append(current)
            inside, current = not inside, []
            continue
        if not inside:
            continue
        if line.startswith("$ "):
            current.append((line[2:], []))
        elif current:
            current[-1][1].append(line)
    return blocks


def _segments(lines: list[str]) -> list[list[str]]:
    parts: list[list[str]] = [[]]
    for line in lines:
        if line.strip().startswith("…"):
            parts.append([])
        elif line.strip():
            parts[-1].append(line)
    return [part for part in parts if part]


def test_the_readme_has_walkthroughs_to_run():
    commands = [command for block in walkthroughs() for command, _ in block]
    assert len(commands) >= 4 and all("sxcheck " in c for c in commands)


def test_every_walkthrough_runs_literally_and_prints_what_the_readme_shows(tmp_path):
    work = tmp_path / "checkout"
    work.mkdir()
    shutil.copytree(ROOT / "evidence_samples", work / "evidence_samples")
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in ("SXCHECK_DB", "COLUMNS", "XDG_DATA_HOME")
    }
    env.update(
        PATH=f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}",
        XDG_DATA_HOME=str(tmp_path / "data"),  # a new user: the default store, empty
    )
    for block in walkthroughs():
        for command, shown in block:
            result = subprocess.run(
                ["bash", "-c", command], cwd=work, env=env, capture_output=True, text=True
            )
            assert result.returncode in (0, 1), (command, result.stderr[-2000:])
            printed = _norm(result.stdout)
            for segment in _segments(shown):
                expected = _norm("\n".join(segment))
                if expected not in printed:
                    pytest.fail(
                        f"README shows for `{command}`:\n"
                        + "\n".join(segment)
                        + f"\n\nbut it printed:\n{result.stdout[:6000]}"
                    )
