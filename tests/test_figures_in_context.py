"""Issue 14 on whole submissions: a baseline, a target, a 备案号 or a rounded figure is
never taken as a contradiction of the declaration; a true contradiction still is.

Each test writes a small submission the way cities write (a 规划 with a 专栏, a 2024
work report, an 等保 table, a 统计公报 in 万), runs the real check, and reads the
judgment of the one item it is about.
"""

from __future__ import annotations

from pathlib import Path

from .conftest import check_json
from .docbuilders import para, table, write_docx

HEAD = "region: 岚川市\nlevel: city\nyear: 2024\nindicators:\n"


def _item(report: dict, item_id: str) -> dict:
    return next(j for j in report["indicators"] if j["id"] == item_id)


def _codes(judgment: dict) -> set[str]:
    return {r["code"] for r in judgment["reasons"]}


def _check(root: Path) -> dict:
    code, report, err = check_json(root, "--no-store")
    assert report is not None, err
    return report


def _write(root: Path, manifest: str, texts: dict[str, str]) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    (root / "submission.yaml").write_text(HEAD + manifest, encoding="utf-8")
    for name, text in texts.items():
        (root / "佐证材料").mkdir(exist_ok=True)
        (root / "佐证材料" / name).write_text(text, encoding="utf-8")
    return root


PLAN = (
    "岚川市“十四五”新型智慧城市发展规划\n"
    "“十三五”末，全市重点公共区域5G网络覆盖率为45%。\n"
    "到2025年，全市重点公共区域5G网络覆盖率达到100%，较2020年提高55个百分点。\n"
)
REPORT = (
    "岚川市2024年新型智慧城市建设工作总结\n"
    "截至2024年底，全市城市重点公共区域共320个，其中已实现5G网络覆盖的310个，覆盖率达到96.9%。\n"
)


def test_a_plans_baseline_and_target_beside_a_report_raise_no_contradiction(tmp_path):
    root = _write(
        tmp_path / "s",
        '  "1.1.1": {numerator: 310, denominator: 320}\n',
        {"十四五规划.txt": PLAN, "2024年工作总结.txt": REPORT},
    )
    judgment = _item(_check(root), "1.1.1")
    codes = _codes(judgment)
    assert judgment["status"] == "pass", judgment
    assert "corroborated" in codes and "inconsistent_figures" not in codes
    aside = next(r for r in judgment["reasons"] if r["code"] == "figures_set_aside")
    assert "45%" in aside["message"] and "100%" in aside["message"]
    assert {e["document"] for e in aside["evidence"]} == {"佐证材料/十四五规划.txt"}
    # every quoted number carries its role and period; the report's figures were compared
    support = next(r for r in judgment["reasons"] if r["code"] == "corroborated")
    notes = {f["text"]: f for e in support["evidence"] for f in e["figures"]}
    assert notes["96.9%"]["used"] and notes["96.9%"]["period"] in ("2024", "current")


def test_a_true_contradiction_in_the_same_year_is_flagged_quoting_both(tmp_path):
    wrong = "2024年，全市城市重点公共区域共320个，已实现5G网络覆盖的256个，覆盖率为80%。\n"
    root = _write(
        tmp_path / "s",
        '  "1.1.1": {numerator: 310, denominator: 320}\n',
        {"十四五规划.txt": PLAN, "2024年工作总结.txt": REPORT, "通信管理局通报.txt": wrong},
    )
    judgment = _item(_check(root), "1.1.1")
    conflict = next(r for r in judgment["reasons"] if r["code"] == "inconsistent_figures")
    assert judgment["status"] == "partial"
    assert {e["document"] for e in conflict["evidence"]} == {"佐证材料/通信管理局通报.txt"}
    assert "256/320" in conflict["message"]


def test_an_dengbao_table_with_filing_numbers_and_scores_backs_only_its_conclusions(tmp_path):
    root = tmp_path / "s"
    (root / "佐证材料").mkdir(parents=True)
    (root / "submission.yaml").write_text(
        HEAD + '  "7.1.4": {numerator: 3, denominator: 3}\n', encoding="utf-8"
    )
    write_docx(
        root / "佐证材料" / "等保测评情况.docx",
        [
            para("岚川市智慧城市平台网络安全等级保护测评情况（详见表2-2，报告编号见附件3）"),
            table(
                [
                    ["序号", "系统名称", "备案号", "测评得分", "测评结论"],
                    ["1", "城市大脑运营平台", "14010099001-24001", "86.5", "符合"],
                    ["2", "政务服务一网通办平台", "14010099001-24002", "91.2", "符合"],
                    ["3", "城市运行管理平台", "14010099001-24003", "78.6", "基本符合"],
                ]
            ),
        ],
    )
    judgment = _item(_check(root), "7.1.4")
    codes = _codes(judgment)
    assert "inconsistent_figures" not in codes, judgment
    assert judgment["status"] == "pass", judgment


def test_a_figure_in_wan_agreeing_within_its_rounding_corroborates_and_says_so(tmp_path):
    bulletin = (
        "岚川市2024年国民经济和社会发展统计公报（节选）\n"
        "年末全市家庭总数82.36万户，其中百兆及以上光纤入户覆盖家庭80.54万户，比上年末增长6.2%。\n"
    )
    root = _write(
        tmp_path / "s",
        '  "1.1.3": {numerator: 805412, denominator: 823590}\n',
        {"统计公报.txt": bulletin},
    )
    judgment = _item(_check(root), "1.1.3")
    codes = _codes(judgment)
    assert "corroborated" in codes and "inconsistent_figures" not in codes, judgment
    support = next(r for r in judgment["reasons"] if r["code"] == "corroborated")
    assert "约数" in support["message"] and "80.54万户" in support["message"]


def test_two_measures_in_one_sentence_are_each_paired_right(tmp_path):
    text = (
        "截至2024年底，全市机动车保有量128.6万辆，其中新能源汽车8.2万辆，"
        "占比6.4%；全市累计建成公共充电桩2.8万台，桩车比例为1:2.9。\n"
    )
    root = _write(
        tmp_path / "s",
        '  "4.2.2":\n    ev_share: {numerator: 82000, denominator: 1286000}\n'
        "    pile_ratio: {numerator: 28000, denominator: 82000}\n",
        {"能源局情况说明.txt": text},
    )
    judgment = _item(_check(root), "4.2.2")
    assert "inconsistent_figures" not in _codes(judgment), judgment
    by_measure = {}
    for reason in judgment["reasons"]:
        by_measure.setdefault(reason.get("measure"), set()).add(reason["code"])
    assert "corroborated" in by_measure["ev_share"], judgment


def test_a_profiles_period_decides_which_years_figures_are_compared(tmp_path):
    """Declared for 2024, evidence of 2023: set aside by default, compared when the
    evaluator's profile names a period that covers 2023."""
    text = "2023年，全市城市重点公共区域共320个，其中已实现5G网络覆盖的310个。\n"
    root = _write(
        tmp_path / "s",
        '  "1.1.1": {numerator: 310, denominator: 320}\n',
        {"2023年统计.txt": text},
    )
    judgment = _item(_check(root), "1.1.1")
    assert "uncorroborated" in _codes(judgment) and "figures_set_aside" in _codes(judgment)
    profile = tmp_path / "p.yaml"
    profile.write_text(
        'name: 2023-2024\nperiod: {start: "2023-01-01", end: "2024-12-31"}\n', encoding="utf-8"
    )
    code, report, err = check_json(root, "--no-store", "--profile", str(profile))
    assert report is not None, err
    judgment = _item(report, "1.1.1")
    assert "corroborated" in _codes(judgment) and "figures_set_aside" not in _codes(judgment)


def test_a_progress_figure_for_part_of_the_year_is_set_aside_not_a_contradiction(tmp_path):
    progress = "会议通报，截至8月底，全市城市重点公共区域5G网络覆盖率为88.4%。\n"
    root = _write(
        tmp_path / "s",
        '  "1.1.1": {numerator: 310, denominator: 320}\n',
        {"2024年工作总结.txt": REPORT, "领导小组会议纪要.txt": progress},
    )
    judgment = _item(_check(root), "1.1.1")
    codes = _codes(judgment)
    assert "inconsistent_figures" not in codes and "corroborated" in codes, judgment
    aside = next(r for r in judgment["reasons"] if r["code"] == "figures_set_aside")
    assert "年内阶段性数据88.4%" in aside["message"]
    assert {e["document"] for e in aside["evidence"]} == {"佐证材料/领导小组会议纪要.txt"}
