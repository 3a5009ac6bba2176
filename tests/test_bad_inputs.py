"""Unusable submissions exit 2 with one line; broken documents are listed and the run goes on."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest

from .conftest import MINIMAL, SAMPLE, check_json, run_cli
from .docbuilders import para, write_pdf


def one_line_error(code: int, err: str, *needles: str) -> None:
    assert code == 2
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert "Traceback" not in err
    for needle in needles:
        assert needle in lines[0], lines[0]


def test_missing_path(tmp_path):
    code, _, err = run_cli("check", str(tmp_path / "nope"))
    one_line_error(code, err, "文件或文件夹不存在")


def test_missing_manifest(make_submission):
    root = make_submission(None, {"a.txt": "文本".encode()})
    code, _, err = run_cli("check", str(root))
    one_line_error(code, err, "未找到申报文件 submission.yaml")


@pytest.mark.parametrize(
    ("manifest", "needles"),
    [
        ("region: [unclosed\n", ["submission.yaml:", "YAML 格式错误"]),
        ("just a sentence\n", ["应为包含 region、level、year、indicators 等键的映射"]),
        (
            "region: 测试县\nlevel: province\nyear: 2024\n",
            ["submission.yaml:2", "层级应为 city（市级）或 county（县级），而不是 'province'"],
        ),
        ("region: 测试县\nlevel: city\n", ["缺少 year（年度）"]),
        (
            MINIMAL + 'indicators:\n  "9.9.9": {numerator: 1, denominator: 2}\n',
            ["submission.yaml:6", "指标 9.9.9 不存在"],
        ),
        (
            MINIMAL + 'indicators:\n  "1.1.1": {numerator: 1, denominater: 2}\n',
            ["指标 1.1.1 未知字段 'denominater'（是否为 denominator？）"],
        ),
        (
            MINIMAL + 'indicators:\n  "3.1.1": {numerator: 1, denominator: 2}\n',
            ["指标 3.1.1 有多个测量项", "coverage"],
        ),
        (
            MINIMAL + 'indicators:\n  "1.1.1": {numerator: abc, denominator: 2}\n',
            ["numerator（分子）应为数字"],
        ),
    ],
)
def test_invalid_manifest(make_submission, manifest, needles):
    root = make_submission(manifest)
    code, _, err = run_cli("check", str(root))
    one_line_error(code, err, *needles)


def test_manifest_not_utf8(make_submission):
    root = make_submission(None)
    (root / "submission.yaml").write_bytes("region: 测试县\n".encode("utf-16"))
    code, _, err = run_cli("check", str(root))
    one_line_error(code, err, "submission.yaml")


def _zip(entries: dict[str, bytes], path: Path, symlink: str | None = None) -> Path:
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
        if symlink:
            info = zipfile.ZipInfo(symlink)
            info.external_attr = 0o120777 << 16
            archive.writestr(info, "/etc/passwd")
    return path


@pytest.mark.parametrize(
    ("entries", "symlink", "needle"),
    [
        ({"submission.yaml": MINIMAL.encode(), "../evil.txt": b"x"}, None, "outside the folder"),
        ({"submission.yaml": MINIMAL.encode(), "/abs/evil.txt": b"x"}, None, "absolute entry"),
        ({"submission.yaml": MINIMAL.encode()}, "link.txt", "symbolic link"),
    ],
)
def test_unsafe_zip_refused_and_nothing_written_outside(tmp_path, entries, symlink, needle):
    archive = _zip(entries, tmp_path / "sub.zip", symlink)
    code, _, err = run_cli("check", str(archive))
    one_line_error(code, err, "unsafe zip", needle)
    assert not (tmp_path / "evil.txt").exists()
    assert not Path("/abs/evil.txt").exists()


def test_zip_bomb_ratio_refused(tmp_path):
    archive = tmp_path / "bomb.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("submission.yaml", MINIMAL)
        z.writestr("big.txt", b"0" * (50 * 1024 * 1024))
    code, _, err = run_cli("check", str(archive))
    one_line_error(code, err, "unsafe zip", "zip bomb")


def test_not_a_zip(tmp_path):
    fake = tmp_path / "sub.zip"
    fake.write_bytes(b"this is not a zip")
    code, _, err = run_cli("check", str(fake))
    one_line_error(code, err, "not a readable zip")


class _GbkInfo(zipfile.ZipInfo):
    """A zip entry whose name is stored as GBK bytes without the UTF-8 flag (WinRAR, 360压缩)."""

    def _encodeFilenameFlags(self):  # noqa: N802 - zipfile's own hook
        return self.filename.encode("gbk"), self.flag_bits & ~0x800


def test_zip_submission_with_gbk_names_and_top_folder(tmp_path):
    archive = tmp_path / "gbk.zip"
    with zipfile.ZipFile(archive, "w") as z:
        z.writestr(_GbkInfo("晋阳县/submission.yaml"), MINIMAL.encode())
        z.writestr(_GbkInfo("晋阳县/佐证/说明.txt"), "全市5G网络覆盖率达到96.9%。".encode())
    with zipfile.ZipFile(archive) as z:
        assert z.infolist()[1].filename != "晋阳县/佐证/说明.txt"  # really stored as GBK
    code, report, err = check_json(archive)
    assert code == 0, err
    assert [d["path"] for d in report["documents"]] == ["佐证/说明.txt"]


def _docx_bomb() -> bytes:
    """A DOCX-shaped zip whose document part inflates 1000-fold (8 MiB from a few KB)."""
    import io
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr(
            "word/document.xml", b"<w:document>" + b" " * (8 * 1024**2) + b"</w:document>"
        )
    return buffer.getvalue()


BAD_DOCUMENTS = {
    "corrupt.pdf": (b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog", "error", "unreadable PDF"),
    "empty.pdf": (b"", "error", "empty file"),
    "photo.pdf": (b"\x89PNG\r\n\x1a\n" + b"\x00" * 64, "error", "not a PDF: content is PNG image"),
    "fake.docx": (b"PK\x03\x04" + b"junk" * 20, "error", "not a DOCX"),
    "slides.pptx": (b"PK\x03\x04junk", "skipped", "unsupported file type '.pptx'"),
    "tool.exe": (b"MZ\x90\x00", "skipped", "unsupported file type '.exe'"),
    "scan.png": (b"\x89PNG\r\n\x1a\n" + b"\x00" * 64, "error", "not a readable image"),
    "photo-as.pdf": (
        b"\xff\xd8\xff\xe0\x00\x10JFIF" + b"\x00" * 64,
        "error",
        "not a PDF: content is JPEG image",
    ),
    "random.docx": (bytes(range(256)) * 8, "error", "not a DOCX"),
    "zero.xlsx": (b"", "error", "empty file"),
    "bomb.docx": (_docx_bomb(), "error", "(a zip bomb)"),
}


def test_broken_documents_listed_and_every_item_judged(make_submission, tmp_path):
    files: dict[str, bytes | Path] = {name: data for name, (data, _, _) in BAD_DOCUMENTS.items()}
    files["locked.pdf"] = write_pdf(
        tmp_path / "locked.pdf", [para("加密文件。")], encrypt_password="secret"
    )
    files["good.txt"] = "全市320个重点公共区域中已有310个实现5G网络覆盖。".encode()
    root = make_submission(MINIMAL, files)
    code, report, err = check_json(root)
    assert code == 0, err
    docs = {d["path"]: d for d in report["documents"]}
    for name, (_, status, reason) in BAD_DOCUMENTS.items():
        assert docs[name]["status"] == status, (name, docs[name])
        assert reason in docs[name]["error"], (name, docs[name]["error"])
    assert (
        docs["locked.pdf"]["status"] == "error"
        and "password-protected" in docs["locked.pdf"]["error"]
    )
    assert docs["good.txt"]["status"] == "ok"
    assert len(report["indicators"]) == 69
    item = next(j for j in report["indicators"] if j["id"] == "1.1.1")
    assert item["status"] == "pass"  # the good document still counts
    failing = next(j for j in report["indicators"] if j["id"] == "2.5.1")
    unreadable = [r for r in failing["reasons"] if r["code"] == "document_unreadable"]
    assert unreadable and "corrupt.pdf" in unreadable[0]["message"]


def test_unsupported_report_format(tmp_path):
    code, _, err = run_cli("check", str(SAMPLE), "--report", str(tmp_path / "out.pdf"))
    one_line_error(code, err, "unsupported report format")


def test_pdf_without_text_layer_is_read_by_ocr_and_flagged_when_empty(make_submission, tmp_path):
    from reportlab.pdfgen import canvas

    scan = tmp_path / "scan.pdf"
    page = canvas.Canvas(str(scan))
    page.rect(50, 50, 400, 600, fill=1)  # a page that is only a picture
    page.showPage()
    page.save()
    root = make_submission(MINIMAL, {"等保测评报告.pdf": scan})
    code, report, err = check_json(root)
    assert code == 0, err
    doc = report["documents"][0]
    # OCR reads the page (issue 15) and finds no text on it: nothing usable, items say so
    assert doc["status"] == "ok" and doc["read_by"] == "ocr" and doc["ocr_pages"] == [1]
    assert doc["needs_ocr"] is False and doc["text_units"] == 0
    assert "OCR found no text" in doc["notes"][0]
    item = next(j for j in report["indicators"] if j["id"] == "7.1.4")
    assert any(
        r["code"] == "document_unreadable" and "等保测评报告.pdf" in r["message"]
        for r in item["reasons"]
    )


def test_chinese_long_spaced_names_in_deep_folders(make_submission):
    deep = "/".join(["第一层 材料", "第二层（补充）", "三", "四", "五", "六"])
    long_name = (
        "关于" + "晋阳市新型智慧城市建设" * 6 + "情况的说明 (final v2).txt"
    )  # 216 bytes of 255
    path = f"{deep}/{long_name}"
    root = make_submission(
        MINIMAL, {path: "全县86个重点公共区域中已有80个实现5G网络覆盖。".encode()}
    )
    code, report, err = check_json(root)
    assert code == 0, err
    assert [d["path"] for d in report["documents"]] == [path]
    judgment = next(j for j in report["indicators"] if j["id"] == "1.1.1")
    assert judgment["status"] == "pass"
    assert judgment["reasons"][0]["evidence"][0]["document"] == path


def test_a_zip_without_a_declaration_is_named_by_the_zip(tmp_path):
    import zipfile

    archive = tmp_path / "材料包.zip"
    with zipfile.ZipFile(archive, "w") as out:
        out.writestr("说明.txt", "全市IPv6网站共50个。")
    code, _, err = run_cli("check", str(archive), "--no-store")
    one_line_error(code, err, f"{archive}: 未找到申报文件 submission.yaml")
