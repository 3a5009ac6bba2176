"""The modality corpus (tests/corpus/modality, issue 17): did what a clause says happen?

Each file is a mapping with `doc` (what its texts are and which kinds of source
their style was learnt from) and `examples`. An example is a `text`, the
`about` words whose modality is asked (the whole text when left out: a table
row, a one-clause sentence), the expected `modality` (done, ongoing, planned,
required, conditional, negated), the `item` it bears on and, optionally, the
evaluation `year` (a deadline after it is a plan) and `nth` (which occurrence
of `about`, when it occurs more than once).

The corpus was written apart from the reader and its lexicon, so it measures
them rather than echoing them. Every entry is put to
`reader_for(lexicon).at(text, start, end, year)`; the share read right must be
at least THRESHOLD over all files. A failure prints the confusion table
(expected x got) and every wrong entry.

`python -m tests.test_modality_corpus [FILE...] [-v]` prints the table and, with
-v, every wrong entry.
"""

from __future__ import annotations

import sys
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from sxcheck.catalogue.loader import RuleSet, load_rules
from sxcheck.evidence.modality import MODALITIES, reader_for

CORPUS = Path(__file__).parent / "corpus" / "modality"
# issue 17: "a test fails below 97% right"
THRESHOLD = 0.97
MIN_TOTAL = 300
MIN_PER_MODALITY = 15
MIN_PER_ITEM = 8
# the measure kinds whose evidence is "did it happen": an item with such a
# measure (the qualitative items, the two-part items, the counts of options
# that must work) needs its own share of the corpus
ASKED_KINDS = ("qualitative", "count")
FIELDS = {"text", "about", "modality", "item", "year", "nth"}


@dataclass(frozen=True)
class Example:
    file: str
    text: str
    start: int
    end: int
    modality: str
    item: str
    year: int | None

    @property
    def about(self) -> str:
        return self.text[self.start : self.end]

    def describe(self) -> str:
        year = f" (year {self.year})" if self.year else ""
        asked = "" if (self.start, self.end) == (0, len(self.text)) else f" [{self.about}]"
        return f"{self.file}: {self.text}{asked}{year}"


@dataclass
class Score:
    confusion: Counter[tuple[str, str]] = field(default_factory=Counter)
    misses: list[str] = field(default_factory=list)

    @property
    def total(self) -> int:
        return sum(self.confusion.values())

    @property
    def right(self) -> int:
        return sum(n for (want, got), n in self.confusion.items() if want == got)

    @property
    def accuracy(self) -> float:
        return self.right / self.total if self.total else 1.0


def _span(entry: dict) -> tuple[int, int]:
    """Where `about` is in `text` (its `nth` occurrence); the whole text without it."""
    text, about = entry["text"], entry.get("about")
    if about is None:
        return 0, len(text)
    nth = entry.get("nth", 1)
    at = -1
    for _ in range(nth):
        at = text.find(about, at + 1)
        if at < 0:
            raise ValueError(f"about {about!r} (occurrence {nth}) is not in {text!r}")
    if nth == 1 and text.count(about) > 1:
        raise ValueError(f"about {about!r} occurs more than once in {text!r}: give nth")
    return at, at + len(about)


def check_entry(entry: object, known_items: set[str]) -> list[str]:
    """What is wrong with one example, as messages (none when it is well formed)."""
    if not isinstance(entry, dict):
        return [f"an example must be a mapping, not {entry!r}"]
    problems = [f"unknown field {k!r}" for k in entry if k not in FIELDS]
    text = entry.get("text")
    if not isinstance(text, str) or not text.strip():
        return [*problems, "text must be a non-empty string"]
    about = entry.get("about")
    if about is not None and (not isinstance(about, str) or not about):
        problems.append(f"about must be a non-empty string: {text}")
    elif "nth" in entry and (type(entry["nth"]) is not int or entry["nth"] < 1):
        problems.append(f"nth must be a positive integer: {text}")
    else:
        try:
            _span(entry)
        except ValueError as e:
            problems.append(str(e))
    if entry.get("modality") not in MODALITIES:
        problems.append(f"modality {entry.get('modality')!r} is not one of {MODALITIES}: {text}")
    if entry.get("item") not in known_items:
        problems.append(f"item {entry.get('item')!r} is not an item of the catalogue: {text}")
    year = entry.get("year")
    if year is not None and (type(year) is not int or not 2000 <= year <= 2100):
        problems.append(f"year must be a four-digit integer: {text}")
    return problems


def load_file(path: Path, known_items: set[str]) -> list[Example]:
    """One corpus file's examples; ValueError naming every problem when it is malformed."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    if not isinstance(data, dict) or set(data) != {"doc", "examples"}:
        raise ValueError(f"{path.name}: must be a mapping with exactly `doc` and `examples`")
    if not isinstance(data["doc"], str) or not data["doc"].strip():
        raise ValueError(f"{path.name}: `doc` must say what these texts are")
    entries = data["examples"]
    if not isinstance(entries, list) or not entries:
        raise ValueError(f"{path.name}: `examples` must be a non-empty list")
    problems = [f"{path.name}: {p}" for e in entries for p in check_entry(e, known_items)]
    if problems:
        raise ValueError("\n".join(problems))
    out = []
    for entry in entries:
        start, end = _span(entry)
        out.append(
            Example(
                path.name,
                entry["text"],
                start,
                end,
                entry["modality"],
                entry["item"],
                entry.get("year"),
            )
        )
    return out


def load_corpus(paths: list[Path], rules: RuleSet) -> list[Example]:
    return [e for path in paths for e in load_file(path, set(rules.items))]


def asked_items(rules: RuleSet) -> list[str]:
    """The items whose evidence is whether something happened (see ASKED_KINDS)."""
    return sorted(
        item_id
        for item_id, item in rules.items.items()
        if any(m.kind in ASKED_KINDS for m in item.measures)
    )


def score_examples(examples: list[Example], rules: RuleSet) -> Score:
    reader = reader_for(rules.lexicon)
    score = Score()
    for ex in examples:
        clause = reader.at(ex.text, ex.start, ex.end, ex.year)
        score.confusion[(ex.modality, clause.modality)] += 1
        if clause.modality != ex.modality:
            cue = f" (cue {clause.cue!r})" if clause.cue else ""
            score.misses.append(
                f"{ex.describe()}\n    want {ex.modality}, got {clause.modality}{cue}"
            )
    return score


def table(score: Score) -> str:
    """The confusion table: one row per expected modality, one column per modality got."""
    width = max(len(m) for m in MODALITIES) + 3
    corner = "want \\ got"
    head = f"{corner:>{width}}" + "".join(f"{m:>12}" for m in MODALITIES)
    lines = [head + f"{'n':>6}{'right':>7}"]
    for want in MODALITIES:
        row = [score.confusion[(want, got)] for got in MODALITIES]
        n = sum(row)
        share = f"{score.confusion[(want, want)] / n:7.0%}" if n else f"{'-':>7}"
        lines.append(f"{want:>{width}}" + "".join(f"{c:12}" for c in row) + f"{n:6}{share}")
    lines.append(
        f"accuracy {score.accuracy:.2%} ({score.right}/{score.total}), needs {THRESHOLD:.0%}"
    )
    return "\n".join(lines)


def _paths() -> list[Path]:
    return sorted(CORPUS.glob("*.yaml"))


def test_corpus_is_well_formed_and_covers_every_modality_and_item(rules):
    """Holds without the reader: the corpus itself is large enough and well spread."""
    paths = _paths()
    assert paths, f"no corpus files in {CORPUS}"
    examples = load_corpus(paths, rules)  # raises on any malformed file or entry
    assert len(examples) >= MIN_TOTAL, f"{len(examples)} examples, issue 17 asks {MIN_TOTAL}"
    per_modality = Counter(e.modality for e in examples)
    thin = {m: per_modality[m] for m in MODALITIES if per_modality[m] < MIN_PER_MODALITY}
    assert not thin, f"modalities with fewer than {MIN_PER_MODALITY} examples: {thin}"
    per_item = Counter(e.item for e in examples)
    asked = asked_items(rules)
    assert len(asked) >= 13, asked  # the 13 qualitative items at least
    thin = {i: per_item[i] for i in asked if per_item[i] < MIN_PER_ITEM}
    assert not thin, f"items with fewer than {MIN_PER_ITEM} examples: {thin}"
    # about 40% done (issue 17): neither a corpus of plain done sentences nor of traps
    done = per_modality["done"] / len(examples)
    assert 0.3 <= done <= 0.5, f"done is {done:.0%} of the corpus"


def test_bad_entries_are_reported(rules):
    """The checks above can fail: each kind of malformed entry is named."""
    items = set(rules.items)
    good = {"text": "平台已上线。", "about": "已上线", "modality": "done", "item": "3.4.1"}
    assert check_entry(good, items) == []
    cases = {
        "is not in": {**good, "about": "已建成"},
        "more than once": {**good, "text": "已上线，已上线。"},
        "is not one of": {**good, "modality": "drafted"},
        "not an item": {**good, "item": "9.9.9"},
        "unknown field": {**good, "expect": "done"},
        "four-digit": {**good, "year": "2024"},
        "non-empty string": {**good, "text": ""},
    }
    for words, entry in cases.items():
        problems = check_entry(entry, items)
        assert any(words in p for p in problems), (words, problems)
    assert _span({**good, "text": "已上线，已上线。", "nth": 2}) == (4, 7)
    assert _span({k: v for k, v in good.items() if k != "about"}) == (0, 6)


def test_modality_corpus(rules):
    score = score_examples(load_corpus(_paths(), rules), rules)
    print("\n" + table(score))
    assert score.accuracy >= THRESHOLD, table(score) + "\n\n" + "\n".join(score.misses)


def test_clauses_are_spans_of_the_text(rules):
    """The clause `at` returns lies in the text and overlaps what was asked; its cue is
    the text's own words."""
    reader = reader_for(rules.lexicon)
    wrong = []
    for ex in load_corpus(_paths(), rules):
        clause = reader.at(ex.text, ex.start, ex.end, ex.year)
        inside = 0 <= clause.start < clause.end <= len(ex.text)
        overlaps = clause.start < ex.end and ex.start < clause.end
        if not (inside and overlaps) or (clause.cue and clause.cue not in ex.text):
            wrong.append(f"{ex.describe()}\n    got {clause}")
    assert not wrong, "\n".join(wrong)


if __name__ == "__main__":
    args = [a for a in sys.argv[1:] if not a.startswith("-")]
    ruleset = load_rules()
    corpus = load_corpus([Path(a) for a in args] or _paths(), ruleset)
    try:
        result = score_examples(corpus, ruleset)
    except NotImplementedError:
        sys.exit(f"{len(corpus)} examples; the modality reader is not implemented yet")
    if "-v" in sys.argv:
        print("\n".join(result.misses))
    print(table(result))
