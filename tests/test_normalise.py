"""evidence.normalise against its corpus: the matching text, the map back, the numbers read."""

from __future__ import annotations

import time
import unicodedata
from decimal import Decimal

import pytest
import yaml

from sxcheck.evidence import sentences_of
from sxcheck.evidence.figures import read_numbers
from sxcheck.evidence.normalise import normalise, original_slice
from sxcheck.models import TextUnit

from .conftest import ROOT

CASES = yaml.safe_load(
    (ROOT / "tests" / "corpus" / "normalise" / "cases.yaml").read_text(encoding="utf-8")
)
CHANGED = [*CASES["joined"], *CASES["separate"]]


def _same_character(matched: str, original: str) -> bool:
    """A matching character stands for its original: itself, its ASCII form, or a 文号
    bracket made 〔〕."""
    if matched == original:
        return True
    if unicodedata.normalize("NFKC", original) == matched:
        return True
    return matched in "〔〕" and original in "[]［］【】〖〗()（）"


def _check_map(text: str) -> None:
    matching, offsets = normalise(text)
    if offsets is None:
        assert len(matching) == len(text)
    for index, char in enumerate(matching):
        at = index if offsets is None else offsets.original(index)
        assert _same_character(char, text[at]), (text, index, char, text[at])
    # the whole matching text maps back to the original from its first to last character
    assert original_slice(text, offsets, 0, len(matching)) == text.strip()


@pytest.mark.parametrize("case", CHANGED, ids=[c["text"][:16] for c in CHANGED])
def test_matching_text(case):
    matching, _ = normalise(case["text"])
    assert matching == case["matching"]
    _check_map(case["text"])
    if "numbers" in case:
        read = [q.value for q in read_numbers(matching, "", 2024, None) if q.role != "date"]
        assert read == [Decimal(n) for n in case["numbers"]]


@pytest.mark.parametrize("text", CASES["kept"], ids=[t[:16] for t in CASES["kept"]])
def test_kept_as_it_is(text):
    matching, offsets = normalise(text)
    assert matching == text
    assert offsets is None


def test_a_quantity_maps_back_to_the_characters_written():
    text = "全 年 共 召 开 领 导 小 组 会 议 4 次 ， 覆 盖 率 ９６．５％ 。"
    matching, offsets = normalise(text)
    quantities = read_numbers(matching, "", 2024, None)
    shown = [original_slice(text, offsets, q.start, q.end) for q in quantities]
    assert shown == ["4 次", "９６．５％"]
    assert all(s in text for s in shown)


def test_sentences_match_normalised_and_quote_the_original():
    unit = TextUnit(
        document="docs/纪要.pdf",
        sha256="0" * 64,
        page=1,
        location="paragraph 1",
        text="2 0 2 4 年 共 召 开 会 议 4 次 。 全 市 5 G 基 站 3 2 1 8 个 。",
    )
    sentences = sentences_of([unit], 2024)
    assert [s.text for s in sentences] == ["2024年共召开会议4次。", "全市5G基站3218个。"]
    assert all(s.evidence.quote in unit.text for s in sentences)
    assert [q.value for q in sentences[1].quantities][-1] == 3218


def test_the_common_text_is_returned_as_is_and_fast():
    text = "截至2024年底，全市320个行政村中已有310个实现5G网络覆盖，覆盖率96.9%。" * 3
    matching, offsets = normalise(text)
    assert matching is text and offsets is None
    started = time.perf_counter()
    for _ in range(10_000):
        normalise(text)
    assert time.perf_counter() - started < 1.0  # ~2 µs each on this machine


def test_a_spaced_heading_still_names_its_issuer():
    """batch.reuse reads a document's 发文机关 from its first lines, matched normalised."""
    from sxcheck.batch.reuse import Owners, document_heads
    from sxcheck.models import DocumentInfo, IngestedDocument

    unit = TextUnit(
        document="通知.pdf",
        sha256="0" * 64,
        location="paragraph 1",
        text="晋 阳 市 人 民 政 府 办 公 室 关 于 印 发 实 施 方 案 的 通 知",
    )
    doc = IngestedDocument(
        info=DocumentInfo(path="通知.pdf", sha256="0" * 64, size=1, kind="pdf"), units=[unit]
    )
    head = document_heads([doc])["通知.pdf"]
    assert Owners("人民政府|政府办公室").issued_by(head, {"晋阳市", "潞州市"}) == "晋阳市"
