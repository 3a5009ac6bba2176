"""Old Office and WPS files (.doc .wps .xls .et .ppt .dps): converted by LibreOffice, then read.

Offices write their notices in WPS or old Word/Excel/PowerPoint; sxcheck's
readers know only OOXML and PDF. So the file is converted by LibreOffice
headless (Word/WPS text -> DOCX, Excel/WPS sheets -> XLSX, presentations ->
PDF) and the converted bytes are read by the existing readers under the
ORIGINAL file's name and sha256: the evidence names what the city submitted.

This runs in the isolated parser child, so soffice inherits its memory cap
(RLIMIT_AS is absolute: a fresh soffice gets all of it, more than the child's
margin above its baseline; it needs ~500 MiB, CONVERT_MEMORY_MB is the floor
checked before it starts). Each conversion gets its own work folder (under
`sxcheck-work-<uid>`, removed afterwards, or by the next run when the child
was killed), its own LibreOffice profile (concurrent runs and batch workers
never share one: a shared profile is locked by the first soffice and the
others fail), its own process group killed at CONVERT_SECONDS, a CPU-time
limit and a parent-death signal (a parser child killed by the parent's own,
shorter limit takes the launcher with it; soffice.bin then finishes or hits
its CPU limit, and the next run removes the folder), no network (a network
namespace where `unshare` allows one; macros off and links never updated in
the profile in any case).

Before any soffice starts, the OLE compound file is opened with olefile: its
streams tell a Word document from a workbook or a presentation (a .doc that is
really an Excel file gets a clear reason instead of a LibreOffice failure),
and a password-protected file is named as such, without a conversion that
could only fail.
"""

from __future__ import annotations

import contextlib
import ctypes
import functools
import io
import math
import os
import re
import resource
import shutil
import signal
import struct
import subprocess
from pathlib import Path

import olefile

from sxcheck.errors import DocumentError, SxcheckError
from sxcheck.ingest.archive import work_folder
from sxcheck.ingest.docx_reader import read_docx
from sxcheck.ingest.pdf import read_pdf
from sxcheck.ingest.sniff import sniff
from sxcheck.ingest.xlsx import read_xlsx
from sxcheck.limits import CONVERT_MEMORY_MB, CONVERT_SECONDS, MAX_FILE_BYTES, MiB
from sxcheck.models import TextUnit

# kind (the original extension) -> LibreOffice application it belongs to
LEGACY_KINDS = {
    "doc": "writer",
    "wps": "writer",
    "xls": "calc",
    "et": "calc",
    "ppt": "impress",
    "dps": "impress",
}
# application -> (extension, export filter) of what it is converted to
_TARGETS = {
    "writer": ("docx", "MS Word 2007 XML"),
    "calc": ("xlsx", "Calc MS Excel 2007 XML"),
    "impress": ("pdf", "impress_pdf_Export"),
}
# the OLE streams that tell what an OLE compound file holds, and the extension
# LibreOffice is given for it (its type detection starts from the name)
_FAMILIES = (
    ("WordDocument", "writer", "doc", "a Word document"),
    ("Workbook", "calc", "xls", "an Excel workbook"),
    ("Book", "calc", "xls", "an Excel 5/95 workbook"),
    ("PowerPoint Document", "impress", "ppt", "a PowerPoint presentation"),
    ("CONTENTS", "writer", "wps", "a Microsoft Works document"),  # .wps of MS Works
)
_WHAT = {"writer": "a text document", "calc": "a spreadsheet", "impress": "a presentation"}
# Word FIB flags (offset 10): fEncrypted; Excel BIFF FILEPASS record; PowerPoint
# CurrentUserAtom header token of an encrypted presentation
_FIB_ENCRYPTED = 0x0100
_BIFF_FILEPASS = 0x002F
_PPT_ENCRYPTED_TOKEN = 0xF3D1C4DF
_PROFILE_SETTINGS = """<?xml version="1.0" encoding="UTF-8"?>
<oor:items xmlns:oor="http://openoffice.org/2001/registry"
 xmlns:xs="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
<item oor:path="/org.openoffice.Office.Common/Security/Scripting"><prop oor:name="MacroSecurityLevel" oor:op="fuse"><value>3</value></prop></item>
<item oor:path="/org.openoffice.Office.Common/Security/Scripting"><prop oor:name="DisableMacrosExecution" oor:op="fuse"><value>true</value></prop></item>
<item oor:path="/org.openoffice.Office.Common/Security/Scripting"><prop oor:name="BlockUntrustedRefererLinks" oor:op="fuse"><value>true</value></prop></item>
<item oor:path="/org.openoffice.Office.Writer/Content/Update"><prop oor:name="Link" oor:op="fuse"><value>2</value></prop></item>
<item oor:path="/org.openoffice.Office.Calc/Content/Update"><prop oor:name="Link" oor:op="fuse"><value>2</value></prop></item>
</oor:items>
"""
_PR_SET_PDEATHSIG = 1
_CJK = "\u3000-\u303f\u3400-\u9fff\uff00-\uffef"  # CJK punctuation, ideographs, full width
_AUTOSPACE = re.compile(f"(?<=[{_CJK}]) +(?=\\S)|(?<=\\S) +(?=[{_CJK}])")
_NOT_INSTALLED = "LibreOffice is not installed (make system-deps)"


def read_converted(
    data: bytes, rel: str, sha: str, kind: str
) -> tuple[int | None, list[TextUnit], list[str]]:
    """(pages, text units, notes) of an old Office / WPS file, read after conversion.

    Raises DocumentError with a one-line reason: not installed, not what its
    name says, password-protected, damaged, out of time or memory.
    """
    application = LEGACY_KINDS[kind]
    name = inspect(data, kind)
    target, _ = _TARGETS[application]
    converted = convert(data, kind, name, application)
    notes = [f"converted from .{kind} to {target.upper()} by LibreOffice"]
    if target == "pdf":
        sniff(Path("converted.pdf"), converted)
        pages, units, more, *_ = read_pdf(converted, rel, sha)
        # OCR reads pages of the submitted file, which is not a PDF: picture-only slides stay unread
        pictures = [note for note in more if "needs OCR" in note]
        more = [note for note in more if note not in pictures]
        if pictures:
            more.append("slides with pictures only are not read (no OCR of a converted file)")
        return pages, [_without_autospace(unit) for unit in units], notes + more
    # what LibreOffice wrote passes the same checks (zip bomb, DTD) as a submitted file
    sniff(Path(f"converted.{target}"), converted)
    reader = read_docx if target == "docx" else read_xlsx
    units, more = reader(converted, rel, sha)
    return None, units, notes + more


def _without_autospace(unit: TextUnit) -> TextUnit:
    """Impress spaces Chinese from Latin and digits ("召开全体会议 4 次 。") and its PDF
    keeps the gaps as spaces, so a figure would not match: they are taken out."""
    text, context = _AUTOSPACE.sub("", unit.text), _AUTOSPACE.sub("", unit.context)
    return unit.model_copy(update={"text": text, "context": context})


# ------------------------------------------------------------ what the file holds


def inspect(data: bytes, kind: str) -> str:
    """The file name LibreOffice is given (`input.doc`, …), after checking the content.

    A zip (WPS's OOXML .dps, a .pptx renamed .ppt) was checked by sniff and
    goes as `.pptx`; an OLE compound file must hold a stream of the
    application its extension belongs to and must not be encrypted.
    """
    application = LEGACY_KINDS[kind]
    if data.startswith(b"PK\x03\x04"):
        return "input.pptx"
    try:
        ole = olefile.OleFileIO(io.BytesIO(data))
    except Exception:  # olefile raises OSError, struct.error, IndexError… on damage
        raise DocumentError(f"unreadable {kind.upper()}: damaged OLE compound file") from None
    with ole:
        try:
            streams = {"/".join(entry) for entry in ole.listdir()}
            if {"EncryptionInfo", "EncryptedPackage"} <= streams:
                raise DocumentError(
                    f"password-protected {kind.upper()}: not read (remove the password)"
                )
            for stream, family, extension, what in _FAMILIES:
                if stream not in streams or (stream == "CONTENTS" and kind != "wps"):
                    continue
                if family != application:
                    raise DocumentError(
                        f"not a .{kind} file: content is {what}, not {_WHAT[application]}"
                    )
                if _encrypted(ole, stream):
                    raise DocumentError(
                        f"password-protected {kind.upper()}: not read (remove the password)"
                    )
                return f"input.{extension}"
        except DocumentError:
            raise
        except Exception:  # a stream olefile cannot follow
            raise DocumentError(f"unreadable {kind.upper()}: damaged OLE compound file") from None
    raise DocumentError(
        f"not a .{kind} file: an OLE compound file without {_WHAT[application]} in it"
    )


def _encrypted(ole: olefile.OleFileIO, stream: str) -> bool:
    """Whether the file says it is encrypted (each format says it in its own place)."""
    if stream == "WordDocument":
        head = ole.openstream(stream).read(12)
        return len(head) >= 12 and bool(struct.unpack_from("<H", head, 10)[0] & _FIB_ENCRYPTED)
    if stream in ("Workbook", "Book"):
        head = ole.openstream(stream).read(4096)
        offset = 0
        for _ in range(8):  # FILEPASS follows BOF within the first records of the globals
            if offset + 4 > len(head):
                break
            record, length = struct.unpack_from("<HH", head, offset)
            if record == _BIFF_FILEPASS:
                return True
            offset += 4 + length
        return False
    if stream == "PowerPoint Document" and ole.exists("Current User"):
        head = ole.openstream("Current User").read(16)
        return len(head) >= 16 and struct.unpack_from("<I", head, 12)[0] == _PPT_ENCRYPTED_TOKEN
    return False


# ------------------------------------------------------------ running LibreOffice


def convert(data: bytes, kind: str, name: str, application: str) -> bytes:
    """The bytes LibreOffice writes for `data`, converted in a private folder and profile."""
    soffice = shutil.which("soffice")
    if soffice is None:
        raise DocumentError(f"cannot convert .{kind}: {_NOT_INSTALLED}")
    soft, _ = resource.getrlimit(resource.RLIMIT_AS)
    if soft != resource.RLIM_INFINITY and soft < CONVERT_MEMORY_MB * MiB:
        raise DocumentError(
            f"memory limit: converting .{kind} needs {CONVERT_MEMORY_MB} MiB, "
            f"the document limit allows {soft // MiB} MiB (raise --doc-memory)"
        )
    target, export = _TARGETS[application]
    try:
        with work_folder() as tree:
            return _run(soffice, tree, data, kind, name, target, export)
    except SxcheckError as exc:  # no work folder could be made
        raise DocumentError(f"cannot convert .{kind}: {exc}") from None
    except OSError as exc:
        raise DocumentError(
            f"cannot convert .{kind}: {exc.strerror or type(exc).__name__}"
        ) from None


def _run(
    soffice: str, tree: Path, data: bytes, kind: str, name: str, target: str, export: str
) -> bytes:
    source, out, profile, home = (tree / part for part in ("in", "out", "profile", "home"))
    for folder in (source, out, profile / "user", home):
        folder.mkdir(parents=True)
    (profile / "user" / "registrymodifications.xcu").write_text(_PROFILE_SETTINGS)
    original = source / name
    original.write_bytes(data)
    command = [
        *_no_network(),
        soffice,
        "--headless",
        "--invisible",
        "--nologo",
        "--norestore",
        "--nodefault",
        "--nolockcheck",
        f"-env:UserInstallation={profile.as_uri()}",
        "--convert-to",
        f"{target}:{export}",
        "--outdir",
        str(out),
        str(original),
    ]
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(home),
        "TMPDIR": str(home),
        "LANG": "C.UTF-8",
        "SAL_USE_VCLPLUGIN": "svp",
    }
    process = subprocess.Popen(
        command,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env=env,
        cwd=home,
        start_new_session=True,  # its own process group: oosplash and soffice.bin go together
        preexec_fn=_bounded,
    )
    try:
        code = process.wait(CONVERT_SECONDS)
    except subprocess.TimeoutExpired:
        code = None
    finally:
        _kill_group(process)
    if code is None or code == -signal.SIGXCPU:  # wall time, or CPU time (RLIMIT_CPU)
        raise DocumentError(f"timeout: .{kind} not converted within {CONVERT_SECONDS:g} s")
    if code < 0:
        raise DocumentError(f"cannot convert .{kind}: LibreOffice was killed (signal {-code})")
    result = out / f"{Path(name).stem}.{target}"
    if not result.is_file():
        raise DocumentError(
            f"unreadable {kind.upper()}: LibreOffice could not open it (damaged, or another format)"
        )
    size = result.stat().st_size
    if size > MAX_FILE_BYTES:
        raise DocumentError(f"too large: converted to {size // MiB} MiB")
    return result.read_bytes()


def _kill_group(process: subprocess.Popen[bytes]) -> None:
    """Kill whatever is left of the conversion's process group (soffice.bin outlives
    oosplash on a timeout), then reap the direct child."""
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(process.pid, signal.SIGKILL)
    with contextlib.suppress(subprocess.TimeoutExpired):
        process.wait(5)


try:  # resolved before any fork, so the preexec hook only calls it (Linux; elsewhere no-op)
    _PRCTL = getattr(ctypes.CDLL(None, use_errno=True), "prctl", None)
except OSError:  # pragma: no cover - no C library to load
    _PRCTL = None


def _bounded() -> None:
    """In soffice's process before exec: a CPU-time limit that outlives its parent
    (inherited by soffice.bin), and SIGKILL for the launcher (unshare/oosplash) when
    the parser child dies first (`--doc-timeout` below CONVERT_SECONDS, or the run's
    time budget ending), so no process of the conversion waits on a dead parent."""
    limit = max(1, math.ceil(CONVERT_SECONDS))
    resource.setrlimit(resource.RLIMIT_CPU, (limit, limit + 5))
    if _PRCTL is not None:
        _PRCTL(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)


@functools.cache
def _no_network() -> tuple[str, ...]:
    """`unshare -rn --` where this machine lets a process make a network namespace
    (root, or unprivileged user namespaces); otherwise nothing, and the profile's
    settings (no macros, links never updated) are what keep soffice off the network."""
    unshare = shutil.which("unshare")
    if unshare is None:
        return ()
    try:
        probe = subprocess.run(
            [unshare, "-rn", "--", "true"],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            timeout=5,
        )
    except (OSError, subprocess.SubprocessError):
        return ()
    return (unshare, "-rn", "--") if probe.returncode == 0 else ()
