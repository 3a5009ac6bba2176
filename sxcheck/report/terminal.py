"""The terminal summary a city sees after a pre-check (rich).

A report is first cleaned for the terminal (`safe.terminal`: no ESC, OSC or
other control character from a file name or quote reaches it raw), and every
text from the submission is markup-escaped, so `[link=…]` or `[bold]` in a name
is shown, not obeyed.
"""

from __future__ import annotations

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from sxcheck.models import DocumentInfo, Judgment, Report
from sxcheck.report.figure_labels import figures_line
from sxcheck.report.safe import cleaned, terminal
from sxcheck.report.view import (
    EMPTY,
    LEVEL_ZH,
    OFFICIAL_HEADER,
    STATUS_ZH,
    decision_line,
    decision_mark,
    fixes,
    issued_line,
    ocr_mark,
    official_cells,
    percent,
    place,
    problem_codes,
    profile_label,
    read_how,
)

STATUS_STYLE = {"pass": "green", "partial": "yellow", "fail": "red", "not_applicable": "dim"}


def print_summary(
    report: Report, console: Console | None = None, report_written: bool = True
) -> None:
    """The judgments table, the documents' notices and the fix-first list. Notices about
    documents (not read, read by OCR, official-document details) go to stderr when the
    summary goes to the terminal's stdout, so a pipe of stdout holds only the results;
    `report_written=False` makes "… N more" say how to get them all."""
    notices = Console(stderr=True) if console is None else console
    console = console or Console()
    report = cleaned(report, terminal)
    sub = report.submission
    console.print(
        f"[bold]{escape(sub.region)}[/bold]（{LEVEL_ZH[sub.level]}，{sub.year}年）"
        f"  run {escape(report.run.id)}  rules {escape(report.run.rules_digest[:12])}"
        f"  profile {escape(profile_label(report))}",
        highlight=False,
    )
    for line in report.run.rules_skipped:
        console.print(f"[red]skipped rule file[/red] {escape(line)}", highlight=False)
    table = Table(title="评价结果 / Judgments", pad_edge=False)
    table.add_column("ID", no_wrap=True)
    table.add_column("评价指标项", no_wrap=True, max_width=24)
    table.add_column("status", no_wrap=True)
    table.add_column("得分", justify="right", no_wrap=True)
    table.add_column("reasons")
    for judgment in report.indicators:
        style = STATUS_STYLE[judgment.status.value]
        table.add_row(
            escape(judgment.id),
            escape(judgment.name),
            f"[{style}]{judgment.status.value}[/{style}]",
            percent(judgment.score),
            escape(" ".join([*problem_codes(judgment), *decision_mark(judgment)])),
        )
    console.print(table)
    counts = "  ".join(
        f"[{STATUS_STYLE[k]}]{STATUS_ZH[k]} {k}: {v}[/{STATUS_STYLE[k]}]"
        for k, v in report.summary.counts.items()
    )
    total = report.summary.scores.get("total")
    console.print(f"{counts}   总分 total: {percent(total)} / 100")
    for doc in report.documents:
        if doc.status != "ok":
            notices.print(
                f"[red]{doc.status}[/red] {escape(doc.path)}: {escape(doc.error or '')}",
                highlight=False,
            )
        elif doc.read_by != "text" or doc.encoding or doc.needs_ocr:  # how it was read
            notices.print(
                f"[dim]读取方式[/dim] {escape(doc.path)}: {escape(read_how(doc))}", highlight=False
            )
        _official(doc, notices)
    todo = fixes(report)
    if todo:
        console.print("[bold]先改这些 / Fix first:[/bold]")
        grid = Table.grid(padding=(0, 1), pad_edge=True)
        grid.add_column(no_wrap=True)
        grid.add_column(no_wrap=True)
        grid.add_column(overflow="fold")  # Chinese has no spaces to wrap at
        for fix in todo[:15]:
            grid.add_row(
                escape(fix.judgment.id),
                escape(f"[{fix.reason.code}]"),
                escape(fix.reason.message),
            )
        console.print(grid, highlight=False)
        if len(todo) > 15:
            more = f"  … {len(todo) - 15} more in the report"
            if not report_written:
                more += "（加 --report 预检.html 写出完整报告）"
            console.print(more, highlight=False)


def _official(doc: DocumentInfo, console: Console) -> None:
    """The document as an official document, on one line, when anything of it was read:
    "公文 通知.pdf: 发文机关 晋阳市人民政府办公室 · 文号 晋阳政办发〔2023〕58号 · …"."""
    cells = official_cells(doc)
    if all(cell == EMPTY for cell in cells):
        return
    shown = " · ".join(
        f"{name} {cell}" for name, cell in zip(OFFICIAL_HEADER, cells, strict=True) if cell != EMPTY
    )
    console.print(f"[dim]公文[/dim] {escape(doc.path)}: {escape(shown)}", highlight=False)


def print_judgment(
    judgment: Judgment, console: Console | None = None, year: int | None = None
) -> None:
    """One item with every reason and the quotes behind it (`sxcheck show RUN ID`).

    Under a quote, its numbers with their tags (`figure_labels`); `year`, the
    submission's, tells "2024年" from "2020年数据".
    """
    console = console or Console()
    judgment = cleaned(judgment, terminal)
    style = STATUS_STYLE[judgment.status.value]
    console.print(
        f"[bold]{escape(judgment.id)} {escape(judgment.name)}[/bold]  "
        f"[{style}]{judgment.status.value}[/{style}]  score {percent(judgment.score)}",
        highlight=False,
        soft_wrap=True,
    )
    if judgment.decision is not None:
        console.print(f"  {escape(decision_line(judgment))}", highlight=False, soft_wrap=True)
    for reason in judgment.reasons:
        console.print(
            f"  {escape('[' + reason.code + ']')} {escape(reason.message)}",
            highlight=False,
            soft_wrap=True,
        )
        for e in reason.evidence:
            page = f" p.{e.page}" if e.page else ""
            mark = f" [{ocr_mark(e)}]" if e.source == "ocr" else ""
            issued = issued_line(e)
            issued = f"（{issued}）" if issued else ""
            console.print(
                f"      {escape(e.document)}{escape(issued)}{page} {escape(place(e))}"
                f" sha256 {escape(e.sha256[:12])}{escape(mark)}: “{escape(e.quote)}”",
                highlight=False,
                soft_wrap=True,
            )
            if e.figures:
                console.print(
                    f"        {escape(figures_line(e.figures, year))}",
                    highlight=False,
                    soft_wrap=True,
                )
