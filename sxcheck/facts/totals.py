"""One total, stated differently across items: an auditor's check across the facts.

Measures whose rule files describe the same denominator (政务服务事项总数 for
2.1.1-2.1.3) must use one figure, whether declared or stated in a document.
"""

from __future__ import annotations

from decimal import Decimal

from sxcheck.catalogue.loader import RuleSet
from sxcheck.facts.compare import fmt_number, power_of_ten
from sxcheck.facts.quotes import Omitted, cite
from sxcheck.models import Evidence, Fact, Sentence

# a total a document states: (value, what it is quoted of, the range its written
# precision stands for)
StatedTotal = tuple[Decimal, list[Evidence] | list[Sentence], tuple[Decimal, Decimal] | None]


def cross_check_denominators(
    rules: RuleSet,
    facts: list[Fact],
    stated_totals: dict[str, list[StatedTotal]],
    omitted: Omitted,
) -> None:
    """One total, stated differently across items: an auditor's check.

    Measures whose rule files describe the same denominator (2.1.1-2.1.3
    all divide by 政务服务事项总数) must use the same figure, whether it was
    declared or stated in a document about any of them ("政务服务事项总数2136项"
    for 2.1.1, "占总数2163项的92.9%" for 2.1.2); otherwise each of them is
    marked `den_conflict`, quoting where the other figures come from (built only
    for the quotes cap_quotes keeps; the others counted in `omitted`).
    """
    measures = {
        f"{item.id}/{m.key}": m
        for item in rules.items.values()
        for m in item.measures
        if m.denominator
    }
    groups: dict[str, list[Fact]] = {}
    for fact in facts:
        measure = measures.get(fact.id)
        if measure and measure.denominator and fact.data.get("denominator"):
            groups.setdefault(measure.denominator, []).append(fact)
    for name, group in groups.items():
        # every figure for this total: (value, which item, where it is stated)
        figures: list[
            tuple[
                Decimal, str, str, list[Evidence] | list[Sentence], tuple[Decimal, Decimal] | None
            ]
        ] = []
        for fact in group:
            used = fact.evidence.get("support", []) + fact.evidence.get("used", [])
            how = "申报" if fact.data.get("source") == "declared" else "材料"
            own = Decimal(str(fact.data["denominator"]))
            figures.append((own, fact.item, how, used, None))
            for value, quotes, shown in stated_totals.get(fact.id, []):
                figures.append((value, fact.item, "材料", quotes, shown))
        for fact in group:
            own = Decimal(str(fact.data["denominator"]))
            # other items' figures only (an item's own documents are its own
            # inconsistent_figures check); 6.8亿元 and 68000万元 are one figure
            others = [
                f
                for f in figures
                if f[1] != fact.item
                and own > 0
                and not power_of_ten(f[0] / own)
                # "82.36万户" is the same total as 823,590 (within its precision)
                and not (f[4] is not None and f[4][0] <= own <= f[4][1])
            ]
            if not others:
                continue
            fact.data["den_conflict"] = True
            kept, left = cite(e for f in others for e in f[3])
            fact.evidence["den_conflict"] = kept
            if left:
                omitted.setdefault(fact.id, {})["den_conflict"] = left
            fact.params["denominator_name"] = name
            found = dict.fromkeys(
                f"{'本项' if item == fact.item else item}{how}为{fmt_number(value)}"
                for value, item, how, _, _ in others
            )
            fact.params["den_found"] = "；".join([f"本项采用{fmt_number(own)}", *found])
