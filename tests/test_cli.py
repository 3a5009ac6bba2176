"""The catalogue commands and the template."""

from __future__ import annotations

from pathlib import Path

import yaml

from .conftest import check_json, run_cli


def test_rules_list_has_69_items():
    code, out, _ = run_cli("rules", "list")
    lines = out.strip().splitlines()
    assert code == 0 and len(lines) == 69
    assert lines[0].startswith("1.1.1\t基础设施/") and "5G网络覆盖率" in lines[0]


def test_rules_show_gives_definition_measures_defaults_and_rules():
    code, out, _ = run_cli("rules", "show", "1.1.1")
    assert code == 0
    assert "已经实现5G覆盖的城市重点公共区域数量" in out
    assert "档位 bands（ratio，越高越好）: 达标 0.9，部分达标 0.6" in out
    assert "1.1.1/coverage/meets_threshold: when" in out
    assert "分子: 已经实现5G覆盖的城市重点公共区域数量" in out


def test_rules_show_reads_without_python_reprs():
    """Phrasings with the notes above them in the rule file, rules in plain words, the
    item's notes and its cases by name (issue 19)."""
    code, out, _ = run_cli("rules", "show", "8.1.1")
    assert code == 0
    assert "['" not in out and "']" not in out and "True" not in out
    assert "    1. 领导小组 / 领导机构 / 委员会" in out
    assert "已设立/已建成的表述（established，" in out
    assert "    # it exists: a notice set it up, or it is named as set up" in out
    assert "实际工作/应用的表述（须有日期）（working，" in out
    assert "when source in (none, draft) and negated > 0" in out
    assert "说明 / notes:" in out and "原则上每季度召开一次会议" in out
    assert "用例 / cases（rules/items/8-组织保障/8.1.1.cases.yaml，共 " in out
    assert "  set_up_and_meeting_held: pass（established_and_working）" in out


def test_rules_show_unknown_id():
    code, _, err = run_cli("rules", "show", "9.9.9")
    assert code == 2 and "unknown indicator ID '9.9.9'" in err


def test_template_lists_every_item_and_round_trips(make_submission, rules):
    code, out, _ = run_cli("template", "--format", "yaml", "--level", "county")
    assert code == 0
    for item_id in rules.items:
        assert f'"{item_id}"' in out, item_id
    form = yaml.safe_load(out)
    # fill every ratio with 9/10 and check the filled form is accepted as a submission
    for entry in form["indicators"].values():
        for figures in entry.values():
            if "numerator" in figures:
                figures.update(numerator=9, denominator=10)
    root = make_submission(yaml.safe_dump(form, allow_unicode=True))
    code, report, err = check_json(root)
    assert code == 0, err
    declared_ratio = next(j for j in report["indicators"] if j["id"] == "1.1.1")
    assert declared_ratio["measures"]["coverage"]["source"] == "declared"


def test_limits_are_named_in_help_and_docs():
    from click.testing import CliRunner

    from sxcheck import limits
    from sxcheck.cli import main

    for command in ("check", "batch"):
        shown = CliRunner().invoke(main, [command, "--help"]).output
        assert f"{limits.MAX_SUBMISSION_FILES:,} files" in shown
        assert f"{limits.MAX_ZIP_ENTRIES:,} zip entries" in shown
        assert "docs/limits.md" in shown
    names = [n for n in vars(limits) if n.isupper() and n != "MiB"]
    text = (Path(__file__).parents[1] / "docs" / "limits.md").read_text(encoding="utf-8")
    assert len(names) > 30
    assert [n for n in names if f"`{n}`" not in text] == []
