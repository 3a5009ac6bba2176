"""The `figures` words of rules/lexicon.yaml, compiled once for the number reader.

Domain words (period, change, bound, identifier and column words) are data in
rules/; this turns them into the few patterns `evidence.figures` runs on every
sentence, cached per lexicon.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

import yaml

from sxcheck.catalogue.schema import FigureWords, Lexicon
from sxcheck.evidence.forms import Forms, compile_forms


def _alt(words: list[str]) -> str:
    return "|".join(f"(?:{w})" for w in words) if words else r"(?!x)x"


def _after(pattern: str) -> re.Pattern[str]:
    """A pattern applied with .match(text, pos): a leading ^ means "right here"."""
    return re.compile(pattern[1:] if pattern.startswith("^") else pattern)


def _before(pattern: str) -> re.Pattern[str]:
    """A pattern applied with .search to the few characters before a number."""
    return re.compile(pattern if pattern.endswith("$") else f"(?:{pattern})$")


@dataclass
class Words:
    """The compiled `figures` words of one lexicon."""

    forms: Forms
    cue: re.Pattern[str]
    change: re.Pattern[str]
    change_units: frozenset[str]
    bound_before: re.Pattern[str]
    bound_after: re.Pattern[str]
    requirement: frozenset[str]
    ident_before: re.Pattern[str]
    ident_after: re.Pattern[str]
    date_before: re.Pattern[str]
    date_after: re.Pattern[str]
    measured_before: re.Pattern[str]
    base_before: re.Pattern[str]
    as_of_before: re.Pattern[str]
    target_year_before: re.Pattern[str]
    level_year_before: re.Pattern[str]
    deadline_after: re.Pattern[str]
    start_after: re.Pattern[str]
    plan_after: re.Pattern[str]
    plans: dict[str, int]
    this_year: re.Pattern[str]
    last_year: re.Pattern[str]
    grades: re.Pattern[str]
    columns: dict[str, re.Pattern[str]]


def compile_words(f: FigureWords) -> Words:
    plans = _alt([re.escape(name) for name in f.plan_periods])
    cue = re.compile(
        rf"(?P<semi>[；;|])|(?P<comma>[，,、])|(?P<open>《)|(?P<close>》)"
        rf"|(?P<plan>{plans})|(?P<cur>{_alt(f.current)})|(?P<this>{_alt(f.this_year)})"
        rf"|(?P<last>{_alt(f.last_year)})|(?P<tgt>{_alt(f.target)})"
    )
    return Words(
        forms=compile_forms(f.names, f.grade_before, f.grades),
        cue=cue,
        change=re.compile(_alt(f.change)),
        change_units=frozenset(f.change_units),
        bound_before=re.compile(
            rf"(?:(?P<low>{_alt(f.bound_low_before)})|(?P<high>{_alt(f.bound_high_before)})"
            rf"|(?P<approx>{_alt(f.approx_before)}))$"
        ),
        bound_after=re.compile(
            rf"\s*(?:(?P<low>{_alt(f.bound_low_after)})|(?P<high>{_alt(f.bound_high_after)})"
            rf"|(?P<approx>{_alt(f.approx_after)}))"
        ),
        requirement=frozenset(f.requirement),
        ident_before=re.compile(f"(?:{_alt(f.identifier_before)})$"),
        ident_after=_after(_alt([w.lstrip("^") for w in f.identifier_after])),
        date_before=_before(f.date_before),
        date_after=_after(f.date_after),
        measured_before=re.compile(f.measured_before),
        base_before=_before(f.base_before),
        as_of_before=_before(f.as_of_before),
        target_year_before=_before(f.target_year_before),
        level_year_before=_before(f.level_year_before),
        deadline_after=_after(f.deadline_after),
        start_after=_after(f.start_after),
        plan_after=_after(f.plan_period_after),
        plans=dict(f.plan_periods),
        this_year=re.compile(_alt(f.this_year)),
        last_year=re.compile(_alt(f.last_year)),
        grades=re.compile(rf"\s*(?:{f.grades})\s*"),
        columns={
            name: re.compile(getattr(f, f"column_{name}"))
            for name in (
                "identifier",
                "score",
                "change",
                "target",
                "task",
                "period",
                "unit",
                "deadline",
            )
        },
    )


_COMPILED: dict[int, tuple[FigureWords, Words]] = {}


def words_for(lexicon: Lexicon | None) -> Words:
    """The compiled words of `lexicon` (the built-in rules' when None), once per lexicon."""
    figures = lexicon.figures if lexicon is not None else _default_lexicon().figures
    cached = _COMPILED.get(id(figures))
    if cached is None or cached[0] is not figures:
        cached = (figures, compile_words(figures))
        _COMPILED[id(figures)] = cached
    return cached[1]


@lru_cache(maxsize=1)
def _default_lexicon() -> Lexicon:
    from sxcheck.catalogue.loader import DEFAULT_RULES_DIR

    text = (DEFAULT_RULES_DIR / "lexicon.yaml").read_text(encoding="utf-8")
    return Lexicon.model_validate(yaml.safe_load(text))


# ------------------------------------------------------------------ numbers
