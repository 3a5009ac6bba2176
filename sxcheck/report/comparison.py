"""The batch comparison: every submission's totals, ranks and item statuses side by side.

JSON is canonical; the HTML (self-contained) and the XLSX render the same
BatchReport, chosen by the file extension like the single-run reports.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from io import BytesIO
from pathlib import Path

from markupsafe import Markup

from sxcheck.models import BatchEntry, BatchReport
from sxcheck.report import renderer_for, require_format
from sxcheck.report.safe import cleaned, html_templates, text_cells
from sxcheck.report.view import LEVEL_ZH, STATUS_ZH


def _pct(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.1f}"


def _ordered(batch: BatchReport) -> list[BatchEntry]:
    """Cities first, then counties, each by rank; submissions not evaluated last."""
    return sorted(
        batch.entries,
        key=lambda e: (not e.evaluated, e.level != "city", e.rank or 10**6, e.region or e.source),
    )


def to_json(batch: BatchReport) -> str:
    return json.dumps(batch.model_dump(mode="json"), ensure_ascii=False, indent=2)


def to_html(
    batch: BatchReport,
    links: dict[str, str] | None = None,
    nonce: str = "",
    chrome: Markup | None = None,
) -> str:
    """`links`: run id -> that submission's own HTML report (relative to this file), so
    each matrix cell opens the item in it (`batch --reports-dir`). `sxcheck serve` adds
    its nonce (for the page's style) and its navigation (`chrome`)."""
    batch = cleaned(batch)
    env = html_templates()
    env.filters["pct"] = _pct
    return env.get_template("batch.html.j2").render(
        batch=batch,
        entries=_ordered(batch),
        level_zh=LEVEL_ZH,
        status_zh=STATUS_ZH,
        links=links or {},
        nonce_attr=Markup(' nonce="{}"').format(nonce) if nonce else Markup(""),
        chrome=chrome or Markup(""),
    )


def to_xlsx(batch: BatchReport) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font, PatternFill

    batch = cleaned(batch)
    fills = {
        "pass": PatternFill("solid", fgColor="D4EDDA"),
        "partial": PatternFill("solid", fgColor="FFF3CD"),
        "fail": PatternFill("solid", fgColor="F8D7DA"),
    }
    book = Workbook()
    ranking = book.active
    ranking.title = "排名"
    firsts = list(batch.first_levels)
    ranking.append(
        [
            "地区",
            "层级",
            "年度",
            "总分",
            "同级排名",
            *[f"{f} {batch.first_levels[f]}" for f in firsts],
            *[f"{f} 排名" for f in firsts],
            "2.1.4 排名",
            "达标",
            "部分达标",
            "未达标",
            "材料复用",
            "运行",
            "来源",
            "未评价原因",
        ]
    )
    for e in _ordered(batch):
        ranking.append(
            [
                e.region,
                LEVEL_ZH.get(e.level or "", ""),
                e.year,
                None if e.total is None else round(e.total * 100, 1),
                e.rank,
                *[
                    None
                    if e.first_level.get(f) is None
                    else round((e.first_level[f] or 0) * 100, 1)
                    for f in firsts
                ],
                *[e.first_level_ranks.get(f) for f in firsts],
                e.apps_rank,
                e.counts.get("pass"),
                e.counts.get("partial"),
                e.counts.get("fail"),
                "、".join(e.reused_evidence),
                e.run_id,
                e.source,
                e.error,
            ]
        )
    matrix = book.create_sheet("状态矩阵")
    evaluated = [e for e in _ordered(batch) if e.evaluated]
    matrix.append(["ID", "评价指标项", *[e.region for e in evaluated]])
    for item_id, name in batch.items.items():
        matrix.append([item_id, name, *[e.statuses.get(item_id) for e in evaluated]])
        for cell in matrix[matrix.max_row][2:]:
            if cell.value in fills:
                cell.fill = fills[cell.value]
    for sheet in (ranking, matrix):
        text_cells(sheet)
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        sheet.freeze_panes = "B2" if sheet is ranking else "C2"
        sheet.auto_filter.ref = sheet.dimensions
    buffer = BytesIO()
    book.save(buffer)
    return buffer.getvalue()


FORMATS: dict[str, Callable[[BatchReport], str | bytes]] = {
    ".json": to_json,
    ".html": to_html,
    ".xlsx": to_xlsx,
}


def render_batch(
    batch: BatchReport, path: Path, links: dict[str, str] | None = None
) -> str | bytes:
    if path.suffix.lower() == ".html":
        return to_html(batch, links)
    return renderer_for(path, FORMATS, "comparison")(batch)


def check_batch_format(path: Path) -> None:
    require_format(path, FORMATS, "comparison")
