"""The first page after login: a city's own submissions, or every region for the others."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from sxcheck.store.jobs import jobs, progress_of
from sxcheck.web.auth import require, store_of
from sxcheck.web.render import render


def home(request: Request) -> Response:
    user = require(request)
    if user.sees_all:
        return RedirectResponse("/regions", status_code=303)
    store = store_of(request)
    assert user.region is not None
    runs = [r for r in store.runs(region=user.region, limit=100) if user.sees_run(r)][:50]
    queued = jobs(store, region=user.region, limit=20)
    return render(
        request,
        "home.html.j2",
        user=user,
        runs=runs,
        jobs=[(job, progress_of(job)) for job in queued],
    )


ROUTES = [Route("/", home, methods=["GET"])]
