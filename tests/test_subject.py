"""Whose body or system a sentence speaks of (issue 17, facts.subject): the cases of
rules/lexicon.cases.yaml `subject`, read with their submission's level and names."""

from __future__ import annotations

import pytest
import yaml

from sxcheck.catalogue.loader import load_rules
from sxcheck.facts.subject import SubjectCheck

from .conftest import ROOT

CASES = yaml.safe_load((ROOT / "rules" / "lexicon.cases.yaml").read_text(encoding="utf-8"))[
    "subject"
]
WORDS = load_rules().lexicon.subject


@pytest.mark.parametrize("case", CASES, ids=[c["text"] for c in CASES])
def test_subject_case(case):
    check = SubjectCheck(WORDS, case["level"], case["region"], case.get("parent"))
    whole = [(0, len(case["text"]))]
    denied = [tuple(span) for span in case.get("denied", [])]
    assert check.other_level(case["text"], whole, denied) == case["other"]


def test_both_kinds_of_case_are_there():
    assert {c["other"] is None for c in CASES} == {True, False}
    assert {c["level"] for c in CASES} == {"city", "county"}


def test_no_parent_means_no_parent_pattern():
    """A city has no parent: the `{parent}` entries are dropped, not matched as empty."""
    check = SubjectCheck(WORDS, "county", "石楼坪县", None)
    assert check.other_level("县委网信办依托城市大脑开展数据分析。", [(0, 5)]) is None
