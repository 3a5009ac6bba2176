"""Uploading a submission and watching its check: the upload returns at once with a
job; the job page polls /jobs/ID.json until the run is there."""

from __future__ import annotations

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from sxcheck.store.jobs import enqueue, progress_of
from sxcheck.web.auth import require, store_of, visible_job
from sxcheck.web.render import render
from sxcheck.web.security import checked_form
from sxcheck.web.settings import WebSettings
from sxcheck.web.uploads import keep, limit_body


def upload_page(request: Request) -> Response:
    user = require(request)
    return render(request, "upload.html.j2", user=user)


async def upload(request: Request) -> Response:
    user = require(request)
    settings: WebSettings = request.app.state.settings
    limit_body(request, settings.max_upload_bytes)
    form = await checked_form(
        request, max_files=settings.max_upload_files + 1, max_fields=10, max_part_size=4096
    )
    try:
        kept = await run_in_threadpool(keep, form, settings)
    finally:
        await form.close()
    # a city's upload is for its own region (the worker refuses a declaration of another);
    # the others' uploads take the region their declaration names
    job_id = await run_in_threadpool(
        enqueue, store_of(request), user.region or "", "", user.name, kept.sha256, kept.filename
    )
    return RedirectResponse(f"/jobs/{job_id}", status_code=303)


def job_page(request: Request) -> Response:
    user = require(request)
    job = visible_job(request, user, request.path_params["job_id"])
    return render(request, "job.html.j2", user=user, job=job, progress=progress_of(job))


def job_json(request: Request) -> Response:
    user = require(request)
    job = visible_job(request, user, request.path_params["job_id"])
    return JSONResponse(
        {
            "id": job.id,
            "state": job.state,
            "progress": progress_of(job),
            "run": job.run_id,
            "error": job.error,
        }
    )


ROUTES = [
    Route("/upload", upload_page, methods=["GET"]),
    Route("/upload", upload, methods=["POST"]),
    Route("/jobs/{job_id:str}.json", job_json, methods=["GET"]),
    Route("/jobs/{job_id:str}", job_page, methods=["GET"]),
]
