"""Every region with its latest check, and the batch comparison of those checks, for
auditors, reviewers and admins (a city sees its own region only: 403 here).

/batch compares what `sxcheck batch` compares, from the store instead of the
folders: each region's latest check run (of one year, each level ranked apart), its
rank measures ranked across the regions of the same level (batch.rank, on the facts
the store kept), its evidence checked for reuse across regions (batch.reuse, on the
first lines of the documents as the store read them), the decisions as they stand
now, and the comparison built and rendered by batch's own code.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict, defaultdict

from markupsafe import Markup
from sqlalchemy import and_, func
from sqlmodel import Session, col, select
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import Route

from sxcheck.models import BatchReport, IngestedDocument, Report
from sxcheck.store.runs import Store, run_counts
from sxcheck.store.tables import StoredDecision, StoredRun
from sxcheck.web.auth import DECIDERS, require, store_of
from sxcheck.web.render import render

CACHE_SIZE = 4  # ranked sets of runs kept (a year and level each)
_cache: OrderedDict[tuple[str, ...], dict[str, Report]] = OrderedDict()
_lock = threading.Lock()


def latest_runs(store: Store) -> list[StoredRun]:
    """Each region's latest check run (batch runs are compared by `batch` itself), by name."""
    with store._guard(), Session(store.engine) as session:
        newest = (
            select(StoredRun.region, func.max(StoredRun.recorded_at).label("at"))
            .where(StoredRun.kind == "check")
            .group_by(col(StoredRun.region))
            .subquery()
        )
        rows = session.exec(
            select(StoredRun).join(
                newest,
                and_(
                    col(StoredRun.region) == newest.c.region,
                    col(StoredRun.recorded_at) == newest.c.at,
                ),
            )
        )
        found = {row.region: row for row in rows if row.kind == "check"}
    return [found[name] for name in sorted(found)]


def decisions_per_region(store: Store) -> dict[tuple[str, str], int]:
    """How many items of each (region, level) carry a recorded decision."""
    with store._guard(), Session(store.engine) as session:
        rows = session.exec(
            select(
                StoredDecision.region,
                StoredDecision.level,
                func.count(func.distinct(StoredDecision.item_id)),
            ).group_by(col(StoredDecision.region), col(StoredDecision.level))
        )
        return {(region, level): int(n) for region, level, n in rows}


def regions_page(request: Request) -> Response:
    user = require(request, *DECIDERS)
    store = store_of(request)
    runs = latest_runs(store)
    decided = store.decided([r.id for r in runs])
    recorded = decisions_per_region(store)
    rows = [
        {
            "run": run,
            "counts": run_counts(run) or {},
            "decided": decided.get(run.id, 0),
            "recorded": recorded.get((run.region, run.level), 0),
        }
        for run in runs
    ]
    return render(request, "regions.html.j2", user=user, rows=rows)


def _heads(store: Store, report: Report) -> dict[str, str]:
    """The first lines of each document as the store read them (batch.reuse's owners)."""
    from sxcheck.batch.reuse import document_heads
    from sxcheck.ingest import extractor_version

    version = extractor_version()
    documents = []
    for doc in report.documents:
        found = store.lookup(doc.sha256, version) if doc.sha256 else None
        if found is not None:
            documents.append(IngestedDocument(info=doc, units=found[1]))
    return document_heads(documents)


def _ranked(store: Store, runs: list[StoredRun]) -> dict[str, Report]:
    """The runs' stored reports with their rank items ranked across them and evidence
    reused across regions flagged (decisions not applied yet), by run id."""
    from sxcheck.batch.rank import rank_facts
    from sxcheck.batch.reuse import flag_reused_evidence
    from sxcheck.pipeline import effective_rules, judge_facts, summarise

    key = tuple(sorted(run.id for run in runs))
    with _lock:
        if key in _cache:
            _cache.move_to_end(key)
            return _cache[key]
    started = time.time()
    rules = effective_rules()
    reports = {run.id: store.report(run.id) for run in runs}
    # only runs judged by the built-in rules are judged again (a profile's weights, or
    # a submission's own 特色性指标, are not known here): their rank items, now ranked
    plain = {
        run_id
        for run_id, r in reports.items()
        if not r.run.profile and not any(j.id.startswith("T.") for j in r.indicators)
    }
    facts = {run_id: store.facts(run_id) for run_id in plain}
    rank_facts(rules, [(reports[run_id].submission.level, facts[run_id]) for run_id in plain])
    for run_id in plain:
        r = reports[run_id]
        ranked = {j.id for j in r.indicators if j.kind.startswith("rank")}
        if not ranked or not facts[run_id]:
            continue
        documents = [IngestedDocument(info=d) for d in r.documents]
        again = judge_facts(rules, facts[run_id], documents, r.submission, started)
        new = {j.id: j for j in again.indicators if j.id in ranked}
        r.indicators = [new.get(j.id, j) for j in r.indicators]
    flag_reused_evidence(
        list(reports.values()),
        rules.messages,
        {run_id: _heads(store, r) for run_id, r in reports.items()},
        rules.lexicon.issuer,
    )
    for run_id in plain:  # the others' weights are not known here: their summary as recorded
        reports[run_id].summary = summarise(rules, reports[run_id].indicators)
    with _lock:
        _cache[key] = reports
        while len(_cache) > CACHE_SIZE:
            _cache.popitem(last=False)
    return reports


def build_batch(store: Store, runs: list[StoredRun]) -> tuple[BatchReport, list[Report]]:
    """The BatchReport of these runs (one year), as `sxcheck batch` would build it, with
    the decisions as they stand now. The ranked reports are kept for the same runs (the
    costly part: every run's report, facts and documents' first lines); a new check of
    any region is a new set of runs."""
    from sxcheck.batch import build_comparison
    from sxcheck.batch.workers import Prepared
    from sxcheck.pipeline import current_decisions, effective_rules

    started = time.time()
    shown = {run_id: current_decisions(store, r) for run_id, r in _ranked(store, runs).items()}
    prepared = [
        Prepared(
            source=run.id,
            info=shown[run.id].submission,
            documents=[IngestedDocument(info=d) for d in shown[run.id].documents],
        )
        for run in runs
    ]
    batch = build_comparison(effective_rules(), prepared, shown, started, 0)
    return batch, list(shown.values())


def _filters(years: list[int], year: int | None, level: str, levels: dict[str, int]) -> Markup:
    """The year and level choice above the comparison (a GET form: nothing to protect)."""
    options = Markup("").join(
        Markup('<option value="{}"{}>{}年</option>').format(y, " selected" if y == year else "", y)
        for y in years
    )
    kinds = Markup("").join(
        Markup('<option value="{}"{}>{}（{}）</option>').format(
            value, " selected" if value == level else "", name, levels.get(value, 0)
        )
        for value, name in (("city", "市级"), ("county", "县级"))
    )
    return Markup(
        '<link rel="stylesheet" href="/static/pages.css">'
        '<form method="get" action="/batch" class="batch-filter" id="batch-filter">'
        '<label>年度 <select name="year">{}</select></label> '
        '<label>层级 <select name="level"><option value="">全部（各层级分别排名）</option>{}'
        '</select></label> <button type="submit">查看</button>'
        '<span class="meta">比较各地区最新一次检查；同一年度、同一层级之间排名</span></form>'
    ).format(options, kinds)


def batch_page(request: Request) -> Response:
    from sxcheck.report.comparison import to_html
    from sxcheck.web.views.runs import chrome

    user = require(request, *DECIDERS)
    store = store_of(request)
    runs = latest_runs(store)
    years = sorted({r.year for r in runs}, reverse=True)
    level = request.query_params.get("level", "")
    year_text = request.query_params.get("year", "")
    year = int(year_text) if year_text.isdigit() else (years[0] if years else None)
    chosen = [r for r in runs if r.year == year and (not level or r.level == level)]
    if not chosen:
        return render(
            request,
            "error.html.j2",
            status=404,
            user=user,
            title="没有可比较的检查",
            message="所选年度与层级没有任何地区的检查记录",
        )
    batch, _ = build_batch(store, chosen)
    by_level: dict[str, int] = defaultdict(int)
    for run in runs:
        if run.year == year:
            by_level[run.level] += 1
    page = to_html(
        batch,
        links={run.id: f"/runs/{run.id}" for run in chosen},
        nonce=request.state.nonce,
        chrome=chrome(request, user, page="batch") + _filters(years, year, level, by_level),
    )
    return HTMLResponse(page)


ROUTES = [
    Route("/regions", regions_page, methods=["GET"]),
    Route("/batch", batch_page, methods=["GET"]),
]
