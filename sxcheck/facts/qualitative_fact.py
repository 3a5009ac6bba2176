"""The fact the engine reads for a qualitative measure, from what its sentences show.

facts.qualitative reads each sentence (done, planned, negated, a draft's, a list's,
another level's, stale); this module turns that reading into the measure's fact:
its source ("evidence", "draft" when only a draft shows it, "none"), its counts
for the engine's conditions and its quotes by role, with the draft markers,
qualifiers and dates its messages name.
"""

from __future__ import annotations

from collections.abc import Callable

from sxcheck.catalogue.schema import ItemRule, MeasureRule
from sxcheck.facts.qualitative import QualitativeReader
from sxcheck.facts.relevance import matches
from sxcheck.models import Evidence, Fact, OfficialInfo, Sentence, unique_evidence

# FactBuilder._fact: (item, measure, planned sentences, **data) -> a fact
MakeFact = Callable[..., Fact]


def qualitative_fact(
    reader: QualitativeReader,
    item: ItemRule,
    measure: MeasureRule,
    mentions: list[Sentence],
    planned_mentions: list[Sentence],
    officials: dict[str, OfficialInfo],
    make_fact: MakeFact,
) -> Fact:
    """Classify the sentences about a measure: established, working, planned, negated,
    drafted, listed, another level's (facts.qualitative); then the fact the engine reads.

    Working evidence must be an event, not a rule ("每季度召开一次会议" is a
    rule); where the measure asks for it, it must carry a date.
    """
    reading = reader.read(item, measure, mentions)
    if not reading.found and not reading.draft:
        reading.draft = _drafts_of(measure, mentions, officials)
    planned = list({id(s): s for s in [*reading.planned, *planned_mentions]}.values())
    done = [s for s in mentions if s not in planned_mentions and not s.listing]
    # the first grade (in the rules' order) a counting statement shows
    order = {id(g): i for i, g in enumerate(measure.grades)}
    ranked = sorted(reading.graded, key=lambda pair: order[id(pair[0])])
    grade = ranked[0][0] if ranked else None
    graded_by = [s.evidence for g, s in ranked if g is grade]
    found = reading.found
    source = "evidence" if found else ("draft" if reading.draft else "none")
    fact = make_fact(
        item,
        measure,
        planned,
        source=source,
        established=len(reading.established),
        working=len(reading.working),
        needs_working=bool(measure.working),
        graded=bool(measure.grades),
        grade=grade.key if grade else "",
        mentions=len(done),
        negated=len(reading.negated),
        drafted=len(reading.draft),
        listed=len(reading.listed),
        other_region=len(reading.other_region),
        stale=bool(reading.stale) and not grade,
        superseded=bool(reading.superseded),
    )
    fact.evidence["established"] = [s.evidence for s in reading.established[:5]]
    fact.evidence["working"] = [s.evidence for s in reading.working[:5]]
    fact.evidence["graded"] = graded_by[:5]
    fact.evidence["mentions"] = [s.evidence for s in done[:5]]
    fact.evidence["negated"] = [s.evidence for s in reading.negated[:5]]
    fact.evidence["listed"] = [s.evidence for s in reading.listed[:5]]
    fact.evidence["other_region"] = [s.evidence for s, _ in reading.other_region[:5]]
    fact.evidence["stale"] = [s.evidence for s, _ in reading.stale[:5]]
    fact.evidence["superseded"] = reading.superseded[:6]
    fact.evidence["draft"] = _draft_quotes(reading.draft[:5], officials)
    if grade:
        fact.params["grade"] = grade.name
    if reading.other_region:
        fact.params["qualifier"] = "、".join(dict.fromkeys(q for _, q in reading.other_region))
    if reading.stale:
        fact.params["stale"] = "；".join(dict.fromkeys(w for _, w in reading.stale))
    if reading.draft:
        markers = (s.issued.draft for s in reading.draft if s.issued)
        fact.params["draft"] = "、".join(dict.fromkeys(m for m in markers if m))
    return fact


def _drafts_of(
    measure: MeasureRule, mentions: list[Sentence], officials: dict[str, OfficialInfo]
) -> list[Sentence]:
    """Drafts that are the very document the measure asks for: a 实施方案（征求意见稿）
    for "智慧城市实施方案" states no 印发, yet it is the plan, in draft. One sentence
    of each (the first about the measure), when the draft's title is about it."""
    drafts: dict[str, Sentence] = {}
    for sentence in mentions:
        issued = sentence.issued
        document = sentence.evidence.document
        if issued is None or not issued.draft or document in drafts:
            continue
        official = officials.get(document)
        if official is not None and official.title and matches(measure.evidence, official.title):
            drafts[document] = sentence
    return list(drafts.values())


def _draft_quotes(drafts: list[Sentence], officials: dict[str, OfficialInfo]) -> list[Evidence]:
    """A draft's statements, each after the place its draft marker was read from."""
    quotes: list[Evidence] = []
    for sentence in drafts:
        official = officials.get(sentence.evidence.document)
        marker = official.evidence.get("draft") if official is not None else None
        if marker is not None:
            quotes.append(marker)
        quotes.append(sentence.evidence)
    return unique_evidence(quotes)
