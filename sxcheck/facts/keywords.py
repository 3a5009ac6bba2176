"""Which measures a sentence may be about: every measure's keywords in one automaton.

`relevance.relevant_text` asks first whether every `all_of` group of a measure's
evidence pattern has a word in "context text" (lower-cased; an OCR sentence
folded through the confusion table, facts.ocr). Asking that of every measure for
every sentence is hundreds of thousands of Python substring tests on a large
submission. Here every measure's `all_of` words (lower-cased, and folded for OCR
sentences) are one Aho–Corasick automaton (pyahocorasick), built once per rule
set; a sentence is scanned once and yields the measures all of whose groups it
hits. Only those are given to `relevant_text`, which decides exactly as before:
a measure left out is one whose cheap test fails, so the facts are unchanged.
`none_of` words only decide among the measures a sentence names (relevant_text
does that), so they need no place in the automaton.

`ENABLED = False` makes the fact builder test every measure on every sentence
(the old path, kept for tests that compare the two).
"""

from __future__ import annotations

from array import array
from collections.abc import Callable, Iterable

import ahocorasick

from sxcheck.catalogue.loader import RuleSet
from sxcheck.catalogue.schema import EvidencePattern, OcrConfusions
from sxcheck.facts.ocr import Folding
from sxcheck.models import Sentence

ENABLED = True  # False: every measure is tested on every sentence (the old path)


class _Automaton:
    """One mode's words (as written, or OCR-folded): word -> (pattern, group bit)."""

    def __init__(self, patterns: list[EvidencePattern], fold: Callable[[str], str] | None) -> None:
        self.always: set[int] = set()  # patterns every text mentions (an empty group list)
        self.full: list[int] = []  # per pattern: the bits of its groups to hit
        targets: dict[str, list[tuple[int, int]]] = {}
        for index, pattern in enumerate(patterns):
            full = 0
            for bit, group in enumerate(pattern.all_of):
                words = {(fold(w) if fold else w).lower() for w in group}
                if "" in words:
                    continue  # "" is in every text: the group always holds
                full |= 1 << bit
                for word in words:
                    targets.setdefault(word, []).append((index, 1 << bit))
            self.full.append(full)
            if not full:
                self.always.add(index)
        self.automaton: ahocorasick.Automaton | None = None
        self.hits: list[tuple[tuple[int, int], ...]] = []
        if targets:
            self.automaton = ahocorasick.Automaton()
            for number, (word, hits) in enumerate(targets.items()):
                self.automaton.add_word(word, number)
                self.hits.append(tuple(hits))
            self.automaton.make_automaton()

    def mentioned(self, lowered: str) -> set[int]:
        """The patterns every all_of group of which has a word in `lowered`."""
        found = set(self.always)
        if self.automaton is None:
            return found
        masks: dict[int, int] = {}
        for number in {value for _, value in self.automaton.iter(lowered)}:
            for index, bit in self.hits[number]:
                masks[index] = masks.get(index, 0) | bit
        full = self.full
        found.update(index for index, mask in masks.items() if mask == full[index])
        return found


class KeywordIndex:
    """Every measure's keywords of one rule set, one automaton per way of matching."""

    def __init__(self, patterns: Iterable[EvidencePattern], confusions: OcrConfusions) -> None:
        # the patterns are kept, so an id in `position` stays theirs
        self.patterns: list[EvidencePattern] = []
        self.position: dict[int, int] = {}
        for pattern in patterns:
            if id(pattern) not in self.position:
                self.position[id(pattern)] = len(self.patterns)
                self.patterns.append(pattern)
        self.folding = Folding(confusions)
        self._plain = _Automaton(self.patterns, None)
        self._folded: _Automaton | None = None  # built when an OCR sentence comes

    @classmethod
    def of_rules(cls, rules: RuleSet) -> KeywordIndex:
        """Every measure's evidence pattern, with the rules' OCR confusion table."""
        patterns = [m.evidence for item in rules.items.values() for m in item.measures]
        # what a denial of a ratio names (facts.denials), scanned in the same pass
        patterns += [
            m.denied_by for item in rules.items.values() for m in item.measures if m.denied_by
        ]
        return cls(patterns, rules.ocr_confusions)

    def index_of(self, pattern: EvidencePattern) -> int | None:
        """The pattern's number here, or None for a pattern not of this rule set."""
        index = self.position.get(id(pattern))
        if index is None or self.patterns[index] is not pattern:
            return None
        return index

    def mentioned(self, sentence: Sentence) -> set[int]:
        """The patterns whose all_of groups the sentence (with its context) all hits,
        as `relevance.mentions` tests `relevant_text`'s "context text"."""
        fold = self.folding.fold_for(sentence)
        if fold is None:
            return self._plain.mentioned(f"{sentence.context} {sentence.text}".lower())
        if self._folded is None:
            self._folded = _Automaton(self.patterns, self.folding.fold)
        return self._folded.mentioned(f"{fold(sentence.context)} {fold(sentence.text)}".lower())

    def by_pattern(self, sentences: Iterable[Sentence | None]) -> list[array[int]]:
        """Per pattern, the positions of the sentences that may mention it (None: none),
        in order, as machine integers (a dense page's ~16 sentences each name a few
        measures, held through the facts stage: no int object and set entry each)."""
        out: list[array[int]] = [array("I") for _ in self.patterns]
        for position, sentence in enumerate(sentences):
            if sentence is None:
                continue
            for index in self.mentioned(sentence):
                out[index].append(position)
        return out


class Mentions:
    """The sentences of one submission that may mention each measure, found in one scan.

    `joinable`: per sentence, itself joined with the one before when the fact builder
    would read it so ("其中418所…"), else None.
    """

    def __init__(
        self, rules: RuleSet, sentences: list[Sentence], joinable: list[Sentence | None]
    ) -> None:
        self.index = index_for(rules)
        self.own = self.index.by_pattern(sentences)
        self.joined = self.index.by_pattern(joinable)

    def of(self, pattern: EvidencePattern) -> tuple[set[int], set[int]] | None:
        """(sentences that may mention the pattern, those whose join may), or None when
        the pattern is not of the rule set (test every sentence then). The sets are
        made for the asking measure, and dropped with it."""
        index = self.index.index_of(pattern)
        if index is None:
            return None
        return set(self.own[index]), set(self.joined[index])


KEPT = 8  # rule sets whose index is kept (a batch's, a profile's, the rule cases')

# id(rules) -> (rules, index): the rule set is kept so its id stays its own
_INDEXES: dict[int, tuple[RuleSet, KeywordIndex]] = {}


def index_for(rules: RuleSet) -> KeywordIndex:
    """The keyword index of a rule set, built once (keyed by the rule set object)."""
    entry = _INDEXES.get(id(rules))
    if entry is None or entry[0] is not rules:
        entry = (rules, KeywordIndex.of_rules(rules))
        _INDEXES.pop(id(rules), None)
        while len(_INDEXES) >= KEPT:
            del _INDEXES[next(iter(_INDEXES))]
        _INDEXES[id(rules)] = entry
    return entry[1]
