"""The ASGI app of `sxcheck serve` (Starlette): routes, sessions, headers, errors.

Starlette rather than FastAPI: every page is server-rendered HTML from the same
Jinja templates and view models as the HTML report, forms are plain forms with
CSRF tokens, and the few JSON routes need no schema generation; FastAPI would add
its dependency-injection and OpenAPI layers (and a second pydantic use) for none
of that. uvicorn serves it.
"""

from __future__ import annotations

from pathlib import Path

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.formparsers import MultiPartParser
from starlette.middleware import Middleware
from starlette.middleware.sessions import SessionMiddleware
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Mount
from starlette.staticfiles import StaticFiles

from sxcheck.store import open_store
from sxcheck.web.auth import LoginRequired
from sxcheck.web.render import error_page
from sxcheck.web.security import SecurityHeaders, Throttle
from sxcheck.web.settings import SESSION_HOURS, WebSettings
from sxcheck.web.uploads import UploadRefused, remove_incoming

STATIC = Path(__file__).with_name("static")
SPOOL_BYTES = 64 * 1024


def _routes() -> list[BaseRoute]:
    from sxcheck.web.views import home, items, regions, runs, session, uploads

    return [
        *session.ROUTES,
        *home.ROUTES,
        *uploads.ROUTES,
        *runs.ROUTES,
        *items.ROUTES,
        *regions.ROUTES,
        Mount("/static", StaticFiles(directory=STATIC), name="static"),
    ]


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    detail = exc.detail if isinstance(exc.detail, str) and exc.detail else ""
    if exc.status_code == 404 and not detail.strip() or detail == "Not Found":
        detail = "没有找到该页面或记录"
    if exc.status_code == 405:
        detail = "不支持的请求方式"
    if exc.status_code == 400 and not any("\u4e00" <= c <= "\u9fff" for c in detail):
        # the form parser's own words ("Too many files. Maximum number of files is 2001.")
        detail = "上传的表单不符合要求（文件或字段过多、字段过长），未保存任何内容"
    return error_page(request, exc.status_code, detail)


async def _login_first(request: Request, exc: Exception) -> Response:
    return RedirectResponse("/login", status_code=303)


async def _refused(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, UploadRefused)
    return error_page(request, exc.status, str(exc))


async def _server_error(request: Request, exc: Exception) -> Response:
    return error_page(request, 500, "服务器出错，请稍后再试；问题仍在时请联系管理员")


def create_app(settings: WebSettings) -> Starlette:
    """The app on the settings' store (opened, migrated and checked now: a bad --db is
    one line before the server starts)."""
    store = open_store(settings.db)
    # an upload's file parts go to disk past 64 KiB (Starlette keeps 1 MiB of each in
    # memory: 400 parts of a folder upload would hold 400 MiB while it is read)
    MultiPartParser.spool_max_size = SPOOL_BYTES
    remove_incoming(settings)
    app = Starlette(
        routes=_routes(),
        middleware=[
            Middleware(SecurityHeaders),
            Middleware(
                SessionMiddleware,
                secret_key=settings.key(),
                session_cookie="sxcheck_session",
                max_age=SESSION_HOURS * 3600,
                same_site="strict",
                https_only=settings.https_only,
            ),
        ],
        exception_handlers={
            HTTPException: _http_error,
            LoginRequired: _login_first,
            UploadRefused: _refused,
            Exception: _server_error,
        },
    )
    app.state.settings = settings
    app.state.store = store
    app.state.throttle = Throttle(settings.login_failures, settings.login_window)
    return app
