"""Text read by OCR through facts, engine and judge: keywords through misreads, figures
by confidence (issue 15).

Documents are built as the OCR reader hands them on (TextUnits with source "ocr", the
lines they join and each line's confidence); the OCR engine itself is tested elsewhere.
Each test runs `sxcheck.pipeline.evaluate` with a declaration as a city fills it in.
"""

from __future__ import annotations

import hashlib
import shutil

import pytest
import yaml

from sxcheck.catalogue.loader import load_rules
from sxcheck.catalogue.schema import EvidencePattern
from sxcheck.facts.ocr import Folding
from sxcheck.facts.relevance import relevant_text
from sxcheck.models import (
    DeclaredMeasure,
    DocumentInfo,
    Evidence,
    IngestedDocument,
    OcrLine,
    Sentence,
    SubmissionInfo,
    TextUnit,
)
from sxcheck.pipeline import evaluate

from .conftest import ROOT

CASES = yaml.safe_load((ROOT / "rules" / "ocr_confusions.cases.yaml").read_text(encoding="utf-8"))
SCAN = "佐证材料/2024年统计表扫描件.pdf"
TEXT = "佐证材料/2024年工作总结.docx"
COVERAGE = "截至2024年底，全市320个城市重点公共区域中已有310个实现5G网络覆盖，覆盖率96.9%。"
DECLARED = {"1.1.1": {"coverage": DeclaredMeasure(numerator=310, denominator=320)}}


@pytest.fixture(scope="module")
def rules():
    return load_rules()


def _scan(lines: list[tuple[str, float]], page: int = 1) -> IngestedDocument:
    """A scanned page as OCR read it: one paragraph of the given lines and confidences."""
    text, ocr_lines = "", []
    for number, (line, confidence) in enumerate(lines):
        top = 0.1 + number * 0.03
        ocr_lines.append(
            OcrLine(
                text=line, start=len(text), box=(0.1, top, 0.9, top + 0.025), confidence=confidence
            )
        )
        text += line
    sha = hashlib.sha256(text.encode()).hexdigest()
    unit = TextUnit(
        document=SCAN,
        sha256=sha,
        page=page,
        location="paragraph 1",
        text=text,
        source="ocr",
        lines=ocr_lines,
    )
    info = DocumentInfo(
        path=SCAN,
        sha256=sha,
        size=len(text),
        kind="pdf",
        pages=page,
        read_by="ocr",
        ocr_pages=[page],
        ocr_confidence=min(c for _, c in lines),
        text_units=1,
    )
    return IngestedDocument(info=info, units=[unit])


def _text(text: str, name: str = TEXT) -> IngestedDocument:
    sha = hashlib.sha256(text.encode()).hexdigest()
    unit = TextUnit(document=name, sha256=sha, location="paragraph 3", text=text)
    info = DocumentInfo(path=name, sha256=sha, size=len(text), kind="docx", text_units=1)
    return IngestedDocument(info=info, units=[unit])


def _judge(rules, documents, declared=DECLARED, item="1.1.1"):
    info = SubmissionInfo(region="晋阳市", level="city", year=2024)
    report = evaluate(rules, documents, info, declared)
    return next(j for j in report.indicators if j.id == item)


def _codes(judgment) -> set[str]:
    return {r.code for r in judgment.reasons}


def test_a_confident_ocr_line_corroborates(rules):
    judgment = _judge(rules, [_scan([(COVERAGE, 0.98)])])
    assert judgment.status == "pass"
    assert {"meets_threshold", "corroborated"} <= _codes(judgment)
    assert "ocr_uncertain" not in _codes(judgment)
    support = next(r for r in judgment.reasons if r.code == "corroborated").evidence
    assert support[0].source == "ocr" and support[0].confidence == pytest.approx(0.98)


def test_a_low_confidence_line_alone_is_partial_and_names_the_line(rules):
    judgment = _judge(rules, [_scan([(COVERAGE, 0.62)], page=2)])
    assert judgment.status == "partial"
    assert "ocr_uncertain" in _codes(judgment)
    reason = next(r for r in judgment.reasons if r.code == "ocr_uncertain")
    assert SCAN in reason.message and "第2页" in reason.message
    assert "0.62" in reason.message and COVERAGE[:20] in reason.message
    assert "文字版" in reason.message  # asks for a text copy
    assert [e.document for e in reason.evidence] == [SCAN]
    assert reason.evidence[0].quote == COVERAGE
    assert judgment.score < 1.0


def test_the_low_line_with_a_text_layer_copy_passes(rules):
    documents = [_scan([(COVERAGE, 0.62)]), _text(COVERAGE)]
    judgment = _judge(rules, documents)
    assert judgment.status == "pass"
    assert "ocr_uncertain" not in _codes(judgment)


def test_one_low_line_of_a_sentence_makes_it_uncertain(rules):
    """A sentence spanning two lines is as sure as its least sure line."""
    first, second = COVERAGE[:22], COVERAGE[22:]
    judgment = _judge(rules, [_scan([(first, 0.99), (second, 0.55)])])
    assert judgment.status == "partial"
    reason = next(r for r in judgment.reasons if r.code == "ocr_uncertain")
    assert "0.55" in reason.message


def test_a_figure_taken_from_the_documents_is_taken_from_the_best_reading(rules):
    """Undeclared: the figure comes from the documents; a low line and a text copy agree."""
    alone = _judge(rules, [_scan([(COVERAGE, 0.5)])], declared={})
    assert alone.status == "partial" and "ocr_uncertain" in _codes(alone)
    both = _judge(rules, [_scan([(COVERAGE, 0.5)]), _text(COVERAGE)], declared={})
    assert both.status == "pass" and "ocr_uncertain" not in _codes(both)


def test_a_profile_sets_the_threshold(rules, tmp_path):
    from sxcheck.catalogue.extend import apply_profile

    profile = tmp_path / "p.yaml"
    profile.write_text("name: 扫描件从宽\nocr_min_confidence: 0.5\n", encoding="utf-8")
    lenient = apply_profile(rules, profile)
    assert lenient.ocr_min_confidence == 0.5
    judgment = _judge(lenient, [_scan([(COVERAGE, 0.62)])])
    assert judgment.status == "pass" and "ocr_uncertain" not in _codes(judgment)


MISREAD = "截至2024年底，全市320个城市重点公共区域中已有310个实现5G网络履盖，履盖率96.9%。"


def test_a_misread_keyword_on_ocr_still_finds_the_measure(rules):
    judgment = _judge(rules, [_scan([(MISREAD, 0.97)])])
    assert judgment.status == "pass"
    assert "corroborated" in _codes(judgment)


def test_the_same_misspelling_on_a_text_layer_does_not(rules):
    judgment = _judge(rules, [_text(MISREAD)])
    assert judgment.status == "partial"
    assert "uncorroborated" in _codes(judgment)


# ---------------------------------------------------------------- the confusion cases


def _sentence(text: str, source: str) -> Sentence:
    evidence = Evidence(document="d", sha256="0", location="paragraph 1", quote=text, source=source)
    return Sentence(evidence=evidence, text=text)


def _found(rules, case: dict, source: str) -> bool:
    pattern = EvidencePattern(all_of=[[case["keyword"]]])
    folding = Folding(rules.ocr_confusions)
    return relevant_text(_sentence(case["text"], source), pattern, folding) is not None


@pytest.mark.parametrize("case", CASES["match"], ids=[c["text"][:12] for c in CASES["match"]])
def test_ocr_misreads_match(rules, case):
    assert _found(rules, case, "ocr"), case
    assert not _found(rules, case, "text"), case  # a text layer's typo is not a misread


@pytest.mark.parametrize("case", CASES["no_match"], ids=[c["text"][:12] for c in CASES["no_match"]])
def test_different_words_are_not_merged(rules, case):
    assert not _found(rules, case, "ocr"), case


def test_every_group_has_a_case(rules):
    for group in rules.ocr_confusions.groups:
        misread = group.chars[1:]
        assert any(any(c in case["text"] for c in misread) for case in CASES["match"]), group.chars


def test_digits_are_never_folded(rules):
    folding = Folding(rules.ocr_confusions)
    digits = "0123456789０１２３４５６７８９%.〔〕【】"
    assert folding.fold(digits) == digits


def test_rules_validate_reports_a_bad_table_with_its_line(tmp_path):
    from sxcheck.catalogue.loader import collect

    copy = tmp_path / "rules"
    shutil.copytree(ROOT / "rules", copy)
    (copy / "ocr_confusions.yaml").write_text(
        "groups:\n  - chars: 覆履\n    engines: [tesseract]\n    seen: x\n"
        "  - chars: 0O\n    engines: [tesseract]\n    seen: y\n",
        encoding="utf-8",
    )
    _, problems = collect(copy)
    assert [(p.path.name, p.line) for p in problems] == [("ocr_confusions.yaml", 5)]
    assert "CJK" in problems[0].message
