"""Rank measures across the submissions of a batch (2.1.4: apps on 三晋通).

Standing = (n - rank) / (n - 1) among submissions of the same level, ties
sharing the better rank; the engine then judges the standing against the
measure's bands (rules/defaults.yaml `rank_thirds`).
"""

from __future__ import annotations

from collections import defaultdict

from sxcheck.catalogue.loader import RuleSet
from sxcheck.models import Fact, Level


def rank_facts(rules: RuleSet, submissions: list[tuple[Level, list[Fact]]]) -> None:
    """Set `ranked`, `standing`, `rank` and `of` on every usable rank fact, in place."""
    rank_ids = {
        f"{item.id}/{m.key}"
        for item in rules.items.values()
        for m in item.measures
        if m.kind == "rank"
    }
    groups: dict[tuple[str, Level], list[Fact]] = defaultdict(list)
    for level, facts in submissions:
        for fact in facts:
            if fact.id in rank_ids and fact.data.get("valid") and fact.data.get("has_value"):
                groups[(fact.id, level)].append(fact)
    for group in groups.values():
        values = sorted((float(f.data["value"]) for f in group), reverse=True)
        n = len(group)
        for fact in group:
            rank = values.index(float(fact.data["value"])) + 1  # ties share the better rank
            standing = 1.0 if n == 1 else (n - rank) / (n - 1)
            fact.data.update(ranked=True, standing=round(standing, 4), rank=rank, of=n)
            fact.params.update(rank=str(rank), of=str(n))
