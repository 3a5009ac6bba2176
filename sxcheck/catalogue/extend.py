"""Rules beyond the 69: a city's own 特色性指标 (T. items) and an evaluator's profile.

Both produce a new RuleSet from the built-in one without touching it, so the
engine compiles them like any rule set (its digest changes with them). A
custom item file that fails validation is skipped and listed with its
file:line problem; it never breaks the 69. A profile that names an unknown
item, measure or key is an error (the evaluator must fix it).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from sxcheck.catalogue.loader import (
    Problem,
    RuleSet,
    Tree,
    _node_line,
    _read_yaml,
    parse_file,
    parse_with_node,
)
from sxcheck.catalogue.safeyaml import yaml_files
from sxcheck.catalogue.schema import Bands, CasesFile, ItemRule, ProfileFile
from sxcheck.errors import RulesError

SPECIAL = Tree("T", "特色性指标", "T", "特色性指标")


def extend_rules(base: RuleSet, folders: list[Path]) -> RuleSet:
    """The base rules plus the T. items found in `folders` (any depth, cases beside them).

    A folder may come inside a submission, so it is read like one: only
    regular files inside it, each within MAX_RULE_FILE_BYTES and parsed within
    MAX_YAML_DEPTH, all of it in a child under the declaration's memory and
    time limits (ingest.limited). Anything else is listed in `skipped` with a
    one-line reason that never quotes the file.
    """
    from sxcheck.errors import SubmissionError
    from sxcheck.ingest.limited import run_limited

    if not folders:
        return base
    items = dict(base.items)
    item_files = dict(base.item_files)
    cases = dict(base.extra_cases)  # the base folder's own are parsed only when used
    tree = dict(base.tree)
    skipped = list(base.skipped)
    digest = hashlib.sha256(base.digest.encode())
    for folder in folders:
        if not folder.is_dir():
            raise RulesError(f"{folder}: rules folder not found")
        try:
            found = run_limited(_read_folder, base, folder, items, what=f"{folder}")
        except SubmissionError as exc:
            skipped.append(f"{exc}（该文件夹的特色性指标已跳过）")
            continue
        for piece in found.digest:
            digest.update(piece)
        items.update(found.items)
        item_files.update(found.item_files)
        cases.update(found.cases)
        tree.update(dict.fromkeys(found.items, SPECIAL))
        skipped += found.skipped
    for item_id, (path, _) in list(cases.items()):
        if item_id not in items:
            del cases[item_id]
            skipped.append(f"{path}:1: cases for unknown item {item_id}")
    return replace(
        base,
        items=items,
        item_files=item_files,
        extra_cases=cases,
        tree=tree,
        skipped=skipped,
        digest=digest.hexdigest(),
    )


@dataclass
class _Folder:
    """What one rules folder adds (sent back from the child that read it)."""

    items: dict[str, ItemRule] = field(default_factory=dict)
    item_files: dict[str, Path] = field(default_factory=dict)
    cases: dict[str, tuple[Path, CasesFile]] = field(default_factory=dict)
    skipped: list[str] = field(default_factory=list)
    digest: list[bytes] = field(default_factory=list)  # fed to the rule set's digest in order


def _read_folder(base: RuleSet, folder: Path, known: dict[str, ItemRule]) -> _Folder:
    """The T. items and cases of one folder; every file that is not used is in `skipped`."""
    from sxcheck.catalogue.regex_safety import PatternProbe  # a city's regexes: ReDoS probe

    result = _Folder()
    probe = PatternProbe()
    for entry in yaml_files(folder):
        path = entry.path
        if entry.data is None:
            result.skipped.append(f"{path}:1: {entry.problem}（该特色性指标已跳过）")
            continue
        result.digest.append(entry.rel.encode() + b"\0" + entry.data)
        problems: list[Problem] = []
        if path.name.endswith(".cases.yaml"):
            parsed = parse_file(path, CasesFile, problems, entry.data)
            if parsed is not None:
                result.cases[parsed.item] = (path, parsed)
            result.skipped += [str(p) for p in problems]
            continue
        rule, node = parse_with_node(path, ItemRule, problems, entry.data)
        if rule is not None:
            problems += _check_custom(rule, path, base, {**known, **result.items}, node)
            problems += [] if problems else probe.problems(rule, path, node)
        if problems or rule is None:
            result.skipped += [f"{p}（该特色性指标已跳过）" for p in problems]
            continue
        result.items[rule.id] = rule
        result.item_files[rule.id] = path
    return result


def _check_custom(
    rule: ItemRule, path: Path, base: RuleSet, items: dict, node: Any = None
) -> list[Problem]:
    problems = []
    if not rule.id.startswith("T."):
        problems.append(Problem(path, 1, f"a custom item's id must start with T. (got {rule.id})"))
    elif rule.id in items:
        problems.append(Problem(path, 1, f"item {rule.id} is already defined"))
    if node is None:
        node = _read_yaml(path, [])[1]
    for index, measure in enumerate(rule.measures):
        if isinstance(measure.bands, str) and measure.bands not in base.defaults.bands:
            line = _node_line(node, ("measures", index, "bands"))
            problems.append(Problem(path, line, f"bands '{measure.bands}' is not defined"))
    return problems


def _band_problems(
    path: Path, node: Any, profile: ProfileFile, bands: dict[str, Bands], items: dict
) -> list[Problem]:
    """Bands the profile sets, checked against each measure they reach.

    The order of the lines depends on the measure's direction (partial below
    pass when higher is better, above it when lower is better); a pass line of
    0 or less where higher is better would divide scores by zero or make them
    negative. Bands the rules themselves set are the rules' responsibility.
    """
    problems = []
    seen: set[tuple] = set()  # a named band wrong for many measures is one problem
    for item_id, rule in items.items():
        override = profile.items.get(item_id)
        for measure in rule.measures:
            if measure.bands is None:
                continue
            measure_override = override.measures.get(measure.key) if override else None
            if measure_override is not None and measure_override.bands is not None:
                loc: tuple = ("items", item_id, "measures", measure.key, "bands")
            elif isinstance(measure.bands, str) and measure.bands in profile.bands:
                loc = ("bands", measure.bands)
            else:
                continue
            band = bands[measure.bands] if isinstance(measure.bands, str) else measure.bands
            where = f"bands of {item_id}/{measure.key}"
            if measure.direction == "higher" and band.partial > band.pass_:
                problem = f"{where}: the partial line is above the pass line (higher is better)"
            elif measure.direction == "lower" and band.partial < band.pass_:
                problem = f"{where}: the partial line is below the pass line (lower is better)"
            elif measure.direction == "higher" and band.pass_ <= 0:
                problem = f"{where}: the pass line must be above 0"
            else:
                continue
            if loc not in seen:
                seen.add(loc)
                problems.append(Problem(path, _node_line(node, loc), problem))
    return problems


def apply_profile(base: RuleSet, path: Path) -> RuleSet:
    """The rules with a profile's bands, weights, scoring and exclusions applied."""
    problems: list[Problem] = []
    profile = parse_file(path, ProfileFile, problems)
    node = _read_yaml(path, [])[1]
    if profile is None:
        raise RulesError("invalid profile:\n" + "\n".join(str(p) for p in problems))
    bands = {**base.defaults.bands, **profile.bands}
    scoring = profile.scoring or base.defaults.scoring
    items = dict(base.items)
    for item_id, override in profile.items.items():
        where = _node_line(node, ("items", item_id))
        if item_id not in items:
            problems.append(Problem(path, where, f"unknown item ID '{item_id}'"))
            continue
        rule = items[item_id]
        measures = {m.key: m for m in rule.measures}
        changed = []
        for key, measure_override in override.measures.items():
            if key not in measures:
                line = _node_line(node, ("items", item_id, "measures", key))
                problems.append(
                    Problem(path, line, f"{item_id} has no measure '{key}' ({', '.join(measures)})")
                )
                continue
            updates = measure_override.model_dump(exclude_none=True)
            if isinstance(updates.get("bands"), str) and updates["bands"] not in bands:
                line = _node_line(node, ("items", item_id, "measures", key, "bands"))
                problems.append(Problem(path, line, f"bands '{updates['bands']}' is not defined"))
                continue
            if measure_override.bands is not None:
                updates["bands"] = measure_override.bands
            changed.append(measures[key].model_copy(update=updates))
        changed_keys = {m.key for m in changed}
        new_measures = [next((c for c in changed if c.key == m.key), m) for m in rule.measures]
        update: dict = {"measures": new_measures} if changed_keys else {}
        if override.weight is not None:
            update["weight"] = override.weight
        items[item_id] = rule.model_copy(update=update)
    problems += _band_problems(path, node, profile, bands, items)
    excluded = {i for i, o in profile.items.items() if o.exclude}
    if excluded and all(i in excluded for i in base.items if not i.startswith("T.")):
        line = _node_line(node, ("items",))
        problems.append(Problem(path, line, "the profile excludes every item: there is no total"))
    firsts = {f.id: f for f in base.catalogue.first_levels}
    seconds = {s.id for f in base.catalogue.first_levels for s in f.children}
    for key, section, known in (
        ("first_weights", profile.first_weights, set(firsts)),
        ("second_weights", profile.second_weights, seconds),
    ):
        for level_id in section:
            if level_id not in known:
                line = _node_line(node, (key, level_id))
                problems.append(Problem(path, line, f"unknown indicator '{level_id}' in {key}"))
    if problems:
        raise RulesError("invalid profile:\n" + "\n".join(str(p) for p in problems))
    first_levels = [
        first.model_copy(
            update={
                "weight": profile.first_weights.get(first.id, first.weight),
                "children": [
                    second.model_copy(
                        update={"weight": profile.second_weights.get(second.id, second.weight)}
                    )
                    for second in first.children
                ],
            }
        )
        for first in base.catalogue.first_levels
    ]
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    return replace(
        base,
        catalogue=base.catalogue.model_copy(update={"first_levels": first_levels}),
        defaults=base.defaults.model_copy(update={"bands": bands, "scoring": scoring}),
        items=items,
        excluded={i: o.exclude for i, o in profile.items.items() if o.exclude},
        profile=f"{profile.name}@{digest[:12]}",
        special_weight=profile.special_weight,
        period_years=(
            frozenset(range(int(profile.period.start[:4]), int(profile.period.end[:4]) + 1))
            if profile.period is not None
            else base.period_years
        ),
        period=profile.period if profile.period is not None else base.period,
        ocr_min_confidence=(
            profile.ocr_min_confidence
            if profile.ocr_min_confidence is not None
            else base.ocr_min_confidence
        ),
        digest=hashlib.sha256((base.digest + digest).encode()).hexdigest(),
    )
