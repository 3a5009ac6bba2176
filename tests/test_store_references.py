"""Runs as people type them (issue 19): `latest`, a region's name, a prefix of an id; and
`diff REGION` comparing like with like: the same folder or zip, check with check."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from .conftest import SAMPLE, run_cli


def _run(*args: str) -> tuple[int, str, str]:
    return run_cli(*args)


def _check(root: Path, db: str) -> dict:
    code, out, err = _run("check", str(root), "--db", db, "--json")
    assert code == 0, err
    return json.loads(out)


def test_latest_a_region_and_prefixes_name_runs(tmp_path):
    db = str(tmp_path / "runs.db")
    first = _check(SAMPLE, db)
    other = _check(SAMPLE.parent / "清源县-2024", db)
    for reference, expected in (
        ("latest", other),
        ("晋阳市", first),
        (first["run"]["id"][:6], first),
        (other["run"]["id"], other),
    ):
        code, out, err = _run("show", reference, "--json", "--db", db)
        assert code == 0, (reference, err)
        assert json.loads(out)["run"]["id"] == expected["run"]["id"], reference
    code, _, err = _run("show", "汾东市", "--db", db)
    assert code == 2 and err.count("\n") == 1
    assert "no run '汾东市'" in err and db in err and "latest" in err


def test_diff_of_a_region_pairs_the_same_source_and_kind(tmp_path):
    db = str(tmp_path / "runs.db")
    here = tmp_path / "晋阳市"
    shutil.copytree(SAMPLE, here)
    elsewhere = tmp_path / "另一份" / "晋阳市"
    shutil.copytree(SAMPLE, elsewhere)
    first = _check(here, db)
    _check(elsewhere, db)  # the same region from another folder: not comparable
    code, _, err = _run("batch", str(here), "--db", db, "--workers", "1", "--quiet")
    assert code in (0, 1), err  # a batch run of the same folder: not comparable either
    code, _, err = _run("diff", "晋阳市", "--db", db)
    assert code == 2 and err.count("\n") == 1
    assert "no earlier batch run" in err and "sxcheck diff RUN RUN" in err
    manifest = here / "submission.yaml"
    manifest.write_text(
        manifest.read_text(encoding="utf-8").replace(
            "310, denominator: 320", "300, denominator: 320"
        ),
        encoding="utf-8",
    )
    latest = _check(here, db)
    out_json = tmp_path / "diff.json"
    code, out, err = _run("diff", "晋阳市", "--db", db, "--report", str(out_json))
    assert code == 0, err
    diff = json.loads(out_json.read_text(encoding="utf-8"))
    assert (diff["run_before"], diff["run_after"]) == (first["run"]["id"], latest["run"]["id"])
    assert diff["documents"] == []  # the same folder: only the declaration changed
    assert [(c["item"], c["field"], c["before"], c["after"]) for c in diff["declaration"]] == [
        ("1.1.1", "numerator", "310", "300")
    ]
    lines = out.splitlines()
    assert lines[1] == "申报数据变更: 1.1.1 分子 310 → 300"  # before the item changes
    assert any(line.startswith("1.1.1 5G网络覆盖率: ") for line in lines[2:])


def test_diff_of_a_region_pairs_its_web_uploads(tmp_path):
    """Each upload of the web service is kept under its own name: two uploads of a region
    are one source for `diff REGION` (a city uploads its corrected package again), and a
    CLI check of a folder between them is not."""
    from sxcheck.store import open_store
    from sxcheck.store.jobs import claim, enqueue, finish

    db = str(tmp_path / "runs.db")
    runs = []
    for name in ("第一次上传", "本地文件夹", "第二次上传"):
        folder = tmp_path / name / "晋阳市"
        shutil.copytree(SAMPLE, folder)
        if name == "第二次上传":
            manifest = folder / "submission.yaml"
            text = manifest.read_text(encoding="utf-8")
            manifest.write_text(text.replace("310, denominator: 320", "300, denominator: 320"))
        runs.append(_check(folder, db)["run"]["id"])
    store = open_store(db)
    for run_id in (runs[0], runs[2]):  # as the web's worker records an upload's run
        job = enqueue(store, "晋阳市", "city", "jy", run_id * 2, f"{run_id}.zip")
        claimed = claim(store, "worker")
        assert claimed is not None and claimed.id == job
        finish(store, job, run_id)
    out_json = tmp_path / "diff.json"
    code, _, err = _run("diff", "晋阳市", "--db", db, "--report", str(out_json))
    assert code == 0, err
    diff = json.loads(out_json.read_text(encoding="utf-8"))
    assert (diff["run_before"], diff["run_after"]) == (runs[0], runs[2])
    assert [(c["item"], c["before"], c["after"]) for c in diff["declaration"]] == [
        ("1.1.1", "310", "300")
    ]
