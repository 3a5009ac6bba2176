"""Reviewer decisions (issue 20) in the auditor's files: DOCX and XLSX show the decision
that stands or lapsed, and a reviewer's decisions come back from the XLSX report filled
in Excel or from a YAML file (sxcheck.review_file), every problem in one Chinese error."""

from __future__ import annotations

import json
import shutil
from datetime import date, timedelta
from pathlib import Path

import docx
import openpyxl
import pytest

from sxcheck.errors import SxcheckError
from sxcheck.review_file import REVIEW_INPUT, Entry, read_decisions

from .conftest import SAMPLE, run_cli

ITEM = "2.1.2"  # partial: the declaration passes, the city's own report says 85%
REPORT_PDF = "佐证材料/01-晋阳市新型智慧城市建设自评估报告.pdf"
FUTURE = date.today() + timedelta(days=30)


def _check(root: Path, db: str) -> dict:
    code, out, err = run_cli("check", str(root), "--db", db, "--json")
    assert code in (0, 1), err
    return json.loads(out)


@pytest.fixture(scope="module")
def decided(tmp_path_factory) -> dict:
    """The sample checked, 2.1.2 decided pass, checked again (applied); then a cited
    document edited and checked again (lapsed). Reports of both runs."""
    tmp = tmp_path_factory.mktemp("decided")
    root = tmp / "晋阳市"
    shutil.copytree(SAMPLE, root)
    db = str(tmp / "runs.db")
    first = _check(root, db)
    code, _, err = run_cli(
        "review", "latest", ITEM, "--status", "pass", "--reason", "核对原始台账属实",
        "--by", "张三", "--role", "auditor", "--db", db,
    )  # fmt: skip
    assert code == 0, err
    applied = _check(root, db)
    out: dict = {"tmp": tmp, "db": db, "first": first, "applied": applied}
    for name in ("applied.docx", "applied.xlsx"):
        assert run_cli("show", "latest", "--db", db, "--report", str(tmp / name))[0] == 0
    with (root / REPORT_PDF).open("ab") as pdf:
        pdf.write(b"%edited\n")
    out["lapsed"] = _check(root, db)
    for name in ("lapsed.docx", "lapsed.xlsx"):
        assert run_cli("show", "latest", "--db", db, "--report", str(tmp / name))[0] == 0
    return out


def _item_paragraphs(path: Path) -> list:
    """The paragraphs from the item's heading to the next heading."""
    paragraphs = docx.Document(str(path)).paragraphs
    start = next(
        n
        for n, p in enumerate(paragraphs)
        if p.style.name == "Heading 3" and p.text.startswith(f"{ITEM} ")
    )
    rest = paragraphs[start + 1 :]
    end = next((n for n, p in enumerate(rest) if p.style.name.startswith("Heading")), len(rest))
    return [paragraphs[start], *rest[:end]]


def test_docx_shows_the_decision_applied_and_lapsed(decided):
    heading, *body = _item_paragraphs(decided["tmp"] / "applied.docx")
    assert "达标" in heading.text and "【复核】" in heading.text
    line = next(p for p in body if p.text.startswith("复核意见 #1"))
    assert "审核人 张三" in line.text and "partial → pass。理由：核对原始台账属实" in line.text
    assert line.runs[0].font.color.rgb is None  # applied: normal text
    heading, *body = _item_paragraphs(decided["tmp"] / "lapsed.docx")
    assert "部分达标" in heading.text and "【复核失效】" in heading.text
    line = next(p for p in body if "复核意见已失效" in p.text)
    assert line.text.startswith("复核意见已失效：所依据的材料已变更（复核意见 #1，审核人 张三")
    assert str(line.runs[0].font.color.rgb) == "C00000"  # lapsed: red
    other = _item_paragraphs(decided["tmp"] / "applied.docx")  # only decided items get one
    assert sum("复核意见" in p.text for p in other) == 1


def _results(path: Path) -> tuple[list, dict[str, tuple]]:
    sheet = openpyxl.load_workbook(path)["评价结果"]
    rows = list(sheet.iter_rows(values_only=True))
    return list(rows[0]), {r[0]: r for r in rows[1:]}


def test_xlsx_shows_the_decision_and_an_empty_block_to_fill(decided):
    header, rows = _results(decided["tmp"] / "applied.xlsx")
    status, note, verdict = (header.index(t) for t in ("复核状态", "复核意见", "复核结论"))
    assert header[verdict:] == REVIEW_INPUT
    assert rows[ITEM][5] == "达标" and rows[ITEM][status] == "复核"
    assert rows[ITEM][note].startswith("复核意见 #1（审核人 张三，")
    assert all(r[status] is None and r[note] is None for k, r in rows.items() if k != ITEM)
    assert all(v is None for r in rows.values() for v in r[verdict:])  # for the reviewer
    sheet = openpyxl.load_workbook(decided["tmp"] / "applied.xlsx")["评价结果"]
    lists = {v.formula1 for v in sheet.data_validations.dataValidation if v.type == "list"}
    assert lists == {'"pass,partial,fail,not_applicable,confirm"', '"reviewer,auditor"'}
    header, rows = _results(decided["tmp"] / "lapsed.xlsx")
    assert rows[ITEM][5] == "部分达标" and rows[ITEM][header.index("复核状态")] == "复核失效"
    assert rows[ITEM][header.index("复核意见")].startswith("复核意见已失效：所依据的材料已变更")
    sheet = openpyxl.load_workbook(decided["tmp"] / "lapsed.xlsx")["评价结果"]
    row = next(r for r in sheet.iter_rows(min_row=2) if r[0].value == ITEM)
    assert row[header.index("复核意见")].font.color.rgb.endswith("C00000")  # lapsed: red


def _fill(path: Path, target: Path, rows: dict[str, dict[str, object]]) -> None:
    book = openpyxl.load_workbook(path)
    sheet = book["评价结果"]
    header = [c.value for c in sheet[1]]
    for row in sheet.iter_rows(min_row=2):
        for title, value in rows.get(row[0].value, {}).items():
            row[header.index(title)].value = value
    book.save(target)


def test_the_xlsx_report_filled_in_excel_reads_back(decided, tmp_path):
    filled = tmp_path / "复核.xlsx"
    _fill(
        decided["tmp"] / "applied.xlsx",
        filled,
        {
            "1.1.1": {"复核结论": "fail", "复核理由": "未见正式文件", "复核人": "李四"},
            "8.1.1": {
                "复核结论": "confirm",
                "复核理由": "维持",
                "复核人": "王五",
                "角色": "auditor",
                "有效期至": FUTURE,  # a date cell, as Excel stores one
            },
        },
    )
    run, entries = read_decisions(filled)
    assert run == decided["applied"]["run"]["id"]  # the run the report was written from
    assert [e.model_dump(exclude={"where"}) for e in entries] == [
        Entry(item="1.1.1", status="fail", reason="未见正式文件", by="李四").model_dump(
            exclude={"where"}
        ),
        Entry(
            item="8.1.1",
            status="confirm",
            reason="维持",
            by="王五",
            role="auditor",
            expires=FUTURE.isoformat(),
        ).model_dump(exclude={"where"}),
    ]
    assert entries[0].where.startswith("复核.xlsx:评价结果!")


def test_a_badly_filled_xlsx_lists_every_problem(decided, tmp_path):
    filled = tmp_path / "复核.xlsx"
    past = date.today() - timedelta(days=1)
    _fill(
        decided["tmp"] / "applied.xlsx",
        filled,
        {
            "1.1.1": {"复核结论": "ok", "复核理由": "x", "复核人": "李四"},
            "1.1.2": {"复核结论": "pass", "复核理由": " ", "复核人": None},
            "8.1.1": {"复核结论": "pass", "复核理由": "x", "复核人": "王五", "有效期至": past},
            "2.1.1": {"复核理由": "忘了结论"},
            "2.1.2": {"复核结论": "pass", "复核理由": "x", "复核人": "y", "角色": "boss"},
        },
    )
    with pytest.raises(SxcheckError) as caught:
        read_decisions(filled)
    lines = str(caught.value).splitlines()
    assert lines[0] == "复核.xlsx 有 6 处错误："
    text = "\n".join(lines)
    for expected in (
        "!R",
        "复核结论 'ok' 无效：应为 pass、partial、fail、not_applicable、confirm 之一",
        "复核意见须写明理由",
        "复核意见须写明复核人",
        f"有效期 {past.isoformat()} 已过去",
        "填写了“复核理由”但未填写复核结论",
        "角色 'boss' 无效",
    ):
        assert expected in text, text
    assert all(line.startswith("  复核.xlsx:评价结果!") for line in lines[1:])


def test_a_workbook_that_is_not_the_report_is_refused(tmp_path):
    book = openpyxl.Workbook()
    book.active.title = "评价结果"
    book.active.append(["ID", "状态"])
    book.create_sheet("运行信息").append(["运行编号", "abc"])
    book.save(tmp_path / "other.xlsx")
    with pytest.raises(SxcheckError) as caught:
        read_decisions(tmp_path / "other.xlsx")
    assert str(caught.value).startswith("other.xlsx:评价结果!1: 表头没有“复核结论”“复核理由”")


def test_a_yaml_decisions_file_reads_back(tmp_path):
    path = tmp_path / "decisions.yaml"
    path.write_text(
        "run: latest\nby: 张三\nrole: auditor\ndecisions:\n"
        f'  - {{item: "2.1.2", status: pass, reason: "核对原始台账属实", expires: {FUTURE}}}\n'
        '  - {item: "1.1.1", status: confirm, reason: "维持", by: 李四, role: reviewer}\n',
        encoding="utf-8",
    )
    run, entries = read_decisions(path)
    assert run == "latest"
    assert [(e.item, e.status, e.by, e.role, e.expires, e.where) for e in entries] == [
        ("2.1.2", "pass", "张三", "auditor", FUTURE.isoformat(), "decisions.yaml:5"),
        ("1.1.1", "confirm", "李四", "reviewer", None, "decisions.yaml:6"),
    ]
    path.write_text('decisions:\n  - {item: "2.1.2", status: pass, reason: r, by: b}\n')
    assert read_decisions(path)[0] is None  # no run: the caller's
    path.write_text("run: 012345\ndecisions:\n  - {item: 2.10, status: pass, reason: r, by: b}\n")
    run, entries = read_decisions(path)
    assert (run, entries[0].item) == ("012345", "2.10")  # as written, not as numbers


def test_a_bad_yaml_file_lists_every_problem_with_its_line(tmp_path):
    path = tmp_path / "decisions.yaml"
    past = date.today() - timedelta(days=1)
    path.write_text(
        "run: latest\nrol: auditor\ndecisions:\n"
        '  - {item: "2.1.2", status: passed, reason: "x", by: 张三}\n'
        '  - {item: "1.1.1", status: pass, reason: "  "}\n'
        f'  - {{item: "8.1.1", status: fail, reason: "x", by: 王五, expires: {past}}}\n'
        '  - {item: "8.1.2", status: fail, reason: "x", by: 王五, expires: 明年}\n'
        '  - {item: "2.1.2", status: fail, reason: "x", by: 王五}\n',
        encoding="utf-8",
    )
    with pytest.raises(SxcheckError) as caught:
        read_decisions(path)
    lines = str(caught.value).splitlines()
    assert lines[0] == "decisions.yaml 有 7 处错误："
    assert lines[1:] == [
        "  decisions.yaml:2: 未知的键 'rol'：应为 run、by、role、decisions",
        "  decisions.yaml:4: 复核结论 'passed' 无效：应为 pass、partial、fail、not_applicable、"
        "confirm 之一",
        "  decisions.yaml:5: 复核意见须写明理由（复核理由不能为空）",
        "  decisions.yaml:5: 复核意见须写明复核人",
        f"  decisions.yaml:6: 有效期 {past.isoformat()} 已过去：应为今天或以后",
        "  decisions.yaml:7: 有效期应为日期 YYYY-MM-DD，而不是 '明年'",
        "  decisions.yaml:8: 指标项 2.1.2 重复（第一次在 decisions.yaml:4）",
    ]
    path.write_text("decisions: [\n", encoding="utf-8")
    with pytest.raises(SxcheckError, match=r"^decisions.yaml:\d+: YAML 格式错误"):
        read_decisions(path)
    with pytest.raises(SxcheckError, match=r"应为 \.yaml 或 \.xlsx"):
        read_decisions(tmp_path / "decisions.txt")


def test_decisions_round_trip_through_the_xlsx_report(tmp_path):
    """What `sxcheck review --file` does: the report written, filled in Excel, read back,
    each entry recorded against the run it names; the next check applies them."""
    from datetime import UTC, datetime

    from sxcheck.judge.decisions import cited
    from sxcheck.models import Decision
    from sxcheck.store import open_store
    from sxcheck.store.decisions import add_decision

    root = tmp_path / "晋阳市"
    shutil.copytree(SAMPLE, root)
    db = str(tmp_path / "runs.db")
    first = _check(root, db)
    report = tmp_path / "r.xlsx"
    assert run_cli("show", "latest", "--db", db, "--report", str(report))[0] == 0
    _fill(
        report,
        report,
        {
            ITEM: {"复核结论": "pass", "复核理由": "核对原始台账属实", "复核人": "张三"},
            "1.1.1": {"复核结论": "confirm", "复核理由": "维持", "复核人": "李四"},
        },
    )
    run, entries = read_decisions(report)
    store = open_store(db)
    stored = store.report(run)
    judgments = {j.id: j for j in stored.indicators}
    for entry in entries:
        judgment = judgments[entry.item]
        decision = Decision(
            id=0,
            status=entry.status,
            reason=entry.reason,
            by=entry.by,
            role=entry.role,
            decided_at=datetime.now(UTC).isoformat(timespec="seconds"),
            expires=entry.expires,
            on_run=stored.run.id,
            engine_status=(judgment.engine_status or judgment.status).value,
            based_on=cited(judgment),
        )
        add_decision(store, stored.submission.region, stored.submission.level, entry.item, decision)
    again = {j["id"]: j for j in _check(root, db)["indicators"]}
    before = {j["id"]: j for j in first["indicators"]}
    assert again[ITEM]["status"] == "pass" and again[ITEM]["engine_status"] == "partial"
    assert again[ITEM]["decision"]["by"] == "张三"
    assert again["1.1.1"]["status"] == before["1.1.1"]["status"]
    assert again["1.1.1"]["decision"]["state"] == "applied"
    assert sum(j.get("decision") is not None for j in again.values()) == 2
    rewritten = tmp_path / "again.xlsx"  # the next report shows them, its block empty again
    assert run_cli("show", "latest", "--db", db, "--report", str(rewritten))[0] == 0
    header, rows = _results(rewritten)
    assert rows[ITEM][header.index("复核状态")] == "复核"
    assert read_decisions(rewritten)[1] == []


def test_a_workbook_declaring_a_dtd_is_refused(decided, tmp_path):
    import zipfile

    source = decided["tmp"] / "applied.xlsx"
    bad = tmp_path / "bad.xlsx"
    with zipfile.ZipFile(source) as old, zipfile.ZipFile(bad, "w") as new:
        for info in old.infolist():
            data = old.read(info)
            if info.filename == "xl/workbook.xml":
                data = b'<!DOCTYPE x [<!ENTITY a "aaaa">]>' + data
            new.writestr(info, data)
    with pytest.raises(SxcheckError, match="^bad.xlsx: 工作簿的部件声明了 DTD 或实体，未读取$"):
        read_decisions(bad)
