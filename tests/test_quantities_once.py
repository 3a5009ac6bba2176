"""The quantity finder runs once per sentence, only on sentences some measure reads (issue 18).

Counted on real documents by the evidence stage's own counter (`LazyParts.reads`):
the facts are built as a check builds them, then the readings are compared with the
sentences the keyword automaton hands to some measure. Forgetting (facts.forgetting)
is off here, so that a sentence's `read` still tells after the build that it was read;
tests/test_forgetting.py shows forgetting reads nothing twice.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from sxcheck.catalogue.loader import load_rules
from sxcheck.evidence import LazyParts, read_documents, sentences_of
from sxcheck.facts import build_facts, forgetting, keywords
from sxcheck.ingest import read_document
from sxcheck.models import Sentence, TextUnit

from .docbuilders import para, title, write_pdf

REPORT = (
    Path(__file__).parent.parent
    / "evidence_samples"
    / "晋阳市-2024"
    / "佐证材料"
    / "01-晋阳市新型智慧城市建设自评估报告.pdf"
)


@pytest.fixture(autouse=True)
def numbers_kept(monkeypatch):
    monkeypatch.setattr(forgetting, "ENABLED", False)


@pytest.fixture(scope="module")
def rules():
    return load_rules()


def _parts(sentences: list[Sentence]) -> LazyParts:
    sources = {id(s.source): s.source for s in sentences}
    assert len(sources) == 1  # one reader for the sentences of one call
    source = next(iter(sources.values()))
    assert isinstance(source, LazyParts)
    return source


def _checked(rules, units: list[TextUnit]) -> list[Sentence]:
    sentences = sentences_of(units, 2024, rules.lexicon)
    build_facts(rules, sentences, "city", {}, years={2024})
    return sentences


def test_a_real_report_reads_each_sentence_once_and_only_those_measures_name(rules):
    document = read_document(REPORT, REPORT.name)
    units, officials, listing = read_documents([document], rules.lexicon)
    sentences = sentences_of(units, 2024, rules.lexicon, officials, listing)
    parts = _parts(sentences)
    assert parts.reads == 0  # nothing is read before a measure asks
    build_facts(rules, sentences, "city", {}, years={2024}, officials=officials)
    read = [s for s in sentences if s.read]
    assert read and parts.reads == len(read)  # each read sentence read exactly once
    # reading again is the same list: no second pass
    before = parts.reads
    for sentence in read:
        assert sentence.quantities is sentence.quantities
    assert parts.reads == before
    # every sentence read is one some measure's keywords name (itself, or joined with the
    # sentence before it), or a table row the table reader reads by its header
    index = keywords.index_for(rules)
    named = {
        i
        for i, s in enumerate(sentences)
        if index.mentioned(s) or (i and index.mentioned(sentences[i - 1]))
    }
    for i, sentence in enumerate(sentences):
        if sentence.read:
            assert i in named or sentence.cells, sentence.text
    # a real report has sentences about nothing any measure asks about: not read
    assert len(read) < len(sentences)


def test_prose_no_measure_names_is_never_read(rules, tmp_path: Path):
    prose = "今天召开了3次会议，共有12个单位参加，会议气氛热烈。"
    about = "全市5G基站共1200个，5G网络覆盖率达到98.5%。"
    path = write_pdf(tmp_path / "a.pdf", [title("情况说明"), para(prose), para(about)])
    sentences = _checked(rules, read_document(path, "a.pdf").units)
    by_text = {s.text: s for s in sentences}
    assert not by_text[prose].read
    assert by_text[about].read
    assert _parts(sentences).reads == sum(s.read for s in sentences)


def test_a_sentence_continuing_the_one_before_is_read_joined_once(rules):
    text = "全市共有学校420所。其中418所已实现无线网络覆盖。"
    unit = TextUnit(document="a.txt", sha256="0" * 64, location="paragraph 1", text=text)
    sentences = sentences_of([unit], 2024, rules.lexicon)
    facts = build_facts(rules, sentences, "city", {}, years={2024})
    parts = _parts(sentences)
    assert all(s.read for s in sentences) and parts.reads == 2
    quoted = [e.quote for f in facts for quotes in f.evidence.values() for e in quotes]
    assert text in quoted  # quoted joined, as the document has the two
