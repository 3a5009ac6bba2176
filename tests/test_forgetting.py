"""Numbers forgotten after their last reader (facts.forgetting) change no fact (issue 18).

Every sample and every rule case is read into facts twice, forgetting each
sentence's numbers once no later measure reads them and keeping every number to the
end; the facts must be identical, and forgetting must not make any sentence be read
twice. What is still held at the end of the stage is what a fact cites (or a 合计
row, tried for every ratio), not every sentence a measure read.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from sxcheck.catalogue.loader import load_rules
from sxcheck.evidence import LazyParts, read_documents, sentences_of
from sxcheck.facts import build_facts, forgetting
from sxcheck.ingest import read_document
from sxcheck.models import Sentence
from sxcheck.pipeline import effective_rules, read_submission
from sxcheck.rulecases import case_declared, case_submission

from .conftest import ROOT
from .docbuilders import para, table, title, write_pdf

RULES = load_rules()
SAMPLES = sorted(p for p in (ROOT / "evidence_samples").iterdir() if p.is_dir())
CASES = [
    pytest.param(item_id, case, id=f"{item_id}:{case.name}")
    for item_id, (_, cases_file) in sorted(RULES.cases.items())
    for case in cases_file.cases
]


def _build(rules, documents, info, declared) -> tuple[list[dict], list[Sentence], int]:
    """The facts as `pipeline.facts_of` builds them, with the sentences and the readings."""
    units, officials, listing = read_documents(documents, rules.lexicon)
    sentences = sentences_of(units, info.year, rules.lexicon, officials, listing)
    facts = build_facts(
        rules,
        sentences,
        info.level,
        declared,
        years=set(rules.period_years or {info.year}),
        region=info.region,
        parent=info.parent,
        officials=officials,
    )
    sources = {id(s.source): s.source for s in sentences if isinstance(s.source, LazyParts)}
    reads = sum(source.reads for source in sources.values())
    return [f.model_dump() for f in facts], sentences, reads


def _both_ways(rules, documents, info, declared, monkeypatch):
    kept = _build(rules, documents, info, declared)
    monkeypatch.setattr(forgetting, "ENABLED", False)
    held = _build(rules, documents, info, declared)
    monkeypatch.setattr(forgetting, "ENABLED", True)
    return kept, held


def _held_at_the_end(sentences: list[Sentence]) -> list[Sentence]:
    return [s for s in sentences if s.read and s.source is not None]


@pytest.mark.parametrize("sample", SAMPLES, ids=[p.name for p in SAMPLES])
def test_sample_facts_unchanged_and_nothing_read_twice(sample: Path, monkeypatch):
    manifest, info, documents, rules = read_submission(
        sample, RULES, extend=lambda folder: effective_rules([], None, folder)
    )
    (facts, sentences, reads), (old, all_sentences, old_reads) = _both_ways(
        rules, documents, info, manifest.indicators, monkeypatch
    )
    assert facts == old
    assert any(f["evidence"] for f in facts)  # the comparison saw facts with quotes
    assert reads == old_reads  # a forgotten sentence was never asked again
    held = _held_at_the_end(sentences)
    assert len(held) <= len(_held_at_the_end(all_sentences))
    assert all(s.evidence_made or s.cells for s in held)  # what is kept is cited (or a row)


@pytest.mark.parametrize(("item_id", "case"), CASES)
def test_rule_case_facts_unchanged(item_id, case, monkeypatch):
    documents, info = case_submission(case)
    declared = case_declared(RULES, item_id, case)
    (facts, _, reads), (old, _, old_reads) = _both_ways(
        RULES, documents, info, declared, monkeypatch
    )
    assert facts == old
    assert reads == old_reads


def test_dense_document_keeps_only_what_facts_cite(tmp_path: Path):
    """Paragraphs stating figures about several items, "其中…" joins and a table with its
    合计 row: after the build, only cited sentences (and the 合计 row) hold numbers."""
    paragraphs = [
        f"全市累计建成5G基站{1200 + i}个，5G网络覆盖率达到9{i % 10}.{i // 10}%。"
        f"全市共有学校{400 + i}所。其中{390 + i}所已实现无线网络覆盖。"
        f"政务服务事项网上可办率达到9{i % 10}%，电子证照使用率达到8{i % 10}%。"
        for i in range(40)
    ]
    rows = [["区县", "学校数", "已覆盖"], ["城区", "200", "198"], ["郊区", "220", "210"]]
    rows.append(["合计", "420", "408"])
    path = write_pdf(
        tmp_path / "a.pdf",
        [title("关于智慧城市建设情况的报告"), *map(para, paragraphs), table(rows)],
    )
    units = read_document(path, "a.pdf").units
    sentences = sentences_of(units, 2024, RULES.lexicon)
    build_facts(RULES, sentences, "city", {}, years={2024})
    parts = next(s.source for s in sentences if isinstance(s.source, LazyParts))
    assert isinstance(parts, LazyParts)
    held = _held_at_the_end(sentences)
    assert parts.reads > len(held) > 0  # read, then given back; the cited kept
    for sentence in held:
        assert sentence.evidence_made or sentence.cells, sentence.text
    # a forgotten sentence asked again reads the same numbers
    forgotten = next(s for s in sentences if not s.read and not s.evidence_made)
    first = forgotten.quantities
    forgotten.forget_quantities()
    assert forgotten.quantities == first and forgotten.quantities is not first
