"""The blank self-assessment form (自评表) generated from the rules, so nobody guesses keys."""

from __future__ import annotations

from sxcheck.catalogue.loader import RuleSet

_SHAPE = {
    "ratio": "{{numerator: null, denominator: null}}",
    "value": "{{value: null, unit: {unit}}}",
    "rank": "{{value: null}}",
    "count": "{{covered: []}}",
}


def blank_yaml(rules: RuleSet, level: str) -> str:
    """Every item and measure, commented with names; qualitative items are listed but need no figures."""
    lines = [
        "# sxcheck submission form (自评表). Fill the figures you declare; leave null what you do not.",
        "# Qualitative items need no declaration: they are decided from the documents.",
        "region: 晋阳市          # name of the city or county",
        f"level: {level}          # city (市级) | county (县级)",
        "year: 2024",
        "parent: null           # county only: the city it belongs to",
        "indicators:",
    ]
    for item_id, item in rules.items.items():
        measures = [m for m in item.measures if m.kind != "qualitative" and level in m.levels]
        if not measures:
            lines.append(f'  # "{item_id}": {item.name} — qualitative, decided from the documents')
            continue
        lines.append(f'  "{item_id}":  # {item.name}')
        for measure in measures:
            shape = _SHAPE[measure.kind].format(unit=measure.unit or "null")
            detail = (
                f"{measure.numerator} / {measure.denominator}"
                if measure.kind == "ratio"
                else (
                    "options: " + ", ".join(o.key for o in measure.options)
                    if measure.kind == "count"
                    else measure.unit or ""
                )
            )
            lines.append(f"    {measure.key}: {shape}  # {measure.name}: {detail}")
    return "\n".join(lines) + "\n"
