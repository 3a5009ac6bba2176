"""A run's report (the same trail as the HTML report), its downloads, its region's
history and the diff with the run before it. Every route checks the run's region
against the account (auth.visible_run): another region's run is a 404."""

from __future__ import annotations

import secrets
import threading
from collections import OrderedDict
from datetime import date
from urllib.parse import quote

from markupsafe import Markup
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import Route

from sxcheck.models import Report
from sxcheck.pipeline import current_decisions
from sxcheck.web.auth import User, not_found, require, store_of, visible_run
from sxcheck.web.render import ENV

DOWNLOADS = {
    "json": "application/json; charset=utf-8",
    "html": "text/html; charset=utf-8",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def chrome(request: Request, user: User, **context: object) -> Markup:
    """The web's navigation above a report, diff or comparison page."""
    from sxcheck.web.security import csrf_token

    return Markup(
        ENV.get_template("chrome.html.j2").render(
            request=request, user=user, csrf=csrf_token(request), **context
        )
    )


def report_of(request: Request, user: User, run_id: str) -> Report:
    """The run as `sxcheck show` shows it: the reviewers' decisions as they stand now."""
    visible_run(request, user, run_id)
    return shown_report(request, run_id)


def shown_report(request: Request, run_id: str) -> Report:
    """A run the user was found to see, with today's decisions and no server path."""
    store = store_of(request)
    return without_server_paths(request, current_decisions(store, store.report(run_id)))


def without_server_paths(request: Request, report: Report) -> Report:
    """A run checked from an upload names the kept zip as its source (a path of the
    server's data folder): the web shows the file as its uploader named it instead."""
    from sxcheck.store.jobs import job_of_run

    settings = request.app.state.settings
    if not report.submission.source.startswith(str(settings.uploads())):
        return report
    job = job_of_run(store_of(request), report.run.id)
    shown = f"上传：{job.filename}" if job is not None and job.filename else "上传的材料"
    sub = report.submission.model_copy(update={"source": shown})
    return report.model_copy(update={"submission": sub})


class PageCache:
    """Rendered report pages, kept until the region's decisions or the day change.

    A report page is ~25 ms of loading and rendering; a province's reviewers open the
    same runs again and again. The page is rendered once with two markers (random per
    process, so no document text can contain them) where each response puts its own
    nonce and its account's navigation; it is kept by run, the region's decisions
    (their count and latest id) and the date (a decision's expiry is by date)."""

    def __init__(self, size: int = 64) -> None:
        self.size = size
        self.nonce = secrets.token_hex(16)
        self.chrome = f"<!--chrome-{secrets.token_hex(16)}-->"
        self._pages: OrderedDict[tuple[object, ...], str] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: tuple[object, ...]) -> str | None:
        with self._lock:
            page = self._pages.get(key)
            if page is not None:
                self._pages.move_to_end(key)
            return page

    def put(self, key: tuple[object, ...], page: str) -> None:
        with self._lock:
            self._pages[key] = page
            while len(self._pages) > self.size:
                self._pages.popitem(last=False)


PAGES = PageCache()


def run_page(request: Request) -> Response:
    from sxcheck.report.html import to_html
    from sxcheck.store.decisions import decisions_mark

    user = require(request)
    run_id = request.path_params["run_id"]
    row = visible_run(request, user, run_id)
    store = store_of(request)
    key = (run_id, decisions_mark(store, row.region, row.level), date.today().isoformat())
    page = PAGES.get(key)
    if page is None:
        report = shown_report(request, run_id)
        page = to_html(
            report,
            nonce=PAGES.nonce,
            chrome=Markup(PAGES.chrome),
            item_href=lambda item: f"/runs/{run_id}/items/{quote(item)}",
        )
        PAGES.put(key, page)
    shown = chrome(request, user, run=row, page="run")
    return HTMLResponse(
        page.replace(PAGES.nonce, request.state.nonce).replace(PAGES.chrome, shown, 1)
    )


def download(request: Request) -> Response:
    from sxcheck.report import to_json
    from sxcheck.report.docx_report import to_docx
    from sxcheck.report.html import to_html
    from sxcheck.report.xlsx_report import to_xlsx

    user = require(request)
    fmt = request.path_params["fmt"]
    if fmt not in DOWNLOADS:
        raise not_found()
    report = report_of(request, user, request.path_params["run_id"])
    render = {"json": to_json, "html": to_html, "docx": to_docx, "xlsx": to_xlsx}[fmt]
    data = render(report)
    sub = report.submission
    name = f"{sub.region}-{sub.year}-{report.run.id}.{fmt}"
    return Response(
        data.encode("utf-8") if isinstance(data, str) else data,
        media_type=DOWNLOADS[fmt],
        headers={
            "content-disposition": f'attachment; filename="report.{fmt}"; '
            f"filename*=UTF-8''{quote(name)}"
        },
    )


def diff_page(request: Request) -> Response:
    """This run against `?against=RUN`, else against the region's run before it."""
    from sxcheck.report.diff import diff_html, diff_reports
    from sxcheck.web.render import render

    user = require(request)
    run_id = request.path_params["run_id"]
    row = visible_run(request, user, run_id)
    after = shown_report(request, run_id)
    against = request.query_params.get("against")
    if against is None:
        earlier = [
            r
            for r in store_of(request).runs(region=after.submission.region, limit=500)
            if r.recorded_at < row.recorded_at and r.kind == "check"
        ]
        if not earlier:
            return render(
                request,
                "error.html.j2",
                status=404,
                user=user,
                title="没有可比较的运行",
                message="该地区在此之前没有其他检查记录；上传新版本后即可比较",
            )
        against = earlier[0].id
    before = report_of(request, user, against)
    diff = diff_reports(before, after)
    page = diff_html(
        diff, nonce=request.state.nonce, chrome=chrome(request, user, run=row, page="diff")
    )
    return HTMLResponse(page)


def history_page(request: Request) -> Response:
    from sxcheck.web.render import render

    user = require(request)
    region = request.path_params["region"]
    if not user.sees(region):
        raise not_found()
    runs = [r for r in store_of(request).runs(region=region, limit=200) if user.sees_run(r)]
    return render(request, "history.html.j2", user=user, region=region, runs=runs)


ROUTES = [
    Route("/runs/{run_id:str}", run_page, methods=["GET"]),
    Route("/runs/{run_id:str}/report.{fmt:str}", download, methods=["GET"]),
    Route("/runs/{run_id:str}/diff", diff_page, methods=["GET"]),
    Route("/history/{region:str}", history_page, methods=["GET"]),
]
