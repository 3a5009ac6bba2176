"""Issue 13, ReDoS: every rule pattern runs in bounded time on adversarial input.

The shipped patterns (lexicon, items' established/working/grades, the joined
lexicon lists the facts stage compiles, and the code patterns that read every
sentence) go through the probe of sxcheck.catalogue.regex_safety; a failure
names the pattern's file:key. A submission's own rule with an unsafe pattern
is skipped with a one-line reason, within a time bound, and the check goes on.
"""

from __future__ import annotations

import re
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from sxcheck.catalogue.loader import load_rules
from sxcheck.catalogue.regex_safety import UNSAFE, probe_patterns
from sxcheck.cli import main
from sxcheck.evidence import quantities
from sxcheck.facts import observe

RULES = load_rules()


def _flagged(pattern: re.Pattern[str]) -> str:
    """A compiled pattern's source with its verbose flag, as it runs."""
    return ("(?x)" if pattern.flags & re.VERBOSE else "") + pattern.pattern


def _shipped() -> list[tuple[str, str]]:
    """(file:key, pattern) of every regular expression that rules/ ships."""
    out: list[tuple[str, str]] = []
    lexicon = RULES.lexicon
    for name in ("not_done", "whole", "change", "rule_statement", "total_row", "total_label"):
        entries = getattr(lexicon, name)
        out += [(f"lexicon.yaml:{name}[{i}]", p) for i, p in enumerate(entries)]
        if name in ("change", "total_row", "total_label") and entries:
            out.append((f"lexicon.yaml:{name} (joined)", "|".join(entries)))
    out.append(("lexicon.yaml:date", lexicon.date))
    for name in ("continues_previous", "interim", "issuer"):
        out += [(f"lexicon.yaml:{name}[{i}]", p) for i, p in enumerate(getattr(lexicon, name))]
    # the figures words as the evidence stage compiles them (issue 14: every sentence)
    from sxcheck.evidence.figure_words import words_for

    # (those used with .match at a number's end only are probed anchored, as they run)
    anchored = {"bound_after", "date_after", "deadline_after", "ident_after", "plan_after"}
    anchored |= {"start_after", "grades"}
    for name, value in vars(words_for(lexicon)).items():
        if isinstance(value, re.Pattern):
            source = _flagged(value)
            if name in anchored:
                source = rf"\A(?:{source})"
            out.append((f"lexicon.yaml:figures ({name})", source))
    for item_id, item in RULES.items.items():
        where = RULES.item_files[item_id].name
        for measure in item.measures:
            for field in ("established", "working"):
                for i, pattern in enumerate(getattr(measure, field)):
                    out.append((f"{where}:{measure.key}.{field}[{i}]", pattern))
            for grade in measure.grades:
                for i, pattern in enumerate(grade.any_of):
                    out.append((f"{where}:{measure.key}.grades.{grade.key}[{i}]", pattern))
    # evidence words, count options and table_rows words are substrings, not regexes;
    # the code patterns that read every sentence are probed with the rules
    code = {
        "quantities._PATTERN": "(?x)" + quantities._PATTERN.pattern,  # compiled re.VERBOSE
        # used with .match(text, end) only: probed anchored, as it runs
        "quantities._UNIT_AFTER": rf"\A(?:{quantities._UNIT_AFTER.pattern})",
        "quantities._SCALE": quantities._SCALE.pattern,
        "observe._OF": observe._OF.pattern,
        "observe._TOTAL": observe._TOTAL.pattern,
    }
    out += [(f"sxcheck/{k}", p) for k, p in code.items()]
    return out


def test_every_shipped_pattern_is_bounded():
    patterns = _shipped()
    assert len(patterns) > 150  # the probe saw them all
    started = time.monotonic()
    verdicts = probe_patterns([p for _, p in patterns])
    unsafe = [
        f"{key}: {v.reason}" for (key, _), v in zip(patterns, verdicts, strict=True) if not v.safe
    ]
    assert not unsafe, "\n".join(unsafe)
    assert time.monotonic() - started < 600


def test_the_probe_catches_known_redos_patterns():
    """The probe must be able to fail: exponential and quadratic patterns, and the
    lexicon's old `(?!.*已)` (quadratic in a sentence of many 到20xx年)."""
    bad = [
        r"(a|aa)+$",
        r"试点(a|aa)+$",
        r"(\w+\s?)+$",
        r"(?:\d|[一二三])+[^，；。]{0,4}(?:个部门)",
        r"到20\d\d年(?!.*已)",
    ]
    started = time.monotonic()
    verdicts = probe_patterns(bad, budget=3.0)
    assert [v.safe for v in verdicts] == [False] * len(bad)
    assert all(v.reason == UNSAFE for v in verdicts)
    assert time.monotonic() - started < 60  # bounded: a hung child is killed


def test_fixed_quantity_patterns_are_linear_on_long_runs():
    """A sentence of 40,000 digits or Chinese numerals was quadratic (46 s and 35 s)."""
    for text in ("1" * 40_000, "一" * 50_000 + "个", "1:" * 20_000):
        started = time.process_time()
        quantities.find_quantities(text)
        assert time.process_time() - started < 2.0


T_RULE = """\
id: "T.9.1"
name: 自定义试点
kind: qualitative
definition: 是否承担试点。
measures:
  - key: pilot
    kind: qualitative
    name: 承担试点
    evidence:
      all_of:
        - ["试点"]
    established:
      - '(?:入选|列为)[^。；]{{0,30}}试点'
      - '{pattern}'
"""


def _submission(tmp_path: Path, pattern: str) -> Path:
    root = tmp_path / "sub"
    (root / "rules").mkdir(parents=True)
    (root / "佐证材料").mkdir()
    (root / "submission.yaml").write_text(
        "region: 潞州市\nlevel: city\nyear: 2024\nindicators: {}\n", encoding="utf-8"
    )
    (root / "rules" / "T.9.1.yaml").write_text(T_RULE.format(pattern=pattern), encoding="utf-8")
    # the sentence that would hang `(a|aa)+$` in the main process
    (root / "佐证材料" / "说明.txt").write_text(
        "我市入选国家级试点" + "a" * 60 + "!。\n", encoding="utf-8"
    )
    return root


@pytest.mark.parametrize("pattern", [r"试点(a|aa)+$", r"(x+x+)+y"])
def test_own_rule_with_unsafe_pattern_is_skipped(tmp_path, pattern):
    root = _submission(tmp_path, pattern)
    out = tmp_path / "r.json"
    started = time.monotonic()
    result = CliRunner().invoke(
        main, ["check", str(root), "--no-store", "--quiet", "--report", str(out)]
    )
    assert time.monotonic() - started < 120
    assert result.exit_code == 0, result.output
    import json

    report = json.loads(out.read_text(encoding="utf-8"))
    skipped = report["run"]["rules_skipped"]
    expected = f"{root / 'rules' / 'T.9.1.yaml'}:14: measures.0.established.1: {UNSAFE}（该特色性指标已跳过）"
    assert skipped == [expected]
    assert pattern not in " ".join(skipped)  # the file's content is never quoted
    assert "T.9.1" not in [j["id"] for j in report["indicators"]]


def test_own_rule_with_safe_pattern_is_kept(tmp_path):
    root = _submission(tmp_path, r"国家级[^。]{0,5}试点")
    out = tmp_path / "r.json"
    result = CliRunner().invoke(
        main, ["check", str(root), "--no-store", "--quiet", "--report", str(out)]
    )
    assert result.exit_code == 0, result.output
    import json

    report = json.loads(out.read_text(encoding="utf-8"))
    assert report["run"]["rules_skipped"] == []
    assert "T.9.1" in [j["id"] for j in report["indicators"]]


def test_own_pattern_search_is_guarded_in_the_main_process():
    """The hard guard: a pattern that slipped past the probe is stopped at its time limit."""
    from sxcheck.facts.guard import GuardedPatterns

    guarded = GuardedPatterns([r"(a|aa)+$", "b"], seconds=0.2)
    started = time.monotonic()
    assert guarded.search_any("a" * 60 + "!") is False
    assert guarded.search_any("a" * 60 + "!") is False  # dropped after its first timeout
    assert time.monotonic() - started < 5
    assert guarded.dropped == 1
    assert guarded.search_any("xbx") is True
    assert re.compile("b").search("xbx")
