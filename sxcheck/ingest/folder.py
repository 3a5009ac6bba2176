"""Find a submission's declaration and list its evidence files.

Nothing outside the submission is read: a symbolic link is never followed (it
is listed as skipped, with why), nor is a named pipe, device or socket ever
opened (opening a FIFO blocks forever). A declaration that is ambiguous (two
of them, in any case) is refused instead of one being picked.
"""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from sxcheck.errors import SubmissionError
from sxcheck.ingest.archive import shown as printable
from sxcheck.ingest.submission_xlsx import FORM
from sxcheck.limits import MAX_PATH_DEPTH, MAX_SUBMISSION_FILES
from sxcheck.models import DocumentInfo, IngestedDocument

MANIFEST = "submission.yaml"
OWN_RULES = "rules"  # a folder beside submission.yaml with the submission's own T. items
# Beside the declaration, these describe a bundled or test sample (what it shows, what an
# auditor concludes): they are notes about the submission, never evidence in it.
SAMPLE_NOTES = ("README.md", "expected.yaml")
DECLARATIONS = (MANIFEST, FORM)
LOOKALIKES = (MANIFEST, FORM, "submission.yml")  # compared in lower case
HARD_LINK_NOTE = "hard link: this file has {} other {} on the disk, maybe outside the submission"
NOT_UTF8_NOTE = "file name is not valid UTF-8: its undecodable bytes are shown as \\xNN"
LISTING_NOTES = ("hard link:", "file name is not valid UTF-8")  # notes of a name, not of content


def _ignored(name: str) -> bool:
    return name.startswith(".") or name == "__MACOSX"


def _declarations(folder: Path) -> list[str]:
    """Names in `folder` that are, or look like (another case, .yml), a declaration."""
    try:
        with os.scandir(folder) as entries:
            return sorted(e.name for e in entries if e.name.lower() in LOOKALIKES)
    except OSError:
        return []


def _sub_folders(folder: Path) -> list[Path]:
    """Real (not symlinked) top folders, hidden ones and __MACOSX left out."""
    try:
        with os.scandir(folder) as entries:
            return sorted(
                Path(e.path)
                for e in entries
                if not _ignored(e.name) and e.is_dir(follow_symlinks=False)
            )
    except OSError:
        return []


def _declaration_in(folder: Path, prefix: str = "") -> str | None:
    """The one declaration of `folder`, or None; two are refused, and so is one that
    is a symbolic link or not a regular file (it would be read from elsewhere)."""
    names = _declarations(folder)
    if len(names) > 1:
        both = " 和 ".join(f"{prefix}{printable(n)}" for n in names)
        raise SubmissionError(f"有两份申报文件：{both}（只保留一份）")
    if not names:
        return None
    name = names[0]
    if name not in DECLARATIONS:
        raise SubmissionError(f"{prefix}{printable(name)}: 申报文件应命名为 {MANIFEST} 或 {FORM}")
    mode = (folder / name).lstat().st_mode
    if stat.S_ISLNK(mode):
        raise SubmissionError(f"{prefix}{name}: 是符号链接，未读取（请提交文件本身）")
    if not stat.S_ISREG(mode):
        raise SubmissionError(f"{prefix}{name}: 不是普通文件，未读取")
    return name


def find_root(folder: Path, shown: Path | None = None) -> Path:
    """The folder holding the declaration: the top, or a single top-level sub-folder of a zip.

    A declaration at the top and another in a top folder is refused: which one
    the submitter meant cannot be told.
    """
    label = shown or folder
    top = _declaration_in(folder)
    children = [c for c in folder.iterdir() if not _ignored(c.name)]
    subs = _sub_folders(folder)
    if top is not None:
        for sub in subs:
            for inner in _declarations(sub):
                where = printable(f"{sub.name}/{inner}")
                raise SubmissionError(f"有两份申报文件：{top} 和 {where}（只保留一份）")
        return folder
    only = subs[0] if len(children) == 1 and subs == children else None
    if only is not None and _declaration_in(only, prefix=f"{printable(only.name)}/") is not None:
        return only
    raise SubmissionError(f"{label}: 未找到申报文件 submission.yaml（或 submission.xlsx）")


def declaration(root: Path) -> Path:
    """The declaration `find_root` found in `root`."""
    return root / MANIFEST if (root / MANIFEST).is_file() else root / FORM


@dataclass
class Listing:
    """What the submission holds: files to read, and files refused at listing time."""

    files: list[tuple[Path, str]] = field(default_factory=list)  # (path, relative posix)
    refused: list[tuple[str, str]] = field(default_factory=list)  # (relative posix, reason)
    notes: dict[str, list[str]] = field(default_factory=dict)  # relative posix -> notes

    def count(self) -> int:
        return len(self.files) + len(self.refused)


def _refusal(mode: int, path: Path, root: Path) -> str | None:
    """Why a non-regular entry is not read (None for a regular file)."""
    if stat.S_ISLNK(mode):
        try:
            inside = path.resolve().is_relative_to(root.resolve())
        except (OSError, RuntimeError):  # a loop of links
            inside = False
        where = "to a file in the submission" if inside else "pointing outside the submission"
        return f"symbolic link {where}: not followed (submit the file itself)"
    if stat.S_ISFIFO(mode):
        return "named pipe (FIFO): not a file, not read"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "device file: not a file, not read"
    if stat.S_ISSOCK(mode):
        return "socket: not a file, not read"
    if not stat.S_ISREG(mode):
        return "not a regular file, not read"
    return None


def _posix(parts: tuple[str, ...]) -> tuple[str, list[str]]:
    """The relative name reports show, and a note when the name is not UTF-8."""
    rel = "/".join(parts)
    safe = rel.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
    if safe == rel:
        return rel, []
    return safe, [NOT_UTF8_NOTE]


def _evidence(parts: tuple[str, ...], name: str) -> bool:
    """Whether a file at `parts` is evidence (not the declaration, notes or own rules)."""
    if len(parts) == 1 and (Path(name).stem == "submission" or name in SAMPLE_NOTES):
        return False
    return not (len(parts) > 1 and parts[0] == OWN_RULES and Path(name).suffix in (".yaml", ".yml"))


def list_evidence(root: Path, label: Path | str | None = None) -> Listing:
    """Every evidence file under `root`, in path order, each regular file to be read
    and everything else refused with a reason; more than MAX_SUBMISSION_FILES, or
    folders deeper than MAX_PATH_DEPTH, refuse the submission."""
    label = label or root
    found: list[tuple[tuple[str, ...], Path, str | None, int]] = []
    pending: list[tuple[Path, tuple[str, ...]]] = [(root, ())]
    while pending:
        folder, prefix = pending.pop()
        if len(prefix) > MAX_PATH_DEPTH:
            raise SubmissionError(
                f"{label}: folder '{printable('/'.join(prefix))}' is {len(prefix)} levels deep"
                f" (limit {MAX_PATH_DEPTH})"
            )
        try:
            with os.scandir(folder) as scan:
                entries = list(scan)
        except OSError as exc:
            found.append((prefix, folder, f"cannot list this folder: {exc.strerror}", 1))
            continue
        for entry in entries:
            if _ignored(entry.name):
                continue
            parts = (*prefix, entry.name)
            path = Path(entry.path)
            try:
                info = entry.stat(follow_symlinks=False)
            except OSError as exc:
                found.append((parts, path, f"cannot read: {exc.strerror}", 1))
                continue
            if stat.S_ISDIR(info.st_mode):
                pending.append((path, parts))
                continue
            if not _evidence(parts, entry.name):
                continue
            found.append((parts, path, _refusal(info.st_mode, path, root), info.st_nlink))
            if len(found) > MAX_SUBMISSION_FILES:
                raise SubmissionError(
                    f"{label}: more than {MAX_SUBMISSION_FILES} files"
                    f" (limit {MAX_SUBMISSION_FILES})"
                )
    listing = Listing()
    for parts, path, refused, links in sorted(found, key=lambda f: f[0]):
        rel, notes = _posix(parts)
        if refused is not None:
            listing.refused.append((rel, refused))
        else:
            listing.files.append((path, rel))
        if refused is None and links > 1:
            others = "name" if links == 2 else "names"
            notes.append(HARD_LINK_NOTE.format(links - 1, others))
        if notes:
            listing.notes[rel] = notes
    return listing


def evidence_files(root: Path) -> list[tuple[Path, str]]:
    """The files to read (see `list_evidence` for what is refused and why)."""
    return list_evidence(root).files


def with_listing(
    documents: list[IngestedDocument], refused: list[tuple[str, str]], notes: dict[str, list[str]]
) -> list[IngestedDocument]:
    """The documents read plus those refused at listing time (`skipped`, with why),
    in path order, each with its listing notes (hard link, name not UTF-8) first."""
    listed = [
        IngestedDocument(
            info=DocumentInfo(
                path=rel,
                sha256="",
                size=0,
                kind="unknown",
                status="skipped",
                error=why,
                read_by="none",
            )
        )
        for rel, why in refused
    ]
    for doc in documents:  # a read taken from the store may carry another name's notes
        kept = [n for n in doc.info.notes if not n.startswith(LISTING_NOTES)]
        doc.info.notes = [*notes.get(doc.info.path, []), *kept]
    return sorted([*documents, *listed], key=lambda d: PurePosixPath(d.info.path))
