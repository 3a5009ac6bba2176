"""The planned/not-done phrasings of rules/lexicon.yaml against their own cases."""

from __future__ import annotations

import re

import pytest
import yaml

from .conftest import ROOT

CASES = yaml.safe_load((ROOT / "rules" / "lexicon.cases.yaml").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def not_done(rules):
    return [re.compile(p) for p in rules.lexicon.not_done]


@pytest.mark.parametrize("sentence", CASES["not_done"])
def test_reads_as_not_done(not_done, sentence):
    assert any(p.search(sentence) for p in not_done), sentence


@pytest.mark.parametrize("sentence", CASES["done"])
def test_reads_as_done(not_done, sentence):
    hits = [p.pattern for p in not_done if p.search(sentence)]
    assert not hits, (sentence, hits)


def test_every_pattern_has_a_case(not_done):
    for pattern in not_done:
        assert any(pattern.search(s) for s in CASES["not_done"]), f"no case for {pattern.pattern}"


# lexicon key -> (the cases it must match, the cases it must not), in lexicon.cases.yaml
SENTENCE_KINDS = {
    "continues_previous": ("continues", "stands_alone"),
    "interim": ("part_of_year", "whole_year"),
    "rule_statement": ("rule", "event"),
}


@pytest.mark.parametrize("key", SENTENCE_KINDS)
def test_sentence_kind_cases(rules, key):
    matching, other = SENTENCE_KINDS[key]
    patterns = [re.compile(p) for p in getattr(rules.lexicon, key)]
    for text in CASES[key][matching]:
        assert any(p.search(text) for p in patterns), (key, text)
    for text in CASES[key][other]:
        assert not any(p.search(text) for p in patterns), (key, text)
