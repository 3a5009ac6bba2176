"""The OFD reader on OFD files built from their XML: reading order, pages, seals, hostile packages."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from sxcheck.ingest import read_document
from sxcheck.models import Report
from sxcheck.pipeline import check

from .docbuilders import para, title, write_docx
from .ofd_builder import NS, Text, layout, ofd_parts, pack, page_xml, write_ofd

TITLE = "关于成立晋阳市新型智慧城市建设领导小组的通知"
OPENING = (
    "各县（市、区）人民政府，市直各有关单位：为加强对全市新型智慧城市建设工作的组织领导，"
    "经市政府同意，决定成立晋阳市新型智慧城市建设领导小组。现将有关事项通知如下。"
)
OFFICE = "领导小组办公室设在市行政审批服务管理局，负责日常工作。领导小组原则上每季度召开一次会议。"
MINUTES = (
    "2024年3月15日，市长王某某主持召开市新型智慧城市建设领导小组2024年第一次全体会议，"
    "听取2023年智慧城市建设工作汇报，审议通过《晋阳市2024年新型智慧城市建设工作要点》。"
)


def _one_line(error: str | None) -> str:
    assert error and "\n" not in error and "Traceback" not in error, error
    return error


def test_wrapped_paragraphs_come_out_in_reading_order_with_pages(tmp_path: Path):
    pages = layout([f"#{TITLE}", OPENING, "一、领导小组组成人员", OFFICE], lines_per_page=6)
    assert len(pages) == 2
    for runs in pages:  # the writer's object order is not reading order
        random.Random(7).shuffle(runs)
    path = write_ofd(tmp_path / "通知.ofd", pages)
    doc = read_document(path, "通知.ofd")
    assert doc.info.status == "ok" and doc.info.kind == "ofd" and doc.info.read_by == "ofd"
    assert doc.info.pages == 2 and doc.info.signatures is False
    got = [(u.page, u.location, u.text) for u in doc.units]
    assert got == [
        (1, "paragraph 1", TITLE),
        (1, "paragraph 2", OPENING),
        (1, "paragraph 3", "一、领导小组组成人员"),
        (2, "paragraph 1", OFFICE),
    ]
    assert all(u.sha256 == doc.info.sha256 and u.document == "通知.ofd" for u in doc.units)


def test_runs_of_one_line_are_joined_left_to_right(tmp_path: Path):
    # one line drawn as three objects, listed right to left, a second line above in the XML
    runs = [
        Text(25 + 10 * 4.2, 40, "基站覆盖率达到"),
        Text(25, 40, "全市5G"),
        Text(25 + 17 * 4.2, 40.3, "98.5%。"),  # a baseline 0.3 mm lower: the same line
        Text(25, 31, "二、网络基础设施"),
        Text(25 + 4.2 * 8 + 1.3, 49, "City"),
        Text(25, 49, "Smart"),
    ]
    doc = read_document(write_ofd(tmp_path / "a.ofd", [runs]), "a.ofd")
    assert [u.text for u in doc.units] == [
        "二、网络基础设施",
        "全市5G基站覆盖率达到98.5%。",
        "Smart City",
    ]


def test_seals_are_counted_not_verified(tmp_path: Path):
    pages = layout([f"#{TITLE}", OFFICE])
    doc = read_document(write_ofd(tmp_path / "s.ofd", pages, signatures=2), "s.ofd")
    assert doc.info.status == "ok" and doc.info.signatures is True
    assert "OFD 电子签章: 2 个（未验证签名）" in doc.info.notes
    assert [u.text for u in doc.units] == [TITLE, OFFICE]


def test_a_seal_annotation_counts_as_a_seal(tmp_path: Path):
    parts = ofd_parts(layout([OFFICE]))
    document = parts["Doc_0/Document.xml"].decode()
    parts["Doc_0/Document.xml"] = document.replace(
        "</ofd:Pages>", "</ofd:Pages><ofd:Annotations>Annots/Annotations.xml</ofd:Annotations>"
    ).encode()
    parts["Doc_0/Annots/Annotations.xml"] = (
        f'<ofd:Annotations xmlns:ofd="{NS}"><ofd:Page PageID="1000">'
        "<ofd:FileLoc>Page_0/Annotation.xml</ofd:FileLoc></ofd:Page></ofd:Annotations>"
    ).encode()
    parts["Doc_0/Annots/Page_0/Annotation.xml"] = (
        f'<ofd:PageAnnot xmlns:ofd="{NS}"><ofd:Annot ID="9" Type="Stamp" Creator="签章">'
        '<ofd:Appearance Boundary="120 200 40 40"/></ofd:Annot></ofd:PageAnnot>'
    ).encode()
    (tmp_path / "a.ofd").write_bytes(pack(parts))
    doc = read_document(tmp_path / "a.ofd", "a.ofd")
    assert doc.info.signatures is True
    assert "OFD 印章批注: 1 个（未验证）" in doc.info.notes


def test_a_scanned_ofd_page_needs_ocr(tmp_path: Path):
    parts = ofd_parts([[Text(25, 40, OFFICE)], []])
    parts["Doc_0/Pages/Page_1/Content.xml"] = (
        f'<ofd:Page xmlns:ofd="{NS}"><ofd:Content><ofd:Layer ID="1">'
        '<ofd:ImageObject ID="2" Boundary="0 0 210 297" ResourceID="5"/>'
        "</ofd:Layer></ofd:Content></ofd:Page>"
    ).encode()
    (tmp_path / "scan.ofd").write_bytes(pack(parts))
    doc = read_document(tmp_path / "scan.ofd", "scan.ofd")
    assert doc.info.pages == 2 and doc.info.needs_ocr
    assert [u.page for u in doc.units] == [1]


def _hostile(tmp_path: Path, parts: dict[str, bytes]) -> str:
    (tmp_path / "x.ofd").write_bytes(pack(parts))
    doc = read_document(tmp_path / "x.ofd", "x.ofd")
    assert doc.info.status == "error" and not doc.units
    return _one_line(doc.info.error)


def test_zip_bomb_ofd_is_refused(tmp_path: Path):
    parts = ofd_parts(layout([OFFICE]))
    parts["Doc_0/Res/font_0.ttf"] = bytes(40 * 1024**2)  # 40 MiB of zeros: ~40 KB packed
    assert "zip bomb" in _hostile(tmp_path, parts)


@pytest.mark.parametrize("part", ["OFD.xml", "Doc_0/Pages/Page_0/Content.xml"])
def test_a_doctype_anywhere_is_refused(tmp_path: Path, part: str):
    parts = ofd_parts(layout([OFFICE]))
    body = parts[part].decode().split("\n", 1)[1]
    parts[part] = (
        '<?xml version="1.0"?>\n<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>\n' + body
    ).encode()
    assert "DOCTYPE" in _hostile(tmp_path, parts)


def test_a_path_out_of_the_package_is_refused(tmp_path: Path):
    parts = ofd_parts(layout([OFFICE]), doc_root="../../etc/Document.xml")
    assert "leaves the package" in _hostile(tmp_path, parts)


def test_a_missing_document_is_one_line(tmp_path: Path):
    parts = ofd_parts(layout([OFFICE]), doc_root="Doc_9/Document.xml")
    assert "DocRoot" in _hostile(tmp_path, parts)


def test_malformed_page_xml_is_one_line(tmp_path: Path):
    parts = ofd_parts(layout([OFFICE]))
    parts["Doc_0/Pages/Page_0/Content.xml"] = b'<ofd:Page xmlns:ofd="x"><ofd:Content>'
    assert "not well-formed XML" in _hostile(tmp_path, parts)


def test_truncated_and_fake_ofd_are_one_line(tmp_path: Path):
    data = pack(ofd_parts(layout([OFFICE])))
    cases = {
        "cut.ofd": data[: len(data) // 2],
        "docx.ofd": write_docx(tmp_path / "n.docx", [para(OFFICE)]).read_bytes(),
        "pdf.ofd": b"%PDF-1.4\n1 0 obj\n<< >>\n",
        "empty-zip.ofd": pack({"readme.txt": b"hello"}),
    }
    expected = {
        "cut.ofd": "unreadable OFD: damaged or truncated zip",
        "docx.ofd": "not an OFD file: content is DOCX",
        "pdf.ofd": "not an OFD file: content is PDF",
        "empty-zip.ofd": "not an OFD file: content is a zip without OFD.xml",
    }
    for name, content in cases.items():
        (tmp_path / name).write_bytes(content)
        doc = read_document(tmp_path / name, name)
        assert (doc.info.status, _one_line(doc.info.error)) == ("error", expected[name]), name


def test_text_objects_with_nonsense_numbers_are_left_out(tmp_path: Path):
    parts = ofd_parts([[Text(25, 40, OFFICE)]])
    page = parts["Doc_0/Pages/Page_0/Content.xml"].decode()
    broken = page_xml([Text(25, 60, "不应出现")]).split("<ofd:Layer", 1)[1].split(">", 1)[1]
    broken = broken.split("</ofd:Layer>")[0].replace('Boundary="25 60', 'Boundary="nan 1e999')
    parts["Doc_0/Pages/Page_0/Content.xml"] = page.replace(
        "</ofd:Layer>", broken + "</ofd:Layer>"
    ).encode()
    (tmp_path / "n.ofd").write_bytes(pack(parts))
    doc = read_document(tmp_path / "n.ofd", "n.ofd")
    assert [u.text for u in doc.units] == [OFFICE]


def _statuses(report: Report) -> dict[str, tuple[str, list[str]]]:
    return {j.id: (j.status.value, sorted(r.code for r in j.reasons)) for j in report.indicators}


def _package(root: Path, notice: str) -> Path:
    (root / "佐证材料").mkdir(parents=True)
    (root / "submission.yaml").write_text(
        "region: 晋阳市\nlevel: city\nyear: 2024\n", encoding="utf-8"
    )
    (root / "佐证材料" / "04-领导小组会议纪要.txt").write_text(
        f"晋阳市新型智慧城市建设领导小组2024年第一次全体会议纪要\n\n{MINUTES}\n", encoding="utf-8"
    )
    blocks = [TITLE, "晋市政办〔2023〕42号", OPENING, "一、领导小组组成人员"]
    members = ["组长：王某某（市长）", "副组长：李某某（常务副市长）", OFFICE]
    target = root / "佐证材料" / f"02-{TITLE}{notice}"
    if notice == ".docx":
        write_docx(
            target,
            [
                title("晋阳市人民政府办公室文件"),
                *map(para, [*blocks, *members, "晋阳市人民政府办公室", "2023年3月6日"]),
            ],
        )
    else:
        paragraphs = ["#晋阳市人民政府办公室文件", *blocks, *members]
        write_ofd(target, layout([*paragraphs, "晋阳市人民政府办公室", "2023年3月6日"]), 1)
    return root


def test_a_notice_as_ofd_decides_items_as_the_same_notice_as_docx(tmp_path: Path):
    as_docx = check(_package(tmp_path / "docx", ".docx"))
    as_ofd = check(_package(tmp_path / "ofd", ".ofd"))
    assert _statuses(as_ofd) == _statuses(as_docx)
    notice = next(d for d in as_ofd.documents if d.path.endswith(".ofd"))
    assert notice.status == "ok" and notice.read_by == "ofd" and notice.signatures is True
    group = next(j for j in as_ofd.indicators if j.id == "8.1.1")
    assert group.status.value == "pass", group.reasons
    quoted = [e for r in group.reasons for e in r.evidence if e.document.endswith(".ofd")]
    assert quoted and all(e.page == 1 for e in quoted)
