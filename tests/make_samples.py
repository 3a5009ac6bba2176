"""Regenerate the bundled sample submissions in evidence_samples/ (`make samples`).

The samples are written the way a city writes its evidence: a self-assessment
report whose sentences wrap across lines, statistics tables, a red-header
notice in Word with a merged-cell member table, an Excel statistics sheet, a
photo and one broken scan. The generated files are committed; this script
documents how they were made.
"""

from __future__ import annotations

import shutil
import struct
import zlib
from pathlib import Path

from tests.docbuilders import page_break, para, table, title, write_docx, write_pdf, write_xlsx

ROOT = Path(__file__).resolve().parents[1] / "evidence_samples"


def tiny_png(path: Path) -> None:
    """A valid 2x2 PNG (a stand-in for a screenshot of the 领导驾驶舱)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    raw = b"".join(b"\x00" + b"\xff\x00\x00" * 2 for _ in range(2))
    png = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 2, 2, 8, 2, 0, 0, 0))
    png += chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b"")
    path.write_bytes(png)


def jinyang(base: Path) -> None:
    """晋阳市 2024 (city): mostly backed figures, with the usual weak spots."""
    if base.exists():
        shutil.rmtree(base)
    docs = base / "佐证材料"
    write_pdf(
        docs / "01-晋阳市新型智慧城市建设自评估报告.pdf",
        [
            title("晋阳市新型智慧城市试点建设自评估报告"),
            para("一、总体情况"),
            para(
                "2024年，晋阳市深入贯彻落实省委、省政府关于数字政府和新型智慧城市建设的决策部署，"
                "以“一张网、一朵云、一系统、一中心、一城墙”为主线，统筹推进新型智慧城市试点建设，"
                "各项工作取得阶段性成效。现将自评估情况报告如下。"
            ),
            para("二、基础设施建设情况"),
            para(
                "截至2024年12月底，全市累计建成5G基站6820个，城市重点公共区域（机场车站、旅游景点、"
                "公园广场、图书馆、医院、学校、政务服务中心等）共320个，其中已实现5G网络覆盖的310个，"
                "覆盖率达到96.9%。"
            ),
            para(
                "经第三方机构在三甲医院、交通枢纽、知名商圈、大型公园和居民区等场景实测，全市移动通信网络"
                "用户平均下载速率为285.4Mbps。"
            ),
            para(
                "全市区域内家庭总数126万户，百兆及以上光纤接入家庭118.5万户，百兆光纤家庭入户覆盖率94.0%。"
            ),
            para(
                "晋阳市城市大数据中心一期工程已建成投运，机柜1200个，全市在用数据中心年均PUE值为1.28。"
                "市级政务云已接入省级一体化大数据中心核心枢纽节点。"
            ),
            page_break(),
            para("三、惠民服务情况"),
            para(
                "全市梳理政务服务事项共2100项，其中已实现使用电子证照办理的1650项，电子证照使用率78.6%，"
                "距离全面应用仍有差距。"
            ),
            para("全市实现线下一站式办理的政务服务事项占比达到85%。"),
            para("截至2024年底，“三晋通”APP已接入我市政务服务应用46个，累计办件量超过120万件。"),
            para(
                "社保服务已实现网站、自助服务一体机、手机APP、12333电话等多渠道在线办理，"
                "群众办事更加便捷。"
            ),
            para(
                "全市中小学校、职业院校和高等学校共四百二十所，已有四百一十八所统一提供覆盖主要教学区域的"
                "无线网络。"
            ),
            para("计划到2025年底实现全市社区老人信息化监护服务全覆盖。"),
            page_break(),
            para("四、精准治理情况"),
            para("全市数字化城市管理系统运行情况见下表。"),
            table(
                [
                    ["指标", "分子（件）", "分母（件）", "比率"],
                    ["城市管理事部件立案率", "123000", "125600", "97.9%"],
                    ["派遣正确率", "120900", "121800", "99.3%"],
                    ["处置率", "121000", "125600", "96.3%"],
                    ["结案率", "120000", "125600", "95.5%"],
                ]
            ),
            para(
                "全市城市重点公共区域应当覆盖视频监控的区域共860个，已覆盖845个；重点公共区域摄像机"
                "共12600路，完好摄像机12350路，摄像机完好率98.0%。"
            ),
            para(
                "市级“领导驾驶舱”于2023年6月建成上线，汇聚38个部门、1260项指标，"
                "在2024年防汛调度和重大活动保障中投入使用。"
            ),
            para("五、网络安全情况"),
            para("全市智慧城市平台信息系统等级保护测评情况如下。"),
            table(
                [
                    ["项目", "数量（个）"],
                    ["智慧城市平台信息系统总数", "45"],
                    ["通过等保测评并整改合格的系统数", "42"],
                    ["等保合规安全率", "93.3%"],
                ]
            ),
        ],
    )
    write_docx(
        docs / "02-关于成立晋阳市新型智慧城市建设领导小组的通知.docx",
        [
            title("晋阳市人民政府办公室文件"),
            para("晋市政办〔2023〕42号"),
            para("关于成立晋阳市新型智慧城市建设领导小组的通知"),
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
                    ["", "赵某某", "市大数据中心主任"],
                ]
            ),
            para(
                "领导小组办公室设在市行政审批服务管理局，负责日常工作。领导小组原则上每季度召开一次会议。"
            ),
            para("晋阳市人民政府办公室"),
            para("2023年3月6日"),
        ],
        merges=[(0, 3, 0, 4, 0)],
    )
    write_xlsx(
        docs / "03-2024年智慧城市统计表.xlsx",
        {
            "统计表": [
                ["指标名称", "分子", "分母", "比率"],
                ["百兆光纤家庭入户覆盖率", 1185000, 1260000, 0.9405],
                ["三级以上医疗机构电子病历普及率", 12, 12, 1.0],
                ["学校无线网络覆盖率", 418, 420, 0.995],
            ]
        },
        percent_columns={"统计表": [4]},
    )
    write_pdf(
        docs / "04-领导小组会议纪要.pdf",
        [
            title("晋阳市新型智慧城市建设领导小组2024年第一次全体会议纪要"),
            para(
                "2024年3月15日，市长王某某主持召开市新型智慧城市建设领导小组2024年第一次全体会议，"
                "听取2023年智慧城市建设工作汇报，审议通过《晋阳市2024年新型智慧城市建设工作要点》。"
            ),
            para("会议要求，各成员单位要按照职责分工，确保年度任务按期完成。"),
        ],
    )
    tiny_png(docs / "05-领导驾驶舱截图.png")
    (docs / "06-等保测评报告扫描件.pdf").write_bytes(b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog")
    (base / "submission.yaml").write_text(
        """# 晋阳市 2024 年新型智慧城市试点建设自评表
region: 晋阳市
level: city
year: 2024
indicators:
  "1.1.1": {numerator: 310, denominator: 320}
  "1.1.2": {value: 285.4, unit: Mbps}
  "1.1.3": {numerator: 1185000, denominator: 1260000}
  "1.2.1":
    pue: {value: 1.28}
  "2.1.1": {numerator: 1650, denominator: 2100}
  "2.1.2": {numerator: 1900, denominator: 2100}
  "2.1.4": {value: 46}
  "2.2.1": {covered: [网站, 自助服务一体机, 手机APP, 12333电话, 短信]}
  "2.4.2": {numerator: 4200000, denominator: 6000000}
  "2.5.2": {numerator: 418, denominator: 420}
  "7.1.4": {numerator: 42, denominator: 45}
""",
        encoding="utf-8",
    )


def main() -> None:
    jinyang(ROOT / "晋阳市-2024")
    print(f"samples written under {ROOT}")


if __name__ == "__main__":
    main()
