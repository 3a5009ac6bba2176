"""Cross-document and cross-item checks an auditor relies on, on real DOCX/XLSX files."""

from __future__ import annotations

from .conftest import MINIMAL, check_json
from .docbuilders import para, table, write_docx, write_xlsx


def item(report: dict, item_id: str) -> dict:
    return next(j for j in report["indicators"] if j["id"] == item_id)


def codes(judgment: dict) -> set[str]:
    return {r["code"] for r in judgment["reasons"]}


def test_category_table_is_read_from_its_total_row(make_submission, tmp_path):
    docx = write_docx(
        tmp_path / "汇报.docx",
        [
            para("全县各级各类学校无线网络覆盖情况如下表。"),
            table(
                [
                    ["学校类别", "学校数（所）", "无线网络覆盖学校数（所）", "覆盖率"],
                    ["中小学校", "58", "52", "89.7%"],
                    ["职业院校", "2", "2", "100%"],
                    ["合计", "60", "54", "90.0%"],
                ]
            ),
        ],
    )
    root = make_submission(
        MINIMAL + 'indicators:\n  "2.5.2": {numerator: 54, denominator: 60}\n', {"汇报.docx": docx}
    )
    code, report, err = check_json(root)
    assert code == 0, err
    judgment = item(report, "2.5.2")
    assert judgment["status"] == "pass" and "corroborated" in codes(judgment)
    assert "inconsistent_figures" not in codes(judgment)  # the part rows are not rival claims
    quote = next(r for r in judgment["reasons"] if r["code"] == "corroborated")["evidence"][0]
    # a row is quoted with its headers (issue 16), so it reads without the table
    assert quote["quote"] == (
        "学校类别=合计 | 学校数（所）=60 | 无线网络覆盖学校数（所）=54 | 覆盖率=90.0%"
    )
    assert quote["location"] == "table 1 row 4"


def test_one_total_declared_differently_in_two_items(make_submission):
    manifest = MINIMAL + (
        'indicators:\n  "2.1.1": {numerator: 1600, denominator: 1950}\n  "2.1.2": {numerator: 1500, denominator: 1800}\n'
    )
    root = make_submission(
        manifest,
        {"说明.txt": "全市政务服务事项共计1800项，其中实现线下一站式办理的1500项。".encode()},
    )
    code, report, err = check_json(root)
    assert code == 0, err
    for item_id in ("2.1.1", "2.1.2"):
        judgment = item(report, item_id)
        assert "inconsistent_figures" in codes(judgment), item_id
        assert judgment["status"] != "pass"
        message = next(
            r["message"]
            for r in judgment["reasons"]
            if r["rule"] and r["rule"].endswith("inconsistent_denominator")
        )
        assert "政务服务事项总数" in message and "1950" in message and "1800" in message
    # 2.1.1's reason quotes where 2.1.2's total comes from
    reason = next(
        r
        for r in item(report, "2.1.1")["reasons"]
        if r["rule"].endswith("inconsistent_denominator")
    )
    assert any("1800项" in e["quote"] for e in reason["evidence"])


def test_two_documents_state_the_same_total_differently(make_submission):
    files = {
        "卫健委报告.txt": "全市12家三级医院均已建立电子病历系统。".encode(),
        "统计公报.txt": "全市三级以上医疗机构10家，全部实现电子病历应用。".encode(),
    }
    root = make_submission(MINIMAL, files)
    code, report, err = check_json(root)
    assert code == 0, err
    judgment = item(report, "2.4.1")
    assert "inconsistent_figures" in codes(judgment) and judgment["status"] == "partial"
    quoted = {e["document"] for r in judgment["reasons"] for e in r["evidence"]}
    assert quoted == {"卫健委报告.txt", "统计公报.txt"}


def test_figures_in_a_sheet_corroborate(make_submission, tmp_path):
    sheet = write_xlsx(
        tmp_path / "统计表.xlsx",
        {
            "指标": [
                ["指标", "分子", "分母", "比率"],
                ["低保户电子信息档案建档率", 3150, 3200, 0.984375],
            ]
        },
        percent_columns={"指标": [4]},
    )
    root = make_submission(
        MINIMAL + 'indicators:\n  "2.2.4": {numerator: 3150, denominator: 3200}\n',
        {"统计表.xlsx": sheet},
    )
    code, report, err = check_json(root)
    assert code == 0, err
    judgment = item(report, "2.2.4")
    assert judgment["status"] == "pass" and "corroborated" in codes(judgment)
    evidence = next(r for r in judgment["reasons"] if r["code"] == "corroborated")["evidence"][0]
    # a sheet row names its cell range, and the cells of the figures compared (issue 16)
    assert evidence["location"] == "sheet 指标 row 2 (指标!A2:D2)" and evidence["page"] is None
    assert evidence["cell"] == "指标!B2, 指标!C2, 指标!D2"


def test_systems_listed_with_their_conclusions_are_counted(make_submission, tmp_path):
    docx = write_docx(
        tmp_path / "等保测评汇总.docx",
        [
            para("全市智慧城市平台信息系统等级保护测评结论汇总如下。"),
            table(
                [
                    ["序号", "系统名称", "测评结论", "整改情况"],
                    ["1", "政务云平台", "符合", "无需整改"],
                    ["2", "城市大脑", "基本符合", "已整改"],
                    ["3", "视频共享平台", "不符合", "整改中"],
                    ["4", "一网通办平台", "基本符合", "已整改"],
                    ["5", "12345热线系统", "基本符合", "未整改"],
                ]
            ),
        ],
    )
    root = make_submission(
        MINIMAL + 'indicators:\n  "7.1.4": {numerator: 5, denominator: 5}\n', {"汇总.docx": docx}
    )
    code, report, err = check_json(root)
    assert code == 0, err
    judgment = item(report, "7.1.4")
    assert "inconsistent_figures" in codes(judgment) and judgment["status"] != "pass"
    reason = next(r for r in judgment["reasons"] if r["code"] == "inconsistent_figures")
    assert "3/5" in reason["message"]
    # every counted row is quoted, so an auditor sees which systems were counted
    assert [e["location"] for e in reason["evidence"]] == [f"table 1 row {n}" for n in range(2, 7)]


def test_a_summary_table_about_testing_is_not_a_list_of_systems(make_submission, tmp_path):
    docx = write_docx(
        tmp_path / "汇报.docx",
        [
            para("全市智慧城市平台等级保护测评情况如下。"),
            table([["项目", "数量"], ["系统总数", "45"], ["通过测评并整改合格", "42"]]),
        ],
    )
    root = make_submission(
        MINIMAL + 'indicators:\n  "7.1.4": {numerator: 42, denominator: 45}\n', {"汇报.docx": docx}
    )
    code, report, err = check_json(root)
    assert code == 0, err
    assert "inconsistent_figures" not in codes(item(report, "7.1.4"))


def test_numerator_and_total_in_two_rows_of_one_table_corroborate(make_submission, tmp_path):
    docx = write_docx(
        tmp_path / "统计.docx",
        [
            para("主要统计数据"),
            table(
                [
                    ["指标名称", "数值"],
                    ["政务服务事项总数（项）", "1950"],
                    ["可使用电子证照办理的事项（项）", "1600"],
                ]
            ),
        ],
    )
    root = make_submission(
        MINIMAL + 'indicators:\n  "2.1.1": {numerator: 1600, denominator: 1950}\n',
        {"统计.docx": docx},
    )
    code, report, err = check_json(root)
    assert code == 0, err
    judgment = item(report, "2.1.1")
    reason = next(r for r in judgment["reasons"] if r["code"] == "corroborated")
    assert sorted(e["quote"] for e in reason["evidence"]) == [
        "指标名称=可使用电子证照办理的事项（项） | 数值=1600",
        "指标名称=政务服务事项总数（项） | 数值=1950",
    ]
    # a different total in that table does not corroborate
    root2 = make_submission(
        MINIMAL + 'indicators:\n  "2.1.1": {numerator: 1600, denominator: 2000}\n',
        {"统计.docx": docx},
    )
    _, report2, _ = check_json(root2)
    assert "corroborated" not in codes(item(report2, "2.1.1"))


def test_a_key_value_sheet_corroborates_when_a_row_names_the_denominator(make_submission, tmp_path):
    sheet = write_xlsx(
        tmp_path / "数字化城管统计.xlsx",
        {
            "数字化城管": [
                ["项目", "数量"],
                ["报案件数", 185200],
                ["立案件数", 182640],
                ["派遣件数", 180100],
            ]
        },
    )
    root = make_submission(
        MINIMAL + 'indicators:\n  "3.3.1":\n    filing: {numerator: 182640, denominator: 185200}\n',
        {"统计.xlsx": sheet},
    )
    code, report, err = check_json(root)
    assert code == 0, err
    reason = next(
        r
        for r in item(report, "3.3.1")["reasons"]
        if r["code"] == "corroborated" and r["measure"] == "filing"
    )
    assert [e["location"] for e in reason["evidence"]] == [
        "sheet 数字化城管 row 3 (数字化城管!A3:B3)",
        "sheet 数字化城管 row 2 (数字化城管!A2:B2)",
    ]
    assert [e["cell"] for e in reason["evidence"]] == ["数字化城管!B3", "数字化城管!B2"]


def test_a_total_stated_differently_for_two_items_flags_both(make_submission):
    manifest = MINIMAL + (
        'indicators:\n  "2.1.1": {numerator: 1890, denominator: 2136}\n  "2.1.2": {numerator: 2010, denominator: 2136}\n'
    )
    files = {
        "电子证照.txt": "全县政务服务事项总数2136项，其中可使用电子证照办理1890项。".encode(),
        "一站式.txt": "实现线下一站式办理的事项2010项，占全县政务服务事项总数2163项的92.9%。".encode(),
    }
    code, report, err = check_json(make_submission(manifest, files))
    assert code == 0, err
    # 2.1.1's own documents agree with it, but 2.1.2's state the total as 2163
    reason = next(
        r
        for r in item(report, "2.1.1")["reasons"]
        if (r["rule"] or "").endswith("inconsistent_denominator")
    )
    assert "2136" in reason["message"] and "2163" in reason["message"]
    assert any(e["document"] == "一站式.txt" for e in reason["evidence"])
    # 2.1.2's own document contradicts its declared total
    assert "inconsistent_figures" in codes(item(report, "2.1.2"))
    assert all(item(report, i)["status"] != "pass" for i in ("2.1.1", "2.1.2"))
