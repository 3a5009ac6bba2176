"""`sxcheck rules show ID` as people read it: the item, each measure's keywords and
phrasings with the notes written above them in the rule file, the rules in plain
words, the item's notes and its test cases by name. No Python reprs: lists are
joined, quotes and brackets dropped.
"""

from __future__ import annotations

import re
from pathlib import Path

from sxcheck.catalogue.loader import RuleSet
from sxcheck.catalogue.schema import ItemRule, MeasureRule

LEVEL_ZH = {"city": "市级", "county": "县级"}
PHRASINGS = {
    "established": "已设立/已建成的表述",
    "working": "实际工作/应用的表述",
}


def _comments_above(text: str, key: str, after: int) -> tuple[list[str], int]:
    """The comment lines just above the first `key:` line after offset `after`."""
    match = re.compile(rf"^(\s*){key}:\s*$", re.M).search(text, after)
    if match is None:
        return [], after
    lines = text[: match.start()].splitlines()
    notes: list[str] = []
    while lines and lines[-1].strip().startswith("#"):
        notes.insert(0, lines.pop().strip().lstrip("#").strip())
    return notes, match.end()


def plain_rule(text: str) -> str:
    """A compiled rule's condition without reprs: 'none' -> none, ['a', 'b'] -> (a, b)."""
    text = re.sub(r"\[([^\]]*)\]", r"(\1)", text)
    text = re.sub(r"\b(True|False|None)\b", lambda m: m[1].lower(), text)
    return re.sub(r"'([^']*)'", r"\1", text)


def describe(ruleset: RuleSet, item: ItemRule, rules_text: dict[str, list[str]]) -> list[str]:
    """The lines of `rules show`; `rules_text` holds each measure's compiled rules."""
    path = ruleset.item_files[item.id]
    try:
        source = path.read_text(encoding="utf-8")
    except OSError:
        source = ""
    lines: list[str] = []
    offset = 0
    for measure in item.measures:
        block, offset = _measure(ruleset, measure, source, offset)
        lines += ["", *block, "  规则 / rules:"]
        lines += [f"    {line}" for line in rules_text.get(measure.key, [])]
    if item.notes.strip():
        lines += ["", "说明 / notes:", *(f"  {n}" for n in item.notes.strip().splitlines())]
    cases = ruleset.cases.get(item.id)
    if cases is not None:
        file, parsed = cases
        lines += ["", f"用例 / cases（{_shown(ruleset, file)}，共 {len(parsed.cases)} 个）:"]
        for case in parsed.cases:
            expect = case.expect.status or ""
            codes = "、".join(case.expect.codes)
            lines.append(f"  {case.name}: {expect}" + (f"（{codes}）" if codes else ""))
    return lines


def _measure(
    ruleset: RuleSet, measure: MeasureRule, source: str, offset: int
) -> tuple[list[str], int]:
    levels = "、".join(LEVEL_ZH.get(level, level) for level in measure.levels)
    lines = [f"measure {measure.key}: {measure.name}（{measure.kind}；适用：{levels}）"]
    if measure.numerator:
        lines += [f"  分子: {measure.numerator}", f"  分母: {measure.denominator}"]
    if measure.bands is not None:
        bands = ruleset.bands_for(measure.bands)
        name = measure.bands if isinstance(measure.bands, str) else "本项自定"
        better = "越高越好" if measure.direction == "higher" else "越低越好"
        lines.append(
            f"  档位 bands（{name}，{better}）: 达标 {bands.pass_}，部分达标 {bands.partial}"
        )
        if bands.doc:
            lines.append(f"    {bands.doc.strip()}")
    for option in measure.options:
        lines.append(f"  选项 {option.key}: {' / '.join(option.aliases)}")
    lines.append("  佐证关键词（每组至少出现一个）:")
    lines += [f"    {n}. {' / '.join(group)}" for n, group in enumerate(measure.evidence.all_of, 1)]
    if measure.evidence.none_of:
        lines.append(f"  排除词: {' / '.join(measure.evidence.none_of)}")
    key_at = source.find(f"key: {measure.key}", offset)
    offset = key_at if key_at >= 0 else offset
    for field, label in PHRASINGS.items():
        patterns: list[str] = getattr(measure, field)
        if not patterns:
            continue
        notes, _ = _comments_above(source, field, offset)
        extra = "（须有日期）" if field == "working" and measure.working_needs_date else ""
        lines.append(f"  {label}{extra}（{field}，{len(patterns)} 条）:")
        lines += [f"    # {note}" for note in notes]
        lines += [f"    {pattern}" for pattern in patterns]
    for grade in measure.grades:
        lines.append(
            f"  等级 {grade.name}（{grade.status}，{grade.score:g}）: {' / '.join(grade.any_of)}"
        )
    if measure.weight != 1.0:
        lines.append(f"  权重: {measure.weight}")
    return lines, offset


def _shown(ruleset: RuleSet, path: Path) -> str:
    resolved = path.resolve()
    base = ruleset.root.parent
    return str(resolved.relative_to(base)) if resolved.is_relative_to(base) else str(resolved)
