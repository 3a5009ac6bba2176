"""Text from a submission made safe for each place it is shown.

Region names, file names, quotes and 特色性指标 names come from whoever sent
the package. Shown raw they can run script in the reviewer's browser (HTML),
run a formula in Excel (XLSX), clear or retitle the auditor's terminal
(ESC/OSC sequences), or make lxml/openpyxl refuse to write the report at all
(NUL and other characters XML forbids). Every renderer passes such text
through here; the JSON report alone keeps it exactly (JSON escapes it).

Control characters are replaced by their visible escape (``\\x1b``), not
dropped, so a reviewer sees that a file name carried one.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from enum import Enum
from typing import Any, TypeVar

from pydantic import BaseModel

# C0 controls except tab/newline/carriage return, DEL, C1 controls (0x9b is a
# one-byte CSI, 0x9d an OSC on some terminals), the non-characters XML forbids,
# lone surrogates, and the bidirectional overrides that make a name read
# backwards ("Trojan source": `txt.exe` shown as `exe.txt`).
_UNSAFE = re.compile(
    "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ufffe\uffff\ud800-\udfff\u202a-\u202e\u2066-\u2069]"
)
# On a terminal, line breaks and tabs inside a name or quote also mislead
# (a fake second line); they become spaces there.
_BREAKS = str.maketrans({"\t": " ", "\n": " ", "\r": " "})


def _visible(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def clean(text: str) -> str:
    """Text with every control character XML forbids or a terminal acts on made visible."""
    return _UNSAFE.sub(_visible, text)


def terminal(text: str) -> str:
    """One line for the terminal: controls visible, line breaks and tabs as spaces.

    Rich markup is escaped by the caller (rich.markup.escape) or printed with
    markup off; this only removes what the terminal itself would interpret.
    """
    return clean(text).translate(_BREAKS)


_MD_SPECIAL = re.compile(r"([\\`*_\[\]#~])")


def markdown(text: str, cell: bool = False) -> str:
    """Text inside Markdown: no raw HTML, no emphasis, links or code spans from the submitter.

    In a table cell a `|` would end the cell and a line break the row; the
    full-width bar keeps the text readable.
    """
    out = html.escape(clean(text), quote=False)
    out = _MD_SPECIAL.sub(r"\\\1", out)
    if cell:
        out = out.replace("|", "｜").replace("\r", " ").replace("\n", " ")
    return out


def html_templates() -> Any:
    """The Jinja environment for every HTML output: autoescaped whatever the file's suffix.

    `select_autoescape()` matches `.html` but not `.html.j2`, which left the
    batch comparison and the diff unescaped; autoescape is now unconditional.
    """
    from jinja2 import Environment, PackageLoader

    return Environment(loader=PackageLoader("sxcheck.report", "templates"), autoescape=True)


M = TypeVar("M")


def _clean_any(value: Any, fix: Callable[[str], str]) -> Any:
    if isinstance(value, Enum):
        return value
    if isinstance(value, str):
        return fix(value)
    if isinstance(value, BaseModel):
        return value.model_copy(
            update={
                name: _clean_any(getattr(value, name), fix) for name in type(value).model_fields
            }
        )
    if isinstance(value, list):
        return [_clean_any(v, fix) for v in value]
    if isinstance(value, tuple):
        return tuple(_clean_any(v, fix) for v in value)
    if isinstance(value, dict):
        return {_clean_any(k, fix): _clean_any(v, fix) for k, v in value.items()}
    return value


def cleaned(model: M, fix: Callable[[str], str] = clean) -> M:
    """A copy of a report (or diff, or comparison) with every string passed through `fix`.

    Done once on the whole model, before rendering, so no renderer can forget a
    field; copied without validation, since a made-visible name may be longer
    than the limit the original passed.
    """
    result: M = _clean_any(model, fix)
    return result


def text_cells(sheet: Any) -> None:
    """Every string cell of a worksheet stored as text, never as a formula.

    openpyxl turns any string that starts with `=` into a formula, so a region
    named `=HYPERLINK(...)` would run in the reviewer's Excel. The shown text
    stays exactly what was written (no `'` prefix).
    """
    for row in sheet.iter_rows():
        for cell in row:
            if isinstance(cell.value, str):
                cell.data_type = "s"
