"""Open a submission (folder or .zip) and validate its `submission.yaml` (or `.xlsx` form).

Everything here can fail because of the user's input, and every failure is a
SubmissionError with one line naming the file, line and problem. A zip is
extracted into a fresh temporary folder that is always removed; no entry can
land outside it (no `..`, absolute paths or symlinks) and sizes are bounded
before anything is written.
"""

from __future__ import annotations

import zipfile
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from sxcheck.catalogue.loader import RuleSet, _node_line
from sxcheck.catalogue.safeyaml import YamlProblem, parse_yaml, read_regular
from sxcheck.catalogue.schema import ItemRule
from sxcheck.errors import SubmissionError
from sxcheck.ingest.archive import safe_extract, terminate_cleanly, work_folder
from sxcheck.ingest.folder import MANIFEST, OWN_RULES, declaration, find_root, list_evidence
from sxcheck.ingest.limited import run_limited
from sxcheck.ingest.submission_xlsx import FORM, form_place, read_form, short_text
from sxcheck.limits import MAX_DECLARATION_BYTES, MAX_YAML_DEPTH
from sxcheck.models import DeclaredMeasure, Manifest

DECLARED_FIELDS = tuple(DeclaredMeasure.model_fields)


@dataclass
class Submission:
    root: Path
    manifest: Manifest
    files: list[tuple[Path, str]] = field(default_factory=list)  # (absolute path, relative posix)
    source: str = ""
    refused: list[tuple[str, str]] = field(default_factory=list)  # (relative posix, why not read)
    notes: dict[str, list[str]] = field(default_factory=dict)  # relative posix -> listing notes
    rules: RuleSet | None = (
        None  # with the submission's own 特色性指标, when it brings a rules/ folder
    )


# Where a problem sits in the declaration: `submission.yaml:12`, `submission.xlsx:自评表!7`.
Locate = Callable[[tuple[Any, ...]], str]


def _yaml_place(node: yaml.Node | None) -> Locate:
    return lambda loc: f"{MANIFEST}:{_node_line(node, loc)}"


def _first_error(exc: ValidationError, place: Locate) -> str:
    errors = exc.errors()
    err = errors[0]
    loc = tuple(err["loc"])
    where = ".".join(str(p) for p in loc) or "(document)"
    more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
    return f"{place(loc)}: {where}: {err['msg']}{more}"


def declared_entry(rule: ItemRule, entry: dict[str, Any]) -> dict[str, Any]:
    """One item's declaration in the keyed form {measure: figures}.

    A single-measure item may be declared flat ({numerator, denominator});
    raises ValueError with the user-facing problem otherwise.
    """
    declarable = [m.key for m in rule.measures if m.kind != "qualitative"]
    fields = set(DECLARED_FIELDS)
    if entry and set(entry) & fields:
        unknown = sorted(set(entry) - fields)
        if unknown:
            raise ValueError(
                f"unknown field '{short_text(unknown[0])}' (fields: {', '.join(DECLARED_FIELDS)})"
            )
        if len(declarable) != 1:
            raise ValueError(
                f"has several measures; declare each under its key: {', '.join(declarable)}"
            )
        return {declarable[0]: entry}
    for measure_key in entry:
        if measure_key not in declarable:
            known = ", ".join(declarable) or "none to declare"
            raise ValueError(f"unknown measure '{short_text(measure_key)}' (measures: {known})")
    return entry


def _normalise_indicators(raw: Any, rules: RuleSet, place: Locate) -> dict[str, Any]:
    """Bring every declared item to the keyed form {item: {measure: figures}}."""
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        raise SubmissionError(f"{place(('indicators',))}: indicators must be a mapping of item IDs")
    result: dict[str, Any] = {}
    for item_id, entry in raw.items():
        key = str(item_id)
        where = place(("indicators", item_id))
        if key not in rules.items:
            raise SubmissionError(
                f"{where}: unknown indicator ID '{short_text(key)}' (see `sxcheck rules list`)"
            )
        if not isinstance(entry, dict):
            raise SubmissionError(
                f"{where}: indicator {key}: expected a mapping such as {{numerator: 1, denominator: 2}}"
            )
        try:
            result[key] = declared_entry(rules.items[key], entry)
        except ValueError as exc:
            raise SubmissionError(f"{where}: indicator {key} {exc}") from None
    return result


def _validated(data: Any, rules: RuleSet, place: Locate) -> Manifest:
    if not isinstance(data, dict):
        raise SubmissionError(
            f"{place(())}: expected a mapping with region, level, year, indicators"
        )
    data = dict(data)
    data["indicators"] = _normalise_indicators(data.get("indicators"), rules, place)
    try:
        return Manifest.model_validate(data)
    except ValidationError as exc:
        raise SubmissionError(_first_error(exc, place)) from None


def load_manifest(path: Path, rules: RuleSet) -> Manifest:
    """Validate a `submission.yaml`, or a `submission.xlsx` form filled in Excel.

    Read and validated in a child with a memory cap and a time limit, like a
    document: the declaration comes from outside.
    """
    return run_limited(_load_manifest, path, rules, what=path.name)


def _load_manifest(path: Path, rules: RuleSet) -> Manifest:
    if path.name == FORM:
        data, rows = read_form(path)
        return _validated(data, rules, lambda loc: form_place(rows, loc))
    try:
        raw = read_regular(path, MAX_DECLARATION_BYTES)
    except YamlProblem as problem:
        raise SubmissionError(f"{MANIFEST}: {problem.message}") from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise SubmissionError(f"{MANIFEST}: not UTF-8 text") from None
    try:
        data, node = parse_yaml(text, MAX_YAML_DEPTH)
    except YamlProblem as problem:
        raise SubmissionError(f"{MANIFEST}:{problem.line}: {problem.message}") from None
    return _validated(data, rules, _yaml_place(node))


@contextmanager
def open_submission(
    path: Path, rules: RuleSet, extend: Callable[[Path], RuleSet] | None = None
) -> Iterator[Submission]:
    """Yield a validated Submission; a zip's work folder is removed afterwards.

    A `rules/` folder beside the declaration adds the submission's own 特色性指标:
    `extend` turns it into the rule set the declaration is validated against.
    A zip is unpacked into a work folder of sxcheck's (`archive.work_folder`);
    SIGTERM meanwhile ends the run through this `finally`, so the folder goes.
    """
    if not path.exists():
        raise SubmissionError(f"{path}: no such file or folder")
    with ExitStack() as stack:
        stack.enter_context(terminate_cleanly())
        if path.is_dir():
            folder = path
        elif not path.is_file():  # a FIFO or device: opening it could block or never end
            raise SubmissionError(f"{path}: a submission must be a folder or a .zip file")
        elif path.suffix.lower() == ".zip" or zipfile.is_zipfile(path):
            folder = stack.enter_context(work_folder())
            safe_extract(path, folder)
        else:
            raise SubmissionError(f"{path}: a submission must be a folder or a .zip file")
        root = find_root(folder, shown=path)
        own = root / OWN_RULES
        if extend is not None and own.is_dir() and not own.is_symlink():
            rules = extend(own)
        manifest = load_manifest(declaration(root), rules)
        listing = list_evidence(root, label=path)
        yield Submission(
            root=root,
            manifest=manifest,
            files=listing.files,
            source=str(path),
            rules=rules,
            refused=listing.refused,
            notes=listing.notes,
        )
