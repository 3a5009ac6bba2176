"""特色性指标 (a city's own T. items) and evaluation profiles, end to end."""

from __future__ import annotations

import json
import shutil

from .conftest import ROOT, SAMPLE, run_cli

LUZHOU = ROOT / "evidence_samples" / "潞州市-2024"
PROFILES = ROOT / "profiles"


def _check(*args: str) -> dict:
    code, out, err = run_cli("check", *args, "--json", "--no-store")
    assert code == 0, err
    return json.loads(out)


def _item(report: dict, item_id: str) -> dict:
    return next(j for j in report["indicators"] if j["id"] == item_id)


def test_special_items_from_a_separate_folder_are_judged_and_scored_apart(tmp_path):
    submission = tmp_path / "潞州市"
    shutil.copytree(LUZHOU, submission)
    folder = tmp_path / "评价方特色指标"
    shutil.move(submission / "rules", folder)  # the evaluator keeps them, not the city
    manifest = submission / "submission.yaml"
    text = manifest.read_text(encoding="utf-8")
    code, _, err = run_cli("check", str(submission), "--no-store")
    assert code == 2 and "指标 T.1.2 不存在" in err  # declared, but no rule for it
    manifest.write_text(
        text.replace('  "T.1.2": {numerator: 35, denominator: 42}\n', ""), encoding="utf-8"
    )
    without = _check(str(submission))
    assert not any(j["id"].startswith("T.") for j in without["indicators"])
    report = _check(str(submission), "--rules-dir", str(folder))
    assert [j["id"] for j in report["indicators"]][-2:] == ["T.1.1", "T.1.2"]
    assert _item(report, "T.1.1")["status"] == "pass" and _item(report, "T.1.1")["first"] == "T"
    assert _item(report, "T.1.2")["status"] == "partial"
    scores = report["summary"]["scores"]
    assert scores["T"] is not None and scores["total"] == without["summary"]["scores"]["total"]
    # reports show them in their own section
    html = tmp_path / "r.html"
    code, _, err = run_cli(
        "check",
        str(submission),
        "--rules-dir",
        str(folder),
        "--no-store",
        "--quiet",
        "--report",
        str(html),
    )
    assert code == 0, err
    assert "特色性指标" in html.read_text(encoding="utf-8")


def test_a_broken_custom_rule_file_is_skipped_and_the_69_still_judged(tmp_path):
    folder = tmp_path / "custom"
    folder.mkdir()
    shutil.copy(LUZHOU / "rules" / "T.1.1.yaml", folder)
    (folder / "T.2.1.yaml").write_text(
        'id: "T.2.1"\nname: 坏的指标\nkind: ratio\ndefinition: x\nmeasures:\n  - key: a\n    kind: percentage\n    name: x\n    evidence: {all_of: [["x"]]}\n',
        encoding="utf-8",
    )
    report = _check(str(SAMPLE), "--rules-dir", str(folder))
    ids = [j["id"] for j in report["indicators"]]
    assert (
        len([i for i in ids if not i.startswith("T.")]) == 69
        and "T.1.1" in ids
        and "T.2.1" not in ids
    )
    skipped = report["run"]["rules_skipped"]
    assert skipped and all("T.2.1.yaml:" in line for line in skipped)
    assert any(":7: measures.0.kind" in line for line in skipped)
    code, out, _ = run_cli("rules", "validate", str(folder))
    assert code == 1 and "T.2.1.yaml:7:" in out


def test_a_profile_moves_an_item_to_pass_and_changes_the_total(tmp_path):
    before = _check(str(SAMPLE))
    assert _item(before, "2.1.1")["status"] == "partial"
    profile = tmp_path / "宽松.yaml"
    profile.write_text(
        'name: 宽松方案\nitems:\n  "2.1.1":\n    measures:\n      e_license:\n        bands: {pass: 0.75, partial: 0.5}\n',
        encoding="utf-8",
    )
    after = _check(str(SAMPLE), "--profile", str(profile))
    assert _item(after, "2.1.1")["status"] == "pass"
    assert after["summary"]["scores"]["total"] > before["summary"]["scores"]["total"]
    assert after["run"]["profile"].startswith("宽松方案@")
    code, out, _ = run_cli("rules", "show", "2.1.1", "--profile", str(profile))
    assert code == 0 and "profile: 宽松方案@" in out and "达标 0.75，部分达标 0.5" in out


def test_a_profile_excludes_an_item_with_its_reason(tmp_path):
    profile = tmp_path / "p.yaml"
    profile.write_text(
        'name: 本轮\nitems:\n  "3.3.2": {exclude: 本轮评价不含供热（南方试点城市无集中供热）}\n',
        encoding="utf-8",
    )
    report = _check(str(SAMPLE), "--profile", str(profile))
    judgment = _item(report, "3.3.2")
    assert judgment["status"] == "not_applicable"
    assert judgment["reasons"][0]["code"] == "excluded_by_profile"
    assert "本轮评价不含供热" in judgment["reasons"][0]["message"]


def test_a_profile_naming_an_unknown_item_is_refused_with_file_and_line(tmp_path):
    profile = tmp_path / "bad.yaml"
    profile.write_text(
        'name: 错的\nitems:\n  "2.1.1": {weight: 2}\n  "9.9.9": {weight: 2}\n', encoding="utf-8"
    )
    code, _, err = run_cli("check", str(SAMPLE), "--profile", str(profile), "--no-store")
    assert code == 2 and f"{profile}:4: unknown item ID '9.9.9'" in err


def test_the_shipped_profiles(tmp_path):
    default = _check(str(SAMPLE), "--profile", str(PROFILES / "default.yaml"))
    plain = _check(str(SAMPLE))
    assert [(_j["status"], _j["score"]) for _j in default["indicators"]] == [
        (_j["status"], _j["score"]) for _j in plain["indicators"]
    ]
    linear = _check(str(LUZHOU), "--profile", str(PROFILES / "national-linear.yaml"))
    # linear: a ratio item scores its ratio (310/320), and the 特色性指标 count in the total
    assert abs(_item(linear, "1.1.1")["score"] - 310 / 320) < 1e-4
    scores = linear["summary"]["scores"]
    unweighted = _check(str(LUZHOU), "--profile", str(PROFILES / "default.yaml"))["summary"][
        "scores"
    ]
    assert scores["total"] != unweighted["total"]
