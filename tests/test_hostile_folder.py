"""Hostile submission folders (issue 13): nothing outside the submission is read, nothing
is dropped without a word, and no file name or file type ends in a traceback or a hang."""

from __future__ import annotations

import os
import socket
import stat
import time
from pathlib import Path

import pytest

from sxcheck.limits import MAX_PATH_DEPTH, MAX_SUBMISSION_FILES

from .conftest import MINIMAL, check_json, run_cli

CANARY = "CANARY-7f3a9c-outside"
EVIDENCE = "全市5G网络覆盖率达到96.9%。"


@pytest.fixture
def outside(tmp_path: Path) -> Path:
    """A folder beside the submission whose every file carries the canary."""
    folder = tmp_path / "outside"
    folder.mkdir()
    (folder / "secret.txt").write_text(f"{CANARY}：全市5G网络覆盖率达到99.9%。\n", encoding="utf-8")
    (folder / "submission.yaml").write_text(
        f"region: {CANARY}\nlevel: county\nyear: 2024\nparent: 晋阳市\n", encoding="utf-8"
    )
    (folder / "rules.yaml").write_text(f"# {CANARY}\n", encoding="utf-8")
    return folder


@pytest.fixture
def root(tmp_path: Path) -> Path:
    folder = tmp_path / "submission"
    folder.mkdir()
    (folder / "submission.yaml").write_text(MINIMAL, encoding="utf-8")
    (folder / "说明.txt").write_text(EVIDENCE, encoding="utf-8")
    return folder


def error_line(*args: str) -> str:
    code, out, err = run_cli("check", *args, "--no-store", "--quiet")
    assert code == 2, err
    assert "Traceback" not in err
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    return lines[0].removeprefix("sxcheck: error: ")


def every_output(root: Path, tmp_path: Path) -> tuple[dict, str]:
    """Run `check` with a store and every report format; the report and all bytes written."""
    db = tmp_path / "store.db"
    outs = [tmp_path / f"report.{ext}" for ext in ("json", "html", "md", "xlsx", "docx")]
    started = time.monotonic()
    code, report, err = check_json(
        root, "--db", str(db), *[a for out in outs for a in ("--report", str(out))]
    )
    assert time.monotonic() - started < 120
    assert code in (0, 1), err
    assert "Traceback" not in err
    assert report is not None
    written = b"".join(p.read_bytes() for p in [db, *outs] if p.exists())
    for extra in tmp_path.glob("store.db*"):
        written += extra.read_bytes()
    return report, written.decode("latin-1") + err


def documents(report: dict) -> dict[str, dict]:
    return {d["path"]: d for d in report["documents"]}


# ------------------------------------------------------------ the declaration


@pytest.mark.parametrize("name", ["submission.yaml", "submission.xlsx"])
def test_declaration_symlinked_outside_is_not_read(root, outside, name):
    (root / "submission.yaml").unlink()
    (root / name).symlink_to(outside / "submission.yaml")
    line = error_line(str(root))
    assert line == f"{name}: 是符号链接，未读取（请提交文件本身）"
    assert CANARY not in line


def test_declaration_that_is_a_fifo_does_not_hang(root):
    (root / "submission.yaml").unlink()
    os.mkfifo(root / "submission.yaml")
    started = time.monotonic()
    assert error_line(str(root)) == "submission.yaml: 不是普通文件，未读取"
    assert time.monotonic() - started < 60


def test_two_declarations_in_case_variants(root):
    (root / "SUBMISSION.YAML").write_text(MINIMAL, encoding="utf-8")
    assert error_line(str(root)) == (
        "有两份申报文件：SUBMISSION.YAML 和 submission.yaml（只保留一份）"
    )


def test_declaration_at_the_top_and_in_a_folder(root):
    (root / "县").mkdir()
    (root / "县" / "Submission.yaml").write_text(MINIMAL, encoding="utf-8")
    assert error_line(str(root)) == (
        "有两份申报文件：submission.yaml 和 县/Submission.yaml（只保留一份）"
    )


def test_declaration_in_the_wrong_case_is_named(root):
    (root / "submission.yaml").rename(root / "Submission.yaml")
    assert error_line(str(root)) == (
        "Submission.yaml: 申报文件应命名为 submission.yaml 或 submission.xlsx"
    )


def test_single_top_folder_symlinked_outside_is_not_followed(tmp_path, outside):
    top = tmp_path / "top"
    top.mkdir()
    (top / "晋阳市").symlink_to(outside, target_is_directory=True)
    line = error_line(str(top))
    assert line == f"{top}: 未找到申报文件 submission.yaml（或 submission.xlsx）"


# ------------------------------------------------------------ links and special files


def test_symlinks_are_listed_never_followed(root, outside, tmp_path):
    (root / "外部.txt").symlink_to(outside / "secret.txt")
    (root / "内部.txt").symlink_to(root / "说明.txt")
    (root / "材料").symlink_to(outside, target_is_directory=True)
    (root / "悬空.txt").symlink_to(tmp_path / "nowhere")
    (root / "rules").symlink_to(outside, target_is_directory=True)
    report, written = every_output(root, tmp_path)
    docs = documents(report)
    out = "symbolic link pointing outside the submission: not followed (submit the file itself)"
    inside = "symbolic link to a file in the submission: not followed (submit the file itself)"
    assert {p: (d["status"], d["error"]) for p, d in docs.items() if p != "说明.txt"} == {
        "外部.txt": ("skipped", out),
        "内部.txt": ("skipped", inside),
        "材料": ("skipped", out),
        "悬空.txt": ("skipped", out),
        "rules": ("skipped", out),
    }
    assert docs["说明.txt"]["status"] == "ok"
    assert CANARY not in written
    assert report["run"]["rules_skipped"] == []


def test_symlink_loop_is_listed(root):
    (root / "a").symlink_to(root / "b")
    (root / "b").symlink_to(root / "a")
    code, report, err = check_json(root, "--no-store")
    assert code in (0, 1), err
    assert documents(report)["a"]["status"] == "skipped"


def test_fifo_socket_and_device_are_listed_never_opened(root, tmp_path):
    os.mkfifo(root / "pipe.txt")
    server = socket.socket(socket.AF_UNIX)
    server.bind(str(root / "s.sock"))
    device = True
    try:
        os.mknod(root / "null.txt", stat.S_IFCHR | 0o600, os.makedev(1, 3))
    except (PermissionError, OSError):
        device = False
    try:
        started = time.monotonic()
        code, report, err = check_json(root, "--no-store")
        assert time.monotonic() - started < 60
    finally:
        server.close()
    assert code in (0, 1), err
    docs = documents(report)
    assert (docs["pipe.txt"]["status"], docs["pipe.txt"]["error"]) == (
        "skipped",
        "named pipe (FIFO): not a file, not read",
    )
    assert docs["s.sock"]["error"] == "socket: not a file, not read"
    if device:
        assert docs["null.txt"]["error"] == "device file: not a file, not read"


def test_hard_link_is_read_and_noted(root, tmp_path):
    shared = tmp_path / "elsewhere.txt"
    shared.write_text(EVIDENCE, encoding="utf-8")
    os.link(shared, root / "链接.txt")
    code, report, err = check_json(root, "--no-store")
    assert code in (0, 1), err
    doc = documents(report)["链接.txt"]
    assert doc["status"] == "ok"
    assert (
        "hard link: this file has 1 other name on the disk, maybe outside the submission"
        in doc["notes"]
    )
    assert not documents(report)["说明.txt"]["notes"]


# ------------------------------------------------------------ names and sizes


def test_names_that_are_not_utf8(root, tmp_path):
    raw = os.fsencode(root) + b"/\xff\xfe.txt"
    with open(raw, "wb") as handle:
        handle.write(EVIDENCE.encode())
    os.mkdir(os.fsencode(root) + b"/\xe4\xb8")  # a cut-off 中
    with open(os.fsencode(root) + b"/\xe4\xb8/a.txt", "wb") as handle:
        handle.write(EVIDENCE.encode())
    report, _ = every_output(root, tmp_path)
    docs = documents(report)
    note = "file name is not valid UTF-8: its undecodable bytes are shown as \\xNN"
    for name in ("\\xff\\xfe.txt", "\\xe4\\xb8/a.txt"):
        assert docs[name]["status"] == "ok", docs[name]
        assert note in docs[name]["notes"]
        assert docs[name]["text_units"] == 1


def test_too_many_files(root):
    folder = root / "材料"
    folder.mkdir()
    for i in range(MAX_SUBMISSION_FILES):
        (folder / f"{i}.txt").touch()
    assert error_line(str(root)) == (
        f"{root}: more than {MAX_SUBMISSION_FILES} files (limit {MAX_SUBMISSION_FILES})"
    )


def test_too_deep(root):
    deep = root.joinpath(*["d"] * (MAX_PATH_DEPTH + 1))
    deep.mkdir(parents=True)
    (deep / "a.txt").write_text(EVIDENCE, encoding="utf-8")
    assert error_line(str(root)) == (
        f"{root}: folder '{'/'.join(['d'] * (MAX_PATH_DEPTH + 1))}' is"
        f" {MAX_PATH_DEPTH + 1} levels deep (limit {MAX_PATH_DEPTH})"
    )


def test_listing_keeps_path_order(root):
    for name in ("a-c.txt", "a/b.txt", "B.txt"):
        (root / name).parent.mkdir(exist_ok=True)
        (root / name).write_text(EVIDENCE, encoding="utf-8")
    code, report, err = check_json(root, "--no-store")
    assert code in (0, 1), err
    assert [d["path"] for d in report["documents"]] == [
        "B.txt",
        "a/b.txt",
        "a-c.txt",
        "说明.txt",
    ]


@pytest.mark.parametrize("name", ["sub.zip", "sub"])
def test_submission_that_is_a_fifo_does_not_hang(tmp_path, name):
    os.mkfifo(tmp_path / name)
    started = time.monotonic()
    assert error_line(str(tmp_path / name)) == (
        f"{tmp_path / name}: 申报材料应为文件夹或 .zip 压缩包"
    )
    assert time.monotonic() - started < 60


def test_listing_notes_follow_the_name_not_the_stored_content(root, tmp_path):
    """A read taken from the store keeps neither a note twice nor another name's note."""
    db = str(tmp_path / "notes.db")
    shared = tmp_path / "elsewhere.txt"
    shared.write_text(EVIDENCE + "链接", encoding="utf-8")
    os.link(shared, root / "链接.txt")
    note = "hard link: this file has 1 other name on the disk, maybe outside the submission"
    for _ in range(2):
        code, report, err = check_json(root, "--db", db)
        assert code in (0, 1), err
        assert documents(report)["链接.txt"]["notes"].count(note) == 1
    (root / "链接.txt").unlink()
    (root / "副本.txt").write_text(EVIDENCE + "链接", encoding="utf-8")  # same content
    code, report, err = check_json(root, "--db", db)
    doc = documents(report)["副本.txt"]
    assert doc["sha256"] and note not in doc["notes"]
