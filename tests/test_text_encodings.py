"""Plain text in the encodings Chinese offices save: the same units, the encoding recorded."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from sxcheck.ingest import read_document
from sxcheck.models import Report
from sxcheck.pipeline import check

from .docbuilders import para, title, write_docx

MINUTES = (
    "晋阳市新型智慧城市建设领导小组2024年第一次全体会议纪要\n"
    "\n"
    "2024年3月15日，市长王某某主持召开市新型智慧城市建设领导小组2024年第一次全体会议，\n"
    "听取2023年智慧城市建设工作汇报，审议通过《晋阳市2024年新型智慧城市建设工作要点》。\n"
    "\n"
    "会议要求，各成员单位要按照职责分工，确保年度任务按期完成，5G基站覆盖率达到98.5%。\n"
)
UNITS = [
    "晋阳市新型智慧城市建设领导小组2024年第一次全体会议纪要",
    "2024年3月15日，市长王某某主持召开市新型智慧城市建设领导小组2024年第一次全体会议，"
    "听取2023年智慧城市建设工作汇报，审议通过《晋阳市2024年新型智慧城市建设工作要点》。",
    "会议要求，各成员单位要按照职责分工，确保年度任务按期完成，5G基站覆盖率达到98.5%。",
]
# 䶮 (U+4DAE, as in 刘䶮) is in GB18030 but not in GBK
RARE = MINUTES.replace("市长王某某", "市长刘䶮")


def _read(tmp_path: Path, data: bytes, name: str = "纪要.txt"):
    (tmp_path / name).write_bytes(data)
    return read_document(tmp_path / name, name)


@pytest.mark.parametrize(
    ("text", "codec", "name"),
    [
        (MINUTES, "utf-8", "UTF-8"),
        (MINUTES, "utf-8-sig", "UTF-8-SIG"),
        (MINUTES, "gbk", "GBK"),
        (RARE, "gb18030", "GB18030"),
        (MINUTES, "utf-16", "UTF-16LE"),  # Python's utf-16 writes a BOM, little-endian here
        (MINUTES.replace("\n", "\r\n"), "utf-16-le", "UTF-16LE"),  # Notepad "Unicode"
        (MINUTES, "utf-16-be", "UTF-16BE"),
    ],
)
def test_the_same_minutes_in_every_encoding(tmp_path: Path, text: str, codec: str, name: str):
    bom = {"utf-16-le": b"\xff\xfe", "utf-16-be": b"\xfe\xff"}.get(codec, b"")
    doc = _read(tmp_path, bom + text.encode(codec))
    assert (doc.info.status, doc.info.encoding) == ("ok", name), doc.info.error
    expected = [u.replace("王某某", "刘䶮") for u in UNITS] if text is RARE else UNITS
    assert [u.text for u in doc.units] == expected
    assert [u.location for u in doc.units] == ["paragraph 1", "paragraph 2", "paragraph 3"]
    assert not doc.units[0].text.startswith("\ufeff")


@pytest.mark.parametrize(("codec", "name"), [("utf-16-le", "UTF-16LE"), ("utf-16-be", "UTF-16BE")])
def test_utf16_without_a_bom_is_told_by_its_nuls(tmp_path: Path, codec: str, name: str):
    doc = _read(tmp_path, MINUTES.encode(codec))
    assert (doc.info.status, doc.info.encoding) == ("ok", name), doc.info.error
    assert [u.text for u in doc.units] == UNITS


def test_big5_traditional_text_is_read(tmp_path: Path):
    text = "臺北市政府資訊局推動智慧城市建設，已完成全市公共場所無線網路覆蓋，民眾可免費使用。"
    doc = _read(tmp_path, text.encode("big5"))
    assert (doc.info.encoding, [u.text for u in doc.units]) == ("Big5", [text])


def test_markdown_in_gbk_is_read(tmp_path: Path):
    doc = _read(tmp_path, "# 工作要点\n\n全市5G网络覆盖率达到96.9%。\n".encode("gbk"), "要点.md")
    assert doc.info.encoding == "GBK" and doc.units[-1].text == "全市5G网络覆盖率达到96.9%。"


@pytest.mark.parametrize(
    "junk",
    [
        random.Random(1).randbytes(4096),  # with NULs in both byte positions
        bytes(b or 1 for b in random.Random(2).randbytes(4096)),  # no NUL at all
        b"\xff\xfe" + b"\x00\xd8" * 50,  # a UTF-16 BOM, then unpaired surrogates
        "\x01\x02\x03\x04正文\x05\x06\x07\x08".encode() * 50,  # valid UTF-8, control characters
    ],
)
def test_binary_junk_named_txt_is_one_line(tmp_path: Path, junk: bytes):
    doc = _read(tmp_path, junk, "说明.txt")
    assert doc.info.status == "error" and not doc.units
    assert doc.info.error and doc.info.error.startswith("not a text file")
    assert "\n" not in doc.info.error


def _statuses(report: Report) -> dict[str, tuple[str, list[str]]]:
    return {j.id: (j.status.value, sorted(r.code for r in j.reasons)) for j in report.indicators}


def _package(root: Path, codec: str) -> Path:
    evidence = root / "佐证材料"
    evidence.mkdir(parents=True)
    (root / "submission.yaml").write_text(
        "region: 晋阳市\nlevel: city\nyear: 2024\n", encoding="utf-8"
    )
    write_docx(
        evidence / "02-关于成立晋阳市新型智慧城市建设领导小组的通知.docx",
        [
            title("关于成立晋阳市新型智慧城市建设领导小组的通知"),
            para("经市政府同意，决定成立晋阳市新型智慧城市建设领导小组，由市长任组长。"),
            para("领导小组原则上每季度召开一次会议。"),
            para("2023年3月6日"),
        ],
    )
    (evidence / "04-领导小组会议纪要.txt").write_bytes(MINUTES.replace("\n", "\r\n").encode(codec))
    return root


def _evidence(report: Report, item: str) -> list[tuple[str, str, str]]:
    judgment = next(j for j in report.indicators if j.id == item)
    return sorted((e.document, e.location, e.quote) for r in judgment.reasons for e in r.evidence)


def test_gbk_minutes_back_an_item_exactly_as_utf8_minutes(tmp_path: Path):
    as_utf8 = check(_package(tmp_path / "utf8", "utf-8"))
    as_gbk = check(_package(tmp_path / "gbk", "gbk"))
    assert _statuses(as_gbk) == _statuses(as_utf8)
    assert _statuses(as_gbk)["8.1.1"][0] == "pass"
    minutes = next(d for d in as_gbk.documents if d.path.endswith(".txt"))
    assert (minutes.status, minutes.encoding) == ("ok", "GBK")
    quotes = _evidence(as_gbk, "8.1.1")
    assert quotes == _evidence(as_utf8, "8.1.1")
    assert any(document.endswith("会议纪要.txt") for document, _, _ in quotes)
