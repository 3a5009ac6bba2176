"""Regenerate the bundled sample submissions in evidence_samples/ (`make samples`).

The samples are written the way a city writes its evidence: a self-assessment
report whose sentences wrap across lines, statistics tables, a red-header
notice in Word with a merged-cell member table, an Excel statistics sheet, a
photo and one broken scan. The generated files are committed; this script
documents how they were made.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from tests.docbuilders import page_break, para, table, title, write_docx, write_pdf, write_xlsx
from tests.scans import image_pdf, scan_page

ROOT = Path(__file__).resolve().parents[1] / "evidence_samples"


def school_rows() -> list[list[str]]:
    """One row per county and school type, 420 schools of which 418 covered: a table
    that breaks across a page with its header repeated, its 合计 on the next page."""
    counties = ["迎泽区", "杏花岭区", "小店区", "尖草坪区", "万柏林区", "晋源区"]
    counties += ["清徐县", "阳曲县", "娄烦县", "古交市", "清源县", "汾东区"]
    kinds = [("小学", 18), ("初中", 9), ("高中及职业院校", 8)]
    rows = [["县（市、区）", "学校类别", "学校数（所）", "覆盖学校数（所）"]]
    total = covered = 0
    for index, county in enumerate(counties):
        for kind, base in kinds:
            schools = base + (index * 7 + len(kind)) % 5 - 2
            if (county, kind) == ("清源县", "小学"):
                schools, done = schools, schools - 2  # two village schools not yet covered
            else:
                done = schools
            rows.append([county, kind, str(schools), str(done)])
            total, covered = total + schools, covered + done
    rows[1][2] = str(int(rows[1][2]) + 420 - total)  # the city's 420 schools in all
    rows[1][3] = str(int(rows[1][3]) + 420 - total)
    rows.append(["合计", "", "420", "418"])
    assert covered + 420 - total == 418
    return rows


def coverage_workbook(path: Path) -> None:
    """The county's 5G coverage the way a statistics office lays it out: a title, a
    填报单位 line, a two-level merged header (乡镇 | 2024年 → 重点公共区域数 / 已覆盖数 /
    覆盖率 | 2023年 → the same) and a 合计 row. The 2024 合计 (80 of 86) backs 1.1.1;
    the 2023 columns are last year's and are set aside."""
    import openpyxl

    towns = [("城关镇", 24, 24, 22, 20), ("东关镇", 14, 14, 14, 12), ("西河乡", 12, 11, 12, 9)]
    towns += [("南山乡", 13, 10, 13, 8), ("北岭镇", 11, 10, 11, 9), ("东山景区", 12, 11, 14, 13)]
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "5G覆盖"
    sheet.append(["清源县城市重点公共区域5G网络覆盖情况统计表"])
    sheet.append(["填报单位：清源县工业和信息化局", None, None, None, "填报日期：2025年1月8日"])
    sheet.append(["乡镇", "2024年", None, None, "2023年", None, None])
    sheet.append([None, *["重点公共区域数（个）", "已覆盖数（个）", "覆盖率"] * 2])
    for name, areas, done, old_areas, old_done in towns:
        sheet.append([name, areas, done, done / areas, old_areas, old_done, old_done / old_areas])
    sheet.append(["合计", 86, 80, 80 / 86, 86, 71, 71 / 86])
    for ref in ("A1:G1", "A2:D2", "E2:G2", "A3:A4", "B3:D3", "E3:G3"):
        sheet.merge_cells(ref)
    for row in sheet.iter_rows(min_row=5, min_col=4, max_col=7):
        for cell in row:
            if cell.column in (4, 7):
                cell.number_format = "0.0%"
    book.save(str(path))


def cockpit_screenshot(path: Path) -> None:
    """A screenshot of the 领导驾驶舱 as a city pastes it: a light dashboard with its title,
    panels and figures (read by OCR; it says what the cockpit shows, not how it was used)."""
    from PIL import Image, ImageDraw

    from tests.scans import SERIF, font

    image = Image.new("RGB", (1600, 900), (236, 241, 248))
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 0, 1600, 90), fill=(22, 64, 128))
    draw.text(
        (40, 22), "晋阳市城市运行管理中心 领导驾驶舱", font=font(SERIF, 40), fill=(255, 255, 255)
    )
    panels = [
        ("政务服务", "今日办件 3,206 件"),
        ("城市管理", "今日事件 128 件"),
        ("生态环境", "空气质量 良"),
        ("应急管理", "在线监测点 1,452 个"),
    ]
    face = font(SERIF, 30)
    for index, (name, figure) in enumerate(panels):
        x = 40 + index * 390
        draw.rectangle((x, 140, x + 360, 420), fill=(255, 255, 255), outline=(180, 190, 210))
        draw.text((x + 24, 170), name, font=face, fill=(22, 64, 128))
        draw.text((x + 24, 250), figure, font=face, fill=(30, 30, 30))
    draw.text(
        (40, 820), "数据更新时间：2024年11月28日09:30", font=font(SERIF, 26), fill=(90, 90, 90)
    )
    image.save(path)


def emergency_plan_wps(path: Path) -> None:
    """The emergency plan as the office saved it from WPS: a .wps (Word 97 format, made
    here by LibreOffice from a DOCX, as WPS writes in its compatible mode)."""
    import tempfile

    from tests.docbuilders import convert_with_libreoffice

    with tempfile.TemporaryDirectory(prefix="sxcheck-sample-") as work:
        source = Path(work) / "plan.docx"
        write_docx(
            source,
            [
                title("晋阳市人民政府办公室文件"),
                para("晋市政办发〔2024〕9号"),
                para("晋阳市人民政府办公室关于印发晋阳市网络安全事件应急预案的通知"),
                para(
                    "各县（市、区）人民政府，市直各有关单位：《晋阳市网络安全事件应急预案》"
                    "已经市政府同意，现印发给你们，请认真贯彻执行。"
                ),
                para(
                    "市委网信办统筹协调全市网络安全事件应急处置工作，建立网络安全事件监测预警、"
                    "应急响应和处置机制，发生重大网络安全事件时立即启动应急响应。"
                ),
                para(
                    "2024年6月12日，市委网信办组织市大数据中心等12个单位开展全市网络安全事件"
                    "应急演练，对模拟的政务外网勒索病毒事件进行了响应和处置。"
                ),
                para("晋阳市人民政府办公室"),
                para("2024年5月20日"),
            ],
        )
        converted = convert_with_libreoffice(source, "doc", Path(work))
        path.write_bytes(converted.read_bytes())


def _clear(base: Path) -> None:
    """Remove the generated files of a sample; its expected.yaml and README.md are written by hand."""
    if not base.exists():
        return
    for child in base.iterdir():
        if child.name in ("expected.yaml", "README.md"):
            continue
        if child.is_dir():
            shutil.rmtree(child)
        else:
            child.unlink()


def jinyang(base: Path) -> None:
    """晋阳市 2024 (city): mostly backed figures, with the usual weak spots."""
    _clear(base)
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
            para("附表：全市各县（市、区）学校无线网络覆盖情况"),
            table(school_rows()),  # long enough to break onto the next page (header repeated)
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
    # the minutes as the office files them: printed, stamped and scanned (no text layer)
    minutes = scan_page(
        [
            "晋阳市新型智慧城市建设领导小组2024年第一次全体会议纪要",
            "　　2024年3月15日，市长王某某主持召开市新型智慧城市建设领导小组2024年第一次"
            "全体会议，听取2023年智慧城市建设工作汇报，审议通过《晋阳市2024年新型智慧城市"
            "建设工作要点》。",
            "　　会议要求，各成员单位要按照职责分工，确保年度任务按期完成。",
            "晋阳市新型智慧城市建设领导小组办公室",
            "2024年3月18日",
        ],
        red_header="晋阳市新型智慧城市建设领导小组办公室",
        seal="晋阳市行政审批服务管理局",
        skew=0.8,
        noise=0.3,
        seed=4,
    )
    image_pdf([minutes], docs / "04-领导小组会议纪要（扫描件）.pdf")
    cockpit_screenshot(docs / "05-领导驾驶舱截图.png")
    (docs / "06-等保测评报告扫描件.pdf").write_bytes(b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog")
    emergency_plan_wps(docs / "07-晋阳市网络安全事件应急预案.wps")
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


def qingyuan(base: Path) -> None:
    """清源县 2024 (county of 晋阳市): county-level measures, a paper-only body, a draft plan."""
    _clear(base)
    docs = base / "材料"
    write_docx(
        docs / "清源县新型智慧城市建设工作汇报.docx",
        [
            title("清源县新型智慧城市建设工作汇报"),
            para("一、基础设施"),
            para(
                "全县城市重点公共区域共八十六个，截至2024年底已实现5G网络覆盖八十个，"
                "其余主要分布在山区旅游景点。"
            ),
            para(
                "县级政务云资源已于2023年9月整体迁移并接入晋阳市城市级枢纽节点，实现算力统一调度。"
            ),
            para("二、惠民服务"),
            para("全县政务服务事项共1050项，其中可使用电子证照办理的820项。"),
            para("全县各级各类学校无线网络覆盖情况如下表。"),
            table(
                [
                    ["学校类别", "学校数（所）", "无线网络覆盖学校数（所）", "覆盖率"],
                    ["中小学校", "58", "52", "89.7%"],
                    ["职业院校", "2", "2", "100%"],
                    ["合计", "60", "54", "90.0%"],
                ]
            ),
            para("三、网络安全"),
            para("全县12个物联网平台中，已有9个接入市级工业互联网安全监测平台，其余3个正在对接。"),
            para(
                "全县纳入智慧城市平台的信息系统共六个，均已开展网络安全等级保护测评，"
                "其中五个系统测评结论为符合或基本符合并完成整改。"
            ),
            para("四、组织保障"),
            para(
                "县政府印发《关于成立清源县智慧城市建设领导小组的通知》（清政办发〔2023〕15号），"
                "由县长任组长，领导小组原则上每半年召开一次会议。"
            ),
            para(
                "《清源县新型智慧城市发展规划（2023-2027年）》（征求意见稿）已形成，正在征求各部门意见。"
            ),
            para(
                "2023年11月，县政府印发《清源县新型智慧城市建设实施方案》，明确了六大类32项重点任务。"
            ),
            para("县级领导驾驶舱正在建设，计划2025年6月上线试运行。"),
        ],
    )
    write_xlsx(
        docs / "清源县2024年智慧城市指标统计表.xlsx",
        {
            "指标": [
                ["指标", "分子", "分母", "比率"],
                ["二级以上医疗机构预约诊疗率", 186000, 310000, 0.6],
                ["低保户电子信息档案建档率", 3150, 3200, 0.984375],
            ],
            # one system per row: the count a reviewer makes from the 测评结论 column
            "等保测评": [
                ["序号", "系统名称", "安全保护等级", "测评结论", "整改情况"],
                [1, "清源县政务云平台", "第三级", "基本符合", "已整改"],
                [2, "清源县政务服务网", "第三级", "符合", "无需整改"],
                [3, "清源县城市运行管理服务平台", "第二级", "基本符合", "已整改"],
                [4, "清源县视频共享平台", "第三级", "不符合", "整改中"],
                [5, "清源县电子政务外网", "第三级", "符合", "无需整改"],
                [6, "清源县12345热线系统", "第二级", "基本符合", "未整改"],
            ],
        },
        percent_columns={"指标": [4]},
    )
    coverage_workbook(docs / "清源县5G网络覆盖情况统计表.xlsx")
    (base / "submission.yaml").write_text(
        """# 清源县 2024 年自评表
region: 清源县
level: county
year: 2024
parent: 晋阳市
indicators:
  "2.1.1": {numerator: 820, denominator: 1000}
  "2.2.4": {numerator: 3150, denominator: 3200}
  "2.4.2": {numerator: 186000, denominator: 310000}
  "2.5.2": {numerator: 54, denominator: 60}
  "7.1.3":
    county_access: {numerator: 9, denominator: 12}
  "7.1.4": {numerator: 5, denominator: 6}
""",
        encoding="utf-8",
    )


def fendong(base: Path) -> None:
    """汾东市 2024 (city), a weak first draft: claims without backing, plans, contradictions."""
    _clear(base)
    docs = base / "附件"
    write_pdf(
        docs / "汾东市智慧城市建设情况报告.pdf",
        [
            title("汾东市新型智慧城市建设情况报告"),
            para(
                "我市高度重视新型智慧城市建设，拟成立由市长任组长的新型智慧城市建设领导小组，"
                "统筹推进全市智慧城市建设。"
            ),
            para("全市政务服务事项共计1800项，其中实现线下一站式办理的1500项，占比83.3%。"),
            para("全市5G网络覆盖率为百分之八十五。"),
            para(
                "市城市运行管理服务平台目前处于招标中，预计2025年建成；领导驾驶舱完成了需求调研，"
                "将于明年上线。"
            ),
            para(
                "市网络安全应急指挥中心已挂牌成立，制定了《汾东市网络安全事件应急预案》，"
                "明确了事件分级、响应流程和处置要求。"
            ),
            para("《汾东市智慧城市项目管理办法（送审稿）》已报市政府审定。"),
            para("力争到2025年底全市公共停车场联网率达到80%。"),
        ],
    )
    write_docx(
        docs / "汾东市数字政府建设统计材料.docx",
        [
            para("汾东市数字政府建设主要统计数据"),
            table(
                [
                    ["指标名称", "数值"],
                    ["政务服务事项总数（项）", "1950"],
                    ["可使用电子证照办理的事项（项）", "1600"],
                    ["全市5G网络覆盖率", "92%"],
                ]
            ),
        ],
    )
    (base / "submission.yaml").write_text(
        """# 汾东市 2024 年自评表（初稿）
region: 汾东市
level: city
year: 2024
indicators:
  "1.1.1": {numerator: 276, denominator: 300}
  "2.1.1": {numerator: 1600, denominator: 1950}
  "2.1.2": {numerator: 1500, denominator: 1800}
  "2.3.3": {numerator: 95, denominator: 120}
  "2.5.1": {numerator: 230, denominator: 210}
  "7.1.3":
    county_access: {numerator: 5, denominator: 8}
""",
        encoding="utf-8",
    )


LUZHOU_RULES = {
    "T.1.1.yaml": """id: "T.1.1"
name: 承担国家或省级智慧城市相关领域试点情况
kind: qualitative
definition: >
  是否承担国家或省级智慧城市相关领域试点（新型智慧城市、数字乡村、城市大脑等），
  并按试点要求开展建设。
measures:
  - key: pilot
    kind: qualitative
    name: 承担国家或省级智慧城市相关领域试点
    evidence:
      all_of:
        - ["试点"]
        - ["国家", "省", "全国", "国家级"]
    established:
      - '(?:入选|列为|确定为|批准为|获批|成为)[^。；]{0,30}试点'
      - '试点(?:城市|地区|县|市)[^。；]{0,10}(?:称号|名单)'
    working:
      - '(?:通过|完成)[^。；]{0,20}(?:验收|评估|中期评估)'
      - '(?:形成|总结|推广)[^。；]{0,20}(?:经验|案例|做法)'
notes: >
  A pilot named (入选…试点) is established; a pilot that passed its acceptance
  or produced an experience that others adopted is working.
""",
    "T.1.1.cases.yaml": """item: "T.1.1"
cases:
  - name: selected_and_accepted
    documents:
      - text: 2022年，我市入选国家新型智慧城市建设试点城市名单。2024年6月，试点建设通过省发展改革委组织的中期评估验收。
    expect: {status: pass, codes: [established_and_working]}
  - name: selected_only
    documents:
      - text: 我市于2023年被确定为全省数字乡村建设试点地区。
    expect: {status: partial, codes: [not_shown_in_use]}
  - name: applying_is_not_selected
    documents:
      - text: 我市正在积极争取国家城市大脑建设试点。
    expect: {status: fail, codes: [planned_not_done, no_evidence]}
  - name: nothing_given
    expect: {status: fail, codes: [no_evidence]}
""",
    "T.1.2.yaml": """id: "T.1.2"
name: 煤矿智能化改造率
kind: ratio
definition: 已完成智能化改造的生产煤矿数/辖区生产煤矿总数
measures:
  - key: coal_mines
    kind: ratio
    name: 煤矿智能化改造率
    numerator: 已完成智能化改造的生产煤矿数
    denominator: 辖区生产煤矿总数
    unit: 座
    accept_units: [座, 处, 个]
    bands: ratio
    evidence:
      all_of:
        - ["煤矿"]
        - ["智能化"]
notes: >
  A local industry item: Shanxi's coal mines. Judged with the ordinary ratio
  bands (90% passes, 60% partial).
""",
    "T.1.2.cases.yaml": """item: "T.1.2"
cases:
  - name: declared_and_corroborated
    declared: {numerator: 35, denominator: 42}
    documents:
      - text: 全市42座生产煤矿中，已有35座完成智能化改造，改造率83.3%。
    expect: {status: partial, codes: [below_threshold, corroborated]}
  - name: figures_in_words
    documents:
      - text: 全市生产煤矿共四十座，已完成智能化改造三十八座。
    expect: {status: pass, codes: [evidence_figures_used]}
  - name: target_is_not_done
    documents:
      - text: 力争到2025年全市煤矿全部完成智能化改造。
    expect: {status: fail, codes: [planned_not_done, no_evidence]}
  - name: nothing_given
    expect: {status: fail, codes: [no_evidence]}
""",
}


def luzhou(base: Path) -> None:
    """潞州市 2024 (city) with two 特色性指标 of its own in rules/ (one qualitative, one ratio)."""
    _clear(base)
    docs = base / "佐证材料"
    write_docx(
        docs / "潞州市特色性指标说明.docx",
        [
            title("潞州市新型智慧城市特色性指标建设情况"),
            para("2022年，我市入选国家新型智慧城市建设试点城市名单。"),
            para(
                "2024年6月，试点建设通过省发展改革委组织的中期评估验收，形成“智慧矿山+城市大脑”建设经验并在全省推广。"
            ),
            para("全市42座生产煤矿中，已有35座完成智能化改造，改造率83.3%。"),
            para("全市320个重点公共区域中已有310个实现5G网络覆盖。"),
        ],
    )
    for name, text in LUZHOU_RULES.items():
        (base / "rules").mkdir(parents=True, exist_ok=True)
        (base / "rules" / name).write_text(text, encoding="utf-8")
    (base / "submission.yaml").write_text(
        """# 潞州市 2024 年自评表（含特色性指标）
region: 潞州市
level: city
year: 2024
indicators:
  "1.1.1": {numerator: 310, denominator: 320}
  "T.1.2": {numerator: 35, denominator: 42}
""",
        encoding="utf-8",
    )


def main() -> None:
    jinyang(ROOT / "晋阳市-2024")
    qingyuan(ROOT / "清源县-2024")
    fendong(ROOT / "汾东市-2024")
    luzhou(ROOT / "潞州市-2024")
    print(f"samples written under {ROOT}")


if __name__ == "__main__":
    main()
