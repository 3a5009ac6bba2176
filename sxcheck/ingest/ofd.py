"""OFD (GB/T 33190): text with page numbers in reading order, and whether it is signed.

An OFD is a zip of XML: OFD.xml -> DocBody/DocRoot -> Document.xml -> Pages ->
Page_N/Content.xml, whose TextObjects place TextCode runs at positions in
millimetres. The runs of a page are sorted into lines (by baseline, then by
x), lines are joined into paragraphs as the PDF reader does, and each
paragraph becomes a TextUnit with its page, so a quote from an OFD names its
page like one from a PDF.

This is a small reader of its own, not easyofd (the maintained PyPI package):
easyofd renders OFD to PDF/images, so it pulls in PyMuPDF, reportlab,
fontTools and loguru; it writes the package into the working directory and
unpacks it there, reads every XML part with xmltodict without size bounds,
and returns text without the positions reading order needs. What sxcheck
needs is only the text layer and the signature list, which is zip + XML.

Defences: sniff (run first) has refused zip bombs, more than MAX_OFD_PARTS
members, damaged or encrypted members and any part that declares a DOCTYPE or
ENTITY; the parser here loads no DTD, resolves no entity and reads nothing
from the network. A part path is resolved inside the zip only (`..` that
would leave the package is refused; nothing is ever written to disk), and
pages and text runs are bounded (MAX_OFD_PAGES, MAX_OFD_TEXT_CODES).

Signatures (Signs/Signatures.xml) and seal annotations (Annots, Type="Stamp")
are counted and reported, never verified: sxcheck does not check the
cryptography of an electronic seal.
"""

from __future__ import annotations

import io
import math
import posixpath
import re
import zipfile
import zlib
from dataclasses import dataclass, field

from lxml import etree

from sxcheck.errors import DocumentError
from sxcheck.ingest.layout import split_paragraphs
from sxcheck.ingest.sniff import unreadable
from sxcheck.limits import MAX_OFD_PAGES, MAX_OFD_TEXT_CODES
from sxcheck.models import TextUnit

_PARSER = etree.XMLParser(
    resolve_entities=False, load_dtd=False, no_network=True, huge_tree=False, remove_pis=True
)
DEFAULT_SIZE_MM = 3.5  # a TextObject without Size: about 10 pt
MAX_COORDINATE = 1e6  # mm; beyond this a number is nonsense and the object is left out
LINE_TOLERANCE = 0.4  # of the font size: runs whose baselines differ less share a line
WORD_GAP = 0.3  # of the font size: a wider gap between two Latin runs is a space
PARAGRAPH_GAP = 1.8  # of the usual line pitch: a wider gap between lines is a blank line
_LATIN = re.compile(r"[A-Za-z0-9]")
_SIGNATURE_PART = re.compile(r"(?:^|/)Sign_\d+/Signature\.xml$", re.IGNORECASE)


@dataclass
class OfdRead:
    """What the reader hands parse_document."""

    pages: int
    units: list[TextUnit]
    notes: list[str]
    signatures: bool


@dataclass
class _Run:
    """One TextCode placed on its page (baseline origin, font size, width, all in mm)."""

    x: float
    y: float
    size: float
    width: float
    text: str


@dataclass
class _Counts:
    text_codes: int = 0
    signatures: int = 0
    stamps: int = 0
    no_text: list[int] = field(default_factory=list)
    missing: list[int] = field(default_factory=list)


class _Package:
    """The zip's members by name; part paths (ST_Loc) resolved inside it only."""

    def __init__(self, archive: zipfile.ZipFile) -> None:
        self.archive = archive
        self.members = {i.filename: i for i in archive.infolist() if not i.is_dir()}
        self.folded = {name.lower(): name for name in self.members}
        self.parsed: dict[str, etree._Element] = {}

    def resolve(self, loc: str | None, base: str) -> str | None:
        """The member a path names, relative to folder `base` (or the root when it
        starts with "/"); None when there is no such member.

        Writers differ on what a relative path is relative to, so the folder of
        the referring part is tried first, then the package root.
        """
        loc = (loc or "").strip().replace("\\", "/")
        if not loc:
            return None
        bases = [""] if loc.startswith("/") else [base, ""]
        for folder in bases:
            name = _inside(folder, loc)
            found = self.members.get(name) or self.members.get(self.folded.get(name.lower(), ""))
            if found is not None:
                return found.filename
        return None

    def xml(self, name: str) -> etree._Element:
        if name not in self.parsed:
            with self.archive.open(self.members[name]) as part:
                self.parsed[name] = etree.fromstring(part.read(), _PARSER)
        return self.parsed[name]


def _inside(folder: str, loc: str) -> str:
    """Join and normalise a path; refuse one that climbs out of the package."""
    parts: list[str] = []
    for piece in f"{folder}/{loc.lstrip('/')}".split("/"):
        if piece in ("", "."):
            continue
        if piece == "..":
            if not parts:
                raise DocumentError("refused: a part path in the OFD leaves the package (..)")
            parts.pop()
        else:
            parts.append(piece)
    return "/".join(parts)


def _numbers(value: str | None, count: int) -> list[float] | None:
    """`count` finite, bounded numbers from an attribute such as Boundary="x y w h"."""
    if value is None:
        return None
    try:
        numbers = [float(token) for token in value.split()[:count]]
    except ValueError:
        return None
    if len(numbers) != count or not all(
        math.isfinite(n) and abs(n) < MAX_COORDINATE for n in numbers
    ):
        return None
    return numbers


def _number(value: str | None, default: float) -> float:
    numbers = _numbers(value, 1)
    return numbers[0] if numbers else default


def _advance(delta: str | None, text: str, size: float) -> float:
    """How far a run reaches: its DeltaX advances ("g 3 3.5" repeats 3.5 three
    times) plus the last glyph, or an estimate from the characters."""
    estimate = sum(size * (0.5 if ord(ch) < 0x2E80 else 1.0) for ch in text)
    if not delta:
        return estimate
    tokens, total, index = delta.split(), 0.0, 0
    try:
        while index < len(tokens):
            if tokens[index] == "g" and index + 2 < len(tokens):
                total += min(int(tokens[index + 1]), len(text)) * float(tokens[index + 2])
                index += 3
            else:
                total += float(tokens[index])
                index += 1
    except ValueError:
        return estimate
    reach = total + size
    return reach if math.isfinite(reach) and abs(reach) < MAX_COORDINATE else estimate


def _runs(content: etree._Element, counts: _Counts) -> list[_Run]:
    """Every TextCode of a page (or template) with its place on the page."""
    runs: list[_Run] = []
    for obj in content.iter("{*}TextObject"):
        box = _numbers(obj.get("Boundary"), 4)
        if box is None:
            continue
        a, b, c, d, e, f = _numbers(obj.get("CTM"), 6) or [1.0, 0.0, 0.0, 1.0, 0.0, 0.0]
        size = abs(_number(obj.get("Size"), DEFAULT_SIZE_MM)) or DEFAULT_SIZE_MM
        scale = math.hypot(c, d) or 1.0
        x = y = 0.0
        for code in obj.iterfind("{*}TextCode"):
            counts.text_codes += 1
            if counts.text_codes > MAX_OFD_TEXT_CODES:
                raise DocumentError(f"refused: more than {MAX_OFD_TEXT_CODES} text runs in the OFD")
            x, y = _number(code.get("X"), x), _number(code.get("Y"), y)
            text = "".join(code.itertext())
            if not text.strip():
                continue
            runs.append(
                _Run(
                    x=box[0] + a * x + c * y + e,
                    y=box[1] + b * x + d * y + f,
                    size=size * scale,
                    width=_advance(code.get("DeltaX"), text, size) * (math.hypot(a, b) or 1.0),
                    text=text,
                )
            )
    return runs


def _join_line(runs: list[_Run]) -> str:
    """The runs of one line left to right; a space only in a gap between Latin words."""
    out, reach = "", -math.inf
    for run in sorted(runs, key=lambda r: r.x):
        gap = run.x - reach
        if (
            out
            and gap > WORD_GAP * run.size
            and _LATIN.match(out[-1])
            and _LATIN.match(run.text[0])
        ):
            out += " "
        out += run.text
        reach = max(reach, run.x + run.width)
    return out


def _lines(runs: list[_Run]) -> list[str]:
    """Runs grouped into lines by baseline (top to bottom); a blank line where the
    gap between two lines is much wider than the page's usual line pitch."""
    groups: list[tuple[float, list[_Run]]] = []
    for run in sorted(runs, key=lambda r: (r.y, r.x)):
        if groups and run.y - groups[-1][0] <= LINE_TOLERANCE * max(
            run.size, groups[-1][1][0].size
        ):
            groups[-1][1].append(run)
        else:
            groups.append((run.y, [run]))
    pitches = [later[0] - earlier[0] for earlier, later in zip(groups, groups[1:], strict=False)]
    # the lower quartile: on a short page the wide gaps would pull a median up
    usual = sorted(pitches)[len(pitches) // 4] if pitches else 0.0
    lines: list[str] = []
    for index, (baseline, group) in enumerate(groups):
        if index and usual > 0 and baseline - groups[index - 1][0] > PARAGRAPH_GAP * usual:
            lines.append("")
        lines.append(_join_line(group))
    return lines


def _page_runs(
    package: _Package, content_name: str, templates: dict[str, str], counts: _Counts
) -> tuple[list[_Run], bool]:
    """The runs of a page and of the templates it uses; and whether it draws images."""
    content = package.xml(content_name)
    runs = _runs(content, counts)
    images = next(content.iter("{*}ImageObject"), None) is not None
    for use in content.iterfind("{*}Template"):
        template = templates.get(use.get("TemplateID") or "")
        if template is not None:
            runs.extend(_runs(package.xml(template), counts))
    return runs, images


def _count_signatures(package: _Package, body: etree._Element, counts: _Counts) -> None:
    name = package.resolve(body.findtext("{*}Signatures"), "")
    if name is not None:
        counts.signatures += sum(1 for _ in package.xml(name).iter("{*}Signature"))


def _count_stamps(package: _Package, document: etree._Element, base: str, counts: _Counts) -> None:
    """Seal annotations (Annot Type="Stamp") in the document's annotation files."""
    listing = package.resolve(document.findtext("{*}Annotations"), base)
    if listing is None:
        return
    folder = posixpath.dirname(listing)
    for page in package.xml(listing).iter("{*}Page"):
        name = package.resolve(page.findtext("{*}FileLoc"), folder)
        if name is not None:
            annots = package.xml(name).iter("{*}Annot")
            counts.stamps += sum(1 for a in annots if (a.get("Type") or "") == "Stamp")


def _read(package: _Package, rel: str, sha: str) -> OfdRead:
    if "OFD.xml" not in package.members:
        raise DocumentError("not an OFD file: no OFD.xml at its root")
    bodies = package.xml("OFD.xml").findall("{*}DocBody")
    counts = _Counts()
    units: list[TextUnit] = []
    page_number = 0
    for body in bodies:
        document_name = package.resolve(body.findtext("{*}DocRoot"), "")
        if document_name is None:
            raise DocumentError("unreadable OFD: the document (DocRoot) it names is missing")
        document = package.xml(document_name)
        base = posixpath.dirname(document_name)
        templates = {
            tpl.get("ID") or "": name
            for tpl in document.iterfind("{*}CommonData/{*}TemplatePage")
            if (name := package.resolve(tpl.get("BaseLoc"), base)) is not None
        }
        for page in document.iterfind("{*}Pages/{*}Page"):
            page_number += 1
            if page_number > MAX_OFD_PAGES:
                raise DocumentError(f"refused: more than {MAX_OFD_PAGES} pages in the OFD")
            content_name = package.resolve(page.get("BaseLoc"), base)
            if content_name is None:
                counts.missing.append(page_number)
                continue
            runs, images = _page_runs(package, content_name, templates, counts)
            if not runs:
                if images:
                    counts.no_text.append(page_number)
                continue
            for number, paragraph in enumerate(split_paragraphs(_lines(runs)), start=1):
                units.append(
                    TextUnit(
                        document=rel,
                        sha256=sha,
                        page=page_number,
                        location=f"paragraph {number}",
                        text=paragraph,
                    )
                )
        _count_signatures(package, body, counts)
        _count_stamps(package, document, base, counts)
    if not bodies:
        raise DocumentError("unreadable OFD: OFD.xml names no document (DocBody)")
    if not counts.signatures:  # a writer that left Signatures out of DocBody
        counts.signatures = sum(1 for name in package.members if _SIGNATURE_PART.search(name))
    notes = _notes(counts) + ([] if page_number else ["no pages in the OFD: nothing read"])
    return OfdRead(page_number, units, notes, bool(counts.signatures or counts.stamps))


def _pages(numbers: list[int]) -> str:
    return ", ".join(str(p) for p in numbers[:10]) + (" ..." if len(numbers) > 10 else "")


def _notes(counts: _Counts) -> list[str]:
    notes: list[str] = []
    if counts.signatures:
        notes.append(f"OFD 电子签章: {counts.signatures} 个（未验证签名）")
    if counts.stamps:
        notes.append(f"OFD 印章批注: {counts.stamps} 个（未验证）")
    if counts.missing:
        notes.append(f"page(s) {_pages(counts.missing)}: content part missing, not read")
    if counts.no_text:
        notes.append(
            f"no text layer on page(s) {_pages(counts.no_text)} (page images only): "
            "scanned, needs OCR (not done for OFD pages yet)"
        )
    return notes


def read_ofd(data: bytes, rel: str, sha: str) -> OfdRead:
    """Read an OFD sniff has accepted; every failure is a one-line DocumentError."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            return _read(_Package(archive), rel, sha)
    except (etree.XMLSyntaxError, KeyError, zipfile.BadZipFile, zlib.error, EOFError) as exc:
        raise unreadable("ofd", exc) from None
