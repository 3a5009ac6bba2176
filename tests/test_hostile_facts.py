"""Issue 13: repeated and near-duplicate sentences, and one-line files, stay linear and small.

A document that repeats one figure-bearing sentence 5,000 times made fact
building quadratic (evidence membership tested by pydantic equality); every
quote stored its whole paragraph, so an 88 KB one-line file made a 116 MB
store and 340 KB failed SQLite. Each input is built here; the bounds are
generous guards, not benchmarks.
"""

from __future__ import annotations

import json
import sqlite3
import time
import zlib
from pathlib import Path

import pytest
from click.testing import CliRunner

from sxcheck.cli import main
from sxcheck.evidence import cut_long, sentences_of
from sxcheck.limits import CONTEXT_CHARS, MAX_QUOTES_PER_ROLE, MAX_SENTENCE_CHARS
from sxcheck.models import TextUnit

SENTENCE = "全市5G基站共建成3280个，覆盖率达到98.6%。"
# 3280/3327 is 98.6%: every repetition backs the declaration, so each is a support quote
DECLARATION = (
    'region: 晋阳市\nlevel: city\nyear: 2024\nindicators:\n  "1.1.1": {numerator: 3280, '
    "denominator: 3327}\n"
)


def _near(i: int) -> str:
    return f"全市5G基站共建成{3000 + i}个，覆盖率达到{90 + (i % 100) / 10:.1f}%。"


def _submission(tmp_path: Path, text: str) -> Path:
    root = tmp_path / "sub"
    (root / "佐证材料").mkdir(parents=True)
    (root / "submission.yaml").write_text(DECLARATION, encoding="utf-8")
    (root / "佐证材料" / "说明.txt").write_text(text, encoding="utf-8")
    return root


def _check(root: Path, *options: str) -> tuple[float, dict]:
    out = root.parent / "report.json"
    started = time.monotonic()
    result = CliRunner().invoke(
        main, ["check", str(root), "--quiet", "--report", str(out), *options]
    )
    elapsed = time.monotonic() - started
    assert result.exit_code == 0, result.output
    return elapsed, json.loads(out.read_text(encoding="utf-8"))


@pytest.mark.parametrize(
    "text",
    [
        "\n".join([SENTENCE] * 5000) + "\n",  # one sentence, 5,000 lines (28.8 s in facts before)
        SENTENCE * 5000 + "\n",  # the same on one line
        "\n".join(_near(i) for i in range(5000)) + "\n",  # 5,000 near-duplicates
        "".join(_near(i) for i in range(5000)) + "\n",  # near-duplicates on one line
    ],
    ids=["repeated", "repeated-one-line", "near", "near-one-line"],
)
def test_repeated_sentences_are_linear_and_quotes_capped(tmp_path, text):
    elapsed, report = _check(_submission(tmp_path, text), "--no-store")
    assert elapsed < 30  # about 4 s here; facts alone took 28.8 s before
    item = next(j for j in report["indicators"] if j["id"] == "1.1.1")
    for reason in item["reasons"]:
        assert len(reason["evidence"]) <= 2 * MAX_QUOTES_PER_ROLE
        for evidence in reason["evidence"]:
            assert evidence["quote"] in text
            context = evidence["context"]
            if context is not None:
                assert evidence["quote"] in context
                assert len(context) <= len(evidence["quote"]) + 2 * CONTEXT_CHARS


def _one_line(size: int) -> str:
    """About `size` bytes on one line: figure-bearing sentences for several items."""
    parts = []
    i = 0
    while sum(len(p.encode()) for p in parts[-1:]) * len(parts) < size:
        parts.append(_near(i) + f"全市智慧教室{200 + i}间，普及率达到{80 + i % 20}%。")
        i += 1
    return "".join(parts)


@pytest.mark.parametrize("size", [88_000, 340_000])
def test_store_stays_small_and_quotes_are_verbatim(tmp_path, size):
    text = _one_line(size)
    root = _submission(tmp_path, text + "\n")
    db = tmp_path / "x.db"
    elapsed, _ = _check(root, "--db", f"sqlite:///{db}")
    assert elapsed < 120
    assert db.stat().st_size < 8 * 1024 * 1024  # 116 MB and a SQLite failure before
    con = sqlite3.connect(db)
    quotes = []
    # every stored part (judgments with their reasons, facts by item), kept once by hash
    for (blob,) in con.execute("select data_zlib from content"):
        part = json.loads(zlib.decompress(blob))
        reasons = part.get("reasons", []) if isinstance(part, dict) else []
        for reason in reasons:
            quotes += reason["evidence"]
        facts = part if isinstance(part, list) else []
        for fact in facts:
            if isinstance(fact, dict) and "evidence" in fact:
                for entries in fact["evidence"].values():
                    quotes += entries
    con.close()
    assert quotes
    for evidence in quotes:
        assert evidence["quote"] in text
        if evidence["context"] is not None:
            assert evidence["quote"] in evidence["context"] and evidence["context"] in text


def test_a_run_without_full_stops_is_cut_into_verbatim_pieces():
    """88 KB of clauses and no 。: pieces at clause marks, each found in the text."""
    text = "，".join(f"第{i}项覆盖率达到9{i % 10}%" for i in range(8000))
    unit = TextUnit(document="a.txt", sha256="0" * 64, location="paragraph 1", text=text)
    started = time.monotonic()
    sentences = sentences_of([unit])
    assert time.monotonic() - started < 30
    assert len(sentences) > len(text) // MAX_SENTENCE_CHARS
    position = 0
    for sentence in sentences:
        assert len(sentence.text) <= MAX_SENTENCE_CHARS
        assert text.find(sentence.evidence.quote, position) >= position
        position = text.find(sentence.evidence.quote, position) + len(sentence.evidence.quote)
        assert sentence.evidence.context is not None
        assert len(sentence.evidence.context) <= MAX_SENTENCE_CHARS + 2 * CONTEXT_CHARS
    assert "".join(s.text for s in sentences) == text
    assert [o for _, o in cut_long("a" * 5000)] == [0, 2000, 4000]


def test_a_huge_table_context_is_bounded():
    """A reader may put a whole paragraph before a table's header; every row carries it."""
    unit = TextUnit(
        document="a.docx",
        sha256="0" * 64,
        location="table 1 row 2",
        kind="table_row",
        text="合计 | 60 | 54",
        context="说明" * 50_000 + " 学校类型 | 学校数 | 覆盖数",
    )
    assert len(unit.context) <= 1_000
    assert unit.context.endswith("学校类型 | 学校数 | 覆盖数")


def test_a_sentence_with_hundreds_of_counts_is_not_quadratic():
    """Every pair of counts was tried against the percentage (0.22 s a sentence, per measure)."""
    from sxcheck.catalogue.loader import load_rules
    from sxcheck.facts import build_facts

    text = "全市5G网络覆盖率达到0.01%，基站" + "".join(f"{i + 1}个、" for i in range(600)) + "。"
    units = [
        TextUnit(document="a.txt", sha256="0" * 64, location=f"paragraph {k}", text=text)
        for k in range(100)
    ]
    sentences = sentences_of(units)
    started = time.monotonic()
    build_facts(load_rules(), sentences, "city", {})
    assert time.monotonic() - started < 10  # about 22 s before
