"""The real durable_rules engine over real compiled rules: isolation, verdicts, trail."""

from __future__ import annotations

import pytest

from sxcheck.engine import EngineError, engine_for
from sxcheck.models import Fact


def ratio_fact(value: float, corroborated: bool, source: str = "declared") -> Fact:
    return Fact(
        id="1.1.1/coverage",
        kind="measure",
        item="1.1.1",
        measure="coverage",
        data={
            "mkind": "ratio",
            "source": source,
            "valid": True,
            "has_value": True,
            "value": value,
            "corroborated": corroborated,
            "inconsistent": False,
        },
    )


def fired(findings) -> set[str]:
    return {f.rule_id for f in findings}


def test_bands_and_corroboration_rules_fire(rules):
    engine = engine_for(rules)
    findings = engine.evaluate([ratio_fact(0.95, True)])
    assert fired(findings) == {"1.1.1/coverage/meets_threshold", "1.1.1/coverage/corroborated"}
    findings = engine.evaluate([ratio_fact(0.7, False)])
    assert fired(findings) == {"1.1.1/coverage/below_pass", "1.1.1/coverage/uncorroborated"}
    assert all(f.fact_ids == ["1.1.1/coverage"] for f in findings)


def test_sessions_do_not_leak_into_each_other(rules):
    engine = engine_for(rules)
    for _ in range(30):  # many sessions: each deleted, none sees another's facts
        assert fired(engine.evaluate([ratio_fact(0.5, True)])) == {
            "1.1.1/coverage/below_partial",
            "1.1.1/coverage/corroborated",
        }


def test_engine_is_built_once_per_rule_set(rules):
    assert engine_for(rules) is engine_for(rules)


def test_a_measure_without_a_verdict_is_an_error(rules):
    bad = ratio_fact(0.95, True, source="unheard_of")
    with pytest.raises(EngineError, match="expected one verdict"):
        engine_for(rules).evaluate([bad])


def test_lower_is_better_bands_for_pue(rules):
    fact = Fact(
        id="1.2.1/pue",
        kind="measure",
        item="1.2.1",
        measure="pue",
        data={
            "mkind": "value",
            "source": "declared",
            "valid": True,
            "has_value": True,
            "value": 1.45,
            "corroborated": True,
            "inconsistent": False,
        },
    )
    assert "1.2.1/pue/below_pass" in fired(engine_for(rules).evaluate([fact]))
    fact.data["value"] = 1.25
    assert "1.2.1/pue/meets_threshold" in fired(engine_for(rules).evaluate([fact]))
