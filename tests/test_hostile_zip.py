"""Hostile zips (issue 13): every one is refused with one line naming the zip and the
entry, or read correctly; never a traceback, a silent pick or a folder left behind."""

from __future__ import annotations

import os
import signal
import struct
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

import pytest

from sxcheck.ingest.archive import safe_extract, work_folder
from sxcheck.limits import MAX_SUBMISSION_FILES, MAX_ZIP_ENTRIES, MAX_ZIP_RATIO

from .conftest import MINIMAL, check_json, run_cli

SXCHECK = Path(sys.executable).with_name("sxcheck")
EVIDENCE = "全市5G网络覆盖率达到96.9%。".encode()


def error_line(archive: Path) -> str:
    """The one line `check` prints for a refused zip (exit 2, no traceback)."""
    code, _, err = run_cli("check", str(archive), "--no-store", "--quiet")
    assert code == 2, err
    assert "Traceback" not in err
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("sxcheck: error: ")
    return lines[0].removeprefix("sxcheck: error: ")


def make_zip(path: Path, entries: list[tuple[str | zipfile.ZipInfo, bytes]], **kw) -> Path:
    with zipfile.ZipFile(path, "w", **kw) as archive:
        for name, data in entries:
            archive.writestr(name, data)
    return path


def patch(path: Path, name: str, offset_local: int, offset_central: int, fmt: str, value) -> None:
    """Overwrite one field of entry `name` in its local header and central record."""
    data = bytearray(path.read_bytes())
    with zipfile.ZipFile(path) as archive:
        local = archive.getinfo(name).header_offset
    struct.pack_into(fmt, data, local + offset_local, value)
    raw = name.encode()
    start = 0
    while (at := data.find(b"PK\x01\x02", start)) >= 0:
        length = struct.unpack_from("<H", data, at + 28)[0]
        if data[at + 46 : at + 46 + length] == raw:
            struct.pack_into(fmt, data, at + offset_central, value)
        start = at + 4
    path.write_bytes(bytes(data))


def data_offset(path: Path, name: str) -> int:
    """Where entry `name`'s (compressed) data starts in the file."""
    data = path.read_bytes()
    with zipfile.ZipFile(path) as archive:
        local = archive.getinfo(name).header_offset
    name_len, extra_len = struct.unpack_from("<HH", data, local + 26)
    return local + 30 + name_len + extra_len


def base(path: Path, *extra: tuple[str | zipfile.ZipInfo, bytes], **kw) -> Path:
    return make_zip(path, [("submission.yaml", MINIMAL.encode()), *extra], **kw)


# ------------------------------------------------------------ damaged data


def test_bad_deflate_data(tmp_path):
    archive = base(tmp_path / "d.zip", ("a.txt", EVIDENCE * 50), compression=zipfile.ZIP_DEFLATED)
    data = bytearray(archive.read_bytes())
    at = data_offset(archive, "a.txt")
    data[at : at + 4] = b"\xff\xff\xff\xff"  # block type 3: invalid
    archive.write_bytes(bytes(data))
    assert error_line(archive) == "d.zip: entry 'a.txt' damaged: bad compressed data"


def test_bad_crc(tmp_path):
    archive = base(tmp_path / "c.zip", ("a.txt", EVIDENCE))
    data = bytearray(archive.read_bytes())
    data[data_offset(archive, "a.txt")] ^= 0xFF
    archive.write_bytes(bytes(data))
    assert error_line(archive) == "c.zip: entry 'a.txt' damaged: bad CRC"


def test_size_smaller_than_the_data(tmp_path):
    archive = base(tmp_path / "s.zip", ("a.txt", EVIDENCE * 10))
    patch(archive, "a.txt", 22, 24, "<I", 10)  # uncompressed size: 10
    assert error_line(archive) == "s.zip: entry 'a.txt' damaged: bad CRC"


def test_size_larger_than_the_data(tmp_path):
    archive = base(tmp_path / "s.zip", ("a.txt", EVIDENCE * 10))
    patch(archive, "a.txt", 22, 24, "<I", 100_000)  # uncompressed size: 100,000
    assert error_line(archive) == "s.zip: entry 'a.txt' damaged: shorter than it declares"


# ------------------------------------------------------------ what cannot be unpacked


def test_encrypted_entry(tmp_path):
    archive = base(tmp_path / "e.zip", ("secret.txt", EVIDENCE))
    patch(archive, "secret.txt", 6, 8, "<H", 0x1)  # general purpose flag: encrypted
    assert error_line(archive) == (
        "unsafe zip: entry 'secret.txt' is encrypted; unzip it and submit the folder instead"
    )


@pytest.mark.parametrize(("method", "label"), [(99, "AES"), (4242, "unknown")])
def test_unsupported_method(tmp_path, method, label):
    archive = base(tmp_path / "m.zip", ("a.txt", EVIDENCE))
    patch(archive, "a.txt", 8, 10, "<H", method)
    assert error_line(archive) == (
        f"unsafe zip: entry 'a.txt' uses compression method {method} ({label}),"
        " which sxcheck cannot unpack"
    )


def test_name_component_too_long(tmp_path):
    name = "长" * 100 + ".txt"  # 304 bytes in UTF-8
    archive = base(tmp_path / "n.zip", (name, EVIDENCE))
    assert error_line(archive) == (f"unsafe zip: entry '{name}' has a name longer than 255 bytes")


def test_path_too_long_for_the_file_system(tmp_path):
    name = "/".join(["d" * 250] * 20) + "/a.txt"  # 5,000 bytes, each part allowed
    archive = base(tmp_path / "p.zip", (name, EVIDENCE))
    line = error_line(archive)
    assert line.startswith("p.zip: entry 'ddd")
    assert line.endswith("' cannot be unpacked: its name is too long for the file system")


def test_too_deep(tmp_path):
    archive = base(tmp_path / "deep.zip", ("/".join(["d"] * 40) + "/a.txt", EVIDENCE))
    assert error_line(archive) == (
        f"unsafe zip: entry '{'/'.join(['d'] * 40)}/a.txt' is 40 folders deep (limit 32)"
    )


def test_dot_entry(tmp_path):
    archive = base(tmp_path / "dot.zip", (".", EVIDENCE))
    assert error_line(archive) == "unsafe zip: entry '.' has no file name"


def test_dot_slash_folder_entry_is_the_top_itself(tmp_path):
    archive = base(tmp_path / "dot.zip", ("./", b""), ("a.txt", EVIDENCE))
    code, report, err = check_json(archive, "--no-store")
    assert code == 0, err
    assert [d["path"] for d in report["documents"]] == ["a.txt"]


# ------------------------------------------------------------ names: never two for one file


@pytest.mark.parametrize(
    "names",
    [["a", "a/b.txt"], ["a/b.txt", "a"], ["a/", "a"]],
    ids=["file-first", "folder-first", "dir-entry"],
)
def test_entry_both_file_and_folder(tmp_path, names):
    archive = base(tmp_path / "fd.zip", *[(n, b"" if n.endswith("/") else EVIDENCE) for n in names])
    assert error_line(archive) == "unsafe zip: entry 'a' is both a file and a folder"


@pytest.mark.parametrize(
    ("first", "second", "shown"),
    [
        ("a.txt", "a.txt", "a.txt"),
        ("d/a.txt", "d\\a.txt", "d/a.txt"),
        ("d/a.txt", "d//a.txt", "d/a.txt"),
        ("d/a.txt", "./d/a.txt", "d/a.txt"),
        ("submission.yaml", "submission.yaml", "submission.yaml"),
    ],
)
def test_duplicate_entries_refused(tmp_path, first, second, shown):
    with pytest.warns(UserWarning) if first == second else _nothing():
        archive = base(tmp_path / "dup.zip", (first, EVIDENCE), (second, b"other"))
    assert error_line(archive) == (
        f"unsafe zip: two entries named '{shown}' (a zip must name each file once)"
    )


class _nothing:  # noqa: N801 - a null context manager for the parametrised warns
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


def test_two_declarations_in_case_variants(tmp_path):
    archive = base(tmp_path / "two.zip", ("Submission.yaml", b"region: x\n"))
    assert error_line(archive) == (
        "有两份申报文件：Submission.yaml 和 submission.yaml（只保留一份）"
    )


def test_declaration_at_the_top_and_in_a_folder(tmp_path):
    archive = base(tmp_path / "two.zip", ("县/submission.yaml", MINIMAL.encode()))
    assert error_line(archive) == (
        "有两份申报文件：submission.yaml 和 县/submission.yaml（只保留一份）"
    )


def test_yaml_and_xlsx_both(tmp_path):
    archive = base(tmp_path / "two.zip", ("submission.xlsx", b"PK"))
    assert error_line(archive) == (
        "有两份申报文件：submission.xlsx 和 submission.yaml（只保留一份）"
    )


class _Raw(zipfile.ZipInfo):
    """An entry whose stored name is raw bytes, with or without the UTF-8 flag."""

    raw = b""
    utf8 = False

    def _encodeFilenameFlags(self):  # noqa: N802 - zipfile's own hook
        flags = self.flag_bits | 0x800 if self.utf8 else self.flag_bits & ~0x800
        return self.raw, flags


def test_name_flagged_utf8_that_is_not(tmp_path):
    info = _Raw("x.txt")
    info.raw, info.utf8 = b"\xff\xfe.txt", True
    archive = base(tmp_path / "u.zip", (info, EVIDENCE))
    assert error_line(archive) == (
        "u.zip: not a readable zip file (an entry name marked UTF-8 is not UTF-8)"
    )


def test_name_neither_utf8_nor_gbk_is_read(tmp_path):
    info = _Raw("x.txt")
    info.raw = b"\xff\xfe\x80.txt"
    archive = base(tmp_path / "u.zip", (info, EVIDENCE))
    code, report, err = check_json(archive, "--no-store")
    assert code == 0, err
    [doc] = report["documents"]
    assert doc["status"] == "ok" and doc["path"].endswith(".txt")


# ------------------------------------------------------------ budgets


def test_too_many_entries(tmp_path):
    entries = [(f"d/{i}.txt", b"") for i in range(MAX_ZIP_ENTRIES)]
    archive = base(tmp_path / "many.zip", *entries)
    assert error_line(archive) == (
        f"unsafe zip: {MAX_ZIP_ENTRIES + 1} entries (limit {MAX_ZIP_ENTRIES})"
    )


def test_too_many_files_within_the_entry_limit(tmp_path):
    entries = [(f"d/{i}.txt", b"x") for i in range(MAX_SUBMISSION_FILES + 1)]
    archive = base(tmp_path / "many.zip", *entries)
    assert error_line(archive) == (
        f"{archive}: more than {MAX_SUBMISSION_FILES} files (limit {MAX_SUBMISSION_FILES})"
    )


def test_many_small_entries_compressed_far_beyond_the_ratio(tmp_path):
    """Each entry under 1 MiB (below the per-entry check), the zip as a whole a bomb."""
    entries = [(f"d/{i}.txt", b"0" * (900 * 1024)) for i in range(200)]
    archive = base(tmp_path / "b.zip", *entries, compression=zipfile.ZIP_DEFLATED)
    started = time.monotonic()
    line = error_line(archive)
    assert line.startswith(
        f"unsafe zip: unpacks to {200 * 900 * 1024 + len(MINIMAL.encode())} bytes from "
    )
    assert line.endswith(f"(limit {MAX_ZIP_RATIO}:1, zip bomb?)")
    assert time.monotonic() - started < 30


def test_the_allowed_maximum_unpacks_fast(tmp_path):
    """2,000 files in 40 folders: a guard (the unpacking took 0.5 s here), not a benchmark."""
    entries = [(f"d{i % 40}/f{i}.txt", EVIDENCE * 20) for i in range(MAX_SUBMISSION_FILES - 1)]
    archive = base(tmp_path / "max.zip", *entries, compression=zipfile.ZIP_DEFLATED)
    target = tmp_path / "out"
    target.mkdir()
    started = time.monotonic()
    safe_extract(archive, target)
    assert time.monotonic() - started < 20
    assert len(list(target.rglob("*.txt"))) == MAX_SUBMISSION_FILES - 1


# ------------------------------------------------------------ the work folder


def _work_base(tmp: Path) -> Path:
    return tmp / f"sxcheck-work-{os.getuid()}"


def _slow_zip(path: Path) -> Path:
    """A zip whose reading takes seconds: many documents, each parsed in the child."""
    entries = [(f"d{i % 20}/f{i}.txt", EVIDENCE * 40) for i in range(1500)]
    return base(path, *entries, compression=zipfile.ZIP_DEFLATED)


def _start(archive: Path, tmp: Path) -> subprocess.Popen:
    env = {**os.environ, "TMPDIR": str(tmp)}
    return subprocess.Popen(
        [str(SXCHECK), "check", str(archive), "--no-store", "--quiet"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )


def _wait_for_work_folder(tmp: Path, process: subprocess.Popen) -> Path:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        folders = list(_work_base(tmp).glob(f"{process.pid}-*")) if _work_base(tmp).is_dir() else []
        if folders and (folders[0] / "tree" / "submission.yaml").exists():
            return folders[0]
        assert process.poll() is None, process.stderr.read() if process.stderr else ""
        time.sleep(0.01)
    raise AssertionError("no work folder appeared")


def test_killed_run_leaves_a_folder_the_next_run_removes(tmp_path):
    tmp = tmp_path / "tmp"
    tmp.mkdir()
    archive = _slow_zip(tmp_path / "big.zip")
    process = _start(archive, tmp)
    folder = _wait_for_work_folder(tmp, process)
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=30)
    assert folder.exists()  # SIGKILL: nobody could clean up
    small = base(tmp_path / "small.zip", ("a.txt", EVIDENCE))
    done = subprocess.run(
        [str(SXCHECK), "check", str(small), "--no-store", "--quiet"],
        env={**os.environ, "TMPDIR": str(tmp)},
        capture_output=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert not folder.exists()
    assert list(_work_base(tmp).iterdir()) == []


def test_sigterm_removes_the_folder(tmp_path):
    tmp = tmp_path / "tmp"
    tmp.mkdir()
    process = _start(_slow_zip(tmp_path / "big.zip"), tmp)
    folder = _wait_for_work_folder(tmp, process)
    process.send_signal(signal.SIGTERM)
    assert process.wait(timeout=60) == 128 + signal.SIGTERM
    assert not folder.exists()
    assert b"Traceback" not in (process.stderr.read() if process.stderr else b"")


def test_a_live_runs_folder_is_kept(tmp_path, monkeypatch):
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    with work_folder() as mine, work_folder() as other:
        assert mine.exists() and other.exists()  # the second run left the first's alone
    assert list(_work_base(tmp_path).iterdir()) == []


def test_a_folder_without_lock_of_a_dead_pid_is_removed(tmp_path, monkeypatch):
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    stale = _work_base(tmp_path) / "999999999-abc"
    (stale / "tree").mkdir(parents=True)
    with work_folder():
        assert not stale.exists()
