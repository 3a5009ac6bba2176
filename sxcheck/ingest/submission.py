"""Open a submission (folder or .zip) and validate its `submission.yaml` (or `.xlsx` form).

Everything here can fail because of the user's input, and every failure is a
SubmissionError with one line naming the file, line and problem. A zip is
extracted into a fresh temporary folder that is always removed; no entry can
land outside it (no `..`, absolute paths or symlinks) and sizes are bounded
before anything is written.
"""

from __future__ import annotations

import shutil
import tempfile
import zipfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from sxcheck.catalogue.loader import RuleSet, _node_line
from sxcheck.catalogue.schema import ItemRule
from sxcheck.errors import SubmissionError
from sxcheck.ingest.archive import safe_extract
from sxcheck.ingest.folder import MANIFEST, OWN_RULES, evidence_files, find_root
from sxcheck.ingest.submission_xlsx import FORM, form_place, read_form
from sxcheck.models import DeclaredMeasure, Manifest

DECLARED_FIELDS = tuple(DeclaredMeasure.model_fields)


@dataclass
class Submission:
    root: Path
    manifest: Manifest
    files: list[tuple[Path, str]] = field(default_factory=list)  # (absolute path, relative posix)
    source: str = ""
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
            raise ValueError(f"unknown field '{unknown[0]}' (fields: {', '.join(DECLARED_FIELDS)})")
        if len(declarable) != 1:
            raise ValueError(
                f"has several measures; declare each under its key: {', '.join(declarable)}"
            )
        return {declarable[0]: entry}
    for measure_key in entry:
        if measure_key not in declarable:
            known = ", ".join(declarable) or "none to declare"
            raise ValueError(f"unknown measure '{measure_key}' (measures: {known})")
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
                f"{where}: unknown indicator ID '{key}' (see `sxcheck rules list`)"
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
    """Validate a `submission.yaml`, or a `submission.xlsx` form filled in Excel."""
    if path.name == FORM:
        data, rows = read_form(path)
        return _validated(data, rules, lambda loc: form_place(rows, loc))
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        raise SubmissionError(f"{MANIFEST}: not UTF-8 text") from None
    except OSError as exc:
        raise SubmissionError(f"{MANIFEST}: cannot read ({exc.strerror})") from None
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = f"{mark.line + 1}" if mark else "1"
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise SubmissionError(f"{MANIFEST}:{line}: invalid YAML: {problem}") from None
    return _validated(data, rules, _yaml_place(node))


@contextmanager
def open_submission(
    path: Path, rules: RuleSet, extend: Callable[[Path], RuleSet] | None = None
) -> Iterator[Submission]:
    """Yield a validated Submission; a zip's temporary folder is removed afterwards.

    A `rules/` folder beside the declaration adds the submission's own 特色性指标:
    `extend` turns it into the rule set the declaration is validated against.
    """
    if not path.exists():
        raise SubmissionError(f"{path}: no such file or folder")
    temp: Path | None = None
    try:
        if path.is_dir():
            folder = path
        elif path.suffix.lower() == ".zip" or zipfile.is_zipfile(path):
            temp = Path(tempfile.mkdtemp(prefix="sxcheck-"))
            safe_extract(path, temp)
            folder = temp
        else:
            raise SubmissionError(f"{path}: a submission must be a folder or a .zip file")
        root = find_root(folder, shown=path)
        if extend is not None and (root / OWN_RULES).is_dir():
            rules = extend(root / OWN_RULES)
        manifest_path = root / MANIFEST if (root / MANIFEST).is_file() else root / FORM
        manifest = load_manifest(manifest_path, rules)
        yield Submission(
            root=root,
            manifest=manifest,
            files=evidence_files(root),
            source=str(path),
            rules=rules,
        )
    finally:
        if temp is not None:
            shutil.rmtree(temp, ignore_errors=True)
