"""Hostile evidence documents (issue 13): each is a per-document `status: error` with a
one-line reason, within the limits, and the run goes on.

Evidence workbooks with broken XML, DTDs, huge numbers, huge extents, a million rows
or a shared-strings bomb; a DOCTYPE deep inside a DOCX; sparse files of 1 and 6 GiB;
FIFOs; failures from limits that must not be cached; the run's time budget.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import subprocess
import sys
import threading
import time
import zipfile
from pathlib import Path

import openpyxl
import pytest

from sxcheck import limits
from sxcheck.ingest import extractor_version, failed, read_document
from sxcheck.ingest.isolate import IsolatedParser, Limits
from sxcheck.models import IngestedDocument

from .conftest import MINIMAL, ROOT, check_json, run_cli
from .docbuilders import para, write_docx
from .hostile import flate_bomb

SXCHECK = str(ROOT / ".venv" / "bin" / "sxcheck")
CANARY = "CANARY-7f3a9c-outside-the-submission"
MAIN_NS = b"http://schemas.openxmlformats.org/spreadsheetml/2006/main"
SHEET = "xl/worksheets/sheet1.xml"


@pytest.fixture(scope="module")
def parser():
    with IsolatedParser(Limits(seconds=90, memory_mb=1024)) as isolated:
        yield isolated


def _workbook() -> bytes:
    """A small real workbook: a text cell (a shared string) and a number."""
    book = openpyxl.Workbook()
    sheet = book.active
    sheet["A1"] = "全市IPv6网站"
    sheet["B1"] = 50
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _rewrite(data: bytes, parts: dict[str, bytes]) -> bytes:
    """The same Office zip with some parts replaced (or added)."""
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for info in source.infolist():
            archive.writestr(info.filename, parts.pop(info.filename, None) or source.read(info))
        for name, content in parts.items():
            archive.writestr(name, content)
    return out.getvalue()


def _with_shared_strings(data: bytes, strings: bytes, sheet: bytes) -> bytes:
    """The workbook with a shared-strings part wired in (openpyxl wrote its strings inline)."""
    source = zipfile.ZipFile(io.BytesIO(data))
    rels = source.read("xl/_rels/workbook.xml.rels").replace(
        b"</Relationships>",
        b'<Relationship Id="rId9" Target="sharedStrings.xml" Type="http://schemas.openxmlformats'
        b'.org/officeDocument/2006/relationships/sharedStrings"/></Relationships>',
    )
    types = source.read("[Content_Types].xml").replace(
        b"</Types>",
        b'<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-'
        b'officedocument.spreadsheetml.sharedStrings+xml"/></Types>',
    )
    parts = {"xl/_rels/workbook.xml.rels": rels, "[Content_Types].xml": types}
    return _rewrite(data, {**parts, "xl/sharedStrings.xml": strings, SHEET: sheet})


def _sheet(rows: bytes) -> bytes:
    return b'<worksheet xmlns="%s"><sheetData>%s</sheetData></worksheet>' % (MAIN_NS, rows)


def _read(tmp_path: Path, name: str, data: bytes, parser: IsolatedParser) -> IngestedDocument:
    path = tmp_path / name
    path.write_bytes(data)
    started = time.monotonic()
    doc = read_document(path, name, isolation=parser)
    assert time.monotonic() - started < 60  # a guard: these hung or took minutes
    assert doc.info.sha256 == hashlib.sha256(data).hexdigest()
    return doc


@pytest.fixture
def canary(tmp_path: Path) -> Path:
    path = tmp_path / "outside" / "secret.txt"
    path.parent.mkdir()
    path.write_text(CANARY, encoding="utf-8")
    return path


# ------------------------------------------------------------ evidence workbooks


def test_a_normal_workbook_is_still_read(tmp_path, parser):
    doc = _read(tmp_path, "统计.xlsx", _workbook(), parser)
    assert doc.info.status == "ok", doc.info.error
    assert [u.text for u in doc.units] == ["全市IPv6网站 | 50"]
    assert doc.units[0].location == "sheet Sheet row 1"


@pytest.mark.parametrize(
    ("part", "content", "reason"),
    [
        (
            "xl/workbook.xml",
            b"this is not XML at all",
            "unreadable XLSX: part xl/workbook.xml is not well-formed XML (line 1)",
        ),
        (
            "xl/styles.xml",
            None,  # truncated: the first half of the real part
            "unreadable XLSX: part xl/styles.xml is not well-formed XML (line 1)",
        ),
        (
            SHEET,
            b"<worksheet><sheetData><row><c><v>1</v></row></sheetData></worksheet>",
            "unreadable XLSX: part xl/worksheets/sheet1.xml is not well-formed XML (line 1)",
        ),
    ],
)
def test_a_workbook_part_that_is_not_xml_is_a_clear_error(tmp_path, parser, part, content, reason):
    data = _workbook()
    if content is None:
        real = zipfile.ZipFile(io.BytesIO(data)).read(part)
        content = real[: len(real) // 2]
    doc = _read(tmp_path, "坏.xlsx", _rewrite(data, {part: content}), parser)
    assert (doc.info.status, doc.info.error) == ("error", reason)


def _xxe(canary: Path) -> bytes:
    return (
        b'<?xml version="1.0"?>\n<!DOCTYPE workbook [<!ENTITY x SYSTEM "file://%s">]>\n'
        b'<workbook xmlns="%s"><sheets><sheet name="&x;" sheetId="1"/></sheets></workbook>'
        % (str(canary).encode(), MAIN_NS)
    )


LAUGHS = (
    b'<?xml version="1.0"?>\n<!DOCTYPE sst [<!ENTITY a "lol">'
    + b"".join(b'<!ENTITY %c "%s">' % (98 + i, b"&%c;" % (97 + i) * 10) for i in range(9))
    + b']>\n<sst xmlns="%s" count="1" uniqueCount="1"><si><t>&j;</t></si></sst>' % MAIN_NS
)


@pytest.mark.parametrize(
    ("part", "content", "reason"),
    [
        ("xl/workbook.xml", "xxe", "refused: part xl/workbook.xml declares a DOCTYPE or ENTITY"),
        ("xl/sharedStrings.xml", LAUGHS, "refused: part xl/sharedStrings.xml declares a DOCTYPE"),
        (  # in UTF-16, where a byte search for "<!DOCTYPE" does not see it
            "xl/styles.xml",
            '<?xml version="1.0" encoding="UTF-16"?><!DOCTYPE s [<!ENTITY e "x">]><s/>'.encode(
                "utf-16"
            ),
            "refused: part xl/styles.xml declares a DOCTYPE",
        ),
        (  # deep in a sheet, across the scanner's 1 MiB chunks
            SHEET,
            b"<?xml version='1.0'?><!--%s-->" % os.urandom(2**19).hex()[:1048544].encode()
            + b"<!DOCTYPE w SYSTEM 'w.dtd'><w/>",  # `<!DOCTYPE` starts 4 bytes before 1 MiB
            "refused: part xl/worksheets/sheet1.xml declares a DOCTYPE",
        ),
        (  # libxml2 reads UTF-7, in which `+ADw-!DOCTYPE` hides a DTD
            "xl/workbook.xml",
            b'<?xml version="1.0" encoding="UTF-7"?>+ADw-!DOCTYPE x+AD4-<workbook/>',
            "refused: part xl/workbook.xml is not in UTF-8 or UTF-16 (not read)",
        ),
    ],
)
def test_a_dtd_in_any_workbook_part_is_refused_before_parsing(
    tmp_path, parser, canary, part, content, reason
):
    content = _xxe(canary) if content == "xxe" else content
    doc = _read(tmp_path, "实体.xlsx", _rewrite(_workbook(), {part: content}), parser)
    assert doc.info.status == "error"
    assert doc.info.error is not None and doc.info.error.startswith(reason), doc.info.error
    assert CANARY not in doc.model_dump_json()


def test_huge_and_not_a_number_cells(tmp_path, parser):
    rows = (
        b'<row r="1"><c r="A1" t="inlineStr"><is><t>IPv6</t></is></c><c r="B1"><v>1e309</v></c>'
        b'<c r="C1"><v>-1e99999999</v></c><c r="D1"><v>50</v></c></row>'
    )
    doc = _read(tmp_path, "大数.xlsx", _rewrite(_workbook(), {SHEET: _sheet(rows)}), parser)
    assert doc.info.status == "ok", doc.info.error
    assert [u.text for u in doc.units] == ["IPv6 | 50"]
    assert doc.info.notes == ["2 cell(s) hold a number too large or not a number; shown empty"]


@pytest.mark.parametrize("value", [b"nan", b"-inf", b"9" * 5000, b"1e5e5"])
def test_a_cell_that_openpyxl_cannot_convert_is_a_clear_error(tmp_path, parser, value):
    rows = (
        b'<row r="1"><c r="A1"><v>1</v></c></row><row r="2"><c r="A2"><v>%s</v></c></row>' % value
    )
    doc = _read(tmp_path, "数.xlsx", _rewrite(_workbook(), {SHEET: _sheet(rows)}), parser)
    assert (doc.info.status, doc.info.error) == (
        "error",
        "unreadable XLSX: sheet 1: a cell value that cannot be read (row 2 or below)",
    )
    assert value.decode() not in doc.info.error


def test_a_cell_at_the_last_column_and_row_is_refused_without_building_the_grid(tmp_path, parser):
    rows = b'<row r="1"><c r="A1"><v>1</v></c></row><row r="1048576"><c r="XFD1048576"><v>2</v></c></row>'
    doc = _read(tmp_path, "远.xlsx", _rewrite(_workbook(), {SHEET: _sheet(rows)}), parser)
    assert (doc.info.status, doc.info.error) == (
        "error",
        "refused: sheet xl/worksheets/sheet1.xml spans 1048576 rows x 16384 columns"
        f" (limit {limits.MAX_SHEET_CELLS} cells)",
    )


def test_a_cell_outside_excels_grid_is_refused(tmp_path, parser):
    rows = b'<row r="1"><c r="XFE1"><v>1</v></c></row>'
    doc = _read(tmp_path, "外.xlsx", _rewrite(_workbook(), {SHEET: _sheet(rows)}), parser)
    assert doc.info.error == (
        "unreadable XLSX: part xl/worksheets/sheet1.xml has a cell outside Excel's grid"
    )


def test_a_million_rows_are_refused_early(tmp_path, parser):
    rows = b"".join(
        b'<row r="%d"><c r="A%d"><v>%d</v></c></row>' % (i, i, i) for i in range(1, 10**6 + 1)
    )
    data = _rewrite(_workbook(), {SHEET: _sheet(rows)})
    started = time.monotonic()
    doc = _read(tmp_path, "百万行.xlsx", data, parser)
    assert (doc.info.status, doc.info.error) == (
        "error",
        f"refused: the sheets have more than {limits.MAX_XLSX_ROWS} rows with cells"
        f" (limit {limits.MAX_XLSX_ROWS})",
    )
    assert time.monotonic() - started < 30  # it took 126 s and 1.7 GB in the parent


def test_a_shared_strings_bomb_is_refused(tmp_path, parser):
    strings = b'<sst xmlns="%s"><si><t>%s</t></si></sst>' % (MAIN_NS, "长".encode() * 32_000)
    row = b"".join(b'<c t="s"><v>0</v></c>' for _ in range(20))
    rows = b"".join(b'<row r="%d">%s</row>' % (i, row) for i in range(1, 2001))
    data = _with_shared_strings(_workbook(), strings, _sheet(rows))
    assert len(data) < 1024**2  # under 1 MB for 1.3 billion characters of text
    doc = _read(tmp_path, "串.xlsx", data, parser)
    assert (doc.info.status, doc.info.error) == (
        "error",
        f"refused: the sheets hold more than {limits.MAX_XLSX_TEXT_CHARS} characters of text"
        " (a shared-strings bomb?)",
    )


def test_formulas_without_cached_values_are_still_noted(tmp_path, parser):
    rows = b'<row r="1"><c r="A1"><v>2</v></c><c r="B1"><f>A1*2</f></c><c r="C1"><f>A1</f><v>2</v></c></row>'
    doc = _read(tmp_path, "公式.xlsx", _rewrite(_workbook(), {SHEET: _sheet(rows)}), parser)
    assert doc.info.status == "ok"
    assert doc.info.notes == [
        "1 formula cell(s) have no cached value (sheet Sheet: B1): 公式未缓存计算结果, shown empty"
    ]


# ------------------------------------------------------------ DOCX


def _docx(tmp_path: Path, document_xml: bytes | None = None, extra: dict | None = None) -> bytes:
    path = write_docx(
        tmp_path / "base.docx", [para("全县86个重点公共区域中已有80个实现5G网络覆盖。")]
    )
    data = path.read_bytes()
    parts = dict(extra or {})
    if document_xml is not None:
        parts["word/document.xml"] = document_xml
    return _rewrite(data, parts)


@pytest.mark.parametrize("padding", [5000, 1024**2 - 60])
def test_a_doctype_after_the_first_4_kib_of_a_docx_is_refused(tmp_path, parser, canary, padding):
    real = zipfile.ZipFile(io.BytesIO(_docx(tmp_path))).read("word/document.xml")
    declaration, body = real.split(b"?>", 1)
    hostile = (
        declaration
        + b"?><!--"
        + os.urandom(padding).hex()[:padding].encode()  # incompressible: not a zip bomb
        + b'--><!DOCTYPE w:document [<!ENTITY e SYSTEM "file://%s">]>' % str(canary).encode()
        + body.replace("全县".encode(), b"&e;")
    )
    doc = _read(tmp_path, "通知.docx", _docx(tmp_path, hostile), parser)
    assert (doc.info.status, doc.info.error) == (
        "error",
        "refused: part word/document.xml declares a DOCTYPE or ENTITY (not read)",
    )  # it was listed `ok` with no text
    assert CANARY not in doc.model_dump_json()


def test_an_svg_image_naming_the_svg_dtd_is_not_a_refusal(tmp_path, parser):
    svg = (
        b'<?xml version="1.0"?><!DOCTYPE svg PUBLIC "-//W3C//DTD SVG 1.1//EN" '
        b'"http://www.w3.org/Graphics/SVG/1.1/DTD/svg11.dtd"><svg/>'
    )
    data = _docx(tmp_path, extra={"word/media/image1.svg": svg})
    doc = _read(tmp_path, "图.docx", data, parser)
    assert doc.info.status == "ok", doc.info.error
    assert doc.units


# ------------------------------------------------------------ files themselves


MEASURED = (
    "import json, resource, subprocess, sys\n"
    "run = subprocess.run([sys.argv[1], 'check', sys.argv[2], '--json', '--no-store', '--quiet'],"
    " capture_output=True, text=True)\n"
    "sys.stderr.write(run.stderr)\n"
    "peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss // 1024\n"
    "print(json.dumps([run.returncode, peak, run.stdout]))\n"
)
RUN = {"capture_output": True, "timeout": 120, "check": True}


def _sparse(path: Path, size: int) -> Path:
    with path.open("wb") as handle:
        handle.truncate(size)  # no block written: 0 bytes on disk
    return path


@pytest.mark.parametrize(("gib", "shown"), [(1, 1024), (6, 6144)])
def test_a_sparse_text_file_above_the_limit_is_refused_without_reading(make_submission, gib, shown):
    root = make_submission(MINIMAL, {"说明.txt": "全市IPv6网站共50个。".encode()})
    big = _sparse(root / "大.txt", gib * 1024**3)
    try:
        started = time.monotonic()
        # a fresh process runs sxcheck, so the peak it reports is of sxcheck and its child only
        run = subprocess.run([sys.executable, "-c", MEASURED, SXCHECK, str(root)], **RUN)
        assert time.monotonic() - started < 60
    finally:
        big.unlink()
    code, peak_mib, stdout = json.loads(run.stdout)
    assert code == 0, run.stderr.decode()[-2000:]
    docs = {d["path"]: d for d in json.loads(stdout)["documents"]}
    assert (docs["大.txt"]["status"], docs["大.txt"]["error"]) == (
        "error",
        f"too large: {shown} MiB (limit {limits.MAX_FILE_BYTES // 1024**2} MiB)",
    )
    assert docs["大.txt"]["size"] == gib * 1024**3
    assert docs["说明.txt"]["status"] == "ok"
    assert peak_mib < 600  # MiB, sxcheck and its parser child; it reached 12.5 GB


def test_a_large_file_is_read_by_the_child_not_held_by_the_parent(tmp_path):
    big = _sparse(tmp_path / "零.txt", 400 * 1024**2)
    script = (
        "import json, sys\n"
        "from pathlib import Path\n"
        "from sxcheck.ingest import read_document\n"
        "from sxcheck.ingest.isolate import IsolatedParser, Limits\n"
        "with IsolatedParser(Limits(seconds=60, memory_mb=1536)) as parser:\n"
        "    doc = read_document(Path(sys.argv[1]), '零.txt', isolation=parser)\n"
        # VmHWM, not ru_maxrss: that one keeps the RSS of pytest from before the exec
        "status = Path('/proc/self/status').read_text().split('VmHWM:')[1]\n"
        "peak = int(status.split()[0]) // 1024\n"
        "print(json.dumps([doc.info.status, doc.info.error, doc.info.sha256, peak]))\n"
    )
    try:
        run = subprocess.run(
            [sys.executable, "-c", script, str(big)],
            capture_output=True,
            timeout=120,
            check=True,
            cwd=ROOT,
        )
    finally:
        big.unlink()
    status, error, sha, peak = json.loads(run.stdout)
    assert (status, error) == ("error", "not a text file: content is binary data")  # parsed
    assert sha == hashlib.sha256(bytes(400 * 1024**2)).hexdigest()
    assert peak < 250  # MiB: the parent only hashed it, streamed (it held 800 MiB)


def test_a_file_changed_between_hash_and_parse_is_not_parsed_under_the_old_hash(tmp_path, parser):
    path = tmp_path / "a.txt"
    path.write_text("全市IPv6网站共50个。", encoding="utf-8")
    stale = hashlib.sha256(b"what the parent hashed").hexdigest()
    doc = parser.parse_file(path, "a.txt", stale, path.stat().st_size)
    assert (doc.info.status, doc.info.error) == (
        "error",
        "changed while it was read: not parsed (check again)",
    )
    assert not doc.units


def test_a_fifo_is_never_opened_for_reading(tmp_path):
    fifo = tmp_path / "管道.txt"
    os.mkfifo(fifo)
    result: list[IngestedDocument] = []
    reader = threading.Thread(target=lambda: result.append(read_document(fifo, "管道.txt")))
    reader.daemon = True
    reader.start()
    reader.join(10)
    assert not reader.is_alive()  # a plain open() blocks forever
    assert (result[0].info.status, result[0].info.error) == (
        "error",
        "not a regular file: not read",
    )


# ------------------------------------------------------------ the extraction cache


def _check(root: Path, *options: str) -> tuple[int, dict, str]:
    """`sxcheck check --json` in its own process."""
    run = subprocess.run(
        [SXCHECK, "check", str(root), "--json", "--quiet", *options],
        capture_output=True,
        text=True,
        timeout=240,
        check=False,
    )
    return run.returncode, json.loads(run.stdout or "{}"), run.stderr[-2000:]


def test_a_memory_limit_failure_is_not_cached_and_a_higher_limit_reads_it(
    make_submission, tmp_path
):
    from sxcheck.store import open_store
    from sxcheck.store.tables import Extraction

    bomb = flate_bomb(tmp_path / "bomb.pdf", 8)  # fails at 64 MiB, reads at 1 GiB
    root = make_submission(MINIMAL, {"炸弹.pdf": bomb})
    db = f"sqlite:///{tmp_path / 'store.db'}"
    # in a fresh process: a child forked from this test process would inherit its
    # freed heap, and the cap is set above what the child maps when it starts
    code, first, err = _check(root, "--db", db, "--doc-memory", "64", "--doc-timeout", "60")
    assert code == 0, err
    listed = next(d for d in first["documents"] if d["path"] == "炸弹.pdf")
    assert (listed["status"], listed["error"]) == ("error", "memory limit: needs more than 64 MiB")
    sha = listed["sha256"]
    store = open_store(db)
    assert store.lookup(sha, extractor_version()) is None  # the failure was not kept

    code, second, err = _check(root, "--db", db, "--doc-memory", "1024", "--doc-timeout", "90")
    assert code == 0, err
    listed = next(d for d in second["documents"] if d["path"] == "炸弹.pdf")
    assert listed["status"] == "ok", listed["error"]
    assert second["run"]["documents_read"] == 1 and second["run"]["documents_from_store"] == 0
    hit = store.lookup(sha, extractor_version())
    assert hit is not None and hit[0].status == "ok"
    assert store.count(Extraction) == 1


def test_a_timeout_kept_by_an_older_store_is_read_again_and_replaced(tmp_path):
    from sqlmodel import Session

    from sxcheck.store import _extraction_row, open_store

    path = tmp_path / "说明.txt"
    path.write_text("全市IPv6网站共50个。", encoding="utf-8")
    sha = hashlib.sha256(path.read_bytes()).hexdigest()
    store = open_store(f"sqlite:///{tmp_path / 'old.db'}")
    with Session(store.engine) as session:  # as a store written before this fix kept it
        stale = failed("说明.txt", "timeout: not parsed within 0.1 s", path.stat().st_size, sha)
        session.add(_extraction_row(stale, extractor_version(), "2024-01-01T00:00:00"))
        session.commit()
    doc = read_document(path, "说明.txt", cache=store)
    assert doc.info.status == "ok" and not doc.from_store and doc.units
    store.save_extractions([doc], extractor_version())
    hit = store.lookup(sha, extractor_version())
    assert hit is not None and hit[0].status == "ok" and hit[1]


# ------------------------------------------------------------ the run's time budget


def test_the_run_budget_lists_the_rest_as_not_read_and_the_report_is_written(
    make_submission, tmp_path
):
    bomb = flate_bomb(tmp_path / "bomb.pdf", 256)  # parses for minutes
    # two bombs: a check parses two documents at once (ingest.reading), both children
    # are busy until the budget ends, and the text file after them is never begun
    root = make_submission(
        MINIMAL,
        {
            "a-炸弹.pdf": bomb,
            "b-炸弹.pdf": bomb,
            "c-说明.txt": "全市IPv6网站共50个。".encode(),
        },
    )
    started = time.monotonic()
    code, report, err = check_json(
        root, "--no-store", "--run-timeout", "2", "--doc-timeout", "60", "--doc-memory", "4096"
    )
    assert time.monotonic() - started < 30
    assert code == 0, err
    reason = "not read: the run's time budget (2 s) was used up"
    docs = {d["path"]: d for d in report["documents"]}
    assert {name: (d["status"], d["error"]) for name, d in docs.items()} == {
        "a-炸弹.pdf": ("error", reason),
        "b-炸弹.pdf": ("error", reason),
        "c-说明.txt": ("error", reason),
    }
    assert len(report["indicators"]) == 69


def test_the_limits_are_the_named_defaults_and_shown_in_help():
    assert Limits() == Limits(
        seconds=limits.DOC_SECONDS, memory_mb=limits.DOC_MEMORY_MB, run_seconds=limits.RUN_SECONDS
    )
    for command in ("check", "batch"):
        code, out, _ = run_cli(command, "--help")
        assert code == 0
        flat = " ".join(out.split())
        assert "--run-timeout" in flat and f"default: {limits.RUN_SECONDS:g}" in flat
        assert f"default: {limits.DOC_MEMORY_MB}" in flat
