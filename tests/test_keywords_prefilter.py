"""The one-pass keyword scan (facts.keywords) changes no fact.

Every sample and every rule case is read into facts twice, with the automaton
handing each measure only the sentences that name its keywords and with every
measure tested on every sentence (the old path); the facts must be identical.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from sxcheck.catalogue.loader import load_rules
from sxcheck.catalogue.schema import ConfusionGroup, EvidencePattern, OcrConfusions
from sxcheck.facts import keywords
from sxcheck.facts.ocr import matching
from sxcheck.facts.relevance import mentions
from sxcheck.models import Evidence, Sentence
from sxcheck.pipeline import effective_rules, facts_of, read_submission
from sxcheck.rulecases import case_declared, case_submission

from .conftest import ROOT

RULES = load_rules()
SAMPLES = sorted(p for p in (ROOT / "evidence_samples").iterdir() if p.is_dir())
CASES = [
    pytest.param(item_id, case, id=f"{item_id}:{case.name}")
    for item_id, (_, cases_file) in sorted(RULES.cases.items())
    for case in cases_file.cases
]


def both_ways(rules, documents, info, declared, monkeypatch) -> tuple[list, list]:
    facts = [f.model_dump() for f in facts_of(rules, documents, info, declared)]
    monkeypatch.setattr(keywords, "ENABLED", False)
    old = [f.model_dump() for f in facts_of(rules, documents, info, declared)]
    monkeypatch.setattr(keywords, "ENABLED", True)
    return facts, old


@pytest.mark.parametrize("sample", SAMPLES, ids=[p.name for p in SAMPLES])
def test_sample_facts_unchanged(sample: Path, monkeypatch):
    manifest, info, documents, rules = read_submission(
        sample, RULES, extend=lambda folder: effective_rules([], None, folder)
    )
    facts, old = both_ways(rules, documents, info, manifest.indicators, monkeypatch)
    assert facts == old
    assert any(f["evidence"] for f in facts)  # the comparison saw facts with quotes


@pytest.mark.parametrize(("item_id", "case"), CASES)
def test_rule_case_facts_unchanged(item_id, case, monkeypatch):
    documents, info = case_submission(case)
    declared = case_declared(RULES, item_id, case)
    facts, old = both_ways(RULES, documents, info, declared, monkeypatch)
    assert facts == old


def _sentence(text: str, context: str = "", source: str = "text") -> Sentence:
    evidence = Evidence(document="a.txt", sha256="", location="", quote=text, source=source)
    return Sentence(evidence=evidence, text=text, context=context)


def test_scan_finds_what_the_substring_test_finds():
    """Overlapping words, case, context, an empty group list, a word "" and OCR folding."""
    patterns = [
        EvidencePattern(all_of=[["覆盖率"], ["5G", "千兆"]]),
        EvidencePattern(all_of=[["盖率"]]),  # inside another word
        EvidencePattern.model_construct(all_of=[], none_of=[]),  # every text
        EvidencePattern.model_construct(
            all_of=[["", "不在"], ["网络"]], none_of=[]
        ),  # "" holds everywhere
        EvidencePattern(all_of=[["政务"], ["电子证照"]]),
    ]
    group = ConfusionGroup(chars="覆履", engines=["pp-ocr"], seen="覆盖率 read as 履盖率")
    index = keywords.KeywordIndex(patterns + patterns[:1], OcrConfusions(groups=[group]))
    assert len(index.patterns) == len(patterns)  # one pattern, one place
    assert index.mentioned(_sentence("5g网络覆盖率96%")) == {0, 1, 2, 3}
    assert index.mentioned(_sentence("电子证照", context="政务服务")) == {2, 4}
    assert index.mentioned(_sentence("5G网络履盖率96%")) == {1, 2, 3}  # a typo: not 覆盖率
    assert index.mentioned(_sentence("5G网络履盖率96%", source="ocr")) == {0, 1, 2, 3}
    assert index.index_of(EvidencePattern(all_of=[["覆盖率"]])) is None  # not of this set
    for sentence in [
        _sentence("千兆光网覆盖率", context="网络"),
        _sentence("履盖率", context="5G", source="ocr"),
        _sentence("政务 电子证照"),
    ]:
        context, text = sentence.context, sentence.text
        if sentence.evidence.source == "ocr":
            context, text = index.folding.fold(context), index.folding.fold(text)
        expected = {
            i
            for i, p in enumerate(patterns)
            if mentions(matching(index.folding, sentence, p)[0], f"{context} {text}")
        }
        assert index.mentioned(sentence) == expected, sentence.text
