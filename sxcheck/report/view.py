"""What every renderer shows, computed once: the 8 -> 20 -> 69 tree and what to fix first.

Renderers (terminal, Markdown, HTML, DOCX, XLSX) differ in form only; the
selection and order of what a city should fix lives here so they agree.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sxcheck.models import DocumentInfo, Evidence, Judgment, Reason, Report

STATUS_ZH = {"pass": "达标", "partial": "部分达标", "fail": "未达标", "not_applicable": "不适用"}
LEVEL_ZH = {"city": "市级", "county": "县级"}
# Reason codes that only explain a judgment; they never need fixing.
INFO_CODES = frozenset(
    {
        "corroborated",
        "meets_threshold",
        "options_covered",
        "evidence_figures_used",
        "figures_set_aside",  # baseline, target or other-year figures shown, not compared
        "established",
        "established_and_working",
        "graded",
        "not_applicable_level",
        "rank_requires_batch",
    }
)
# What a city should fix first, most urgent first: wrong figures before missing ones.
FIX_ORDER = (
    "invalid_ratio",
    "invalid_value",
    "inconsistent_figures",
    "uncorroborated",
    "option_uncorroborated",
    "planned_not_done",
    "not_shown_in_use",
    "establishment_not_shown",
    "document_unreadable",
    "no_evidence",
)


@dataclass
class SecondGroup:
    id: str
    name: str
    score: float | None
    items: list[Judgment] = field(default_factory=list)


@dataclass
class FirstGroup:
    id: str
    name: str
    score: float | None
    seconds: list[SecondGroup] = field(default_factory=list)


def tree(report: Report) -> list[FirstGroup]:
    """The judgments grouped first level -> second level, in catalogue order."""
    scores = report.summary.scores
    firsts: dict[str, FirstGroup] = {}
    for judgment in report.indicators:
        first = firsts.setdefault(
            judgment.first,
            FirstGroup(judgment.first, judgment.first_name, scores.get(judgment.first)),
        )
        if not first.seconds or first.seconds[-1].id != judgment.second:
            first.seconds.append(
                SecondGroup(judgment.second, judgment.second_name, scores.get(judgment.second))
            )
        first.seconds[-1].items.append(judgment)
    return list(firsts.values())


@dataclass
class Fix:
    judgment: Judgment
    reason: Reason


def fixes(report: Report) -> list[Fix]:
    """Reasons a city must act on, most urgent code first, items in catalogue order."""
    out: list[Fix] = []
    for code in FIX_ORDER:
        for judgment in report.indicators:
            if judgment.status.value == "pass":
                continue
            out.extend(Fix(judgment, r) for r in judgment.reasons if r.code == code)
    return out


def declared_place(report: Report, fix: Fix) -> str:
    """Where the declaration behind a fix stands (`submission.yaml:12`, `submission.xlsx:
    自评表!H5`): the reason's measure's, else the item's only declared one; "" when the
    item declared nothing (the fix is in the documents)."""
    places = report.submission.declared_at.get(fix.judgment.id, {})
    if fix.reason.measure in places:
        return places[fix.reason.measure]
    return next(iter(places.values())) if len(places) == 1 else ""


ROLE_ZH = {"reviewer": "复核人", "auditor": "审核人"}


def decision_line(judgment: Judgment) -> str:
    """The reviewer's decision beside the engine's judgment, in one line:
    "复核意见 #3（审核人 张三，2026-12-02）：partial → pass。理由…", or why it no longer stands."""
    decision = judgment.decision
    if decision is None:
        return ""
    who = f"{ROLE_ZH.get(decision.role, decision.role)} {decision.by}，{decision.decided_at[:10]}"
    until = f"，有效期至 {decision.expires}" if decision.expires else ""
    if decision.state != "applied":
        return f"{decision.note}（复核意见 #{decision.id}，{who}{until}：{decision.reason}）"
    engine = (judgment.engine_status or judgment.status).value
    return (
        f"复核意见 #{decision.id}（{who}{until}）：{engine} → {judgment.status.value}。"
        f"理由：{decision.reason}"
    )


def decision_mark(judgment: Judgment) -> list[str]:
    """A short mark for tables: 复核 (a decision stands), 复核失效 (it lapsed or expired)."""
    if judgment.decision is None:
        return []
    return ["复核"] if judgment.decision.state == "applied" else ["复核失效"]


def problem_codes(judgment: Judgment) -> list[str]:
    return list(dict.fromkeys(r.code for r in judgment.reasons if r.code not in INFO_CODES))


def percent(score: float | None) -> str:
    return "—" if score is None else f"{score * 100:.1f}"


def profile_label(report: Report) -> str:
    """Which thresholds produced the judgments: the profile, or the rules' own defaults."""
    return report.run.profile or "默认（rules/defaults.yaml）"


def page_ranges(pages: list[int]) -> str:
    """Pages as runs: [1, 2, 3, 5] -> "1–3、5"."""
    runs: list[list[int]] = []
    for page in sorted(set(pages)):
        if runs and page == runs[-1][-1] + 1:
            runs[-1].append(page)
        else:
            runs.append([page])
    return "、".join(f"{r[0]}–{r[-1]}" if len(r) > 1 else str(r[0]) for r in runs)


def read_how(doc: DocumentInfo) -> str:
    """How a document was read, in Chinese, for every renderer's documents table:
    文字层, OCR（第1–3页，平均置信度0.97）, 文字层＋OCR（第4页）, 由 .wps 转换（LibreOffice）,
    OFD（电子签章：有）, 文本（GB18030）, or the reason it was not read."""
    if doc.status != "ok":
        return doc.error or doc.status
    if doc.read_by in ("ocr", "text+ocr") and doc.ocr_pages:
        pages = (
            ""
            if doc.kind == "image" and (doc.pages or 1) == 1
            else f"第{page_ranges(doc.ocr_pages)}页"
        )
        if doc.read_by == "text+ocr":
            how = f"文字层＋OCR（{pages}）"
        else:
            confidence = (
                f"平均置信度{doc.ocr_confidence:.2f}"
                if doc.ocr_confidence is not None
                else "未识别出文字"
            )
            how = f"OCR（{'，'.join(p for p in (pages, confidence) if p)}）"
    elif doc.read_by == "converted":
        how = f"由 .{doc.converted_from or '?'} 转换（LibreOffice）"
    elif doc.read_by == "ofd":
        how = (
            "OFD"
            if doc.signatures is None
            else f"OFD（电子签章：{'有' if doc.signatures else '无'}）"
        )
    elif doc.encoding:
        how = f"文本（{doc.encoding}）"
    elif doc.read_by == "none" or (doc.needs_ocr and not doc.text_units):
        how = "未读取（需要OCR）"
    else:
        how = "文字层"
    if doc.needs_ocr and doc.text_units:
        how += "；部分页面未能OCR（见说明）"
    return how


def ocr_mark(ev: Evidence) -> str:
    """The mark of a quote OCR read, with its confidence: "OCR 0.97" ("" for a text layer)."""
    if ev.source != "ocr":
        return ""
    return "OCR" if ev.confidence is None else f"OCR {ev.confidence:.2f}"


def place(ev: Evidence) -> str:
    """Where a quote is, with the cells a fact compared when it names them
    ("table 3 row 12（column 覆盖数 (2024年)）", "sheet 统计表 row 14（统计表!C14）")."""
    return f"{ev.location}（{ev.cell}）" if ev.cell else ev.location


EMPTY = "—"  # a documents-table cell with nothing to show
OFFICIAL_HEADER = ("发文机关", "文号", "成文日期", "草稿", "印章")


def seal_text(doc: DocumentInfo) -> str:
    """The 印章 cell: the pages a red round seal was seen on ("第2、4页"; "有" for a
    single image), "未见印章" when scanned pages were checked and none had one, "—"
    when no page was checked (a text document, a greyscale scan)."""
    if doc.seals is None:
        return EMPTY
    if not doc.seals:
        return "未见印章"
    if doc.kind == "image" and (doc.pages or 1) == 1:
        return "有"
    return f"第{page_ranges(doc.seals)}页"


def official_cells(doc: DocumentInfo) -> list[str]:
    """The documents table's 发文机关, 文号, 成文日期, 草稿 and 印章 cells ("—" when empty):
    the document as an official document, for every renderer."""
    official = doc.official
    values = (
        [official.issuer, official.number, official.date or official.date_text, official.draft]
        if official is not None
        else [None] * 4
    )
    return [value or EMPTY for value in values] + [seal_text(doc)]


def issued_line(ev: Evidence) -> str:
    """Beside a quote, its document as an official document: "晋阳政办发〔2023〕58号 ·
    2023-05-12 · 征求意见稿" (the issuer when no 文号 was read); "" when not one."""
    issued = ev.issued
    if issued is None:
        return ""
    parts = (issued.number or issued.issuer, issued.date, issued.draft)
    return " · ".join(part for part in parts if part)
