"""Open a submission (folder or .zip) and validate its `submission.yaml` (or `.xlsx` form).

Everything here can fail because of the user's input, and every failure is a
SubmissionError: one line naming the file, line and problem, or, for a
declaration with several problems, every one of them in Chinese
(ingest.manifest_check), so one run shows all there is to fix. A zip is
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

import yaml

from sxcheck.catalogue.loader import RuleSet, _node_line
from sxcheck.catalogue.safeyaml import YamlProblem, parse_yaml, read_regular
from sxcheck.errors import SubmissionError
from sxcheck.ingest.archive import safe_extract, terminate_cleanly, work_folder
from sxcheck.ingest.folder import MANIFEST, OWN_RULES, declaration, find_root, list_evidence
from sxcheck.ingest.limited import run_limited
from sxcheck.ingest.manifest_check import DECLARED_FIELDS, Locate, declared_entry, validate
from sxcheck.ingest.manifest_errors import Problems, yaml_message
from sxcheck.ingest.submission_xlsx import FORM, form_place, read_form
from sxcheck.limits import MAX_DECLARATION_BYTES, MAX_YAML_DEPTH
from sxcheck.models import Manifest

__all__ = ["DECLARED_FIELDS", "Submission", "declared_entry", "load_manifest", "open_submission"]


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


def _yaml_place(node: yaml.Node | None) -> Locate:
    return lambda loc: f"{MANIFEST}:{_node_line(node, loc)}"


def load_manifest(path: Path, rules: RuleSet) -> Manifest:
    """Validate a `submission.yaml`, or a `submission.xlsx` form filled in Excel.

    Read and validated in a child with a memory cap and a time limit, like a
    document: the declaration comes from outside.
    """
    return run_limited(_load_manifest, path, rules, what=path.name)


def _load_manifest(path: Path, rules: RuleSet) -> Manifest:
    if path.name == FORM:
        data, places, problems = read_form(path)
        return validate(data, rules, lambda loc: form_place(places, loc), problems)
    try:
        raw = read_regular(path, MAX_DECLARATION_BYTES)
    except YamlProblem as problem:
        raise SubmissionError(f"{MANIFEST}: {yaml_message(problem.message)}") from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise SubmissionError(f"{MANIFEST}: 不是 UTF-8 编码的文本（请以 UTF-8 保存）") from None
    try:
        data, node = parse_yaml(text, MAX_YAML_DEPTH)
    except YamlProblem as problem:
        raise SubmissionError(
            f"{MANIFEST}:{problem.line}: {yaml_message(problem.message)}"
        ) from None
    return validate(data, rules, _yaml_place(node), Problems(MANIFEST))


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
        raise SubmissionError(f"{path}: 文件或文件夹不存在")
    with ExitStack() as stack:
        stack.enter_context(terminate_cleanly())
        if path.is_dir():
            folder = path
        elif not path.is_file():  # a FIFO or device: opening it could block or never end
            raise SubmissionError(f"{path}: 申报材料应为文件夹或 .zip 压缩包")
        elif path.suffix.lower() == ".zip" or zipfile.is_zipfile(path):
            folder = stack.enter_context(work_folder())
            safe_extract(path, folder)
        else:
            raise SubmissionError(f"{path}: 申报材料应为文件夹或 .zip 压缩包")
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
