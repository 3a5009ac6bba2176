"""Issue 17: whole submissions where what a document says is not what happened.

Each test writes a submission in code (notices as DOCX, reports as PDF or text,
a task table as XLSX), runs `sxcheck check --json` on it and asserts the item's
status, its reason codes and that every quote is found in its document
(tests.test_sample.assert_quotes_found). Nothing is mocked: the real readers,
the official-document reader, the modality reader, the facts stage and the engine.
"""

from __future__ import annotations

from pathlib import Path

from .conftest import check_json
from .docbuilders import para, write_docx, write_pdf, write_xlsx
from .test_sample import assert_quotes_found

CITY = "region: 汾阳湾市\nlevel: city\nyear: 2024\n"
COUNTY = "region: 石楼坪县\nlevel: county\nyear: 2024\nparent: 汾阳湾市\n"


def _submission(tmp_path: Path, manifest: str) -> Path:
    root = tmp_path / "submission"
    root.mkdir(parents=True)
    (root / "submission.yaml").write_text(manifest, encoding="utf-8")
    return root


def _judged(root: Path) -> tuple[dict[str, dict], dict]:
    code, report, err = check_json(root, "--no-store")
    assert code in (0, 1), err
    assert report is not None
    assert_quotes_found(report, root)
    return {j["id"]: j for j in report["indicators"]}, report


def _codes(judgment: dict) -> list[str]:
    return [r["code"] for r in judgment["reasons"]]


def _notice(path: Path, lines: list[str]) -> Path:
    return write_docx(path, [para(line) for line in lines])


def test_a_draft_plan_is_drafting_not_issued(tmp_path):
    root = _submission(tmp_path, CITY)
    _notice(
        root / "实施方案.docx",
        [
            "汾阳湾市新型智慧城市建设实施方案（2024—2026年）",
            "（征求意见稿）",
            "为加快推进新型智慧城市建设，结合我市实际，制定本实施方案。",
            "一、总体要求。以数据资源共享为核心，统筹推进城市大脑、政务服务、城市治理等重点任务。",
            "二、重点任务。建设城市运行管理服务平台，完善市县两级数据共享交换体系。",
        ],
    )
    judged, report = _judged(root)
    plan = judged["8.1.4"]
    assert "draft_only" in _codes(plan), plan["reasons"]
    assert plan["status"] in ("partial", "fail")
    draft = next(r for r in plan["reasons"] if r["code"] == "draft_only")
    assert any("征求意见稿" in e["quote"] for e in draft["evidence"]), draft
    (document,) = [d for d in report["documents"] if d["path"] == "实施方案.docx"]
    assert document["official"]["draft"] == "征求意见稿"


def test_a_task_table_with_later_deadlines_is_a_plan(tmp_path):
    root = _submission(tmp_path, CITY)
    write_xlsx(
        root / "任务分工表.xlsx",
        {
            "重点任务": [
                ["序号", "重点任务", "牵头单位", "完成时限"],
                [1, "建成市级领导驾驶舱并投入使用", "市大数据中心", "2025年6月"],
                [
                    2,
                    "建成供热智能化管理平台，实现热源厂、换热站运行数据实时监测",
                    "市城市管理局",
                    "2025年10月",
                ],
            ]
        },
    )
    judged, _ = _judged(root)
    for item in ("3.4.1", "3.3.2"):
        assert judged[item]["status"] == "fail", (item, judged[item]["reasons"])
        assert "planned_not_done" in _codes(judged[item]), judged[item]["reasons"]


def test_no_third_party_operator_is_not_established(tmp_path):
    root = _submission(tmp_path, CITY)
    (root / "运营情况说明.txt").write_text(
        "关于我市智慧城市运营主体情况的说明\n"
        "目前，我市智慧城市项目均由市大数据中心自建自管，暂未引入社会资本，也未委托第三方运营。\n",
        encoding="utf-8",
    )
    judged, _ = _judged(root)
    operator = judged["8.1.3"]
    assert operator["status"] != "pass", operator["reasons"]
    assert "stated_not_done" in _codes(operator), operator["reasons"]
    assert "established" not in _codes(operator)


def _setting_up(path: Path, year: int, number: int, adjusting: bool = False) -> Path:
    verb = "调整" if adjusting else "成立"
    title = (
        f"汾阳湾市人民政府办公室关于{verb}汾阳湾市新型智慧城市建设领导小组"
        f"{'组成人员' if adjusting else ''}的通知"
    )
    return _notice(
        path,
        [
            "汾阳湾市人民政府办公室文件",
            f"汾政办发〔{year}〕{number}号",
            title,
            "各县（市、区）人民政府，市直各有关单位：",
            f"为统筹推进全市新型智慧城市建设，经市政府同意，决定{verb}汾阳湾市新型智慧城市建设领导小组。"
            "领导小组办公室设在市大数据中心。",
            "汾阳湾市人民政府办公室",
            f"{year}年4月8日",
        ],
    )


def test_a_2019_notice_alone_is_stale_in_2024(tmp_path):
    root = _submission(tmp_path, CITY)
    _setting_up(root / "领导小组通知.docx", 2019, 21)
    judged, report = _judged(root)
    body = judged["8.1.1"]
    assert "stale_document" in _codes(body), body["reasons"]
    assert body["status"] == "partial"
    (document,) = report["documents"]
    assert document["official"]["number"] == "汾政办发〔2019〕21号"
    assert document["official"]["date"] == "2019-04-08"
    stale = next(r for r in body["reasons"] if r["code"] == "stale_document")
    assert stale["evidence"][0]["issued"]["date"] == "2019-04-08"


def test_an_adjusting_notice_supersedes_the_first(tmp_path):
    root = _submission(tmp_path, CITY)
    _setting_up(root / "2019年成立通知.docx", 2019, 21)
    _setting_up(root / "2024年调整通知.docx", 2024, 9, adjusting=True)
    judged, _ = _judged(root)
    body = judged["8.1.1"]
    codes = _codes(body)
    assert "stale_document" not in codes, body["reasons"]
    assert "superseded_document" in codes, body["reasons"]
    superseded = next(r for r in body["reasons"] if r["code"] == "superseded_document")
    documents = [e["document"] for e in superseded["evidence"]]
    assert documents[0] == "2019年成立通知.docx" and documents[-1] == "2024年调整通知.docx"


def test_an_attachment_list_row_is_not_evidence(tmp_path):
    root = _submission(tmp_path, CITY)
    write_pdf(
        root / "自评报告.pdf",
        [
            para("汾阳湾市新型智慧城市试点建设自评报告"),
            para("2024年，我市围绕城市治理和惠民服务推进各项建设任务，现将自评情况报告如下。"),
            para("附件：1.《汾阳湾市人民政府办公室关于成立新型智慧城市建设领导小组的通知》"),
            para("2.《汾阳湾市新型智慧城市建设领导小组2024年工作要点》"),
        ],
    )
    judged, _ = _judged(root)
    body = judged["8.1.1"]
    assert body["status"] == "fail", body["reasons"]
    assert "listed_not_evidence" in _codes(body), body["reasons"]


def test_a_county_quoting_its_citys_platform_is_set_aside(tmp_path):
    root = _submission(tmp_path, COUNTY)
    write_pdf(
        root / "工作总结.pdf",
        [
            para("石楼坪县2024年数字政府建设工作总结"),
            para(
                "2024年3月，我县已接入市级领导驾驶舱，县领导可通过市级领导驾驶舱查看全县经济运行数据。"
            ),
        ],
    )
    judged, _ = _judged(root)
    cockpit = judged["3.4.1"]
    assert cockpit["status"] == "fail", cockpit["reasons"]
    assert "other_region_evidence" in _codes(cockpit), cockpit["reasons"]


def test_the_countys_own_cockpit_connected_to_the_citys_counts(tmp_path):
    root = _submission(tmp_path, COUNTY)
    write_pdf(
        root / "工作总结.pdf",
        [
            para("石楼坪县2024年数字政府建设工作总结"),
            para(
                "县级领导驾驶舱于2024年3月建成上线，已接入市级平台；2024年县政府常务会议"
                "6次通过领导驾驶舱调度重点项目进展。"
            ),
        ],
    )
    judged, _ = _judged(root)
    cockpit = judged["3.4.1"]
    assert cockpit["status"] == "pass", cockpit["reasons"]
    assert "other_region_evidence" not in _codes(cockpit)


def test_done_in_real_phrasings_still_passes(tmp_path):
    """The same items stated done the way reports state it: none of the new rules bites."""
    root = _submission(tmp_path, CITY)
    _setting_up(root / "领导小组通知.docx", 2024, 12)
    write_pdf(
        root / "工作总结.pdf",
        [
            para("2024年5月20日，市新型智慧城市建设领导小组召开全体会议，审议通过2024年工作要点。"),
            para("市网络安全信息通报中心设在市公安局，2024年共发布预警通报36期。"),
        ],
    )
    judged, _ = _judged(root)
    assert judged["8.1.1"]["status"] == "pass", judged["8.1.1"]["reasons"]
    assert "stale_document" not in _codes(judged["8.1.1"])


def test_a_profile_period_moves_the_staleness_bound(tmp_path):
    root = _submission(tmp_path, CITY)
    _setting_up(root / "领导小组通知.docx", 2019, 21)
    profile = tmp_path / "profile.yaml"
    profile.write_text(
        'name: 宽口径\nperiod: {start: "2024-01-01", end: "2024-12-31", stale_before: "2018-01-01"}\n',
        encoding="utf-8",
    )
    code, report, err = check_json(root, "--no-store", "--profile", str(profile))
    assert code in (0, 1), err
    body = next(j for j in report["indicators"] if j["id"] == "8.1.1")
    assert "stale_document" not in _codes(body), body["reasons"]


def test_a_notice_dated_after_the_period_is_stale_but_a_report_is_not(tmp_path):
    root = _submission(tmp_path, CITY)
    _setting_up(root / "领导小组通知.docx", 2025, 3)
    judged, _ = _judged(root)
    assert "stale_document" in _codes(judged["8.1.1"]), judged["8.1.1"]["reasons"]

    later = _submission(tmp_path / "report", CITY)
    _notice(
        later / "工作总结.docx",
        [
            "汾阳湾市大数据中心",
            "关于2024年新型智慧城市建设工作的总结报告",
            "2024年3月，市政府成立汾阳湾市新型智慧城市建设领导小组。"
            "2024年5月，领导小组召开全体会议，审议通过年度工作要点。",
            "汾阳湾市大数据中心",
            "2025年1月10日",
        ],
    )
    judged, report = _judged(later)
    assert report["documents"][0]["official"]["kind"] in ("报告", "总结")
    assert "stale_document" not in _codes(judged["8.1.1"]), judged["8.1.1"]["reasons"]
