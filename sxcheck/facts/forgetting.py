"""Numbers given back once no measure will read them again (issue 18: memory in pages).

The fact builder reads measure by measure, and a sentence's quantities, read on first
use (Sentence.quantities), used to stay for the whole stage: ~32 Quantity objects a
dense page, with their lists, all alive at the end. The keyword index (facts.keywords)
already knows, before any measure reads, which measures may read each sentence (its
own mentions, the joins "其中…" that read it as the sentence before, and for a ratio
the few sentences before a mention where a total may be stated: facts.apart). So each
sentence's last reader in build order is known, and after that measure its numbers are
forgotten: only the sentences of the measures in flight keep theirs.

Forgetting never changes a fact: a forgotten sentence asked again reads its numbers
again, equal to the first ones (evidence.LazyParts.quantities_of is a function of the
sentence). Kept, so that nothing is read twice: the sentences whose evidence is built
(a fact cites them; the end of the stage notes their figures and checks their
tables' sums), the tables' 合计 rows (tried for every ratio), and sentences whose
numbers were given rather than read (nothing could read them again).
"""

from __future__ import annotations

from array import array
from collections.abc import Iterable, Sequence

from sxcheck.catalogue.schema import MeasureRule
from sxcheck.facts.apart import TOTAL_REACH
from sxcheck.facts.keywords import Mentions
from sxcheck.facts.quotes import Joined
from sxcheck.models import Sentence

ENABLED = True  # False: every number read stays to the end of the stage (tests compare)


class LastReaders:
    """Per step of the build (one measure each), the sentences no later step reads."""

    def __init__(
        self,
        mentions: Mentions,
        order: Sequence[MeasureRule],
        sentences: Sequence[Sentence],
        joined: Joined,
        kept: Iterable[Sentence] = (),
        declared: Sequence[bool] | None = None,
    ) -> None:
        self.sentences = sentences
        self.joined = joined
        count = len(sentences)
        last = array("i", [-1]) * count  # -1: no measure reads it
        for step, measure in enumerate(order):
            spots = mentions.of(measure.evidence)
            if spots is None:  # a pattern the index does not know: it reads them all
                last = array("i", [step]) * count
                continue
            own, joins = spots
            # a declared ratio also reads the sentences just before its own for a total
            # stated apart (facts.apart); `declared[step]`: is this step's declared
            stated = declared is None or declared[step]
            reach = TOTAL_REACH if measure.kind == "ratio" and stated else 0
            for position in own:
                for before in range(max(0, position - reach), position + 1):
                    last[before] = max(last[before], step)
            for position in joins:  # read joined: itself and the sentence before it
                for before in range(max(0, position - 1 - reach), position + 1):
                    last[before] = max(last[before], step)
            denial = mentions.of(measure.denied_by) if measure.denied_by else None
            for position in denial[0] if denial else ():  # what a denial names
                last[position] = max(last[position], step)
        keep = {id(s) for s in kept}
        self._after: dict[int, array[int]] = {}
        for position, step in enumerate(last):
            if id(sentences[position]) not in keep:
                self._after.setdefault(step, array("I")).append(position)

    def unread(self) -> None:
        """Forget the numbers of the sentences no measure reads (read by the index's
        own cheap tests, "其中…" followed by a figure, before any measure)."""
        self.done(-1)

    def done(self, step: int) -> None:
        """Step `step` is built: forget the numbers of the sentences it read last."""
        for position in self._after.pop(step, ()):
            _forget(self.sentences[position])
            joined = self.joined.made_at(position)
            if joined is not None:
                _forget(joined)


def _forget(sentence: Sentence) -> None:
    if not sentence.evidence_made:  # cited: its figures are noted at the end
        sentence.forget_quantities()
