"""Issue 13, `sxcheck batch`: hostile region names as file names, sabotage through
reused evidence, and one bad submission (or a dying worker) never ending the batch."""

from __future__ import annotations

import json
import os
import re
import subprocess
import time
import zipfile
from pathlib import Path

import pytest
import yaml

from sxcheck.batch.names import inside, safe_stem
from sxcheck.batch.reuse import Owners
from sxcheck.batch.workers import WORKER_DIED, WORKER_FAULT
from sxcheck.errors import SxcheckError
from sxcheck.limits import MAX_FILE_STEM_CHARS

from .conftest import ROOT, run_cli
from .docbuilders import para, title, write_docx

SXCHECK = ROOT / ".venv" / "bin" / "sxcheck"
CASES = yaml.safe_load((ROOT / "rules" / "lexicon.cases.yaml").read_text(encoding="utf-8"))
APPS = "截至2024年底，{region}已有{apps}个政务应用接入“三晋通”APP。"
FIVE_G = "截至2024年12月，全市重点公共区域共320个，其中已实现5G网络覆盖的310个，覆盖率达到96.9%。"


def _city(root: Path, name: str, region: str, apps: int = 50, files: dict | None = None) -> Path:
    """A city's submission folder; `files`: name -> text, or bytes, or a callable(path)."""
    folder = root / name
    folder.mkdir(parents=True)
    (folder / "submission.yaml").write_text(
        f"region: {json.dumps(region, ensure_ascii=False)}\nlevel: city\nyear: 2024\n"
        f'indicators:\n  "2.1.4": {{value: {apps}}}\n',
        encoding="utf-8",
    )
    (folder / "情况说明.txt").write_text(APPS.format(region="全市", apps=apps), encoding="utf-8")
    for file_name, content in (files or {}).items():
        target = folder / file_name
        if callable(content):
            content(target)
        elif isinstance(content, bytes):
            target.write_bytes(content)
        else:
            target.write_text(content, encoding="utf-8")
    return folder


def _batch(tmp_path: Path, *extra: str) -> tuple[int, dict, dict[str, dict], str]:
    """Run a batch over tmp_path/subs: (exit code, comparison, reports by region, stderr)."""
    out, runs = tmp_path / "cmp.json", tmp_path / "out" / "runs"  # ../.. stays in tmp_path
    code, _, err = run_cli(
        "batch", str(tmp_path / "subs"), "--report", str(out), "--reports-dir", str(runs), *extra
    )
    comparison = json.loads(out.read_text(encoding="utf-8")) if out.is_file() else {}
    reports = {}
    for path in runs.glob("*.json") if runs.is_dir() else []:
        report = json.loads(path.read_text(encoding="utf-8"))
        reports[report["submission"]["region"]] = report
    return code, comparison, reports, err


def _item(report: dict, item_id: str) -> dict:
    return next(j for j in report["indicators"] if j["id"] == item_id)


def _codes(report: dict, item_id: str) -> list[str]:
    return [r["code"] for r in _item(report, item_id)["reasons"]]


def _files(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in root.rglob("*") if p.is_file()}


# ------------------------------------------------------------ 1. region names as file names


def test_safe_stem_reduces_every_hostile_name_to_one_file_name():
    hostile = [
        "../../x", "/abs/path", "a/b", "a\\b", "..", ".", "", ".hidden", "a\0b", "a\nb",
        "CON", "nul", "Com1", "LPT9.txt", "x" * 200, "长" * 200, "a:b", "a b", "a\u202eb",
        "\udcff", "晋阳市 ", "晋阳市.",
    ]  # fmt: skip
    stems = [safe_stem(name) for name in hostile]
    for name, stem in zip(hostile, stems, strict=True):
        assert re.fullmatch(r"[A-Za-z0-9_\-.\u4e00-\u9fff]+", stem), (name, stem)
        assert not stem.startswith(".") and not stem.endswith(".") and len(stem) <= 64
        assert not re.match(r"(?i)(CON|PRN|AUX|NUL|COM\d|LPT\d)(\.|$)", stem), stem
        assert "/" not in stem and stem != ".."
    assert len(set(stems)) == len(hostile)  # two names never share a file
    assert safe_stem("晋阳市") == "晋阳市" and safe_stem("清源县-2024") == "清源县-2024"
    assert len(safe_stem("长" * 200)) == MAX_FILE_STEM_CHARS


@pytest.mark.parametrize("name", ["..", "../x", "/etc/passwd", "a/../../b", ""])
def test_a_path_outside_the_reports_folder_is_refused(tmp_path, name):
    with pytest.raises(SxcheckError, match="refusing to write"):
        inside(tmp_path / "runs", name)


def test_region_names_never_write_outside_the_reports_dir(tmp_path):
    victim = tmp_path / "victim"
    victim.mkdir()
    (victim / "canary.json").write_text("CANARY-7f3a", encoding="utf-8")
    regions = [
        "../../victim/canary",
        str(victim / "canary"),
        "../victim/x",
        "a/b",
        "..",
        "CON",
        "NUL",
        "长" * 200,
        "a\nb",
        "a\0b",
        "晋阳市",
    ]
    for index, region in enumerate(regions):
        _city(tmp_path / "subs", f"s{index:02d}", region)
    before = _files(tmp_path)
    started = time.monotonic()
    code, comparison, _, err = _batch(tmp_path, "--quiet", "--no-store")
    assert code == 0, err
    assert time.monotonic() - started < 120
    after = _files(tmp_path)
    new = sorted(set(after) - set(before))
    assert all(p.startswith("out/runs/") or p == "cmp.json" for p in new), new
    assert {p: after[p] for p in before} == before  # the canary and the submissions untouched
    evaluated = [e for e in comparison["entries"] if e["evaluated"]]
    assert evaluated and len([p for p in new if p.startswith("out/runs/")]) == 2 * len(evaluated)
    for entry in comparison["entries"]:
        if not entry["evaluated"]:  # a control character may be refused: as its own row
            assert entry["error"] and "\n" not in entry["error"]
    assert any(p.startswith("out/runs/晋阳市-2024-") for p in new)


# ------------------------------------------------------------ 2. whose evidence it is


def test_issuer_cases_of_the_lexicon(rules):
    owners = Owners("|".join(rules.lexicon.issuer))
    for case in CASES["issuer"]:
        assert owners.of_document(case["head"], set(case["regions"])) == case["owner"], case


def test_every_issuer_pattern_has_a_case(rules):
    for pattern in rules.lexicon.issuer:
        assert any(
            c["owner"] and re.search(re.escape(c["owner"]) + f"(?:{pattern})", c["head"])
            for c in CASES["issuer"]
        ), f"no case for {pattern}"


def _notice(path: Path) -> None:
    """晋阳市's own 红头 notice: its 发文机关 in the first line."""
    write_docx(
        path,
        [
            title("晋阳市人民政府办公室关于2024年全市5G网络建设情况的通报"),
            para(FIVE_G),
            para("晋阳市人民政府办公室　2025年1月10日"),
        ],
    )


def test_a_rivals_own_notice_enclosed_flags_only_the_encloser(tmp_path):
    subs = tmp_path / "subs"
    _city(subs, "晋阳市-2024", "晋阳市", 50, {"5G通报.docx": _notice})
    _city(subs, "汾东市-2024", "汾东市", 40, {"网络建设通报.docx": _notice})
    code, comparison, reports, err = _batch(tmp_path, "--quiet", "--no-store")
    assert code == 0, err
    a, b = reports["晋阳市"], reports["汾东市"]
    assert _item(a, "1.1.1")["status"] == "pass"
    assert not {"reused_evidence", "reused_evidence_unresolved"} & set(_codes(a, "1.1.1"))
    assert _item(b, "1.1.1")["status"] == "partial"
    reason = next(r for r in _item(b, "1.1.1")["reasons"] if r["code"] == "reused_evidence")
    assert "晋阳市：5G通报.docx" in reason["message"] and "属于晋阳市" in reason["message"]
    entries = {e["region"]: e for e in comparison["entries"]}
    assert (
        entries["晋阳市"]["reused_evidence"] == []
        and entries["晋阳市"]["statuses"]["1.1.1"] == "pass"
    )
    assert entries["汾东市"]["reused_evidence"] == ["1.1.1"]


def test_a_neutral_shared_document_caps_neither_but_both_are_told(tmp_path):
    subs = tmp_path / "subs"
    _city(subs, "晋阳市-2024", "晋阳市", 50, {"网络建设.txt": FIVE_G})
    _city(subs, "汾东市-2024", "汾东市", 40, {"网络报告.txt": FIVE_G})
    code, comparison, reports, err = _batch(tmp_path, "--quiet", "--no-store")
    assert code == 0, err
    for region, other in (("晋阳市", "汾东市：网络报告.txt"), ("汾东市", "晋阳市：网络建设.txt")):
        judgment = _item(reports[region], "1.1.1")
        assert judgment["status"] == "pass"
        assert "reused_evidence" not in _codes(reports[region], "1.1.1")
        reason = next(r for r in judgment["reasons"] if r["code"] == "reused_evidence_unresolved")
        assert other in reason["message"] and "本项状态未因此降低" in reason["message"]
        assert {e["document"] for e in reason["evidence"]} == {"网络建设.txt", "网络报告.txt"}
    assert all(e["reused_evidence"] == [] for e in comparison["entries"])
    assert all(e["reused_unresolved"] == ["1.1.1"] for e in comparison["entries"])


def test_a_forged_notice_around_a_rivals_sentence_does_not_win_it(tmp_path):
    """汾东市 wraps 晋阳市's figure-bearing sentence in its own 红头: the copies are
    issued by different regions, so no owner is told and nobody is capped."""
    subs = tmp_path / "subs"
    _city(subs, "晋阳市-2024", "晋阳市", 50, {"网络建设.txt": FIVE_G})
    forged = f"汾东市人民政府办公室关于5G网络建设情况的报告\n{FIVE_G}\n"
    _city(subs, "汾东市-2024", "汾东市", 40, {"报告.txt": forged})
    code, _, reports, err = _batch(tmp_path, "--quiet", "--no-store")
    assert code == 0, err
    for region in ("晋阳市", "汾东市"):
        assert _item(reports[region], "1.1.1")["status"] == "pass"
        assert "reused_evidence_unresolved" in _codes(reports[region], "1.1.1")
        assert "reused_evidence" not in _codes(reports[region], "1.1.1")


def test_a_retyped_copy_of_a_rivals_notice_is_still_the_rivals(tmp_path):
    """Different bytes (DOCX vs TXT), the same 发文机关 in both copies: 晋阳市's."""
    subs = tmp_path / "subs"
    _city(subs, "晋阳市-2024", "晋阳市", 50, {"5G通报.docx": _notice})
    retyped = f"晋阳市人民政府办公室关于2024年全市5G网络建设情况的通报\n{FIVE_G}\n"
    _city(subs, "汾东市-2024", "汾东市", 40, {"通报.txt": retyped})
    code, _, reports, err = _batch(tmp_path, "--quiet", "--no-store")
    assert code == 0, err
    assert _item(reports["晋阳市"], "1.1.1")["status"] == "pass"
    assert "reused_evidence" not in _codes(reports["晋阳市"], "1.1.1")
    assert _item(reports["汾东市"], "1.1.1")["status"] == "partial"
    assert "reused_evidence" in _codes(reports["汾东市"], "1.1.1")


# ------------------------------------------------------------ 3./4. one bad submission


def _crc_damaged_zip(path: Path) -> None:
    """A stored (uncompressed) entry with one byte changed: its CRC-32 no longer matches."""
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("submission.yaml", "region: 丁市\nlevel: city\nyear: 2024\n")
        archive.writestr("说明.txt", APPS.format(region="全市", apps=30))
    data = bytearray(path.read_bytes())
    data[data.find("截至".encode())] ^= 0xFF
    path.write_bytes(bytes(data))


def test_bad_submissions_are_rows_and_the_others_are_evaluated_and_stored(tmp_path, monkeypatch):
    subs = tmp_path / "subs"
    _city(subs, "甲市-2024", "甲市", 60)
    _city(subs, "quote-2024", '乙"市', 50)
    _city(subs, "nonutf8-2024", "丙市", 40, {os.fsdecode(b"\xff\xfe-\xe6.txt"): FIVE_G})
    _city(subs, os.fsdecode(b"\xffbad-folder"), "戊市", 20)
    _city(subs, "raises-2024", "己市", 10)
    _crc_damaged_zip(subs / "丁市-2024.zip")
    monkeypatch.setenv(WORKER_FAULT, "raise:raises-2024")
    db = f"sqlite:///{tmp_path / 'runs.db'}"
    started = time.monotonic()
    code, comparison, reports, err = _batch(tmp_path, "--workers", "2", "--quiet", "--db", db)
    assert code == 0, err
    assert time.monotonic() - started < 180
    rows = {Path(e["source"]).name: e for e in comparison["entries"]}
    assert len(rows) == 6
    assert rows["raises-2024"]["evaluated"] is False
    assert rows["raises-2024"]["error"] == (
        "unexpected RuntimeError while reading the submission (please report it)"
    )
    crc = rows["丁市-2024.zip"]
    assert crc["evaluated"] is False and crc["error"] and "\n" not in crc["error"]
    evaluated = {e["region"] for e in comparison["entries"] if e["evaluated"]}
    assert {"甲市", '乙"市', "丙市", "戊市"} <= evaluated
    assert "\ufffdbad-folder" in rows  # a non-UTF-8 folder name, shown, not a crash
    assert set(reports) == evaluated  # each evaluated run's own report written
    code, out, err = run_cli("history", "--db", db)
    assert code == 0 and len(out.strip().splitlines()) == len(evaluated), err


@pytest.mark.parametrize("workers", ["1", "2"])
def test_a_worker_killed_by_its_submission_is_one_row(tmp_path, workers):
    """A subprocess with a timeout: a dead worker once made the batch wait forever
    (its parser child kept the pool's pipes open)."""
    subs = tmp_path / "subs"
    _city(subs, "a-2024", "甲市", 60)
    _city(subs, "b-2024", "乙市", 50)  # its worker dies (SIGKILL) reading it
    _city(subs, "c-2024", "丙市", 40)
    db = f"sqlite:///{tmp_path / 'runs.db'}"
    out, runs = tmp_path / "cmp.json", tmp_path / "runs"
    args = [str(subs), "--workers", workers, "--db", db, "--report", str(out)]
    started = time.monotonic()
    done = subprocess.run(
        [str(SXCHECK), "batch", *args, "--reports-dir", str(runs)],
        capture_output=True,
        text=True,
        timeout=180,
        env={**os.environ, WORKER_FAULT: "kill:b-2024"},
    )
    assert done.returncode == 0, done.stderr
    assert time.monotonic() - started < 180
    assert f"not evaluated\t{subs / 'b-2024'}\t{WORKER_DIED}" in done.stdout
    comparison = json.loads(out.read_text(encoding="utf-8"))
    rows = {Path(e["source"]).name: e for e in comparison["entries"]}
    assert rows["b-2024"] == {**rows["b-2024"], "evaluated": False, "error": WORKER_DIED}
    assert rows["a-2024"]["evaluated"] and rows["c-2024"]["evaluated"]
    assert rows["a-2024"]["apps_rank"] == 1 and rows["c-2024"]["apps_rank"] == 2
    assert len(list(runs.glob("*.json"))) == 2
    code, out_text, _ = run_cli("history", "--db", db)
    assert code == 0 and len(out_text.strip().splitlines()) == 2
