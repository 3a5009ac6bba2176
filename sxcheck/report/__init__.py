"""Report: render a Report to files (format by extension) and to the terminal."""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Callable, Collection, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

from sxcheck.errors import SxcheckError

if TYPE_CHECKING:  # pydantic and the models are not needed to write a file
    from sxcheck.models import Report


def to_json(report: Report) -> str:
    return json.dumps(report.model_dump(mode="json"), ensure_ascii=False, indent=2)


def write_atomically(path: Path, data: str | bytes) -> None:
    """Write via a temporary file and rename, so a report is never half written."""
    try:
        _replace(path, data)
    except OSError as exc:
        raise SxcheckError(f"{path}: cannot write ({exc.strerror})") from None


def _replace(path: Path, data: str | bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data.encode("utf-8") if isinstance(data, str) else data)
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(temp, 0o666 & ~umask)  # mkstemp creates 0600; a report is an ordinary file
        os.replace(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise


def _renderers() -> dict[str, Callable[[Report], str | bytes]]:
    """Renderers by file extension (imported lazily: python-docx and jinja2 are not free)."""
    from sxcheck.report.docx_report import to_docx
    from sxcheck.report.html import to_html
    from sxcheck.report.markdown import to_markdown
    from sxcheck.report.xlsx_report import to_xlsx

    return {
        ".json": to_json,
        ".md": to_markdown,
        ".html": to_html,
        ".docx": to_docx,
        ".xlsx": to_xlsx,
    }


FORMATS = (".json", ".md", ".html", ".docx", ".xlsx")


def require_format(path: Path, formats: Collection[str], what: str = "report") -> str:
    """The file's format by its extension, or the one-line error naming those available."""
    suffix = path.suffix.lower()
    if suffix not in formats:
        raise SxcheckError(
            f"{path}: unsupported {what} format '{path.suffix}' (available: {', '.join(formats)})"
        )
    return suffix


R = TypeVar("R")


def renderer_for(path: Path, renderers: Mapping[str, R], what: str) -> R:
    """The renderer for a file's extension (reports, diffs, comparisons alike)."""
    return renderers[require_format(path, renderers, what)]


def check_format(path: Path) -> None:
    """Refuse an unknown report format before any work is done."""
    require_format(path, FORMATS)


def write_report(report: Report, path: Path) -> None:
    write_atomically(path, renderer_for(path, _renderers(), "report")(report))
