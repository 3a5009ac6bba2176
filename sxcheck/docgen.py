"""Documentation generated from the code and the rules, so it cannot drift.

`make docs` (python -m sxcheck.docgen docs) writes:
- docs/reference/<一级>.md: for each of the 69 items, its definition from the
  source, its measures, the effective defaults (bands), what counts as
  evidence and what does not (excluded words, planned phrasings), and its test
  cases as examples;
- docs/commands.md: every command with its options, from the CLI's own help;
- docs/report.schema.json: the JSON Schema of the report, from its model;
- docs/limits.md: every named limit of sxcheck/limits.py with its value and why.
A test regenerates them and fails when the committed files differ.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

import click

from sxcheck.catalogue.loader import RuleSet, load_rules
from sxcheck.catalogue.schema import ItemRule, MeasureRule
from sxcheck.models import Report

PLANNED_NOTE = (
    "Planned phrasings never count as done (rules/lexicon.yaml `not_done`): "
    "拟, 计划, 将于/将推动…, 争取, 力争, 预计, 目标, 到20XX年, 正在推进/编制/建设/起草, "
    "下一步, 启动, 前期工作, 招标中, 试运行, 征求意见稿, 草案, 送审稿, 初稿, 要建立, 确保."
)


def _measure(rules: RuleSet, measure: MeasureRule) -> list[str]:
    lines = [f"#### Measure `{measure.key}`: {measure.name}", ""]
    lines.append(f"- kind: {measure.kind}; levels: {', '.join(measure.levels)}")
    if measure.numerator:
        lines.append(f"- numerator: {measure.numerator}")
        lines.append(f"- denominator: {measure.denominator}")
    if measure.unit:
        lines.append(f"- unit: {measure.unit}")
    if measure.bands is not None:
        bands = rules.bands_for(measure.bands)
        name = measure.bands if isinstance(measure.bands, str) else "inline"
        lines.append(
            f"- bands (`{name}`, {measure.direction} is better): pass {bands.pass_:g}, "
            f"partial {bands.partial:g}"
        )
    for option in measure.options:
        lines.append(f"- option `{option.key}`: {', '.join(option.aliases)}")
    groups = " AND ".join("(" + " / ".join(group) + ")" for group in measure.evidence.all_of)
    lines.append(f"- evidence: a sentence or table row with {groups}")
    if measure.evidence.none_of:
        lines.append(f"- not evidence: sentences with {' / '.join(measure.evidence.none_of)}")
    if measure.established:
        lines.append(
            "- established when a done sentence matches: "
            + "; ".join(f"`{p}`" for p in measure.established)
        )
    if measure.working:
        dated = " (with a date)" if measure.working_needs_date else ""
        lines.append(f"- working{dated} when: " + "; ".join(f"`{p}`" for p in measure.working))
    for grade in measure.grades:
        lines.append(f"- grade `{grade.key}` {grade.name}: {grade.status}, score {grade.score:g}")
    if measure.table_rows is not None:
        spec = measure.table_rows
        lines.append(
            f"- a list one per table row (header: {' / '.join(spec.header_any)}): passes when a cell "
            f"starts with {' / '.join(spec.passed_any)} and none with {' / '.join(spec.failed_any)}"
        )
    lines.append("")
    return lines


def _item(rules: RuleSet, item: ItemRule) -> list[str]:
    lines = [f"### {item.id} {item.name}", "", f"Kind: {item.kind}", ""]
    lines += [f"> 指标说明：{item.definition.strip()}", ""]
    if item.notes:
        lines += [item.notes.strip(), ""]
    for measure in item.measures:
        lines += _measure(rules, measure)
    if item.id in rules.cases:
        lines += [
            "#### Cases (examples)",
            "",
            "| case | level | documents | expected |",
            "|---|---|---|---|",
        ]
        for case in rules.cases[item.id][1].cases:
            text = " / ".join(d.text.strip().replace("\n", " ") for d in case.documents) or "—"
            if case.declared:
                text = f"declared {json.dumps(case.declared, ensure_ascii=False)}; {text}"
            codes = ", ".join(case.expect.codes)
            lines.append(
                f"| {case.name} | {case.level} | {text.replace('|', '¦')} | {case.expect.status} {codes} |"
            )
        lines.append("")
    return lines


def rule_reference(rules: RuleSet) -> dict[str, str]:
    """One Markdown page per first-level indicator, plus an index."""
    pages: dict[str, str] = {}
    index = [
        "# Rule reference",
        "",
        "Generated from `rules/` by `make docs`; do not edit.",
        "",
        PLANNED_NOTE,
        "",
    ]
    for first in rules.catalogue.first_levels:
        name = f"{first.id}-{first.name}.md"
        index.append(f"- [{first.id} {first.name}]({name})")
        lines = [
            f"# {first.id} {first.name}",
            "",
            "Generated from `rules/` by `make docs`; do not edit.",
            "",
        ]
        for second in first.children:
            lines += [f"## {second.id} {second.name}", ""]
            for item in rules.items.values():
                if rules.tree[item.id].second == second.id:
                    lines += _item(rules, item)
        pages[name] = "\n".join(lines).rstrip() + "\n"
    pages["README.md"] = "\n".join(index) + "\n"
    return pages


def command_reference() -> str:
    """Every command's --help, as the CLI prints it."""
    from sxcheck.cli import main

    lines = ["# Commands", "", "Generated from the CLI's `--help` by `make docs`; do not edit.", ""]

    def walk(command: click.Command, path: list[str]) -> None:
        # the help options the CLI gives every command (-h too); click caches a command's
        # help option once made, so the docs must not depend on whether a command ran first
        context = click.Context(
            command,
            info_name=" ".join(path),
            terminal_width=100,
            max_content_width=100,
            help_option_names=["-h", "--help"],
        )
        lines.extend(
            [f"## `{' '.join(path)}`", "", "```", command.get_help(context).rstrip(), "```", ""]
        )
        if isinstance(command, click.Group):
            for name in sorted(command.commands):
                walk(command.commands[name], [*path, name])

    walk(main, ["sxcheck"])
    return "\n".join(lines).rstrip() + "\n"


def report_schema() -> str:
    schema = Report.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "sxcheck report"
    return json.dumps(schema, ensure_ascii=False, indent=2) + "\n"


_SECTION = re.compile(r"^# -+ (?P<title>.+)$")
_LIMIT = re.compile(r"^(?P<name>[A-Z][A-Z0-9_]+) = (?P<value>[^#]+?)\s*(?:#\s*(?P<why>.*))?$")


def _shown(value: object) -> str:
    """A limit as a person reads it: 512 MiB, 2,000, 120 s."""
    if isinstance(value, float):
        return f"{value:g}"
    if isinstance(value, int) and value >= 1024**2 and value % 1024**2 == 0:
        return f"{value // 1024**2:,} MiB ({value:,})"
    return f"{value:,}" if isinstance(value, int) else str(value)


def limits_reference() -> str:
    """docs/limits.md: each named limit, its default and what it bounds, from the code."""
    from sxcheck import limits

    lines = [
        "# Limits",
        "",
        "Every submission is treated as possibly hostile. These named defaults bound what one",
        "submission, one document or one run may ask; beyond a limit the submission (exit 2) or",
        "the one document (`status: error` with the reason) is refused with a one-line message",
        "that names the limit. They live in `sxcheck/limits.py`; `--doc-timeout`,",
        "`--doc-memory` and `--run-timeout` change the per-document and per-run limits.",
        "Generated by `make docs`; do not edit.",
        "",
    ]
    source = Path(limits.__file__).read_text(encoding="utf-8").splitlines()
    for line in source:
        if section := _SECTION.match(line):
            lines += [
                "",
                f"## {section['title']}",
                "",
                "| limit | default | what it bounds |",
                "|---|---|---|",
            ]
        elif (limit := _LIMIT.match(line)) and limit["name"] != "MiB":
            value = getattr(limits, limit["name"])
            lines.append(f"| `{limit['name']}` | {_shown(value)} | {limit['why'] or ''} |")
    return "\n".join(lines).replace("\n\n\n", "\n\n") + "\n"


def generated(rules: RuleSet | None = None) -> dict[str, str]:
    """Every generated file, by path relative to docs/."""
    rules = rules or load_rules()
    files = {f"reference/{name}": text for name, text in rule_reference(rules).items()}
    files["commands.md"] = command_reference()
    files["report.schema.json"] = report_schema()
    files["limits.md"] = limits_reference()
    return files


def main(target: str = "docs") -> None:
    root = Path(target)
    for relative, text in generated().items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    print(f"generated docs written under {root}/")


if __name__ == "__main__":
    main(*sys.argv[1:])
