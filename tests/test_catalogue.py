"""Meta-tests that keep the catalogue honest: all 69 items, cases for each, valid files."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

from sxcheck.catalogue.loader import collect

from .conftest import ROOT, run_cli

INDICATORS = Path(ROOT.parent / "shared" / "spec" / "indicators.md")


def spec_items() -> dict[str, str]:
    rows = re.findall(
        r"^\| (\d\.\d\.\d) \| [^|]+\| [^|]+\| ([^|]+) \|",
        INDICATORS.read_text(encoding="utf-8"),
        re.M,
    )
    return {item_id: name.strip() for item_id, name in rows}


def test_all_69_items_with_the_specs_names(rules):
    expected = spec_items()
    assert len(expected) == 69
    assert set(rules.items) == set(expected)
    for item_id, name in expected.items():
        assert rules.items[item_id].name.replace("—", "一") == name.replace("—", "一"), item_id


def test_tree_is_8_first_20_second(rules):
    assert len(rules.catalogue.first_levels) == 8
    assert sum(len(f.children) for f in rules.catalogue.first_levels) == 20
    seconds = {rules.tree[i].second for i in rules.items}
    assert len(seconds) == 20


def test_every_item_has_cases_and_every_quantitative_item_a_pass_and_a_fail(rules):
    for item_id, item in rules.items.items():
        assert item_id in rules.cases, f"{item_id} has no cases file"
        statuses = {case.expect.status for case in rules.cases[item_id][1].cases}
        assert "fail" in statuses, f"{item_id} has no failing case"
        if any(m.kind in ("ratio", "value", "count") for m in item.measures) and all(
            m.kind != "qualitative" for m in item.measures
        ):
            assert "pass" in statuses, f"{item_id} has no passing case"


def test_every_band_is_documented(rules):
    for name, bands in rules.defaults.bands.items():
        assert bands.doc.strip(), f"band {name} has no doc"
        assert min(bands.pass_, bands.partial) >= 0


def test_every_reason_code_has_a_message(rules):
    from sxcheck.engine.templates import TEMPLATES

    for template in TEMPLATES:
        key = template.then.message or template.then.code
        assert key in rules.messages, key


def test_validate_reports_file_and_line(tmp_path):
    broken = tmp_path / "rules"
    shutil.copytree(ROOT / "rules", broken)
    target = broken / "items" / "1-基础设施" / "1.1.1.yaml"
    text = (
        target.read_text(encoding="utf-8")
        .replace("bands: ratio", "bands: no_such_band")
        .replace("kind: ratio\n    name", "kind: ratioo\n    name")
    )
    target.write_text(text, encoding="utf-8")
    _, problems = collect(broken)
    lines = [str(p) for p in problems]
    assert any(re.search(r"1\.1\.1\.yaml:\d+: measures\.0\.kind", line) for line in lines), lines
    code, out, _ = run_cli("rules", "validate", str(broken))
    assert code == 1
    first = out.splitlines()[0]
    file_part, line_part, _ = first.split(":", 2)
    assert (
        file_part.endswith("1.1.1.yaml")
        and int(line_part) == text.splitlines().index("    kind: ratioo") + 1
    )


def test_validate_ok_on_shipped_rules():
    code, out, _ = run_cli("rules", "validate")
    assert code == 0 and "69 items" in out


def test_invalid_yaml_is_reported_with_its_line(tmp_path):
    broken = tmp_path / "rules"
    shutil.copytree(ROOT / "rules", broken)
    (broken / "defaults.yaml").write_text("bands:\n  ratio: [unclosed\n", encoding="utf-8")
    _, problems = collect(broken)
    assert any("defaults.yaml" in str(p) and "invalid YAML" in str(p) for p in problems)
