"""Reviewer decisions (issue 20, first part): `sxcheck review` records a 复核意见 tied to
the evidence the judgment cited; later checks of the region apply it while that evidence
is unchanged and it has not expired, and say so when it lapses."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from datetime import date, timedelta
from pathlib import Path

import pytest

from .conftest import SAMPLE, run_cli

SXCHECK = str(Path(sys.executable).with_name("sxcheck"))
ITEM = "2.1.2"  # partial: the declaration passes, the city's own report says 85%
REPORT_PDF = "佐证材料/01-晋阳市新型智慧城市建设自评估报告.pdf"


@pytest.fixture
def checked(tmp_path) -> tuple[Path, str, dict]:
    root = tmp_path / "晋阳市"
    shutil.copytree(SAMPLE, root)
    db = str(tmp_path / "runs.db")
    return root, db, _check(root, db)


def _check(root: Path, db: str) -> dict:
    code, out, err = run_cli("check", str(root), "--db", db, "--json")
    assert code in (0, 1), err
    return json.loads(out)


def _item(report: dict, item: str = ITEM) -> dict:
    return next(j for j in report["indicators"] if j["id"] == item)


def _review(db: str, *args: str) -> tuple[int, str, str]:
    return run_cli("review", "latest", ITEM, "--db", db, *args)


def test_a_decision_changes_status_and_score_and_stands_while_the_evidence_does(checked):
    root, db, first = checked
    engine = _item(first)
    assert engine["status"] == "partial"
    code, out, err = _review(
        db, "--status", "pass", "--reason", "核对原始台账属实", "--by", "张三", "--role", "auditor"
    )
    assert code == 0, err
    assert out.startswith("复核意见 #1 已记录：晋阳市 2.1.2 partial → pass（张三，auditor）")
    # the run reviewed, shown again: with the decision as it stands now
    code, out, _ = run_cli("show", first["run"]["id"], "--json", "--db", db)
    shown = _item(json.loads(out))
    assert (shown["status"], shown["decision"]["state"]) == ("pass", "applied")
    assert json.loads(out)["summary"]["scores"]["total"] > first["summary"]["scores"]["total"]
    again = _check(root, db)  # nothing changed: the decision stands
    item = _item(again)
    assert (item["status"], item["score"]) == ("pass", 1.0)
    assert (item["engine_status"], item["engine_score"]) == ("partial", engine["score"])
    decision = item["decision"]
    assert (
        decision["state"] == "applied"
        and decision["by"] == "张三"
        and decision["role"] == "auditor"
    )
    assert {d["sha256"] for d in decision["based_on"]} == {
        e["sha256"] for r in engine["reasons"] for e in r["evidence"]
    }
    assert item["reasons"] == engine["reasons"]  # the engine's trail stays beside it
    assert again["summary"]["scores"]["total"] > first["summary"]["scores"]["total"]
    # shown in the terminal, Markdown and HTML
    code, out, _ = run_cli("show", "latest", ITEM, "--db", db)
    assert "复核意见 #1（审核人 张三，" in out and "partial → pass。理由：核对原始台账属实" in out
    md, html = root.parent / "r.md", root.parent / "r.html"
    assert run_cli("show", "latest", "--db", db, "--report", str(md), "--report", str(html))[0] == 0
    text = md.read_text(encoding="utf-8")
    assert "复核意见" in text and "核对原始台账属实" in text and " 复核 |" in text
    page = html.read_text(encoding="utf-8")
    assert 'class="decision applied"' in page and 'id="decided-filter"' in page


def test_changing_a_cited_document_makes_the_decision_lapse(checked):
    root, db, first = checked
    assert _review(db, "--status", "pass", "--reason", "属实", "--by", "李四")[0] == 0
    with (root / REPORT_PDF).open("ab") as pdf:
        pdf.write(b"%edited\n")  # the same text, other bytes: another document
    item = _item(_check(root, db))
    assert item["status"] == _item(first)["status"] == "partial"
    assert item["decision"]["state"] == "lapsed"
    assert item["decision"]["note"] == "复核意见已失效：所依据的材料已变更"
    code, out, _ = run_cli("show", "latest", ITEM, "--db", db)
    assert "复核意见已失效：所依据的材料已变更（复核意见 #1，复核人 李四" in out


def test_an_expired_decision_lapses_and_a_later_one_supersedes(checked):
    from sxcheck.models import Decision
    from sxcheck.store import open_store
    from sxcheck.store.decisions import add_decision, all_decisions

    root, db, first = checked
    store = open_store(db)
    old = Decision(
        id=0,
        status="fail",
        reason="旧意见",
        by="王五",
        decided_at="2026-01-01T00:00:00+00:00",
        expires=(date.today() - timedelta(days=1)).isoformat(),
        on_run=first["run"]["id"],
        engine_status="partial",
        based_on=[],
    )
    add_decision(store, "晋阳市", "city", ITEM, old)
    item = _item(_check(root, db))
    assert item["status"] == "partial" and item["decision"]["state"] == "expired"
    assert item["decision"]["note"].startswith("复核意见已失效：已过有效期")
    assert _review(db, "--status", "confirm", "--reason", "维持部分达标", "--by", "赵六")[0] == 0
    item = _item(_check(root, db))
    assert item["decision"]["id"] == 2 and item["decision"]["state"] == "applied"
    assert item["status"] == "partial" and item["engine_status"] == "partial"
    kept = all_decisions(store, "晋阳市", "city")
    assert [d.id for _, d in kept] == [1, 2]  # append-only: both remain


def test_review_refuses_what_cannot_be_a_decision(checked):
    _, db, _ = checked
    future = (date.today() + timedelta(days=30)).isoformat()
    past = (date.today() - timedelta(days=1)).isoformat()
    for args, message in (
        (["--reason", " ", "--by", "张三"], "复核意见须写明理由（--reason 不能为空）"),
        (["--reason", "x", "--by", "张三", "--expires", past], f"--expires {past} 已过去"),
        (["--reason", "x", "--by", "张三", "--expires", "明年"], "--expires 应为日期 YYYY-MM-DD"),
    ):
        code, _, err = _review(db, "--status", "pass", *args)
        assert code == 2 and err.count("\n") == 1 and message in err, err
    code, _, err = run_cli(
        "review", "latest", "2.1.9", "--status", "pass", "--reason", "x", "--by", "y", "--db", db
    )
    assert code == 2 and "unknown indicator ID '2.1.9'" in err
    code, _, err = run_cli(
        "review", "ffffff", ITEM, "--status", "pass", "--reason", "x", "--by", "y", "--db", db
    )
    assert code == 2 and "no run 'ffffff'" in err
    code, out, _ = _review(
        db, "--status", "pass", "--reason", "x", "--by", "y", "--expires", future
    )
    assert code == 0 and f"有效期至 {future}" in out


def test_two_reviewers_at_once_both_land(checked):
    _, db, _ = checked
    processes = [
        subprocess.Popen(
            [
                SXCHECK,
                "review",
                "latest",
                item,
                "--status",
                "pass",
                "--reason",
                "并发",
                "--by",
                who,
                "--db",
                db,
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        for item, who in (("2.1.2", "甲"), ("1.1.1", "乙"), ("8.1.1", "丙"), ("2.1.1", "丁"))
    ]
    assert all(p.wait(timeout=120) == 0 for p in processes)
    from sxcheck.store import open_store
    from sxcheck.store.decisions import all_decisions

    assert sorted(d.by for _, d in all_decisions(open_store(db), "晋阳市", "city")) == [
        "丁",
        "丙",
        "乙",
        "甲",
    ]


def test_history_diff_and_batch_know_the_decisions(checked, tmp_path):
    root, db, first = checked
    assert _review(db, "--status", "pass", "--reason", "属实", "--by", "张三")[0] == 0
    decided = _check(root, db)
    code, out, err = run_cli("history", "--db", db)
    assert code == 0, err
    newest, oldest = out.splitlines()[:2]
    assert newest.startswith(decided["run"]["id"]) and "  复核 1" in newest
    assert "复核" not in oldest
    code, out, _ = run_cli("history", "--json", "--db", db)
    assert [e["decided"] for e in json.loads(out)][:2] == [1, 0]
    code, out, err = run_cli("diff", first["run"]["id"], decided["run"]["id"], "--db", db)
    assert code == 0, err
    assert "复核意见变更: 2.1.2 复核意见 #1 生效：张三，partial → pass" in out
    out_json = tmp_path / "cmp.json"
    code, _, err = run_cli(
        "batch", str(root), "--db", db, "--workers", "1", "--quiet", "--report", str(out_json)
    )
    assert code in (0, 1), err
    (entry,) = json.loads(out_json.read_text(encoding="utf-8"))["entries"]
    assert entry["statuses"][ITEM] == "pass"  # the batch applied the region's decision


def test_decisions_in_bulk_from_yaml_and_from_the_filled_xlsx_report(checked, tmp_path):
    import openpyxl

    root, db, _ = checked
    listing = tmp_path / "复核.yaml"
    listing.write_text(
        "run: latest\nby: 张三\nrole: auditor\ndecisions:\n"
        '  - {item: "2.1.2", status: pass, reason: "台账属实"}\n'
        '  - {item: "8.1.1", status: confirm, reason: "纪要为实际工作"}\n',
        encoding="utf-8",
    )
    code, out, err = run_cli("review", "--file", str(listing), "--db", db)
    assert code == 0, err
    assert out.splitlines()[0].startswith(
        "复核意见 #1 已记录：晋阳市 2.1.2 partial → pass（张三，auditor）"
    )
    assert out.splitlines()[1].startswith("复核意见 #2 已记录：晋阳市 8.1.1 pass → pass")
    assert _item(_check(root, db))["decision"]["state"] == "applied"
    # a reviewer working in Excel: the report's 复核结论 columns filled in and read back
    book_path = tmp_path / "报告.xlsx"
    assert run_cli("show", "latest", "--db", db, "--report", str(book_path))[0] == 0
    book = openpyxl.load_workbook(book_path)
    sheet = book["评价结果"]
    header = [c.value for c in sheet[1]]
    row = next(r for r in sheet.iter_rows(min_row=2) if r[0].value == "1.1.4")
    row[header.index("复核结论")].value = "partial"
    row[header.index("复核理由")].value = "门户网站已支持IPv6，见测试截图"
    row[header.index("复核人")].value = "李四"
    book.save(book_path)
    code, out, err = run_cli("review", "--file", str(book_path), "--db", db)
    assert code == 0, err and "1.1.4" in out
    item = _item(_check(root, db), "1.1.4")
    assert item["status"] == "partial" and item["decision"]["by"] == "李四"
    code, _, err = run_cli("review", "latest", "--db", db)
    assert code == 2 and "复核意见缺少 ITEM、--status、--by" in err


def test_two_reviewers_at_once_both_land_on_postgresql(tmp_path):
    from .test_store import PG_URL, _empty_postgres, _postgres_available

    problem = _postgres_available()
    if problem:
        pytest.skip(f"no PostgreSQL server at {PG_URL} ({problem}); `make postgres` starts one")
    db = _empty_postgres()
    root = tmp_path / "晋阳市"
    shutil.copytree(SAMPLE, root)
    _check(root, db)
    who = ("甲", "乙", "丙", "丁")
    processes = [
        subprocess.Popen(
            [
                SXCHECK,
                "review",
                "latest",
                ITEM,
                "--status",
                "pass",
                "--reason",
                "并发",
                "--by",
                name,
                "--db",
                db,
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        for name in who
    ]
    assert all(p.wait(timeout=120) == 0 for p in processes)
    from sxcheck.store import open_store
    from sxcheck.store.decisions import all_decisions

    kept = all_decisions(open_store(db), "晋阳市", "city")
    assert sorted(d.by for _, d in kept) == sorted(who)  # one item, four decisions: none lost
    item = _item(_check(root, db))
    assert item["decision"]["id"] == max(d.id for _, d in kept)  # the latest one stands
