"""Every case beside every rule file, one pytest id each (like sqlfluff's yaml cases)."""

from __future__ import annotations

import pytest

from sxcheck.catalogue.loader import load_rules
from sxcheck.rulecases import run_case

RULES = load_rules()
CASES = [
    pytest.param(item_id, case, id=f"{item_id}:{case.name}")
    for item_id, (_, cases_file) in sorted(RULES.cases.items())
    for case in cases_file.cases
]


@pytest.mark.parametrize(("item_id", "case"), CASES)
def test_rule_case(item_id, case):
    result = run_case(RULES, item_id, case)
    assert result.ok, "; ".join(result.problems)
