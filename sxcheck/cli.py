"""The command line: thin wrappers that parse options and call one library function.

User errors (SxcheckError) become one line on stderr and exit code 2; no
traceback ever reaches a user for a problem with their input.

Start-up is paid by every command, `--help` included: at module level this file
imports only click and sxcheck's light modules (errors, limits). Everything else
(the rules, the readers, the pipeline, the store, the report writers, rich) is
imported inside the commands that use it; tests/test_cli_startup.py checks it stays so.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import wraps
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from sxcheck import __version__, limits
from sxcheck.errors import SxcheckError

if TYPE_CHECKING:
    from rich.console import Console

    from sxcheck.models import Report
    from sxcheck.review_file import Entry

STATUS_ORDER = {"pass": 0, "partial": 1, "fail": 2}


@contextmanager
def reading_progress(console: Console, enabled: bool) -> Iterator[Callable[[str, int, int], None]]:
    """A progress bar over the documents while they are read (only on a terminal), then
    over the scanned pages while OCR reads them ("OCR 领导小组.pdf 第3页", n/total pages)."""
    if not enabled:
        yield lambda name, index, total: None
        return
    from rich.markup import escape
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    from sxcheck.report.safe import terminal

    with Progress(
        TextColumn("{task.fields[stage]}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.description}"),
        console=console,
        transient=True,
    ) as bar:
        task = bar.add_task("", total=None, stage="读取材料")

        def advance(name: str, index: int, total: int) -> None:
            # a file name is the submitter's text: no markup, no control character
            shown = escape(terminal(name))
            stage = "识别扫描页" if name.startswith("OCR ") else "读取材料"  # the pipeline's pages
            bar.update(task, total=total, completed=index - 1, description=shown, stage=stage)

        yield advance


@contextmanager
def batch_progress(
    console: Console, enabled: bool
) -> Iterator[tuple[Callable[[int], None], Callable[[int], None]]]:
    """One bar over all documents of a batch: (set the total, advance by n)."""
    if not enabled:
        yield (lambda total: None), (lambda n: None)
        return
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    with Progress(
        TextColumn("读取材料"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
        transient=True,
    ) as bar:
        task = bar.add_task("", total=None)
        yield (lambda total: bar.update(task, total=total)), (lambda n: bar.advance(task, n))


def _user_errors(func: Any) -> Any:
    @wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except SxcheckError as exc:
            from sxcheck.report.safe import terminal

            # messages may name a submitter's file or zip entry: no control sequence reaches the terminal
            lines = "\n".join(terminal(line) for line in str(exc).splitlines())
            click.echo(f"sxcheck: error: {lines}", err=True)
            sys.exit(exc.exit_code)

    return wrapper


RULES_DIR_OPTION = click.option(
    "--rules-dir",
    multiple=True,
    type=click.Path(path_type=Path, exists=True, file_okay=False),
    help="A folder of 特色性指标 (T. items); repeatable. A folder with a catalogue.yaml replaces the built-in rules.",
)
PROFILE_OPTION = click.option(
    "--profile",
    type=click.Path(path_type=Path, exists=True, dir_okay=False),
    help="An evaluation profile (YAML): thresholds, weights, exclusions.",
)
DB_OPTION = click.option(
    "--db",
    envvar="SXCHECK_DB",
    help=(
        "The store: a SQLite file or any SQLAlchemy URL "
        "(default ~/.local/share/sxcheck/sxcheck.db; env SXCHECK_DB)."
    ),
)


def _limit_options(func: Any) -> Any:
    """--doc-timeout / --doc-memory: each document is parsed in a child process under these;
    --run-timeout: all documents of one submission are read within it."""
    func = click.option(
        "--run-timeout",
        type=click.FloatRange(min=0.1),
        default=limits.RUN_SECONDS,
        show_default=True,
        envvar="SXCHECK_RUN_TIMEOUT",
        help="Time budget for reading all documents of one submission, in seconds.",
    )(func)
    func = click.option(
        "--doc-memory",
        type=click.IntRange(min=64),
        default=limits.DOC_MEMORY_MB,
        show_default=True,
        envvar="SXCHECK_DOC_MEMORY",
        help="Memory cap per document parse (and per scanned page's OCR), in MiB.",
    )(func)
    return click.option(
        "--doc-timeout",
        type=click.FloatRange(min=0.1),
        default=limits.DOC_SECONDS,
        show_default=True,
        envvar="SXCHECK_DOC_TIMEOUT",
        help="Time limit per document parse (and per scanned page's OCR), in seconds.",
    )(func)


def _limits_epilog() -> str:
    """The named limits a submission is held to, for `check --help` and `batch --help`."""
    mib = limits.MiB
    return (
        "\b\nLimits (sxcheck/limits.py; all of them in docs/limits.md):\n"
        f"  {limits.MAX_SUBMISSION_FILES:,} files, {limits.MAX_ZIP_ENTRIES:,} zip entries, "
        f"{limits.MAX_UNPACKED_BYTES // mib:,} MiB unpacked, {limits.MAX_FILE_BYTES // mib} MiB a file\n"
        f"  submission.yaml/.xlsx up to {limits.MAX_DECLARATION_BYTES // mib} MiB and "
        f"{limits.MAX_FORM_CELLS:,} cells; names up to {limits.MAX_NAME_CHARS} characters\n"
        f"  per document {limits.DOC_SECONDS:g} s and {limits.DOC_MEMORY_MB} MiB, "
        f"per run {limits.RUN_SECONDS:g} s (--doc-timeout, --doc-memory, --run-timeout)"
    )


class _Group(click.Group):
    """Ctrl-C ends any command with one line and exit code 130 (128 + SIGINT), as a
    shell expects, instead of a traceback or click's "Aborted!"."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except (KeyboardInterrupt, click.exceptions.Abort):
            click.echo("sxcheck: 已中断 (interrupted)", err=True)
            sys.exit(130)


def _unknown_item(item: str, known: list[str]) -> str:
    """ "unknown indicator ID" with the nearest IDs a typo might have meant."""
    import difflib

    near = difflib.get_close_matches(item, known, n=3, cutoff=0.6)
    hint = f"（是否为 {'、'.join(near)}？）" if near else ""
    return f"unknown indicator ID '{item}'{hint} (see `sxcheck rules list`)"


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="sxcheck")
def main() -> None:
    """sxcheck: evidence and compliance checker for the Shanxi smart-city pilot evaluation."""


@main.command(epilog=_limits_epilog())
@click.argument("submission", type=click.Path(path_type=Path))
@click.option(
    "--report",
    "reports",
    multiple=True,
    type=click.Path(path_type=Path),
    help="Write a report; format by extension (.json .md .html .docx .xlsx). Repeatable.",
)
@click.option("--json", "as_json", is_flag=True, help="Print the JSON report to stdout.")
@click.option(
    "--fail-on",
    type=click.Choice(["fail", "partial"]),
    help="Exit 1 when any item is at or below this status.",
)
@click.option("--quiet", is_flag=True, help="No summary table or progress.")
@RULES_DIR_OPTION
@PROFILE_OPTION
@DB_OPTION
@click.option("--no-store", is_flag=True, help="Do not record the run (and read every document).")
@_limit_options
@_user_errors
def check(
    submission: Path,
    reports: tuple[Path, ...],
    as_json: bool,
    fail_on: str | None,
    quiet: bool,
    rules_dir: tuple[Path, ...],
    profile: Path | None,
    db: str | None,
    no_store: bool,
    doc_timeout: float,
    doc_memory: int,
    run_timeout: float,
) -> None:
    """Evaluate one SUBMISSION (a folder or a .zip); the run is recorded in the store."""
    digest = None  # what the check will read, hashed once: the fast path's key and the run's
    if not no_store:
        from sxcheck.fingerprint import quick_digest

        digest = quick_digest(submission, list(rules_dir), profile)
        if _quick_recheck(digest, reports, as_json, fail_on, quiet, db):
            return
    from rich.console import Console

    from sxcheck.ingest.isolate import Limits
    from sxcheck.pipeline import check as run_check
    from sxcheck.report import check_format, write_report
    from sxcheck.store.errors import RunNotRecorded  # no database library under --no-store

    for path in reports:
        check_format(path)
    store = None
    if not no_store:
        from sxcheck.store import open_store

        store = open_store(db)  # checked before any document is read
    err = Console(stderr=True)
    try:
        with reading_progress(
            err, enabled=not quiet and not as_json and err.is_terminal
        ) as progress:
            report = run_check(
                submission,
                rules_dir=list(rules_dir),
                profile=profile,
                progress=progress,
                store=store,
                limits=Limits(seconds=doc_timeout, memory_mb=doc_memory, run_seconds=run_timeout),
                quick=digest,
            )
    except RunNotRecorded as exc:  # judged but not recorded: the reports are written all the same
        for path in reports:
            write_report(exc.report, path)
        raise
    _show(report, reports, as_json, quiet)
    if fail_on:
        _fail_on(fail_on, [(j.id, j.status.value) for j in report.indicators])


def _show(report: Report, reports: tuple[Path, ...], as_json: bool, quiet: bool) -> None:
    """What `check` shows of a run, however it was judged: the reports, then the JSON or
    the summary table."""
    from sxcheck.report import to_json, write_report
    from sxcheck.report.terminal import print_summary

    for path in reports:
        write_report(report, path)
    if as_json:
        click.echo(to_json(report))
    elif not quiet:
        print_summary(report, report_written=bool(reports))


def _quick_recheck(
    digest: str | None,
    reports: tuple[Path, ...],
    as_json: bool,
    fail_on: str | None,
    quiet: bool,
    db: str | None,
) -> bool:
    """An unchanged submission answered from the store before anything is read
    (store.quick); False when the full check must run. Shows the result as `check`
    does, building the report only when something shows it."""
    import time

    from sxcheck.store.quick import recheck

    started = time.time()
    shown = bool(reports or as_json or not quiet)
    if reports:
        from sxcheck.report import check_format

        for path in reports:
            check_format(path)  # a bad --report fails before anything is recorded
    hit = recheck(db, digest, started, shown)
    if hit is None:
        return False
    if hit.report is not None:
        from sxcheck.models import Report

        try:
            report = Report.model_validate(hit.report)
        except ValueError:  # pydantic's ValidationError: parts that decode but do not fit
            raise SxcheckError(
                f"run {hit.run_id}: its stored report is damaged (not a valid report)"
            ) from None
        _show(report, reports, as_json, quiet)
    if fail_on:
        _fail_on(fail_on, hit.statuses)
    return True


def _fail_on(fail_on: str, statuses: list[tuple[str, str]]) -> None:
    """--fail-on: exit 1, saying on stderr in one line which items met it."""
    limit = STATUS_ORDER[fail_on]
    met = [item for item, status in statuses if STATUS_ORDER.get(status, -1) >= limit]
    if met:
        shown = " ".join(met[:20]) + (f" … (+{len(met) - 20})" if len(met) > 20 else "")
        click.echo(f"sxcheck: --fail-on {fail_on}: {len(met)} 项达到该状态: {shown}", err=True)
        sys.exit(1)


@main.command(epilog=_limits_epilog())
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option(
    "--workers", type=click.IntRange(min=1), help="Worker processes (default: CPU count)."
)
@click.option(
    "--report",
    "reports",
    multiple=True,
    type=click.Path(path_type=Path),
    help="Write the comparison (.json .html .xlsx). Repeatable.",
)
@click.option(
    "--reports-dir",
    type=click.Path(path_type=Path),
    help="Also write each submission's own report here (<region>-<year>.json and .html).",
)
@click.option("--scheduler", help="Run on a Dask cluster (tcp://host:port); needs sxcheck[dask].")
@click.option("--quiet", is_flag=True, help="No table or progress.")
@RULES_DIR_OPTION
@PROFILE_OPTION
@DB_OPTION
@click.option("--no-store", is_flag=True, help="Do not record the runs.")
@_limit_options
@_user_errors
def batch(
    paths: tuple[Path, ...],
    workers: int | None,
    reports: tuple[Path, ...],
    reports_dir: Path | None,
    scheduler: str | None,
    quiet: bool,
    rules_dir: tuple[Path, ...],
    profile: Path | None,
    db: str | None,
    no_store: bool,
    doc_timeout: float,
    doc_memory: int,
    run_timeout: float,
) -> None:
    """Evaluate many submissions (folders, zips, or folders of them) and compare them."""
    from rich.console import Console

    from sxcheck.batch import run_batch
    from sxcheck.ingest.isolate import Limits
    from sxcheck.report import write_atomically, write_report
    from sxcheck.report.comparison import check_batch_format, render_batch
    from sxcheck.store import resolve_url

    for path in reports:
        check_batch_format(path)
    err = Console(stderr=True)
    with batch_progress(err, enabled=not quiet and err.is_terminal) as (on_total, advance):
        comparison, runs = run_batch(
            list(paths),
            workers=workers,
            rules_dir=list(rules_dir),
            profile=profile,
            db=None if no_store else resolve_url(db),
            scheduler=scheduler,
            advance=advance,
            on_total=on_total,
            limits=Limits(seconds=doc_timeout, memory_mb=doc_memory, run_seconds=run_timeout),
        )
    from sxcheck.batch.names import inside, report_stem

    # the region is the submitter's text: never a path as it is (../../x, /abs, CON)
    own = (
        {
            run.run.id: inside(
                reports_dir, report_stem(run.submission.region, run.submission.year, run.run.id)
            )
            for run in runs
        }
        if reports_dir
        else {}
    )
    for path in reports:
        # the matrix links each cell to the item in that submission's own HTML report
        links = {
            rid: os.path.relpath(f"{stem}.html", path.resolve().parent) for rid, stem in own.items()
        }
        write_atomically(path, render_batch(comparison, path, links))
    for run in runs:
        if reports_dir and run.run.id in own:
            for suffix in (".json", ".html"):
                write_report(run, inside(reports_dir, own[run.run.id].name + suffix))
    if not quiet:
        from sxcheck.report.safe import terminal

        for entry in comparison.entries:
            if entry.evaluated:
                total = "—" if entry.total is None else f"{entry.total * 100:.1f}"
                click.echo(
                    f"{terminal(entry.region or '')}\t{entry.level}\t#{entry.rank}\ttotal {total}\t"
                    f"2.1.4 #{entry.apps_rank or '—'}\trun {entry.run_id}"
                    + (
                        f"\treused evidence: {','.join(entry.reused_evidence)}"
                        if entry.reused_evidence
                        else ""
                    )
                    + (
                        f"\tshared evidence, owner unresolved: {','.join(entry.reused_unresolved)}"
                        if entry.reused_unresolved
                        else ""
                    )
                )
            else:
                click.echo(
                    f"not evaluated\t{terminal(entry.source)}\t{terminal(entry.error or '')}"
                )


@main.command()
@click.argument("region", required=False)
@click.option("--limit", default=30, show_default=True, help="How many runs to list.")
@click.option("--json", "as_json", is_flag=True, help="The runs as JSON on stdout.")
@DB_OPTION
@_user_errors
def history(region: str | None, limit: int, as_json: bool, db: str | None) -> None:
    """Past runs, newest first (all regions, or one REGION), and the store they are in."""
    from sxcheck.report.safe import terminal
    from sxcheck.store import open_store, run_counts

    store = open_store(db, write=False)
    runs = store.runs(region, limit)
    if as_json:
        entries = _history_json(runs, run_counts)
        decided_json = store.decided([run.id for run in runs])
        for entry in entries:
            entry["decided"] = decided_json.get(entry["id"], 0)
        click.echo(json.dumps(entries, ensure_ascii=False, indent=2))
        return
    if not runs:
        click.echo(f"no runs in {store.shown}" + (f" for {region}" if region else ""))
        return
    decided = store.decided([run.id for run in runs])
    for run in runs:
        counts = run_counts(run)
        if counts is None:  # one damaged row; the other runs still list
            click.echo(f"{terminal(str(run.id))}  (its stored row is damaged)")
            continue
        total = "—" if run.total_score is None else f"{run.total_score * 100:.1f}"
        # stored text is the submitter's: no control character reaches the terminal
        run_id, started, region_shown, level, source = (
            terminal(str(v)) for v in (run.id, run.started_at, run.region, run.level, run.source)
        )
        profile = f"  profile {terminal(run.profile)}" if run.profile else ""
        click.echo(
            f"{run_id}  {started}  {run.kind}  {region_shown}（{level}，{run.year}）  total {total}  "
            f"pass {counts.get('pass', 0)} partial {counts.get('partial', 0)} "
            f"fail {counts.get('fail', 0)} n/a {counts.get('not_applicable', 0)}  "
            f"documents read {run.documents_read}, from store {run.documents_from_store}"
            + (f"  复核 {decided[run.id]}" if decided.get(run.id) else "")
            + f"{profile}  {source}"
        )
    # where they are, on stderr: stdout keeps one line per run for scripts
    click.echo(f"({len(runs)} run(s) shown from {store.shown})", err=True)


def _history_json(runs: list, run_counts: Callable[[Any], dict[str, int] | None]) -> list[dict]:
    """`history --json`: one object per run, as the table shows it (total on 0-100)."""
    return [
        {
            "id": run.id,
            "started_at": run.started_at,
            "recorded_at": run.recorded_at,
            "kind": run.kind,
            "region": run.region,
            "level": run.level,
            "year": run.year,
            "source": run.source,
            "profile": run.profile,
            "total": None if run.total_score is None else round(run.total_score * 100, 1),
            "counts": run_counts(run),
            "documents_read": run.documents_read,
            "documents_from_store": run.documents_from_store,
        }
        for run in runs
    ]


@main.command()
@click.argument("first")
@click.argument("second", required=False)
@click.option(
    "--report",
    "reports",
    multiple=True,
    type=click.Path(path_type=Path),
    help="Write the diff (.json .html .md .txt). Repeatable.",
)
@DB_OPTION
@_user_errors
def diff(first: str, second: str | None, reports: tuple[Path, ...], db: str | None) -> None:
    """What changed between runs FIRST and SECOND, or between the last two runs of a region."""
    from sxcheck.report import write_atomically
    from sxcheck.report.diff import diff_reports, diff_text, render_diff
    from sxcheck.store import open_store

    store = open_store(db, write=False)
    before, after = (first, second) if second else store.last_two(first)
    result = diff_reports(store.report(before), store.report(after))
    for path in reports:
        write_atomically(path, render_diff(result, path))
    click.echo(diff_text(result), nl=False)


@main.command()
@click.argument("run", required=False)
@click.argument("item_id", required=False)
@click.option(
    "--status",
    type=click.Choice(["pass", "partial", "fail", "not_applicable", "confirm"]),
    help="The status decided, or confirm (the engine's stands).",
)
@click.option("--reason", help="Why (Chinese text; required).")
@click.option("--by", "by", help="Who decided (name).")
@click.option(
    "--role", type=click.Choice(["reviewer", "auditor"]), default="reviewer", show_default=True
)
@click.option("--expires", help="Last day the decision holds (YYYY-MM-DD); none: until it lapses.")
@click.option(
    "--file",
    "decisions_file",
    type=click.Path(path_type=Path, exists=True, dir_okay=False),
    help="Decisions in bulk: the XLSX report with its 复核结论 columns filled in, or a YAML file.",
)
@DB_OPTION
@_user_errors
def review(
    run: str | None,
    item_id: str | None,
    status: str | None,
    reason: str | None,
    by: str | None,
    role: str,
    expires: str | None,
    decisions_file: Path | None,
    db: str | None,
) -> None:
    """Record a reviewer's decision (复核意见) on ITEM of RUN, or every decision of a
    --file. Later checks of the region use a decision while the documents it was based
    on are unchanged and it has not expired (docs/decisions.md)."""
    from sxcheck.review_file import Entry, read_decisions

    if decisions_file is not None:
        named, entries = read_decisions(decisions_file)
        if run and named and run != named:
            raise SxcheckError(
                f"{decisions_file.name}: 文件记载的运行是 {named}，与给出的 {run} 不同"
            )
        if not (run or named):
            raise SxcheckError(f"{decisions_file.name}: 未指定运行（请写 run: 或给出 RUN）")
        if not entries:
            raise SxcheckError(f"{decisions_file.name}: 没有填写任何复核结论")
        _record_decisions(str(run or named), entries, db)
        return
    missing = [
        name
        for name, value in (("RUN", run), ("ITEM", item_id), ("--status", status), ("--by", by))
        if not value
    ]
    if missing:
        raise SxcheckError(f"复核意见缺少 {'、'.join(missing)}（或用 --file 批量导入）")
    if not (reason or "").strip():
        raise SxcheckError("复核意见须写明理由（--reason 不能为空）")
    if not (by or "").strip():
        raise SxcheckError("复核意见须写明复核人（--by 不能为空）")
    if expires is not None:
        from datetime import date

        try:
            last = date.fromisoformat(expires)
        except ValueError:
            raise SxcheckError(f"--expires 应为日期 YYYY-MM-DD，而不是 '{expires}'") from None
        if last < date.today():
            raise SxcheckError(f"--expires {expires} 已过去：有效期应为今天或以后")
    entry = Entry(
        item=str(item_id),
        status=status,  # type: ignore[arg-type]
        reason=str(reason).strip(),
        by=str(by).strip(),
        role=role,  # type: ignore[arg-type]
        expires=expires,
        where="",
    )
    _record_decisions(str(run), [entry], db)


def _record_decisions(run: str, entries: list[Entry], db: str | None) -> None:
    """Check every entry against the run first, then append them, one line each."""
    from datetime import UTC, datetime

    from sxcheck.decide import make_decision
    from sxcheck.store import open_store
    from sxcheck.store.decisions import add_decision

    store = open_store(db)
    report = store.report(run)
    judgments = {j.id: j for j in report.indicators}
    unknown = [e for e in entries if e.item not in judgments]
    if unknown:
        raise SxcheckError(
            "\n".join(
                (f"{e.where}: " if e.where else "") + _unknown_item(e.item, list(judgments))
                for e in unknown
            )
        )
    now = datetime.now(UTC).isoformat(timespec="seconds")
    sub = report.submission
    for e in entries:
        judgment = judgments[e.item]
        engine = (judgment.engine_status or judgment.status).value
        decision = make_decision(report, judgment, e.status, e.reason, e.by, e.role, e.expires, now)
        number = add_decision(store, sub.region, sub.level, e.item, decision)
        shown = engine if e.status == "confirm" else e.status
        click.echo(
            f"复核意见 #{number} 已记录：{sub.region} {e.item} {engine} → {shown}"
            f"（{e.by}，{e.role}）；依据 {len(decision.based_on)} 份材料"
            + (f"，有效期至 {e.expires}" if e.expires else "")
        )


@main.command()
@click.argument("run")
@click.argument("item_id", required=False)
@click.option(
    "--report",
    "reports",
    multiple=True,
    type=click.Path(path_type=Path),
    help="Re-render the stored report (.json .md .html .docx .xlsx). Repeatable.",
)
@click.option("--json", "as_json", is_flag=True, help="Print the stored JSON report.")
@DB_OPTION
@_user_errors
def show(
    run: str, item_id: str | None, reports: tuple[Path, ...], as_json: bool, db: str | None
) -> None:
    """A stored RUN again, without reading documents: summary, one ITEM_ID, or reports."""
    from sxcheck.report import check_format, to_json, write_report
    from sxcheck.report.terminal import print_judgment, print_summary
    from sxcheck.store import open_store

    for path in reports:
        check_format(path)
    store = open_store(db, write=False)
    from sxcheck.pipeline import current_decisions

    report = current_decisions(store, store.report(run))
    for path in reports:
        write_report(report, path)
    if as_json:
        click.echo(to_json(report))
    elif item_id:
        judgment = next((j for j in report.indicators if j.id == item_id), None)
        if judgment is None:
            raise SxcheckError(_unknown_item(item_id, [j.id for j in report.indicators]))
        print_judgment(judgment, year=report.submission.year)
    elif not reports:
        print_summary(report)


@main.group()
def rules() -> None:
    """The rule catalogue: list, show, validate, test."""


@rules.command("list")
@_user_errors
def rules_list() -> None:
    """The 69 items: id, 一级/二级, name, kind."""
    # plain strings kept with the rule cache: no pydantic, schema or YAML when it is warm
    from sxcheck.catalogue.listing import rule_listing

    for item_id, first_name, second_name, name, kind in rule_listing():
        click.echo(f"{item_id}\t{first_name}/{second_name}\t{name}\t{kind}")


@rules.command("show")
@click.argument("item_id")
@RULES_DIR_OPTION
@PROFILE_OPTION
@_user_errors
def rules_show(item_id: str, rules_dir: tuple[Path, ...], profile: Path | None) -> None:
    """One item: definition, measures, the effective defaults and the compiled rule text."""
    from sxcheck.engine.compile import compile_measure
    from sxcheck.pipeline import effective_rules

    ruleset = effective_rules(list(rules_dir), profile)
    if ruleset.profile:
        click.echo(f"profile: {ruleset.profile}")
    if item_id not in ruleset.items:
        raise SxcheckError(_unknown_item(item_id, list(ruleset.items)))
    item = ruleset.items[item_id]
    tree = ruleset.tree[item_id]
    click.echo(f"{item.id} {item.name}  [{item.kind}]")
    click.echo(f"一级: {tree.first} {tree.first_name}   二级: {tree.second} {tree.second_name}")
    item_file = ruleset.item_files[item_id].resolve()
    shown = (
        item_file.relative_to(ruleset.root.parent)
        if item_file.is_relative_to(ruleset.root.parent)
        else item_file
    )
    click.echo(f"file: {shown}")
    click.echo(f"指标说明: {item.definition.strip()}")
    if item.weight != 1.0:
        click.echo(f"item weight: {item.weight}")
    if item_id in ruleset.excluded:
        click.echo(f"excluded from scoring by the profile: {ruleset.excluded[item_id]}")
    from sxcheck.catalogue.describe import describe, plain_rule

    compiled = {
        measure.key: [
            f"{rule.rule_id}: {plain_rule(rule.text)}"
            for rule in compile_measure(ruleset, item.id, measure)
        ]
        for measure in item.measures
    }
    for line in describe(ruleset, item, compiled):
        click.echo(line)


@rules.command("validate")
@click.argument("directory", required=False, type=click.Path(path_type=Path))
def rules_validate(directory: Path | None) -> None:
    """Check rule files; problems are printed as file:line: message.

    DIRECTORY is a full rules folder (with catalogue.yaml) or a folder of
    特色性指标, checked against the built-in rules."""
    from sxcheck.catalogue.loader import DEFAULT_RULES_DIR, collect, load_rules

    if directory is not None and not (directory / "catalogue.yaml").is_file():
        from sxcheck.catalogue.extend import extend_rules

        base = load_rules()
        extended = extend_rules(base, [directory])
        for line in extended.skipped:
            click.echo(line)
        custom = [i for i in extended.items if i not in base.items]
        if extended.skipped:
            click.echo(f"{len(extended.skipped)} problem(s)", err=True)
            sys.exit(1)
        click.echo(f"ok: {len(custom)} 特色性指标 ({', '.join(custom) or 'none'})")
        return
    ruleset, problems = collect(directory or DEFAULT_RULES_DIR)
    for problem in problems:
        click.echo(str(problem))
    if problems or ruleset is None:
        click.echo(f"{len(problems)} problem(s)", err=True)
        sys.exit(1)
    click.echo(
        f"ok: {len(ruleset.items)} items, {sum(len(c.cases) for _, c in ruleset.cases.values())} cases, digest {ruleset.digest[:12]}"
    )


@rules.command("test")
@click.option("--item", help="Only this item's cases.")
@RULES_DIR_OPTION
@_user_errors
def rules_test(item: str | None, rules_dir: tuple[Path, ...]) -> None:
    """Run the rule files' own test cases (with those of --rules-dir folders)."""
    from sxcheck.pipeline import effective_rules
    from sxcheck.rulecases import run_cases

    ruleset = effective_rules(list(rules_dir))
    if item is not None and item not in ruleset.items:
        raise SxcheckError(_unknown_item(item, list(ruleset.items)))
    results = run_cases(ruleset, item)
    failed = [r for r in results if not r.ok]
    for result in results:
        mark = "ok  " if result.ok else "FAIL"
        click.echo(f"{mark} {result.item} {result.name}")
        for problem in result.problems:
            click.echo(f"       {problem}")
    click.echo(f"{len(results) - len(failed)} passed, {len(failed)} failed")
    if failed or not results:
        sys.exit(1)


@main.command()
@click.option("--level", type=click.Choice(["city", "county"]), default="city")
@click.option("--format", "fmt", type=click.Choice(["yaml", "xlsx"]), default="yaml")
@click.option(
    "-o", "output", type=click.Path(path_type=Path), help="Write to a file instead of stdout."
)
@_user_errors
def template(level: str, fmt: str, output: Path | None) -> None:
    """A blank self-assessment form (submission.yaml, or submission.xlsx for Excel)."""
    from sxcheck.catalogue.loader import load_rules
    from sxcheck.report import write_atomically
    from sxcheck.template import blank_xlsx, blank_yaml

    if fmt == "xlsx":
        if output is None:
            raise click.UsageError("--format xlsx writes a workbook: give -o submission.xlsx")
        write_atomically(output, blank_xlsx(load_rules(), level))
        click.echo(f"blank form written to {output}", err=True)
        return
    text = blank_yaml(load_rules(), level)
    if output:
        write_atomically(output, text.encode("utf-8"))
    else:
        click.echo(text, nl=False)


def _register_web() -> None:
    from sxcheck.web.commands import register

    register(main, DB_OPTION, _user_errors, _limit_options)


_register_web()
__all__ = ["main"]
