"""`sxcheck batch`: many submissions read in parallel, ranked together, compared."""

from __future__ import annotations

import json
import shutil
import zipfile
from pathlib import Path

import openpyxl
import pytest

from .conftest import ROOT, run_cli

SAMPLES = ROOT / "evidence_samples"


def _city(root: Path, region: str, apps: int, extra: dict[str, str] | None = None) -> Path:
    folder = root / region
    folder.mkdir(parents=True)
    (folder / "submission.yaml").write_text(
        f'region: {region}\nlevel: city\nyear: 2024\nindicators:\n  "2.1.4": {{value: {apps}}}\n',
        encoding="utf-8",
    )
    (folder / "情况说明.txt").write_text(
        f"截至2024年底，{region}已有{apps}个政务应用接入“三晋通”APP。", encoding="utf-8"
    )
    for name, text in (extra or {}).items():
        (folder / name).write_text(text, encoding="utf-8")
    return folder


def _batch(*args: str) -> tuple[int, dict, str]:
    code, out, err = run_cli("batch", *args)
    return code, out, err


def _entry(comparison: dict, region: str) -> dict:
    return next(e for e in comparison["entries"] if e.get("region") == region)


def _item(report: dict, item_id: str) -> dict:
    return next(j for j in report["indicators"] if j["id"] == item_id)


def test_2_1_4_is_judged_by_rank_among_cities(tmp_path):
    for region, apps in (("甲市", 60), ("乙市", 46), ("丙市", 30)):
        _city(tmp_path / "subs", region, apps)
    out = tmp_path / "cmp.json"
    code, _, err = _batch(
        str(tmp_path / "subs"),
        "--report",
        str(out),
        "--reports-dir",
        str(tmp_path / "runs"),
        "--quiet",
    )
    assert code == 0, err
    comparison = json.loads(out.read_text(encoding="utf-8"))
    assert [_entry(comparison, r)["apps_rank"] for r in ("甲市", "乙市", "丙市")] == [1, 2, 3]
    reports = {
        json.loads(p.read_text(encoding="utf-8"))["submission"]["region"]: json.loads(
            p.read_text(encoding="utf-8")
        )
        for p in (tmp_path / "runs").glob("*.json")
    }
    statuses = {r: _item(reports[r], "2.1.4")["status"] for r in reports}
    assert statuses == {"甲市": "pass", "乙市": "partial", "丙市": "fail"}
    ranked = next(x for x in _item(reports["乙市"], "2.1.4")["reasons"] if x["code"] == "ranked")
    assert "3个同级提交中排名第2" in ranked["message"] and ranked["evidence"]
    assert all(
        x["code"] != "rank_requires_batch" for x in _item(reports["乙市"], "2.1.4")["reasons"]
    )


def test_samples_bad_and_zipped_submissions_in_one_batch(tmp_path):
    subs = tmp_path / "subs"
    shutil.copytree(SAMPLES / "晋阳市-2024", subs / "晋阳市-2024")
    shutil.copytree(SAMPLES / "清源县-2024", subs / "清源县-2024")
    with zipfile.ZipFile(subs / "汾东市-2024.zip", "w") as archive:
        for path in (SAMPLES / "汾东市-2024").rglob("*"):
            archive.write(path, path.relative_to(SAMPLES / "汾东市-2024").as_posix())
    (subs / "坏的").mkdir()
    (subs / "坏的" / "submission.yaml").write_text("region: [\n", encoding="utf-8")
    outputs = [tmp_path / f"cmp.{ext}" for ext in ("json", "html", "xlsx")]
    args = [str(subs), "--workers", "2", "--quiet"]
    for path in outputs:
        args += ["--report", str(path)]
    code, _, err = _batch(*args)
    assert code == 0, err
    comparison = json.loads(outputs[0].read_text(encoding="utf-8"))
    bad = next(e for e in comparison["entries"] if not e["evaluated"])
    assert bad["source"].endswith("坏的") and "YAML 格式错误" in bad["error"]
    evaluated = {e["region"]: e for e in comparison["entries"] if e["evaluated"]}
    assert set(evaluated) == {"晋阳市", "清源县", "汾东市"}
    assert (
        evaluated["晋阳市"]["rank"] == 1 and evaluated["汾东市"]["rank"] == 2
    )  # cities ranked apart
    assert evaluated["清源县"]["rank"] == 1  # the only county
    assert len(evaluated["晋阳市"]["statuses"]) == 69
    assert set(evaluated["晋阳市"]["first_level"]) == {str(i) for i in range(1, 9)}
    # each submission's judgments are the same as a single check gives (2.1.4 aside)
    code, out, _ = run_cli("check", str(SAMPLES / "清源县-2024"), "--json", "--no-store")
    single = {j["id"]: j["status"] for j in json.loads(out)["indicators"]}
    assert evaluated["清源县"]["statuses"] == single
    html = outputs[1].read_text(encoding="utf-8")
    assert "晋阳市" in html and "未能评价" in html and "状态矩阵" in html
    book = openpyxl.load_workbook(outputs[2])
    assert book.sheetnames == ["排名", "状态矩阵"]
    matrix = list(book["状态矩阵"].iter_rows(values_only=True))
    assert len(matrix) == 70 and set(matrix[0][2:]) == {"晋阳市", "清源县", "汾东市"}


def test_a_document_issued_by_one_region_is_flagged_only_in_the_other(tmp_path):
    shared = (
        "甲市人民政府办公室关于全市5G网络建设情况的通报\n"
        "截至2024年12月，全市重点公共区域共320个，其中已实现5G网络覆盖的310个，覆盖率达到96.9%。"
    )
    _city(tmp_path / "subs", "甲市", 50, {"网络建设.txt": shared})
    _city(tmp_path / "subs", "乙市", 40, {"网络报告.txt": shared})
    _city(tmp_path / "subs", "丙市", 30)
    out = tmp_path / "cmp.json"
    code, _, err = _batch(
        str(tmp_path / "subs"),
        "--report",
        str(out),
        "--reports-dir",
        str(tmp_path / "runs"),
        "--quiet",
    )
    assert code == 0, err
    comparison = json.loads(out.read_text(encoding="utf-8"))
    assert _entry(comparison, "甲市")["reused_evidence"] == []
    assert _entry(comparison, "乙市")["reused_evidence"] == ["1.1.1"]
    assert _entry(comparison, "丙市")["reused_evidence"] == []
    for path in (tmp_path / "runs").glob("*.json"):
        report = json.loads(path.read_text(encoding="utf-8"))
        judgment = _item(report, "1.1.1")
        codes = {r["code"] for r in judgment["reasons"]}
        if report["submission"]["region"] != "乙市":
            assert "reused_evidence" not in codes
            continue
        reason = next(r for r in judgment["reasons"] if r["code"] == "reused_evidence")
        assert judgment["status"] != "pass"
        assert "甲市" in reason["message"]
        assert {e["document"] for e in reason["evidence"]} == {"网络建设.txt", "网络报告.txt"}


def test_parallel_and_serial_batches_agree(tmp_path):
    for region, apps in (("甲市", 60), ("乙市", 46)):
        _city(tmp_path / "subs", region, apps)
    shutil.copytree(SAMPLES / "晋阳市-2024", tmp_path / "subs" / "晋阳市-2024")
    results = []
    for workers in ("1", "2"):
        out = tmp_path / f"cmp{workers}.json"
        code, _, err = _batch(
            str(tmp_path / "subs"),
            "--workers",
            workers,
            "--report",
            str(out),
            "--quiet",
            "--no-store",
        )
        assert code == 0, err
        comparison = json.loads(out.read_text(encoding="utf-8"))
        results.append(
            {e["region"]: (e["statuses"], e["total"], e["rank"]) for e in comparison["entries"]}
        )
    assert results[0] == results[1]


def test_batch_on_a_dask_cluster(tmp_path):
    distributed = pytest.importorskip(
        "distributed", reason="Dask distributed is an optional extra (sxcheck[dask])"
    )
    for region, apps in (("甲市", 60), ("乙市", 46)):
        _city(tmp_path / "subs", region, apps)
    cluster = distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
    )
    try:
        out = tmp_path / "cmp.json"
        code, _, err = _batch(
            str(tmp_path / "subs"),
            "--scheduler",
            cluster.scheduler_address,
            "--report",
            str(out),
            "--quiet",
            "--no-store",
        )
        assert code == 0, err
        comparison = json.loads(out.read_text(encoding="utf-8"))
        assert [_entry(comparison, r)["apps_rank"] for r in ("甲市", "乙市")] == [1, 2]
    finally:
        cluster.close()


def test_nothing_to_evaluate_is_a_one_line_error(tmp_path):
    (tmp_path / "empty").mkdir()
    code, _, err = run_cli("batch", str(tmp_path / "empty"))
    assert code == 2 and "no submissions found" in err and err.count("\n") == 1
    code, _, err = run_cli("batch", str(tmp_path), "--report", str(tmp_path / "x.docx"))
    assert code == 2 and "unsupported comparison format" in err


def test_a_batch_fills_the_store_for_later_checks(tmp_path):
    subs = tmp_path / "subs"
    shutil.copytree(SAMPLES / "清源县-2024", subs / "清源县-2024")
    _city(subs, "甲市", 50)
    db = f"sqlite:///{tmp_path / 'runs.db'}"
    code, _, err = _batch(str(subs), "--workers", "2", "--db", db, "--quiet")
    assert code == 0, err
    code, out, err = run_cli("history", "--db", db)
    assert code == 0 and len(out.strip().splitlines()) == 2, out
    code, out, err = run_cli("check", str(subs / "清源县-2024"), "--db", db, "--json")
    assert code == 0, err
    report = json.loads(out)
    run = report["run"]
    assert run["documents_read"] == 0 and run["documents_from_store"] == len(report["documents"])
    assert run["judged_as_run"] is None  # a batch run's judgments are not reused by a single check


def test_a_submission_bringing_its_own_special_items_in_a_batch(tmp_path):
    subs = tmp_path / "subs"
    shutil.copytree(SAMPLES / "潞州市-2024", subs / "潞州市-2024")
    _city(subs, "甲市", 50)
    out = tmp_path / "cmp.json"
    code, _, err = _batch(
        str(subs), "--workers", "2", "--report", str(out), "--quiet", "--no-store"
    )
    assert code == 0, err
    comparison = json.loads(out.read_text(encoding="utf-8"))
    assert _entry(comparison, "潞州市")["statuses"]["T.1.1"] == "pass"
    assert "T.1.1" not in _entry(comparison, "甲市")["statuses"]
