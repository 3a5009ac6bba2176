"""Each bundled sample against the judgments a careful auditor gives (its expected.yaml).

expected.yaml lists, per item, the status and the reason codes that must be
present (and may list codes that must be absent); `default` covers every item
not listed, so all 69 judgments are checked.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from .conftest import ROOT, check_json
from .test_sample import assert_quotes_found

SAMPLES = sorted(p.parent for p in (ROOT / "evidence_samples").glob("*/expected.yaml"))


@pytest.mark.parametrize("sample", SAMPLES, ids=[p.name for p in SAMPLES])
def test_sample_matches_expected(sample: Path):
    expected = yaml.safe_load((sample / "expected.yaml").read_text(encoding="utf-8"))
    code, report, err = check_json(sample)
    assert code == 0, err
    assert report is not None
    default = expected.get("default")
    items = expected.get("items", {})
    problems = []
    for judgment in report["indicators"]:
        want = items.get(judgment["id"], default)
        if want is None:
            continue
        codes = {r["code"] for r in judgment["reasons"]}
        if judgment["status"] != want["status"]:
            problems.append(
                f"{judgment['id']}: status {judgment['status']}, expected {want['status']} ({sorted(codes)})"
            )
        for needed in want.get("codes", []):
            if needed not in codes:
                problems.append(f"{judgment['id']}: missing {needed} (got {sorted(codes)})")
        for absent in want.get("absent", []):
            if absent in codes:
                problems.append(f"{judgment['id']}: unexpected {absent}")
    assert not problems, "\n".join(problems)
    for path, status in expected.get("documents", {}).items():
        doc = next(d for d in report["documents"] if d["path"] == path)
        assert doc["status"] == status, (path, doc)
    assert_quotes_found(report, sample)
    # the sample's own notes are not evidence of the city
    assert not {"README.md", "expected.yaml"} & {d["path"] for d in report["documents"]}


def test_every_sample_has_expected_judgments():
    folders = [p for p in (ROOT / "evidence_samples").iterdir() if p.is_dir()]
    assert folders and all((p / "expected.yaml").is_file() for p in folders)
