"""The figure corpus (tests/corpus/figures, issue 14): role and period of every number.

Each entry's `text` is read with its `context` (a table row's header) and its
evaluation `year`. Found numbers are matched to the listed ones by overlapping
spans. A listed number is right when the found number(s) overlapping it have
its role and, for figure/money/score, its period; wrong when nothing overlaps
it (missed). A found figure or money that overlaps no listed number is wrong
too (spurious). Values of listed figures are checked separately.

`python -m tests.test_figure_corpus [FILE…] [-v]` prints the table and, with -v,
every wrong number.
"""

from __future__ import annotations

import re
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

import pytest
import yaml

from sxcheck.evidence.figures import read_numbers

CORPUS = Path(__file__).parent / "corpus" / "figures"
MEASURES = ("figure", "money", "score")
# The share of listed numbers (and spurious figures) read with the right role and
# period, over all files: 99.8% today (1025 of 1027), rounded down; issue 14 asks 98%.
THRESHOLD = 0.99


@dataclass
class Score:
    numbers: Counter[str] = field(default_factory=Counter)
    right: Counter[str] = field(default_factory=Counter)
    values: Counter[str] = field(default_factory=Counter)
    misses: list[str] = field(default_factory=list)
    sentences: int = 0
    seconds: float = 0.0

    def add(self, key: str, ok: bool) -> None:
        self.numbers[key] += 1
        self.right[key] += ok

    @property
    def accuracy(self) -> float:
        total = self.numbers["all"]
        return self.right["all"] / total if total else 1.0


def _spans(entry: dict) -> list[tuple[int, int, dict]]:
    text = entry["text"]
    out = []
    for number in entry["numbers"]:
        at = -1
        for _ in range(number.get("nth", 1)):
            at = text.find(number["text"], at + 1)
        assert at >= 0, (text, number)
        out.append((at, at + len(number["text"]), number))
    return out


def score_entries(entries: list[dict], score: Score) -> Score:
    for entry in entries:
        started = time.perf_counter()
        found = read_numbers(entry["text"], entry.get("context") or "", entry.get("year"))
        score.seconds += time.perf_counter() - started
        score.sentences += 1
        for q in found:
            assert entry["text"][q.start : q.end] == q.text
        listed = _spans(entry)
        for start, end, number in listed:
            hits = [q for q in found if q.start < end and start < q.end]
            role, period = number["role"], str(number.get("period", ""))
            ok = bool(hits) and all(q.role == role for q in hits)
            if ok and role in MEASURES:
                ok = all(q.period == period for q in hits)
            key = f"period {period if not period.isdigit() else 'year'}" if role in MEASURES else ""
            score.add("all", ok)
            score.add(f"role {role}", ok)
            if key:
                score.add(key, ok)
            if not ok:
                got = ", ".join(f"{q.text}={q.role}/{q.period}" for q in hits) or "missed"
                score.misses.append(
                    f"{entry['text']}\n    {number['text']}: {role}/{period} got {got}"
                )
            if role == "figure" and "value" in number and hits:
                good = any(q.value == Decimal(str(number["value"])) for q in hits)
                score.values["numbers"] += 1
                score.values["right"] += good
                if not good:
                    score.misses.append(
                        f"{entry['text']}\n    value {number['text']}: {number['value']} got "
                        + ", ".join(str(q.value) for q in hits)
                    )
        for q in found:
            if q.role in ("figure", "money") and not any(
                q.start < end and start < q.end for start, end, _ in listed
            ):
                score.add("all", False)
                score.add("spurious figure", False)
                score.misses.append(f"{entry['text']}\n    spurious {q.text}={q.role}/{q.period}")
    return score


def score_files(paths: list[Path]) -> Score:
    score = Score()
    for path in paths:
        entries = yaml.safe_load(path.read_text(encoding="utf-8"))["entries"]
        score_entries(entries, score)
    return score


def table(score: Score) -> str:
    lines = [f"{'':18} {'numbers':>8} {'right':>6} {'wrong':>6}"]
    for key in sorted(score.numbers, key=lambda k: (k != "all", k)):
        n, r = score.numbers[key], score.right[key]
        lines.append(f"{key:18} {n:8} {r:6} {n - r:6}")
    lines.append(f"accuracy {score.accuracy:.2%} over {score.sentences} sentences/rows")
    v = score.values
    if v["numbers"]:
        lines.append(f"figure values: {v['right']}/{v['numbers']} right")
    if score.sentences:
        lines.append(f"{score.seconds / score.sentences * 1e6:.0f} µs per sentence")
    return "\n".join(lines)


def test_figure_corpus():
    score = score_files(sorted(CORPUS.glob("*.yaml")))
    print("\n" + table(score))
    assert score.accuracy >= THRESHOLD, table(score)


def test_spans_are_exact():
    text = "截至2024年底，全市5G基站累计达到6.31万个，比上年增长18.2%（备案号14010990001-00001）。"
    found = read_numbers(text, year=2024)
    assert [(q.text, q.role, q.period) for q in found if q.role != "date"] == [
        ("6.31万个", "figure", "2024"),
        ("18.2%", "figure", "change"),
        ("14010990001-00001", "identifier", "current"),
    ]
    assert all(text[q.start : q.end] == q.text for q in found)


if __name__ == "__main__":
    args = [a for a in sys.argv[1:] if not a.startswith("-")]
    paths = [Path(a) for a in args] or sorted(CORPUS.glob("*.yaml"))
    result = score_files(paths)
    if "-v" in sys.argv:
        print("\n".join(result.misses))
    print(table(result))


LEXICON_CASES = yaml.safe_load(
    (CORPUS.parents[2] / "rules" / "lexicon.cases.yaml").read_text(encoding="utf-8")
)["figures"]


def _expected(case: dict) -> list[str]:
    return case["expect"].split()


@pytest.mark.parametrize("case", LEXICON_CASES, ids=[c["text"][:24] for c in LEXICON_CASES])
def test_lexicon_figure_cases(case):
    found = read_numbers(case["text"], case.get("context") or "", case.get("year"))
    got = [
        f"{q.text}={q.role}/{q.period}" if q.role in MEASURES else f"{q.text}={q.role}"
        for q in found
    ]
    assert got == _expected(case), case["text"]


def test_every_period_word_has_a_case(rules):
    words = rules.lexicon.figures
    texts = [c["text"] for c in LEXICON_CASES]
    for name in ("target", "current", "this_year", "last_year", "change"):
        for pattern in getattr(words, name):
            compiled = re.compile(pattern)
            assert any(compiled.search(t) for t in texts), f"figures.{name}: no case for {pattern}"
