"""One item of a run: its trail (reasons, quotes marked in their paragraphs, the page
behind each quote from a PDF or scan), the reviewers' decision as it stands and every
decision recorded on the item, and, for auditors, reviewers and admins, the form that
records a new one (as `sxcheck review` does: sxcheck.decide). A city sees the same
page read-only. Every route checks the run's region first (auth.visible_run)."""

from __future__ import annotations

import threading
from typing import Any
from urllib.parse import quote

from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from sxcheck.decide import DECISION_ROLE, MAX_REASON_CHARS, form_problems, record_decision
from sxcheck.models import Evidence, Judgment, Report
from sxcheck.report.html import figures, highlight
from sxcheck.report.view import (
    ROLE_ZH,
    STATUS_ZH,
    decision_line,
    issued_line,
    ocr_mark,
    problem_codes,
)
from sxcheck.store.decisions import all_decisions
from sxcheck.web.auth import DECIDERS, User, not_found, require, store_of, visible_run
from sxcheck.web.render import render
from sxcheck.web.security import checked_form
from sxcheck.web.thumbnails import can_show, thumbnail, upload_of
from sxcheck.web.views.runs import report_of

RENDERING = 4  # thumbnails rendered (or waiting for a render child) at once
RENDER_WAIT_SECONDS = 5.0
_RENDERING = threading.BoundedSemaphore(RENDERING)

DECISION_CHOICES = {"confirm": "确认原判", **STATUS_ZH}


def _judgment(report: Report, item_id: str) -> Judgment:
    found = next((j for j in report.indicators if j.id == item_id), None)
    if found is None:
        raise not_found()
    return found


def _evidence(judgment: Judgment) -> list[Evidence]:
    """The item's quotes in the order the page numbers them (reason by reason)."""
    return [ev for reason in judgment.reasons for ev in reason.evidence]


def _page(
    request: Request,
    user: User,
    run_id: str,
    item_id: str,
    status: int = 200,
    errors: list[str] | None = None,
    form: dict[str, str] | None = None,
) -> Response:
    report = report_of(request, user, run_id)
    judgment = _judgment(report, item_id)
    store = store_of(request)
    sub = report.submission
    history = [d for item, d in all_decisions(store, sub.region, sub.level) if item == item_id]
    upload = upload_of(request.app.state.settings, store, run_id)
    docs = {d.path: d for d in report.documents}
    numbered = []
    n = 0
    for reason in judgment.reasons:
        shown = []
        for ev in reason.evidence:
            doc = docs.get(ev.document)
            shown.append((n, ev, can_show(doc, ev, upload)))
            n += 1
        numbered.append((reason, shown))
    return render(
        request,
        "item.html.j2",
        status=status,
        user=user,
        report=report,
        sub=sub,
        j=judgment,
        reasons=numbered,
        history=list(reversed(history)),
        href=f"/runs/{run_id}/items/{quote(item_id)}",
        decision_line=decision_line,
        problem_codes=problem_codes,
        highlight=highlight,
        figures=figures,
        issued_line=issued_line,
        ocr_mark=ocr_mark,
        role_zh=ROLE_ZH,
        choices=DECISION_CHOICES,
        max_reason=MAX_REASON_CHARS,
        errors=errors or [],
        form=form or {},
    )


def item_page(request: Request) -> Response:
    user = require(request)
    return _page(request, user, request.path_params["run_id"], request.path_params["item_id"])


def _field(form: Any, name: str, most: int) -> str:
    value = form.get(name)
    return value[: most + 1] if isinstance(value, str) else ""


async def decide(request: Request) -> Response:
    """Record a decision from the item page's form; back to the page (303), or the page
    again with what is wrong (400)."""
    user = require(request, *DECIDERS)
    run_id, item_id = request.path_params["run_id"], request.path_params["item_id"]
    visible_run(request, user, run_id)
    form = await checked_form(request, max_fields=10)  # 2000 characters percent-encoded fit
    fields = {
        "status": _field(form, "status", 40),
        "reason": _field(form, "reason", MAX_REASON_CHARS + 10),
        "expires": _field(form, "expires", 40),
    }
    store = store_of(request)
    report = await run_in_threadpool(store.report, run_id)  # as recorded, as `review` reads it
    if all(j.id != item_id for j in report.indicators):
        raise not_found()
    problems = form_problems(fields["status"], fields["reason"], fields["expires"])
    if problems:
        return await run_in_threadpool(_page, request, user, run_id, item_id, 400, problems, fields)
    await run_in_threadpool(
        record_decision,
        store,
        report,
        item_id,
        fields["status"],
        fields["reason"],
        user.name,
        DECISION_ROLE.get(user.role, "reviewer"),
        fields["expires"].strip() or None,
        f"web:{user.name}",  # the server's own account would name no one
    )
    return RedirectResponse(f"/runs/{run_id}/items/{quote(item_id)}#decision", status_code=303)


def evidence_png(request: Request) -> Response:
    """The page of the item's evidence `n` with its quote's box (404 when none can be drawn)."""
    user = require(request)
    run_id, item_id = request.path_params["run_id"], request.path_params["item_id"]
    visible_run(request, user, run_id)
    store = store_of(request)
    report = store.report(run_id)
    evidence = _evidence(_judgment(report, item_id))
    n = request.path_params["n"]
    if not 0 <= n < len(evidence):
        raise not_found()
    ev = evidence[n]
    doc = next((d for d in report.documents if d.path == ev.document), None)
    # renders wait for the few render children: past a short wait the page shows no
    # image rather than every request thread of the server waiting on them
    if not _RENDERING.acquire(timeout=RENDER_WAIT_SECONDS):
        raise HTTPException(503, "页面缩略图生成繁忙，请稍后刷新")
    try:
        png = thumbnail(doc, ev, upload_of(request.app.state.settings, store, run_id))
    finally:
        _RENDERING.release()
    if png is None:
        raise not_found()
    return Response(png, media_type="image/png")


ROUTES = [
    Route("/runs/{run_id:str}/items/{item_id:str}", item_page, methods=["GET"]),
    Route("/runs/{run_id:str}/items/{item_id:str}/decision", decide, methods=["POST"]),
    Route(
        "/runs/{run_id:str}/items/{item_id:str}/evidence/{n:int}.png",
        evidence_png,
        methods=["GET"],
    ),
]
