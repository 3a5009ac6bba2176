"""A submission's own `rules/` folder (and `--rules-dir` folders) as an attacker builds it (issue 13).

Links to /dev/zero (10 GB RSS), to a FIFO (blocked forever), to a file
outside the submission (its text appeared in `rules_skipped`), hard links,
huge, deep or duplicated rule files: each is listed in `rules_skipped` with a
one-line reason and never read, the good 特色性指标 beside them still load,
and the text of a canary file outside never appears in any output or report.
"""

from __future__ import annotations

import json
import os
import shutil
import time
from pathlib import Path

from .conftest import ROOT, run_cli

LUZHOU = ROOT / "evidence_samples" / "潞州市-2024"
CANARY = "CANARY-7f3a-never-shown"
GUARD = 60.0  # seconds: a guard against the hangs of issue 13, not a benchmark
MiB = 1024 * 1024
SKIP = "（该特色性指标已跳过）"

# A rule file whose every part quotes the canary: a key, a tag, a value, a syntax error.
CANARY_YAML = (
    f'id: "T.9.9"\nname: {CANARY}\n{CANARY}: 1\nkind: !{CANARY} ratio\nmeasures: [{CANARY}\n'
)


def _hostile_rules(tmp_path: Path, rules: Path) -> Path:
    """A rules folder with two good items and every hostile entry; returns the outside folder."""
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "canary.yaml").write_text(CANARY_YAML, encoding="utf-8")
    (outside / "hard.yaml").write_text(CANARY_YAML, encoding="utf-8")
    (outside / "dir").mkdir()
    (outside / "dir" / "T.9.8.yaml").write_text(CANARY_YAML, encoding="utf-8")
    os.mkfifo(outside / "fifo")
    rules.mkdir(parents=True)
    for name in ("T.1.1.yaml", "T.1.1.cases.yaml", "T.1.2.yaml", "T.1.2.cases.yaml"):
        shutil.copy(LUZHOU / "rules" / name, rules / name)
    (rules / "zero.yaml").symlink_to("/dev/zero")
    (rules / "fifo-link.yaml").symlink_to(outside / "fifo")
    os.mkfifo(rules / "fifo.yaml")
    (rules / "leak.yaml").symlink_to(outside / "canary.yaml")
    (rules / "relative.yaml").symlink_to(Path("..") / ".." / "outside" / "canary.yaml")
    os.link(outside / "hard.yaml", rules / "hard.yaml")
    (rules / "linked-dir").symlink_to(outside / "dir")
    with open(rules / "big.yaml", "wb") as handle:  # sparse: nothing written to disk
        handle.write(b"id: ")
        handle.truncate(2 * MiB)
    (rules / "deep.yaml").write_text("id: " + "[" * 5000 + "]" * 5000 + "\n", encoding="utf-8")
    (rules / "dup.yaml").write_text('id: "T.3.1"\nid: "T.3.2"\n', encoding="utf-8")
    (rules / "tag.yaml").write_text(f"id: !{CANARY} x\n", encoding="utf-8")
    return outside


def _expected(rules: Path) -> dict[str, str]:
    """File name -> its one-line reason in rules_skipped."""
    return {
        "big.yaml": f"{rules}/big.yaml:1: larger than 1,048,576 bytes (2,097,152) (not read){SKIP}",
        "deep.yaml": f"{rules}/deep.yaml:1: nested more than 32 levels deep{SKIP}",
        "dup.yaml": f"{rules}/dup.yaml:2: duplicate key 'id' (first at line 1){SKIP}",
        "fifo-link.yaml": (
            f"{rules}/fifo-link.yaml:1: a symbolic link to outside the rules folder (not read){SKIP}"
        ),
        "fifo.yaml": f"{rules}/fifo.yaml:1: a FIFO, not a regular file (not read){SKIP}",
        "hard.yaml": f"{rules}/hard.yaml:1: a hard link (2 names for one file; not read){SKIP}",
        "leak.yaml": (
            f"{rules}/leak.yaml:1: a symbolic link to outside the rules folder (not read){SKIP}"
        ),
        "linked-dir": f"{rules}/linked-dir:1: a symbolic link to a folder (not followed){SKIP}",
        "relative.yaml": (
            f"{rules}/relative.yaml:1: a symbolic link to outside the rules folder (not read){SKIP}"
        ),
        "tag.yaml": (
            f"{rules}/tag.yaml:1: invalid YAML: could not determine a constructor for the tag{SKIP}"
        ),
        "zero.yaml": (
            f"{rules}/zero.yaml:1: a symbolic link to outside the rules folder (not read){SKIP}"
        ),
    }


def _no_canary(*texts: str) -> None:
    for text in texts:
        assert CANARY not in text


def test_a_hostile_own_rules_folder_is_listed_not_read(tmp_path):
    root = tmp_path / "submission"
    root.mkdir()
    shutil.copy(LUZHOU / "submission.yaml", root / "submission.yaml")
    _hostile_rules(tmp_path, root / "rules")
    report_file = tmp_path / "report.json"
    started = time.monotonic()
    code, out, err = run_cli(
        "check", str(root), "--no-store", "--quiet", "--report", str(report_file)
    )
    assert time.monotonic() - started < GUARD
    assert code in (0, 1), err
    text = report_file.read_text(encoding="utf-8")
    _no_canary(out, err, text)
    report = json.loads(text)
    ids = {j["id"] for j in report["indicators"]}
    assert {"T.1.1", "T.1.2"} <= ids and "T.9.9" not in ids and "T.9.8" not in ids
    skipped = report["run"]["rules_skipped"]
    expected = _expected((root / "rules").resolve())
    assert sorted(skipped) == sorted(expected.values()), skipped


def test_a_hostile_rules_dir_is_listed_by_validate_and_check(tmp_path):
    folder = tmp_path / "custom"
    _hostile_rules(tmp_path, folder)
    started = time.monotonic()
    code, out, err = run_cli("rules", "validate", str(folder))
    assert time.monotonic() - started < GUARD
    _no_canary(out, err)
    assert code == 1
    for line in _expected(folder).values():
        assert line.removesuffix(SKIP) in out + err, line
    assert "Traceback" not in out + err

    report_file = tmp_path / "report.json"
    code, out, err = run_cli(
        "check",
        str(LUZHOU),
        "--rules-dir",
        str(folder),
        "--no-store",
        "--quiet",
        "--report",
        str(report_file),
    )
    assert code in (0, 1), err
    text = report_file.read_text(encoding="utf-8")
    _no_canary(out, err, text)
    # the sample's own rules/ define T.1.1 and T.1.2 as well: only the hostile entries differ
    skipped = json.loads(text)["run"]["rules_skipped"]
    for line in _expected(folder.resolve()).values():
        assert line in skipped, (line, skipped)


def test_the_shipped_rules_still_load_under_the_limits():
    code, out, _ = run_cli("rules", "validate")
    assert code == 0 and "69 items" in out
