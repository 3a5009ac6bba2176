"""How figures are compared and shown: the same total in 万元 and 亿元, a percentage
to the places it shows, a ratio as a reader checks it (240/320（75.0%）).

Kept apart from the fact builder: these are the arithmetic of agreement, used by
every kind of measure and by the cross-item check of one total.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sxcheck.facts.observe import Observation, close_to
from sxcheck.facts.periods import within_precision


def fmt_number(value: Decimal | float) -> str:
    """Show a figure without trailing zeros (310, 96.9, 1.28)."""
    dec = Decimal(str(value)).quantize(Decimal("0.0001")).normalize()
    text = f"{dec:f}"
    return text


def fmt_percent(ratio: Decimal | float) -> str:
    return f"{Decimal(str(ratio)) * 100:.1f}%"


def states(obs: Observation, numerator: Decimal, denominator: Decimal) -> bool:
    """Does a statement give these figures? Both counts when it has them (12/12
    and 10/10 are two different totals), else its percentage as shown."""
    if obs.numerator is not None and obs.denominator:
        if denominator <= 0:
            return False
        scale = obs.denominator / denominator  # 6.8亿元 against a declaration in 万元
        return power_of_ten(scale) and obs.numerator == numerator * scale
    return denominator > 0 and _agrees(obs, numerator / denominator * 100)


def contradicts(obs: Observation, numerator: Decimal, denominator: Decimal) -> bool:
    """Does a statement give other figures than a declaration?

    An n/n inferred from "均已…"/"全部…" says how many there are, not how many meet
    the measure ("共12个系统，均已完成等级测评" against 11 of 12 passed), so it never
    contradicts a declaration (two such totals stated differently still disagree with
    each other when nothing is declared).
    """
    if obs.inferred and not obs.names_numerator:
        return False
    if obs.inferred and obs.numerator == numerator and numerator != denominator:
        # "覆盖家庭9.82万户，行政村实现…全覆盖" against 9.82万 of 10.16万: the count is the
        # declared numerator; the whole read beside it is no other total
        return False
    return not states(obs, numerator, denominator)


def power_of_ten(value: Decimal) -> bool:
    exponent = value.log10() if value > 0 else Decimal("0.5")
    return exponent == exponent.to_integral_value()


def same_figures(obs: Observation, reference: Observation) -> bool:
    if reference.numerator is not None and reference.denominator:
        return states(obs, reference.numerator, reference.denominator)
    return reference.percent is not None and _agrees(obs, reference.percent)


def _agrees(obs: Observation, declared_percent: Decimal) -> bool:
    if obs.numerator is not None and obs.denominator:
        return close_to(obs.numerator / obs.denominator * 100, 1, declared_percent)
    if obs.percent is not None and obs.percent_range is not None:
        low, high = obs.percent_range  # "九成以上": any share from 90 up agrees
        return (low is None or low <= declared_percent) and (
            high is None or declared_percent <= high
        )
    return obs.percent is not None and close_to(obs.percent, obs.percent_decimals, declared_percent)


def value_agrees(quantity: Any, value: Decimal) -> bool:
    from sxcheck.evidence.quantities import decimals_shown

    return close_to(quantity.value, decimals_shown(quantity), value) or within_precision(
        quantity, value
    )


def show(obs: Observation) -> str:
    """A ratio as a reader checks it: 240/320（75.0%）, or the percentage as written."""
    if obs.numerator is not None and obs.denominator:
        percent = fmt_percent(obs.numerator / obs.denominator)
        return f"{fmt_number(obs.numerator)}/{fmt_number(obs.denominator)}（{percent}）"
    return f"{fmt_number(obs.percent or 0)}%"


def show_all(observations: list[Observation]) -> str:
    return "、".join(dict.fromkeys(show(o) for o in observations))
