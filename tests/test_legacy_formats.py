"""WPS and old Office files (.doc .wps .xls .et .ppt .dps) read through LibreOffice.

The evidence is built here: a 领导小组 notice (python-docx) and a statistics
sheet (openpyxl), converted by LibreOffice to .doc/.xls the way WPS saves in
its compatible mode (.wps/.et are the same bytes under WPS's names), and a
presentation written as flat ODP and converted to .ppt. Each must read to the
same text as its original, under its own name and sha256, and a package must
be judged the same whether its notice is .docx or .wps.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import olefile
import pytest

import sxcheck.ingest.convert as convert
from sxcheck.ingest import cacheable, parse_document
from sxcheck.ingest.isolate import IsolatedParser, Limits
from sxcheck.models import IngestedDocument
from tests.docbuilders import convert_with_libreoffice, para, table, title, write_docx, write_xlsx

SXCHECK = str(Path(sys.executable).with_name("sxcheck"))
NOTICE = "关于成立晋阳市新型智慧城市建设领导小组的通知"
SLIDES = [
    ["晋阳市新型智慧城市建设工作汇报"],
    ["领导小组2024年共召开全体会议4次。", "政务服务事项网上可办率达到98.5%。"],
]
FODP = """<?xml version="1.0" encoding="UTF-8"?>
<office:document xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0"
 xmlns:draw="urn:oasis:names:tc:opendocument:xmlns:drawing:1.0"
 xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"
 xmlns:svg="urn:oasis:names:tc:opendocument:xmlns:svg-compatible:1.0"
 office:version="1.2" office:mimetype="application/vnd.oasis.opendocument.presentation">
<office:body><office:presentation>{pages}</office:presentation></office:body></office:document>
"""
MANIFEST = "region: 晋阳市\nlevel: city\nyear: 2024\nindicators: {}\n"


def _notice(path: Path) -> Path:
    return write_docx(
        path,
        [
            title("晋阳市人民政府办公室文件"),
            para("晋市政办〔2023〕42号"),
            para(NOTICE),
            para(
                "各县（市、区）人民政府，市直各有关单位：为加强对全市新型智慧城市建设工作的组织领导，"
                "经市政府同意，决定成立晋阳市新型智慧城市建设领导小组。现将有关事项通知如下。"
            ),
            para("一、领导小组组成人员"),
            table(
                [
                    ["职务", "姓名", "单位及职务"],
                    ["组长", "王某某", "市长"],
                    ["副组长", "李某某", "常务副市长"],
                    ["成员", "张某某", "市行政审批服务管理局局长"],
                ]
            ),
            para(
                "领导小组办公室设在市行政审批服务管理局，负责日常工作。2024年领导小组共召开全体会议4次，"
                "研究部署智慧城市建设重点任务。"
            ),
            para("晋阳市人民政府办公室"),
            para("2024年3月6日"),
        ],
    )


def _statistics(path: Path) -> Path:
    return write_xlsx(
        path,
        {
            "统计表": [
                ["指标名称", "分子", "分母", "比率"],
                ["百兆光纤家庭入户覆盖率", 1185000, 1260000, 0.9405],
                ["学校无线网络覆盖率", 418, 420, 0.995],
            ]
        },
        percent_columns={"统计表": [4]},
    )


@pytest.fixture(scope="module")
def made(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The originals and what LibreOffice (as WPS would) saved of them."""
    assert shutil.which("soffice"), "LibreOffice is needed (make system-deps)"
    base = tmp_path_factory.mktemp("legacy")
    out = base / "out"
    files = {"docx": _notice(base / f"{NOTICE}.docx"), "xlsx": _statistics(base / "统计表.xlsx")}
    pages = "".join(
        f'<draw:page draw:name="p{n}"><draw:frame svg:x="1cm" svg:y="1cm" svg:width="24cm" '
        f'svg:height="8cm"><draw:text-box>{"".join(f"<text:p>{t}</text:p>" for t in texts)}'
        "</draw:text-box></draw:frame></draw:page>"
        for n, texts in enumerate(SLIDES, 1)
    )
    slides = base / "汇报.fodp"
    slides.write_text(FODP.format(pages=pages), encoding="utf-8")
    files["doc"] = convert_with_libreoffice(files["docx"], "doc", out)
    files["xls"] = convert_with_libreoffice(files["xlsx"], "xls", out)
    files["ppt"] = convert_with_libreoffice(slides, "ppt", out)
    files["pptx"] = convert_with_libreoffice(slides, "pptx", out)  # what newer WPS saves as .dps
    for copy, of in (("wps", "doc"), ("et", "xls"), ("dps", "ppt")):
        files[copy] = shutil.copy(files[of], out / f"{files[of].stem}.{copy}")
    return files


def _read(path: Path, name: str | None = None) -> IngestedDocument:
    data = path.read_bytes()
    return parse_document(data, name or path.name, hashlib.sha256(data).hexdigest())


def _texts(document: IngestedDocument) -> list[tuple[str, str, str]]:
    return [(u.location, u.kind, u.text) for u in document.units]


@pytest.fixture(scope="module")
def read(made: dict[str, Path]) -> dict[str, IngestedDocument]:
    return {kind: _read(path) for kind, path in made.items() if kind != "pptx"}


@pytest.mark.parametrize(
    "kind, original", [("doc", "docx"), ("wps", "docx"), ("xls", "xlsx"), ("et", "xlsx")]
)
def test_converted_reads_as_its_original(
    read: dict[str, IngestedDocument], made: dict[str, Path], kind: str, original: str
) -> None:
    document = read[kind]
    info = document.info
    assert (info.status, info.error) == ("ok", None)
    assert (info.kind, info.read_by, info.converted_from) == (kind, "converted", kind)
    assert _texts(document) == _texts(read[original])
    sha = hashlib.sha256(made[kind].read_bytes()).hexdigest()
    assert info.sha256 == sha and info.path == made[kind].name
    assert {(u.document, u.sha256) for u in document.units} == {(made[kind].name, sha)}
    assert any("converted from" in note for note in info.notes)


@pytest.mark.parametrize("kind", ["ppt", "dps"])
def test_presentation_is_read_slide_by_slide(
    read: dict[str, IngestedDocument], made: dict[str, Path], kind: str
) -> None:
    document = read[kind]
    assert (document.info.status, document.info.pages, document.info.kind) == ("ok", 2, kind)
    sha = hashlib.sha256(made[kind].read_bytes()).hexdigest()
    found = [(u.page, u.text) for u in document.units if u.sha256 == sha]
    assert found == [(n, text) for n, texts in enumerate(SLIDES, 1) for text in texts]


def test_wps_in_ooxml_form_is_read_directly(made: dict[str, Path], tmp_path: Path) -> None:
    """Newer WPS versions save .wps/.et as OOXML: read by the DOCX/XLSX readers, no LibreOffice."""
    for kind, original in (("wps", "docx"), ("et", "xlsx")):
        renamed = shutil.copy(made[original], tmp_path / f"x.{kind}")
        document = _read(renamed)
        assert (document.info.status, document.info.kind) == ("ok", original)
        assert document.info.read_by != "converted"
        assert _texts(document) == _texts(_read(made[original]))


def test_dps_in_ooxml_form_is_converted(made: dict[str, Path], tmp_path: Path) -> None:
    """sxcheck has no PPTX reader: an OOXML .dps goes through LibreOffice to PDF like a .ppt."""
    document = _read(shutil.copy(made["pptx"], tmp_path / "汇报.dps"))
    assert (document.info.status, document.info.kind, document.info.read_by) == (
        "ok",
        "dps",
        "converted",
    )
    assert [u.text for u in document.units] == [text for texts in SLIDES for text in texts]
    wrong = _read(shutil.copy(made["docx"], tmp_path / "notice.dps")).info
    assert (wrong.status, wrong.error) == ("error", "not a DPS file: content is DOCX")


def test_bad_legacy_files_get_one_line_reasons(made: dict[str, Path], tmp_path: Path) -> None:
    word = made["doc"].read_bytes()
    locked = tmp_path / "locked.doc"
    locked.write_bytes(word)
    with olefile.OleFileIO(str(locked), write_mode=True) as ole:  # set the FIB's fEncrypted
        fib = bytearray(ole.openstream("WordDocument").read())
        fib[11] |= 0x01
        ole.write_stream("WordDocument", bytes(fib))
    cases = {
        "junk.doc": b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + os.urandom(4000),
        "sheet.wps": made["xlsx"].read_bytes(),
        "empty.et": b"",
        "excel.doc": made["xls"].read_bytes(),
        "words.dps": made["doc"].read_bytes(),
        "locked.doc": locked.read_bytes(),
        "image.ppt": b"\x89PNG\r\n\x1a\n" + bytes(100),
    }
    expected = {
        "junk.doc": "unreadable DOC: damaged OLE compound file",
        "sheet.wps": "not a WPS file: content is XLSX",
        "empty.et": "empty file (0 bytes)",
        "excel.doc": "not a .doc file: content is an Excel workbook, not a text document",
        "words.dps": "not a .dps file: content is a Word document, not a presentation",
        "locked.doc": "password-protected DOC: not read (remove the password)",
        "image.ppt": "not a PPT file: content is PNG image",
    }
    for name, data in cases.items():
        info = parse_document(data, name, hashlib.sha256(data).hexdigest()).info
        assert (info.status, info.error) == ("error", expected[name]), name


def test_timeout_kills_soffice_and_leaves_nothing(
    made: dict[str, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(convert, "CONVERT_SECONDS", 0.2)
    info = _read(made["wps"]).info
    assert info.error == "timeout: .wps not converted within 0.2 s"
    assert not cacheable(info.status, info.error)
    assert not _work_folders()
    time.sleep(0.5)
    assert not _our_soffices(), "a soffice of the conversion is still running"


def test_memory_cap_below_what_soffice_needs(
    made: dict[str, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    """In the parser child (forked, so the patched floor is inherited): a clear limit reason."""
    monkeypatch.setattr(convert, "CONVERT_MEMORY_MB", 10**7)
    data = made["xls"].read_bytes()
    with IsolatedParser() as parser:
        info = parser.parse(data, "统计表.xls", hashlib.sha256(data).hexdigest()).info
    assert info.status == "error" and info.error.startswith("memory limit: converting .xls needs")
    assert not cacheable(info.status, info.error)


def test_conversion_runs_in_the_isolated_child(made: dict[str, Path]) -> None:
    """soffice works under the child's RLIMIT_AS (DOC_MEMORY_MB above its baseline)."""
    path = made["wps"]
    sha = hashlib.sha256(path.read_bytes()).hexdigest()
    with IsolatedParser() as parser:
        document = parser.parse_file(path, path.name, sha, path.stat().st_size)
    assert (document.info.status, document.info.read_by) == ("ok", "converted")
    assert _texts(document) == _texts(_read(made["doc"]))


def test_concurrent_conversions_do_not_share_a_profile(made: dict[str, Path]) -> None:
    with ThreadPoolExecutor(2) as pool:
        results = list(pool.map(lambda kind: _read(made[kind]), ["wps", "et"]))
    assert [r.info.status for r in results] == ["ok", "ok"]


def _package(root: Path, notice: Path, made: dict[str, Path]) -> Path:
    docs = root / "佐证材料"
    docs.mkdir(parents=True)
    (root / "submission.yaml").write_text(MANIFEST, encoding="utf-8")
    shutil.copy(notice, docs / f"{NOTICE}{notice.suffix}")
    shutil.copy(made["et"], docs / "2024年智慧城市统计表.et")
    return root


def _check(root: Path, **env: str) -> dict:
    run = subprocess.run(
        [SXCHECK, "check", str(root), "--json"],
        capture_output=True,
        timeout=300,
        env={**os.environ, **env},
    )
    assert run.returncode == 0, run.stderr.decode()[-2000:]
    assert b"Traceback" not in run.stderr
    return json.loads(run.stdout)


def _judged(report: dict) -> dict[str, tuple[str, list[str]]]:
    return {
        item["id"]: (item["status"], sorted(r["code"] for r in item["reasons"]))
        for item in report["indicators"]
    }


def test_package_is_judged_the_same_with_a_wps_notice(
    made: dict[str, Path], tmp_path: Path
) -> None:
    as_docx = _check(_package(tmp_path / "docx", made["docx"], made))
    as_wps = _check(_package(tmp_path / "wps", made["wps"], made))
    assert _judged(as_wps) == _judged(as_docx)
    assert _judged(as_wps)["8.1.1"][0] != "fail"  # the notice was read and counted
    listed = {d["path"]: d for d in as_wps["documents"]}
    notice = listed[f"佐证材料/{NOTICE}.wps"]
    assert (notice["status"], notice["kind"], notice["read_by"]) == ("ok", "wps", "converted")
    quoted = [
        e
        for item in as_wps["indicators"]
        for r in item["reasons"]
        for e in r["evidence"]
        if e["document"].endswith(".wps")
    ]
    assert quoted and {e["sha256"] for e in quoted} == {notice["sha256"]}


def test_without_libreoffice_the_wps_is_listed_with_its_reason(
    made: dict[str, Path], tmp_path: Path
) -> None:
    empty = tmp_path / "bin"
    empty.mkdir()
    # a store of its own: the earlier test's read of the same bytes would be reused
    package = _package(tmp_path / "wps", made["wps"], made)
    report = _check(package, PATH=str(empty), SXCHECK_DB=str(tmp_path / "fresh.db"))
    listed = {d["path"]: d for d in report["documents"]}
    notice = listed[f"佐证材料/{NOTICE}.wps"]
    assert notice["status"] == "error"
    assert notice["error"] == "cannot convert .wps: LibreOffice is not installed (make system-deps)"
    assert not cacheable(notice["status"], notice["error"])
    item = {i["id"]: i for i in report["indicators"]}["8.1.1"]
    unreadable = [r for r in item["reasons"] if r["code"] == "document_unreadable"]
    assert unreadable and f"{NOTICE}.wps" in unreadable[0]["message"]


def _work_folders() -> set[str]:
    """This process's work folders (other runs on the machine have their own)."""
    base = Path(tempfile.gettempdir()) / f"sxcheck-work-{os.getuid()}"
    mine = f"{os.getpid()}-"
    return {p.name for p in base.iterdir() if p.name.startswith(mine)} if base.is_dir() else set()


def _our_soffices() -> list[int]:
    """soffice processes whose profile lies in sxcheck's work folder (not other helpers')."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            command = (entry / "cmdline").read_bytes()
        except OSError:
            continue
        if b"soffice" in command and f"sxcheck-work-{os.getuid()}".encode() in command:
            found.append(int(entry.name))
    return found


def test_document_time_limit_below_the_conversion_kills_soffice_too(
    made: dict[str, Path],
) -> None:
    """The parent kills the parser child at the document's limit; the soffice it started
    (in a session of its own) goes with it instead of running on."""
    path = made["wps"]
    sha = hashlib.sha256(path.read_bytes()).hexdigest()
    before = set(_our_soffices())
    with IsolatedParser(Limits(seconds=0.4)) as parser:
        info = parser.parse_file(path, "通知.wps", sha, path.stat().st_size).info
    assert info.status == "error" and info.error.startswith("timeout:")
    time.sleep(0.5)
    assert not set(_our_soffices()) - before, "a soffice outlived the parser child"
