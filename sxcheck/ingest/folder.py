"""Find a submission's declaration and list its evidence files."""

from __future__ import annotations

from pathlib import Path

from sxcheck.errors import SubmissionError
from sxcheck.ingest.submission_xlsx import FORM

MANIFEST = "submission.yaml"
OWN_RULES = "rules"  # a folder beside submission.yaml with the submission's own T. items
# Beside the declaration, these describe a bundled or test sample (what it shows, what an
# auditor concludes): they are notes about the submission, never evidence in it.
SAMPLE_NOTES = ("README.md", "expected.yaml")


def find_root(folder: Path, shown: Path | None = None) -> Path:
    """The folder holding submission.yaml: the top, or a single top-level sub-folder of a zip."""
    if (folder / MANIFEST).is_file():
        return folder
    children = [c for c in folder.iterdir() if not c.name.startswith((".", "__MACOSX"))]
    if len(children) == 1 and children[0].is_dir() and (children[0] / MANIFEST).is_file():
        return children[0]
    if (folder / FORM).is_file():
        return folder
    if len(children) == 1 and children[0].is_dir() and (children[0] / FORM).is_file():
        return children[0]
    raise SubmissionError(f"{shown or folder}: no submission.yaml (or submission.xlsx) found")


def evidence_files(root: Path) -> list[tuple[Path, str]]:
    files = []
    for path in sorted(root.rglob("*")):
        rel = path.relative_to(root)
        if any(part.startswith(".") or part == "__MACOSX" for part in rel.parts):
            continue
        if path.is_symlink() or not path.is_file():
            continue
        if len(rel.parts) == 1 and (rel.stem == "submission" or rel.name in SAMPLE_NOTES):
            continue
        if len(rel.parts) > 1 and rel.parts[0] == OWN_RULES and path.suffix in (".yaml", ".yml"):
            continue  # the submission's own rule files are rules, not evidence
        files.append((path, rel.as_posix()))
    return files
