"""Build OFD files (GB/T 33190) from their XML, laid out the way an OFD writer does.

A page is a list of `Text` runs, each one TextObject with a Boundary in mm and
one TextCode (baseline Y inside the box, DeltaX advances). `layout` wraps
paragraphs into full lines of a fixed width and paginates them, so wrapped
sentences span several visual lines as in a real 公文. `ofd_parts` returns
the package's parts by name (tests may change or add parts), `pack` zips them.
"""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass
from pathlib import Path
from xml.sax.saxutils import escape

NS = "http://www.ofdspec.org/2016"
HEAD = '<?xml version="1.0" encoding="UTF-8"?>\n'
SIZE = 4.2  # mm, about 12 pt


@dataclass
class Text:
    """A run of text whose box's top-left corner is at (x, y) mm from the page's top-left."""

    x: float
    y: float
    text: str
    size: float = SIZE


def layout(
    paragraphs: list[str],
    chars_per_line: int = 28,
    lines_per_page: int = 22,
    left: float = 25.0,
    top: float = 35.0,
    pitch: float = 9.0,
) -> list[list[Text]]:
    """Paragraphs wrapped into lines of `chars_per_line` characters (the first
    indented by two), one run a line, paginated. A paragraph starting with "#"
    is a title: centred, a blank line's space after it (the marker dropped)."""
    pages: list[list[Text]] = [[]]
    line = 0

    def place(text: str, indent: float) -> None:
        nonlocal line
        if line >= lines_per_page:
            pages.append([])
            line = 0
        pages[-1].append(Text(left + indent * SIZE, top + line * pitch, text))
        line += 1

    for paragraph in paragraphs:
        text = paragraph.lstrip("#")
        if paragraph.startswith("#"):
            place(text, max(0, (chars_per_line - len(text)) / 2))
            line += 1
            continue
        first = chars_per_line - 2
        place(text[:first], 2)
        rest = text[first:]
        while rest:
            place(rest[:chars_per_line], 0)
            rest = rest[chars_per_line:]
    return pages


def _text_object(number: int, run: Text) -> str:
    width = run.size * len(run.text)
    delta = f' DeltaX="g {len(run.text) - 1} {run.size:g}"' if len(run.text) > 1 else ""
    return (
        f'<ofd:TextObject ID="{number}" Boundary="{run.x:g} {run.y:g} {width:g} {run.size * 1.2:g}"'
        f' Font="2" Size="{run.size:g}"><ofd:FillColor Value="0 0 0"/>'
        f'<ofd:TextCode X="0" Y="{run.size:g}"{delta}>{escape(run.text)}</ofd:TextCode>'
        "</ofd:TextObject>"
    )


def page_xml(runs: list[Text], first_id: int = 1) -> str:
    """A page's Content.xml with its runs in the order given (not necessarily reading order)."""
    objects = "".join(_text_object(first_id + i, run) for i, run in enumerate(runs))
    return (
        f'{HEAD}<ofd:Page xmlns:ofd="{NS}"><ofd:Content><ofd:Layer ID="{first_id - 1}">'
        f"{objects}</ofd:Layer></ofd:Content></ofd:Page>"
    )


def _signature(k: int) -> str:
    folder = f"/Doc_0/Signs/Sign_{k}"
    return (
        f'{HEAD}<ofd:Signature xmlns:ofd="{NS}"><ofd:SignedInfo>'
        '<ofd:Provider ProviderName="测试签章服务" Version="1.0"/>'
        "<ofd:SignatureMethod>1.2.156.10197.1.501</ofd:SignatureMethod>"
        '<ofd:References CheckMethod="1.2.156.10197.1.401">'
        '<ofd:Reference FileRef="/Doc_0/Document.xml"><ofd:CheckValue>'
        "q83vASNFZ4mrze8BI0VniQ==</ofd:CheckValue></ofd:Reference></ofd:References>"
        f'<ofd:StampAnnot ID="{k + 1}" PageRef="1000" Boundary="120 200 40 40"/>'
        f"<ofd:Seal><ofd:BaseLoc>{folder}/Seal.esl</ofd:BaseLoc></ofd:Seal>"
        f"</ofd:SignedInfo><ofd:SignedValue>{folder}/SignedValue.dat</ofd:SignedValue>"
        "</ofd:Signature>"
    )


def ofd_parts(
    pages: list[list[Text]],
    signatures: int = 0,
    doc_root: str = "Doc_0/Document.xml",
    title: str = "",
) -> dict[str, bytes]:
    """The parts of an OFD package, with `signatures` electronic seals (Signs/Sign_N)."""
    parts: dict[str, str | bytes] = {}
    signs = "<ofd:Signatures>Doc_0/Signs/Signatures.xml</ofd:Signatures>" if signatures else ""
    parts["OFD.xml"] = (
        f'{HEAD}<ofd:OFD xmlns:ofd="{NS}" Version="1.1" DocType="OFD"><ofd:DocBody>'
        f"<ofd:DocInfo><ofd:DocID>6f1e0c2a9b7d4e11a3c5</ofd:DocID><ofd:Title>{escape(title)}"
        "</ofd:Title><ofd:Creator>sxcheck tests</ofd:Creator></ofd:DocInfo>"
        f"<ofd:DocRoot>{doc_root}</ofd:DocRoot>{signs}</ofd:DocBody></ofd:OFD>"
    )
    listing = "".join(
        f'<ofd:Page ID="{1000 * (n + 1)}" BaseLoc="Pages/Page_{n}/Content.xml"/>'
        for n in range(len(pages))
    )
    parts["Doc_0/Document.xml"] = (
        f'{HEAD}<ofd:Document xmlns:ofd="{NS}"><ofd:CommonData><ofd:MaxUnitID>99999'
        "</ofd:MaxUnitID><ofd:PageArea><ofd:PhysicalBox>0 0 210 297</ofd:PhysicalBox>"
        "</ofd:PageArea><ofd:PublicRes>PublicRes.xml</ofd:PublicRes></ofd:CommonData>"
        f"<ofd:Pages>{listing}</ofd:Pages></ofd:Document>"
    )
    parts["Doc_0/PublicRes.xml"] = (
        f'{HEAD}<ofd:Res xmlns:ofd="{NS}" BaseLoc="Res"><ofd:Fonts>'
        '<ofd:Font ID="2" FontName="宋体" FamilyName="宋体"/></ofd:Fonts></ofd:Res>'
    )
    for n, runs in enumerate(pages):
        parts[f"Doc_0/Pages/Page_{n}/Content.xml"] = page_xml(runs, 1000 * (n + 1) + 1)
    if signatures:
        entries = "".join(
            f'<ofd:Signature ID="{k + 1}" Type="Seal" BaseLoc="/Doc_0/Signs/Sign_{k}/Signature.xml"/>'
            for k in range(signatures)
        )
        parts["Doc_0/Signs/Signatures.xml"] = (
            f'{HEAD}<ofd:Signatures xmlns:ofd="{NS}"><ofd:MaxSignId>{signatures}</ofd:MaxSignId>'
            f"{entries}</ofd:Signatures>"
        )
        for k in range(signatures):
            folder = f"Doc_0/Signs/Sign_{k}"
            parts[f"{folder}/Signature.xml"] = _signature(k)
            parts[f"{folder}/SignedValue.dat"] = bytes(range(256)) * 2
            parts[f"{folder}/Seal.esl"] = b"0\x82\x01\x00" + bytes(range(200))
    return {name: (v.encode() if isinstance(v, str) else v) for name, v in parts.items()}


def pack(parts: dict[str, bytes]) -> bytes:
    """The parts zipped (deflated) in the order given, as an OFD writer does."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in parts.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def write_ofd(path: Path, pages: list[list[Text]], signatures: int = 0, title: str = "") -> Path:
    """An OFD file of these pages (and seals)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(pack(ofd_parts(pages, signatures=signatures, title=title)))
    return path
