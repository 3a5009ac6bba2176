"""The modality reader (sxcheck/evidence/modality/) against rules/lexicon.cases.yaml
`modality`, and its API: clause spans, `at()` scopes, years, caching, bad words."""

from __future__ import annotations

import re
import time
from collections import Counter

import pytest
import yaml
from pydantic import ValidationError

from sxcheck.catalogue.schema import Lexicon, ModalityWords
from sxcheck.evidence.modality import MODALITIES, Clause, ModalityReader, reader_for

from .conftest import ROOT

CASES = yaml.safe_load((ROOT / "rules" / "lexicon.cases.yaml").read_text(encoding="utf-8"))[
    "modality"
]
WORD_LISTS = (
    "new_statement",
    "look_alikes",
    "double_negation",
    "conditional",
    "negated",
    "planned",
    "required",
    "drafts",
    "ongoing",
    "stages",
    "done",
    "routine",
    "duties",
    "deadline",
)


@pytest.fixture(scope="module")
def reader(rules) -> ModalityReader:
    return reader_for(rules.lexicon)


def _read(reader: ModalityReader, case: dict) -> str | list[str]:
    text, year = case["text"], case.get("year")
    if "clauses" in case:
        return [c.modality for c in reader.clauses(text, year)]
    about = case.get("about", text)
    start = text.index(about)
    return reader.at(text, start, start + len(about), year).modality


def _case_id(case: dict) -> str:
    return f"{case['text'][:24]}|{case.get('about', '')[:10]}|{case.get('year', '')}"


@pytest.mark.parametrize("case", CASES, ids=[_case_id(c) for c in CASES])
def test_case(reader, case):
    expected = case.get("clauses", case.get("expect"))
    assert expected is not None, case
    assert _read(reader, case) == expected, case


def test_cases_cover_every_modality():
    seen = Counter(c["expect"] for c in CASES if "expect" in c)
    seen.update(m for c in CASES for m in c.get("clauses", []))
    assert set(seen) == set(MODALITIES), seen
    assert all(seen[m] >= 20 for m in MODALITIES), seen


def test_accuracy_by_modality(reader):
    """Every case right: the table (expected -> read) is printed when one is not."""
    table: Counter[tuple[str, str]] = Counter()
    for case in CASES:
        got = _read(reader, case)
        want = case.get("clauses", case.get("expect"))
        if not isinstance(want, list):
            table[(want, got)] += 1
        elif len(want) != len(got):
            table[(f"{len(want)} clauses", f"{len(got)} clauses")] += 1
        else:
            table.update(zip(want, got, strict=True))
    wrong = {k: n for k, n in table.items() if k[0] != k[1]}
    if wrong:
        print({f"{w}->{g}": n for (w, g), n in sorted(table.items())})
    assert not wrong


@pytest.mark.parametrize("field", WORD_LISTS)
def test_every_word_has_a_case(rules, field):
    texts = [c["text"] for c in CASES]
    for word in getattr(rules.lexicon.modality, field):
        assert any(re.search(word, t) for t in texts), f"modality.{field}: no case for {word}"


# ------------------------------------------------------------------ API


def test_clauses_are_the_text_between_marks(reader):
    text = "暂未引入社会资本，也未委托第三方运营。通报中心设在市公安局。"
    clauses = reader.clauses(text)
    assert [text[c.start : c.end] for c in clauses] == [
        "暂未引入社会资本",
        "也未委托第三方运营",
        "通报中心设在市公安局",
    ]
    assert [(c.modality, c.cue) for c in clauses] == [
        ("negated", "暂未"),
        ("negated", "也未"),
        ("done", "设在"),
    ]
    assert reader.clauses("通报中心位于市公安局。") == [Clause(0, 10, "done", "")]


def test_negation_scopes_to_the_end_of_its_clause(reader):
    text = "县级平台尚未接入省级平台，已建成市级平台。"
    assert reader.at(text, text.index("接入"), text.index("接入") + 2).modality == "negated"
    done = reader.at(text, text.index("已建成"), text.index("已建成") + 3)
    assert (done.modality, text[done.start : done.end]) == ("done", "已建成市级平台")


def test_at_reads_cues_before_or_inside_the_span_only(reader):
    text = "已建成但尚未投入使用"
    assert reader.at(text, 1, 3) == Clause(0, len(text), "done", "已")
    assert reader.at(text, 6, 10) == Clause(0, len(text), "negated", "尚未")
    assert reader.at(text, 0, len(text)).modality == "negated"


def test_at_over_two_clauses_takes_the_strongest(reader):
    text = "市级平台已建成，县级平台尚未建成。"
    clause = reader.at(text, 0, text.index("。"))
    assert (clause.modality, clause.start, clause.end) == ("negated", 0, text.index("。"))


def test_a_plan_opening_a_statement_scopes_to_its_end(reader):
    text = "到2025年，我市将构建城市运行管理体系，建成统一平台；市数据局已完成方案编制。"
    assert [c.modality for c in reader.clauses(text)] == ["planned"] * 3 + ["done"]
    about = text.index("建成统一平台")
    assert reader.at(text, about, about + 6).cue == "将构建"


def test_double_negation_is_done(reader):
    text = "全市无一未接入市级平台，没有一家单位不接入数据共享平台。"
    assert [(c.modality, c.cue) for c in reader.clauses(text)] == [
        ("done", "无一未"),
        ("done", "没有一家单位不"),
    ]


def test_the_evaluation_year_decides_a_written_year(reader):
    text = "县级平台2025年6月底前投入使用。"
    assert reader.at(text, 0, len(text), 2024).modality == "planned"
    assert reader.at(text, 0, len(text), 2026).modality == "done"
    later = "2025年完成县级平台对接。"
    assert [reader.at(later, 0, len(later), y).modality for y in (2024, 2025, None)] == [
        "planned",
        "done",
        "done",
    ]


def test_a_span_on_marks_or_an_empty_text_is_done(reader):
    assert reader.at("", 0, 0) == Clause(0, 0, "done")
    assert reader.at("。。", 0, 1).modality == "done"
    assert reader.clauses("") == []
    assert reader.clauses("，；。") == []


def test_a_zero_width_span_reads_its_clause(reader):
    text = "平台尚未上线"
    assert reader.at(text, len(text) - 1, len(text) - 1).modality == "negated"


def test_one_reader_per_lexicon(rules):
    assert reader_for(rules.lexicon) is reader_for(rules.lexicon)
    other = rules.lexicon.model_copy()
    assert reader_for(other) is not reader_for(rules.lexicon)


class _Counting(ModalityReader):
    """A real reader that counts its scans."""

    scans = 0

    def _read(self, text, year):
        self.scans += 1
        return super()._read(text, year)


def test_repeated_at_on_one_text_scans_it_once(rules):
    reader = _Counting(rules.lexicon.modality)
    text = "平台已建成，尚未投入使用。" * 500
    for start in range(0, len(text), 13):
        reader.at(text, start, start + 4, 2024)
    assert reader.scans == 1
    reader.at(text, 0, 4, 2025)  # another year is another reading
    assert reader.scans == 2


def test_the_first_character_filter_keeps_every_token(rules):
    """The scanner's lookahead of first characters finds exactly what the bare
    alternation finds."""
    reader = reader_for(rules.lexicon)
    assert reader._scanner.pattern.startswith("(?=[")
    bare = re.compile(reader.alternation)
    text = "".join(c["text"] for c in CASES)
    filtered = [(m.span(), m.lastgroup) for m in reader._scanner.finditer(text)]
    assert filtered == [(m.span(), m.lastgroup) for m in bare.finditer(text)]


def test_without_words_only_written_years_are_read():
    reader = ModalityReader(ModalityWords())
    assert [c.modality for c in reader.clauses("尚未建成，计划2025年建成。", 2024)] == [
        "done",
        "planned",
    ]


def test_a_bad_word_is_a_rules_error_naming_its_list():
    with pytest.raises(ValidationError, match=r"modality\.negated"):
        ModalityWords(negated=["尚未("])


def test_the_lexicon_field_is_the_reader_input(rules):
    assert isinstance(rules.lexicon, Lexicon)
    assert rules.lexicon.modality.negated, "rules/lexicon.yaml has a modality section"


def test_a_case_insensitive_word_turns_the_filter_off():
    """(?i) makes a letter stand for both cases: no first-character filter then."""
    reader = ModalityReader(ModalityWords(planned=["(?i:TBD)"]))
    assert not reader._scanner.pattern.startswith("(?=[")
    assert reader.at("平台上线时间tbd", 0, 8).modality == "planned"


def test_a_long_text_scans_in_linear_time(rules):
    """200,000 characters in 16,000 clauses (a large report) read in well under the bound;
    a scan that re-read the text per clause would take minutes."""
    reader = ModalityReader(rules.lexicon.modality)
    text = "".join(c["text"] for c in CASES if " | " not in c["text"]) * 24
    assert len(text) > 200_000
    began = time.perf_counter()
    clauses = reader.clauses(text, 2024)
    assert time.perf_counter() - began < 10
    assert len(clauses) > 15_000


def test_a_table_row_is_one_clause_its_status_cell_decides(reader):
    row = "任务=建成县级平台 | 责任单位=县数据局 | 完成时限=2025年6月 | 进展情况=正在建设"
    assert reader.clauses(row, 2024) == [Clause(0, len(row), "ongoing", "正在")]
    task = row.index("建成县级平台")
    assert reader.at(row, task, task + 6, 2024).modality == "ongoing"
    without = row[: row.index(" | 进展情况")]
    assert reader.at(without, task, task + 6, 2024) == Clause(
        0, len(without), "planned", "2025年6月"
    )


def test_a_stated_problem_is_no_modality_of_its_row(reader):
    row = "问题=考核办法未出台 | 整改措施=印发考核办法 | 整改时限=2024年12月 | 整改情况=已印发"
    assert reader.at(row, 0, 5, 2024).modality == "done"


def test_a_procedure_after_a_subordinate_clause_is_conditional(reader):
    text = "收到告警信息后，值班人员15分钟内完成研判。"
    assert [c.modality for c in reader.clauses(text)] == ["conditional", "conditional"]
    narrative = "收到告警信息后，值班人员及时完成研判。"
    assert [c.modality for c in reader.clauses(narrative)] == ["done", "done"]
