"""Each document is parsed in a child process with a memory cap and a time limit;
mutated real files and a corpus of real-world odd files never crash or hang a run."""

from __future__ import annotations

import json
import subprocess
import sys
import tarfile
from collections import Counter
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sxcheck.ingest import read_document
from sxcheck.ingest.isolate import IsolatedParser, Limits

from .conftest import MINIMAL, ROOT, SAMPLE, check_json
from .hostile import flate_bomb

BUILD = ROOT / "build" / "oddities"
SAMPLE_PDF = SAMPLE / "佐证材料" / "01-晋阳市新型智慧城市建设自评估报告.pdf"
SAMPLE_DOCX = SAMPLE / "佐证材料" / "02-关于成立晋阳市新型智慧城市建设领导小组的通知.docx"


def test_a_flate_bomb_is_stopped_by_the_memory_cap_and_the_run_goes_on(make_submission, tmp_path):
    bomb = flate_bomb(tmp_path / "bomb.pdf", 256)  # 0.7 MB on disk, 256 MiB inflated
    root = make_submission(
        MINIMAL,
        {"炸弹.pdf": bomb, "说明.txt": "全县86个重点公共区域中已有80个实现5G网络覆盖。".encode()},
    )
    code, report, err = check_json(root, "--doc-memory", "200", "--doc-timeout", "60", "--no-store")
    assert code == 0, err
    docs = {d["path"]: d for d in report["documents"]}
    assert docs["炸弹.pdf"]["status"] == "error"
    assert docs["炸弹.pdf"]["error"] == "memory limit: needs more than 200 MiB"
    assert docs["说明.txt"]["status"] == "ok"  # parsed by the replacement child
    assert next(j for j in report["indicators"] if j["id"] == "1.1.1")["status"] == "pass"
    assert len(report["indicators"]) == 69


def test_a_document_past_the_time_limit_is_an_error_and_the_next_one_is_read(tmp_path):
    bomb = flate_bomb(tmp_path / "bomb.pdf", 256)
    good = tmp_path / "good.txt"
    good.write_text("全市IPv6网站共50个。", encoding="utf-8")
    with IsolatedParser(Limits(seconds=1.0, memory_mb=4096)) as parser:
        slow = read_document(bomb, "bomb.pdf", isolation=parser)
        after = read_document(good, "good.txt", isolation=parser)
        assert parser.replaced == 1
    assert slow.info.status == "error" and slow.info.error == "timeout: not parsed within 1 s"
    assert slow.info.sha256 and slow.info.size == bomb.stat().st_size
    assert after.info.status == "ok" and after.units


# ------------------------------------------------------------ property-based


@pytest.fixture(scope="module")
def parser():
    with IsolatedParser(Limits(seconds=20, memory_mb=1024)) as isolated:
        yield isolated


def _mutations(original: bytes):
    """Flip, overwrite, cut or insert bytes anywhere in a real file."""
    size = len(original)
    position = st.integers(min_value=0, max_value=size - 1)
    flip = st.tuples(st.just("flip"), position, st.integers(1, 255))
    overwrite = st.tuples(st.just("overwrite"), position, st.binary(min_size=1, max_size=64))
    cut = st.tuples(st.just("cut"), position, st.integers(1, 4096))
    truncate = st.tuples(st.just("truncate"), position, st.just(0))
    return st.lists(st.one_of(flip, overwrite, cut, truncate), min_size=1, max_size=6)


def _apply(original: bytes, edits) -> bytes:
    data = bytearray(original)
    for kind, at, arg in edits:
        at = min(at, max(len(data) - 1, 0))
        if kind == "flip" and data:
            data[at] ^= arg
        elif kind == "overwrite":
            data[at : at + len(arg)] = arg
        elif kind == "cut":
            del data[at : at + arg]
        elif kind == "truncate":
            del data[at:]
    return bytes(data)


def _assert_contained(document, rel: str) -> None:
    info = document.info
    assert info.path == rel and info.status in ("ok", "error", "skipped")
    if info.status == "error":
        assert info.error and "\n" not in info.error and len(info.error) <= 400
    for unit in document.units:
        assert unit.document == rel and unit.text


@pytest.mark.parametrize("original", [SAMPLE_PDF, SAMPLE_DOCX], ids=["pdf", "docx"])
@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.data())
def test_mutated_real_documents_never_escape(original: Path, data, parser, tmp_path_factory):
    content = original.read_bytes()
    mutated = _apply(content, data.draw(_mutations(content)))
    path = tmp_path_factory.mktemp("mutant") / f"mutant{original.suffix}"
    path.write_bytes(mutated)
    _assert_contained(read_document(path, path.name, isolation=parser), path.name)


# ------------------------------------------------------------ real-world oddities


def _oddities() -> list[Path]:
    """The test files shipped in the pypdf and python-docx sdists, extracted under build/."""
    marker = BUILD / ".extracted"
    if not marker.exists():
        BUILD.mkdir(parents=True, exist_ok=True)
        result = subprocess.run(
            [
                sys.executable,
                "-m",
                "pip",
                "download",
                "-q",
                "--no-binary",
                ":all:",
                "--no-deps",
                "pypdf",
                "python-docx",
                "-d",
                str(BUILD / "sdists"),
            ],
            capture_output=True,
            text=True,
            timeout=600,
        )
        if result.returncode != 0:
            pytest.skip(
                f"cannot download the pypdf/python-docx sdists: {result.stderr.strip()[-200:]}"
            )
        for archive in (BUILD / "sdists").glob("*.tar.gz"):
            with tarfile.open(archive) as tar:
                members = [
                    m
                    for m in tar.getmembers()
                    if m.isfile() and m.name.lower().endswith((".pdf", ".docx"))
                ]
                tar.extractall(BUILD / "files", members=members, filter="data")
        marker.write_text("ok")
    return sorted(p for p in (BUILD / "files").rglob("*") if p.suffix.lower() in (".pdf", ".docx"))


def test_real_world_odd_pdfs_and_docx_never_crash_or_hang():
    files = _oddities()
    assert len(files) >= 100, len(files)
    outcomes: Counter[str] = Counter()
    errors: Counter[str] = Counter()
    with IsolatedParser(Limits(seconds=60, memory_mb=1024)) as parser:
        for path in files:
            rel = path.relative_to(BUILD / "files").as_posix()
            document = read_document(path, rel, isolation=parser)
            _assert_contained(document, rel)
            outcomes[f"{path.suffix.lower()} {document.info.status}"] += 1
            if document.info.error:
                errors[document.info.error.split(":")[0]] += 1
    summary = {"files": len(files), "outcomes": dict(outcomes), "errors": dict(errors)}
    (BUILD / "summary.json").write_text(
        json.dumps(summary, ensure_ascii=False, indent=2), encoding="utf-8"
    )
    print(summary)
    assert not any(reason.startswith("timeout") for reason in errors)
    assert outcomes[".pdf ok"] > 0 and outcomes[".docx ok"] > 0


def test_an_owner_password_only_pdf_is_read_and_noted(tmp_path):
    from .docbuilders import para, write_pdf

    pdf = write_pdf(
        tmp_path / "受限.pdf", [para("全市政务服务事项共2100项。")], owner_password="owner-secret"
    )
    with IsolatedParser() as parser:
        document = read_document(pdf, "受限.pdf", isolation=parser)
    assert document.info.status == "ok"
    assert "全市政务服务事项共2100项。" in [u.text for u in document.units]
    assert (
        "encrypted with an owner password only (permissions restricted): read"
        in document.info.notes
    )
