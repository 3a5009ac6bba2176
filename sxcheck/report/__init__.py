"""Report: render a Report to files (format by extension) and to the terminal."""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

from sxcheck.errors import SxcheckError
from sxcheck.models import Report


def to_json(report: Report) -> str:
    return json.dumps(report.model_dump(mode="json"), ensure_ascii=False, indent=2)


def _atomic_write(path: Path, data: str) -> None:
    """Write via a temporary file and rename, so a report is never half written."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(data)
        os.replace(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise


RENDERERS = {".json": to_json}


def write_report(report: Report, path: Path) -> None:
    renderer = RENDERERS.get(path.suffix.lower())
    if renderer is None:
        known = ", ".join(sorted(RENDERERS))
        raise SxcheckError(
            f"{path}: unsupported report format '{path.suffix}' (available: {known})"
        )
    try:
        _atomic_write(path, renderer(report))
    except OSError as exc:
        raise SxcheckError(f"{path}: cannot write report ({exc.strerror})") from None
