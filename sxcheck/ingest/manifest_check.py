"""Validate a declaration's mapping against the rules, gathering every problem.

`submission.yaml` and `submission.xlsx` give the same raw mapping; this turns
it into a Manifest or into one SubmissionError listing each problem with its
place (`Locate` maps a key path to `submission.yaml:7` or `自评表!H7`). What
the Excel form accepts, the YAML accepts too (`level: 市级`). Unknown keys,
IDs, measures and options are named with their near misses; the rest of the
checking is the models' own (models.Manifest, declared.py), their errors
worded here.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from pydantic import ValidationError

from sxcheck.catalogue.loader import RuleSet
from sxcheck.catalogue.schema import ItemRule, MeasureRule
from sxcheck.ingest.manifest_errors import (
    LEVEL_EXPECTED,
    LEVEL_WORDS,
    TOP_KEYS,
    Problems,
    field_name,
    short_text,
    suggest,
)
from sxcheck.models import DeclaredMeasure, Manifest

DECLARED_FIELDS = tuple(DeclaredMeasure.model_fields)
# Where a problem sits in the declaration: `submission.yaml:12`, `submission.xlsx:自评表!H7`.
Locate = Callable[[tuple[Any, ...]], str]
# declared.py's own refusals: already worded for the user
_WORDED = {
    "name_type",
    "name_long",
    "name_empty",
    "name_control",
    "label",
    "year",
    "digits",
    "figure_type",
    "figure_percent",
    "figure_large",
    "figure_finite",
    "figure_decimals",
}
_EXAMPLE = "{numerator: 1, denominator: 2}"
_EXAMPLES = {"value": "{value: 85}", "rank": "{value: 46}", "count": "{covered: [网站, 手机APP]}"}


def _example(rule: ItemRule | None) -> str:
    """What a declaration of this item looks like (its first declarable measure's kind)."""
    kinds = [m.kind for m in rule.measures if m.kind != "qualitative"] if rule else []
    return _EXAMPLES.get(kinds[0], _EXAMPLE) if len(kinds) == 1 else _EXAMPLE


def entry_problems(
    rule: ItemRule, entry: dict[str, Any]
) -> tuple[dict[str, Any], list[tuple[tuple[str, ...], str]]]:
    """One item's declaration in the keyed form {measure: figures}, and its problems.

    A single-measure item may be declared flat ({numerator, denominator}).
    Each problem is (key path inside the entry, message); the keys it names
    are left out of the result, so they are not reported twice.
    """
    declarable = [m.key for m in rule.measures if m.kind != "qualitative"]
    fields = set(DECLARED_FIELDS)
    problems: list[tuple[tuple[str, ...], str]] = []
    if not declarable:
        return {}, [((), "为定性指标，无需申报数值（由佐证材料判定）")]
    if entry and set(entry) & fields:
        if len(declarable) != 1:
            return {}, [((), f"有多个测量项，请分别在各自的键下申报：{'、'.join(declarable)}")]
        flat = {}
        for key, value in entry.items():
            if key in fields:
                flat[key] = value
            else:
                problems.append(((str(key),), _unknown_field(str(key))))
        return {declarable[0]: flat}, problems
    keyed = {}
    for key, value in entry.items():
        name = str(key)
        if name in declarable:
            keyed[name] = value
            continue
        near = suggest(name, declarable) or (suggest(name, fields) if len(declarable) == 1 else "")
        known = near or f"（可申报：{'、'.join(declarable)}）"
        problems.append(((name,), f"没有测量项 '{short_text(name)}'{known}"))
    return keyed, problems


def _unknown_field(key: str) -> str:
    near = suggest(key, DECLARED_FIELDS) or f"（可填：{'、'.join(DECLARED_FIELDS)}）"
    return f"未知字段 '{short_text(key)}'{near}"


def declared_entry(rule: ItemRule, entry: dict[str, Any]) -> dict[str, Any]:
    """`entry_problems` for a rule case: its first problem raised as ValueError."""
    keyed, problems = entry_problems(rule, entry)
    if problems:
        raise ValueError(problems[0][1])
    return keyed


def _option_problems(measure: MeasureRule, covered: Any) -> list[tuple[int, str]]:
    """Each covered entry that names none of the measure's options, or more than one (by
    key or alias, or the source's longer wording of one: MeasureRule.option_named)."""
    if not isinstance(covered, list) or not measure.options:
        return []
    names = {name for option in measure.options for name in (option.key, *option.aliases)}
    listed = f"（选项：{'、'.join(option.key for option in measure.options)}）"
    return [
        (
            index,
            f"覆盖项 '{short_text(name)}' 不在该指标的选项中{suggest(name, names) or listed}",
        )
        for index, name in enumerate(covered)
        if isinstance(name, str) and measure.option_named(name) is None
    ]


def _indicators(raw: Any, rules: RuleSet, place: Locate, problems: Problems) -> tuple[dict, set]:
    """Every declared item brought to {item: {measure: figures}}; the items declared flat."""
    if raw is None:
        return {}, set()
    if not isinstance(raw, dict):
        problems.add(place(("indicators",)), "indicators（申报指标）应为以指标编号为键的映射")
        return {}, set()
    result: dict[str, Any] = {}
    flat: set[str] = set()
    for item_id, entry in raw.items():
        key = str(item_id)
        where = place(("indicators", item_id))
        rule = rules.items.get(key)
        if rule is None:
            near = suggest(key, rules.items)
            hint = near or "（见 `sxcheck rules list`）"
            problems.add(where, f"指标 {short_text(key)} 不存在{hint}")
            continue
        if not isinstance(entry, dict):
            problems.add(where, f"指标 {key} 应为映射，如 {_example(rule)}")
            continue
        keyed, found = entry_problems(rule, entry)
        for path, message in found:
            problems.add(place(("indicators", item_id, *path)), f"指标 {key} {message}")
        if entry and set(entry) & set(DECLARED_FIELDS):
            flat.add(key)
        measures = {m.key: m for m in rule.measures}
        for measure_key, figures in keyed.items():
            if isinstance(figures, dict):
                yaml_path = (item_id,) if key in flat else (item_id, measure_key)
                for index, message in _option_problems(
                    measures[measure_key], figures.get("covered")
                ):
                    where = place(("indicators", *yaml_path, "covered", index))
                    problems.add(where, f"指标 {key} {message}")
        result[key] = keyed
    return result, flat


def _message(err: Any, flat: set[str]) -> str:
    """One pydantic error in Chinese, naming the item and measure it is about."""
    loc = tuple(err["loc"])
    kind = err["type"]
    names = [str(part) for part in loc if not isinstance(part, int)]
    last = names[-1] if names else ""
    prefix = ""
    if len(loc) >= 2 and loc[0] == "indicators":
        item = str(loc[1])
        prefix = f"指标 {item} "
        if len(loc) >= 3 and item not in flat:
            prefix += f"测量项 {loc[2]} "
    if kind in _WORDED:
        return prefix + str(err["msg"])
    if kind == "missing":
        return f"{prefix}缺少 {field_name(last)}"
    if kind == "extra_forbidden":
        near = suggest(last, DECLARED_FIELDS if prefix else TOP_KEYS)
        return f"{prefix}未知字段 '{short_text(last)}'{near}"
    if loc == ("level",):
        return f"{LEVEL_EXPECTED}，而不是 '{short_text(err.get('input'))}'"
    if kind == "list_type":
        return f"{prefix}{field_name(last)}应为列表，如 [网站, 手机APP]"
    if kind == "string_type":
        return f"{prefix}{field_name(last)}应为文字"
    if kind in ("dict_type", "model_type"):
        return f"{prefix.rstrip()} 应为映射，如 {_EXAMPLE}"
    return f"{prefix}{field_name(last)}的取值无效"


def validate(data: Any, rules: RuleSet, place: Locate, problems: Problems) -> Manifest:
    """The Manifest of a raw mapping, or every problem of it (with `problems`' own) raised."""
    if data is None:
        problems.add(place(()), "文件是空的，应写明 region、level、year 和 indicators")
        raise problems.error()
    if not isinstance(data, dict):
        problems.add(place(()), "应为包含 region、level、year、indicators 等键的映射")
        raise problems.error()
    data = dict(data)
    meant: set[str] = set()  # keys an unknown key was a near miss of: not also "missing"
    for key in list(data):
        if str(key) not in TOP_KEYS:
            near = [k for k in TOP_KEYS if k not in data and suggest(str(key), [k])]
            hint = suggest(str(key), near or TOP_KEYS)
            meant.update(near[:1] if near else ())
            problems.add(place((key,)), f"未知字段 '{short_text(key)}'{hint}")
            del data[key]
    level = data.get("level")
    if isinstance(level, str) and level.strip() in LEVEL_WORDS:
        data["level"] = LEVEL_WORDS[level.strip()]  # 市级 / 县级, as on the Excel form
    data["indicators"], flat = _indicators(data.get("indicators"), rules, place, problems)

    def yaml_loc(loc: tuple[Any, ...]) -> tuple[Any, ...]:
        """A flat entry has no measure key in the file: drop it to find the line."""
        if len(loc) > 2 and loc[0] == "indicators" and str(loc[1]) in flat:
            return loc[:2] + loc[3:]
        return loc

    manifest = None
    try:
        manifest = Manifest.model_validate(data)
    except ValidationError as exc:
        for err in exc.errors():
            where = place(yaml_loc(tuple(err["loc"])))
            if err["type"] == "missing" and (
                tuple(err["loc"])[:1] in {(k,) for k in meant} or problems.has(where)
            ):
                continue  # the misspelt key or the bad cell is named already
            problems.add(where, _message(err, flat))
    problems.raise_if_any()
    assert manifest is not None
    return manifest.model_copy(update={"declared_at": _declared_at(manifest, place, yaml_loc)})


def _declared_at(
    manifest: Manifest, place: Locate, yaml_loc: Callable[[tuple[Any, ...]], tuple[Any, ...]]
) -> dict[str, dict[str, str]]:
    """Where each declared measure stands: the place of its first declared figure."""
    out: dict[str, dict[str, str]] = {}
    for item, measures in manifest.indicators.items():
        for key, declared in measures.items():
            fields = [f for f, v in declared.model_dump(exclude_none=True).items() if v != []]
            loc = ("indicators", item, key, *(fields[:1]))
            out.setdefault(item, {})[key] = place(yaml_loc(loc))
    return out
