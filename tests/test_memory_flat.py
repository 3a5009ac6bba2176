"""Memory flat in pages (issue 18): sentences hold offsets into one text, not copies.

Structure, not timings: the sentences of a paragraph share its one text and hold
offsets into it; what a sentence holds of its own before a measure reads it is its
matching text, never the paragraph; joins with the sentence before are made only
for the sentences read joined; the models made without validation
(evidence.built) equal the validated ones and share their dict's keys; a Quantity is
a slotted class; and the quantities read share their equal values.
"""

from __future__ import annotations

import sys
from decimal import Decimal
from pathlib import Path

import pytest

from sxcheck.catalogue.loader import load_rules
from sxcheck.evidence import compact_units, sentences_of
from sxcheck.evidence.built import made
from sxcheck.facts import build_facts, forgetting
from sxcheck.facts.periods import Periods
from sxcheck.facts.quotes import cap_quotes, cite, is_quoted, joined_with_previous, quoted_keys
from sxcheck.ingest import read_document
from sxcheck.models import (
    Evidence,
    Fact,
    FigureNote,
    OfficialInfo,
    Quantity,
    Sentence,
    TextUnit,
    quote_key,
    unique_evidence,
)

from .docbuilders import page_break, para, table, title, write_pdf

SENTENCES = [
    "全市5G基站共1200个，5G网络覆盖率达到98.5%。",
    "全市政务服务事项共2607项，其中可使用电子证照办理的2010项。",
    "全年累计处置城市管理事部件问题5321件，结案率97%。",
    "市级政务云已接入省级一体化大数据中心核心枢纽节点。",
]


def _own_strings(sentence: Sentence) -> int:
    """Bytes of the strings a sentence holds besides its unit's (shared) text."""
    held = {id(x): x for x in (sentence.text, sentence.context, sentence.raw) if x}
    return sum(sys.getsizeof(x) for x in held.values())


def _dense_pdf(tmp_path: Path, pages: int) -> list[TextUnit]:
    blocks = [title("基准市新型智慧城市建设材料")]
    for _ in range(pages):
        blocks += [para("".join(SENTENCES)) for _ in range(4)] + [page_break()]
    path = write_pdf(tmp_path / f"{pages}.pdf", blocks)
    return read_document(path, path.name).units


def test_sentences_of_a_paragraph_share_its_text_by_offsets():
    text = "".join(SENTENCES)
    unit = TextUnit(document="a.txt", sha256="0" * 64, location="paragraph 1", text=text)
    sentences = sentences_of([unit], 2024)
    assert [s.text for s in sentences] == SENTENCES
    for sentence in sentences:
        assert sentence.unit is unit  # the one text, not a copy
        assert text[sentence.start : sentence.end] == sentence.text
        # nothing of the paragraph is copied until the quote is asked for
        assert _own_strings(sentence) <= sys.getsizeof(sentence.text)
    # the quote is an exact substring of the document, its context a window of it
    for sentence in sentences:
        evidence = sentence.evidence
        assert evidence is sentence.evidence  # built once, shared by every fact
        assert evidence.quote in text and evidence.context is not None
        assert evidence.quote in evidence.context and evidence.context in text


def test_what_sentences_hold_grows_with_their_text_not_their_paragraphs(tmp_path: Path):
    """A dense page's sentences hold their own text: the same bytes per sentence at 2 and
    at 8 pages, and at most the sentence (never the paragraph) each."""
    per_sentence = []
    for pages in (2, 8):
        units = _dense_pdf(tmp_path, pages)
        sentences = sentences_of(units, 2024)
        assert len(sentences) >= pages * 4 * len(SENTENCES)
        own = sum(_own_strings(s) for s in sentences)
        per_sentence.append(own / len(sentences))
        for sentence in sentences:
            assert sentence.unit is not None
            paragraph = sys.getsizeof(sentence.unit.text)
            if len(sentence.unit.text) > 2 * len(sentence.text):
                assert _own_strings(sentence) < paragraph
    assert per_sentence[1] <= per_sentence[0] * 1.05


def test_joins_are_made_only_for_sentences_read_joined():
    rules = load_rules()
    text = "全市共有学校420所。其中418所已实现无线网络覆盖。" + "".join(SENTENCES)
    unit = TextUnit(document="a.txt", sha256="0" * 64, location="paragraph 1", text=text)
    sentences = sentences_of([unit], 2024, rules.lexicon)
    joined = joined_with_previous(sentences)
    assert len(joined) == len(sentences) and joined[0] is None
    assert all(joined.joinable(i) for i in range(1, len(sentences)))
    assert not joined._made  # nothing copied up front
    second = joined[1]
    assert second is not None and second is joined[1]  # made once
    assert second.text == sentences[0].text + sentences[1].text
    assert second.evidence.quote in text
    build_facts(rules, sentences, "city", {}, years={2024})


def test_made_models_equal_validated_ones():
    note = {"text": "1.4个", "role": "figure", "period": "2024", "used": True}
    assert made(FigureNote, dict(note)) == FigureNote(**note)
    evidence = {
        "document": "a.pdf",
        "sha256": "0" * 64,
        "page": 2,
        "location": "paragraph 3",
        "quote": "共1.4个。",
        "context": None,
        "figures": [],
        "source": "ocr",
        "confidence": 0.9,
        "box": (1.0, 2.0, 3.0, 4.0),
        "cell": None,
        "issued": None,
    }
    built = made(Evidence, dict(evidence))
    assert built == Evidence(**evidence)
    assert built.model_dump_json() == Evidence(**evidence).model_dump_json()
    other = made(Evidence, dict(evidence))
    other.figures = [made(FigureNote, dict(note))]  # a field set on one, not on the other
    assert built.figures == [] and other.figures[0].text == "1.4个"
    assert built.model_fields_set == set(Evidence.model_fields)
    assert other.model_copy(update={"quote": "共2个。"}).quote == "共2个。"
    assert list(built.__dict__) == list(Evidence.model_fields)  # the model's field order
    if sys.implementation.name == "cpython":
        # the values dict shares its keys with every other Evidence made (issue 18): it
        # holds the values only, smaller than a dict of its own keys, and stays so when
        # a field is set
        assert sys.getsizeof(built.__dict__) < sys.getsizeof(dict(evidence))
        assert sys.getsizeof(other.__dict__) == sys.getsizeof(built.__dict__)
    with pytest.raises(TypeError):
        made(Evidence, {"document": "a.pdf"})  # every field, or it is no model


QUANTITY = {
    "value": Decimal("1.4"),
    "written": Decimal("1.4"),
    "unit": "个",
    "is_percent": False,
    "text": "1.4个",
    "start": 3,
    "end": 7,
    "role": "figure",
    "period": "2024",
    "target_year": None,
    "low": Decimal("1.35"),
    "high": Decimal("1.45"),
}


def test_a_quantity_is_slotted_and_behaves_as_the_model_did():
    """Quantity is a slotted class (issue 18: ~40 a dense page, held through the facts
    stage): no dict of its own, the model's fields, defaults, copy and equality."""
    quantity = made(Quantity, dict(QUANTITY))
    assert not hasattr(quantity, "__dict__") and set(Quantity.__slots__) == set(QUANTITY)
    assert quantity == Quantity(**QUANTITY) and quantity.model_dump() == QUANTITY
    with pytest.raises(AttributeError):
        quantity.colour = "red"  # type: ignore[attr-defined]  # no field of it
    plain = Quantity(value=Decimal(5), text="5", start=0, end=1)
    assert (plain.written, plain.unit, plain.is_percent, plain.role, plain.period) == (
        None,
        None,
        False,
        "figure",
        "current",
    )
    assert (plain.target_year, plain.low, plain.high) == (None, None, None)
    assert plain.is_measure_figure
    assert not plain.model_copy(update={"role": "date"}).is_measure_figure
    moved = quantity.model_copy(update={"start": 5, "end": 9})
    assert (moved.start, moved.end, moved.text) == (5, 9, "1.4个") and quantity.start == 3
    assert moved != quantity and moved.model_copy(update={"start": 3, "end": 7}) == quantity
    assert quantity in [plain, Quantity(**QUANTITY)]  # compared by value, as a model was
    assert "period='2024'" in repr(quantity)
    with pytest.raises(TypeError):
        made(Quantity, {"value": Decimal(1)})  # every field, or it is no quantity
    with pytest.raises(TypeError):
        hash(quantity)


def test_quantities_read_share_equal_values_but_keep_how_they_are_written():
    """The numbers a submission's sentences state share their equal parts (one Decimal
    per value as written, one string per unit and period), never merging 1.0 with 1."""
    text = "全市5G基站1200个，覆盖率98.5%。另建基站1200个，覆盖率98.50%。"
    unit = TextUnit(document="a.txt", sha256="0" * 64, location="paragraph 1", text=text)
    first, second = sentences_of([unit], 2024)
    (a, b), (c, d) = first.quantities, second.quantities
    assert (a.value, c.value) == (Decimal(1200), Decimal(1200)) and a.value is c.value
    assert a.unit == c.unit == "个" and a.unit is c.unit and a.period is c.period
    assert b.value == d.value and str(b.value) == "98.5" and str(d.value) == "98.50"
    assert b.value is not d.value  # equal, but written with another precision
    assert (b.low, b.high) != (d.low, d.high)


def test_sentences_read_as_before_in_facts(tmp_path: Path):
    """A real PDF through the facts stage: every quote an exact substring of its unit."""
    rules = load_rules()
    units = _dense_pdf(tmp_path, 2)
    sentences = sentences_of(units, 2024, rules.lexicon)
    facts = build_facts(rules, sentences, "city", {}, years={2024})
    texts = [u.text for u in units]
    quotes = [e for f in facts for role in f.evidence.values() for e in role]
    assert quotes
    for evidence in quotes:
        assert any(evidence.quote in t for t in texts)
        if evidence.context is not None:
            assert evidence.quote in evidence.context


def test_only_the_quotes_facts_keep_get_their_numbers_noted(tmp_path: Path, monkeypatch):
    """Every sentence about a measure is cited while facts are built; only the quotes a
    fact keeps (at most MAX_QUOTES_PER_ROLE a role) are given figure notes, the same
    notes Periods.noted gives. (Numbers kept to the end, so that `read` tells which were
    read: tests/test_forgetting.py.)"""
    monkeypatch.setattr(forgetting, "ENABLED", False)
    rules = load_rules()
    sentences = sentences_of(_dense_pdf(tmp_path, 6), 2024, rules.lexicon)
    facts = build_facts(rules, sentences, "city", {}, years={2024})
    kept = {id(e) for f in facts for role in f.evidence.values() for e in role}
    built = [s for s in sentences if s._evidence is not None]
    read = [s for s in sentences if s.read]
    assert len(read) > 2 * len(kept)  # many cited while building, few kept
    # and only the kept ones were built (facts.quotes.cite, Sentence.when_made)
    assert built and all(id(s.evidence) in kept for s in built)
    noted = [s for s in built if s.evidence.figures]
    assert noted and all(id(s.evidence) in kept for s in noted)
    for sentence in noted:
        again = sentence.evidence.model_copy(update={"figures": []})
        fresh = Sentence(evidence=again, text=sentence.text, quantities=sentence.quantities)
        assert Periods({2024}).noted(fresh).figures == sentence.evidence.figures


def test_only_cited_sentences_build_their_evidence(tmp_path: Path):
    """Issue 18: whether a sentence is a draft's, or already quoted, is answered without
    building its evidence; the facts of a dense document then build evidence only for
    the sentences some fact cites, and the answers are those the evidence gives."""
    units = _dense_pdf(tmp_path, 3)
    officials = {units[0].document: OfficialInfo(number="晋政发〔2024〕3号", draft="征求意见稿")}
    sentences = sentences_of(units, 2024, officials=officials)
    assert all(s.issued is not None and s.issued.draft for s in sentences)
    keys = quoted_keys(sentences[:3])
    assert is_quoted(sentences[1], keys) and not is_quoted(sentences[5], keys)
    assert not any(s.evidence_made for s in sentences)  # nothing built by asking
    # a copy shares its evidence: quoted when its original is
    copy = sentences[2].model_copy(update={"text": sentences[2].text[:4]})
    assert is_quoted(copy, quoted_keys([sentences[2]]))
    assert sentences[0].issued == sentences[0].evidence.issued
    rules = load_rules()
    fresh = sentences_of(units, 2024)
    facts = build_facts(rules, fresh, "city", {})
    assert any(f.evidence.get("used") or f.evidence.get("support") for f in facts)
    built = [s for s in fresh if s.evidence_made]
    assert built and len(built) < len(fresh)  # the cited ones, not every one read


def _paragraph_sentences(repeat: int = 3) -> list[Sentence]:
    text = "".join(SENTENCES * repeat)
    unit = TextUnit(document="a.txt", sha256="0" * 64, location="paragraph 1", text=text)
    return sentences_of([unit], 2024)


def test_cite_keeps_what_cap_quotes_would_and_builds_only_those():
    """A role's quotes cited from sentences: the same first ones, each once by place and
    text, as building every evidence and capping would keep; only those are built, the
    others counted, and cap_quotes reports them as it did."""
    sentences = _paragraph_sentences()  # each text three times in one paragraph: one quote
    given = sentences[1].model_copy().evidence  # an Evidence among them (a repeat)
    kept, others = cite([*sentences, given], limit=2)
    expected = unique_evidence([s.evidence for s in _paragraph_sentences()])
    assert [e.quote for e in kept] == [e.quote for e in expected[:2]]
    assert others == len(expected) - 2 == 2
    assert [s.evidence_made for s in sentences[2:4]] == [False, False]  # counted, not built
    fact = Fact(id="1.1.1/x", item="1.1.1", measure="x", kind="ratio", evidence={"conflict": kept})
    cap_quotes(fact, limit=2, left={fact.id: {"conflict": others}})
    assert fact.params["quotes_omitted"] == "conflict 2"
    assert fact.evidence["conflict"] == kept


def test_noting_waits_for_the_evidence_to_be_built():
    """to_note builds nothing; the sentence is noted once its evidence is built by
    whatever builds it (here a copy), as if it had been built when asked."""
    sentence = _paragraph_sentences(1)[0]
    periods = Periods({2024})
    periods.to_note(sentence)
    assert not sentence.evidence_made
    copy = sentence.model_copy(update={"listing": True})  # builds the shared evidence
    assert copy.evidence is sentence.evidence
    fact = Fact(id="1.1.1/x", item="1.1.1", measure="x", kind="ratio")
    fact.evidence["used"] = [copy.evidence]
    periods.note_cited(fact)
    assert [n.text for n in sentence.evidence.figures] == ["1200个", "98.5%"]


def test_a_sentence_keeps_no_copy_of_text_written_as_matched():
    """The matching text is read from the unit between the offsets; a text normalising
    changed ("２０２４年") is kept as its own string; a copy keeps the offsets."""
    plain = _paragraph_sentences(1)[0]
    assert plain._text is None and plain.text == SENTENCES[0]
    unit = TextUnit(
        document="b.txt", sha256="1" * 64, location="paragraph 1", text="２０２４年建成。"
    )
    (changed,) = sentences_of([unit], 2024)
    assert changed._text == "2024年建成。" == changed.text
    copy = plain.model_copy(update={"listing": True})
    assert copy.unit is plain.unit and copy._text is None and copy.text == plain.text
    cut = plain.model_copy(update={"text": plain.text[:5]})
    assert cut.unit is None and cut.text == plain.text[:5]


def test_compact_units_keep_every_value_and_one_string_for_equal_ones(tmp_path: Path):
    """Units made compact equal those read and share one string for each location a
    page repeats ("paragraph 2" on every page) and for a table's context, column
    headers, row labels and cell texts, repeated row after row as they arrive."""
    blocks = [title("基准市新型智慧城市建设材料")]
    rows = [["指标名称", "2020年基期值", "2024年"], ["5G网络覆盖率", "45%", "96%"]]
    for _ in range(3):
        blocks += [para("".join(SENTENCES)) for _ in range(4)]
        blocks += [para("表1 主要指标"), table([*rows, ["电子证照使用率", "45%", "90%"]])]
        blocks.append(page_break())
    path = write_pdf(tmp_path / "dense.pdf", blocks)
    document = read_document(path, path.name)
    before = [unit.model_dump() for unit in document.units]
    compact_units(document)
    assert [unit.model_dump() for unit in document.units] == before
    units = document.units
    cells = [cell for unit in units for cell in unit.cells]
    for strings in (
        [unit.location for unit in units],
        [unit.context for unit in units if unit.cells],
        [unit.row_label for unit in units if unit.cells],
        [cell.header for cell in cells],
        [cell.text for cell in cells],
    ):
        assert len(set(strings)) < len(strings)  # repeated in the document
        assert len({id(x) for x in strings}) == len(set(strings))
    # a paragraph's empty cells and OCR lines: one list for all, which refuses to change
    paragraph = next(unit for unit in units if not unit.cells)
    empties = {id(u.cells) for u in units if not u.cells} | {id(u.lines) for u in units}
    assert paragraph.cells == [] and len(empties) == 1
    with pytest.raises(TypeError):
        paragraph.cells.append(cells[0])
    assert (
        paragraph.cells == []
        and paragraph.model_dump_json()
        == TextUnit(**before[units.index(paragraph)]).model_dump_json()
    )


def test_a_plans_tables_and_targets_build_only_the_quotes_facts_keep(tmp_path: Path):
    """A 规划 states every figure for another period, in tables of indicators by year
    and paragraphs of targets: every such sentence is cited as planned or set aside,
    and only the quotes the facts keep are built (tables are traced back to their rows
    by place, not by building every row's evidence)."""
    blocks = [title("基准市新型智慧城市发展规划（2021-2025年）")]
    for page in range(30):
        blocks += [
            para(f"到2025年，全市5G网络覆盖率达到{70 + page % 30}%以上，电子证照使用率达到95%。"),
            table(
                [
                    ["指标名称", "2020年基期值", "2025年目标值"],
                    ["5G网络覆盖率", f"{40 + page}%", "100%"],
                    ["电子证照使用率", f"{30 + page}%", "95%"],
                ]
            ),
            page_break(),
        ]
    path = write_pdf(tmp_path / "规划.pdf", blocks)
    rules = load_rules()
    sentences = sentences_of(read_document(path, path.name).units, 2024, rules.lexicon)
    facts = build_facts(rules, sentences, "city", {}, years={2024})
    omitted = " ".join(f.params.get("quotes_omitted", "") for f in facts)
    assert "planned" in omitted or "set_aside" in omitted  # more cited than kept
    kept = {quote_key(e) for f in facts for role in f.evidence.values() for e in role}
    built = [s for s in sentences if s.evidence_made]
    rows = [s for s in sentences if s.cells]
    assert rows and not all(s.evidence_made for s in rows)
    assert built and all(quote_key(s.evidence) in kept for s in built)
