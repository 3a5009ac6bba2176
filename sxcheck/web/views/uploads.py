"""Uploading a submission and watching its check: the upload returns at once with a
job; the job page polls /jobs/ID.json until the run is there."""

from __future__ import annotations

import asyncio

from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from sxcheck.store.jobs import enqueue, pending_of, progress_of
from sxcheck.web.auth import require, store_of, visible_job
from sxcheck.web.render import render
from sxcheck.web.security import checked_form
from sxcheck.web.settings import WebSettings
from sxcheck.web.uploads import UploadRefused, keep, limit_body


def upload_page(request: Request) -> Response:
    user = require(request)
    return render(request, "upload.html.j2", user=user)


MAX_PENDING = 10  # an account's uploads queued or being checked at once
UPLOADING = 4  # uploads read at once by the server (each is spooled to disk as it arrives)
UPLOAD_WAIT_SECONDS = 120.0
_UPLOADING = asyncio.Semaphore(UPLOADING)


async def upload(request: Request) -> Response:
    user = require(request)
    settings: WebSettings = request.app.state.settings
    # the form's action carries the token too: a wrong one is refused before the body
    # is read (the form's own field is checked after, as for every form)
    early = request.query_params.get("csrf")
    if early is not None and early != request.session.get("csrf"):
        raise HTTPException(403, "缺少或无效的安全令牌（CSRF），请刷新页面后重试")
    limit_body(request, settings.max_upload_bytes)
    store = store_of(request)
    pending = await run_in_threadpool(pending_of, store, user.name)
    if pending >= MAX_PENDING:
        raise UploadRefused(
            f"你已有 {pending} 份材料在排队或检查中（上限 {MAX_PENDING} 份），请等其完成后再上传",
            429,
        )
    try:
        await asyncio.wait_for(_UPLOADING.acquire(), UPLOAD_WAIT_SECONDS)
    except TimeoutError:
        raise UploadRefused("服务器正忙于接收其他上传，请稍后再试", 429) from None
    try:
        form = await checked_form(
            request, max_files=settings.max_upload_files + 1, max_fields=10, max_part_size=4096
        )
        try:
            kept = await run_in_threadpool(keep, form, settings)
        finally:
            await form.close()
    finally:
        _UPLOADING.release()
    # a city's upload is for its own region (the worker refuses a declaration of another);
    # the others' uploads take the region their declaration names
    job_id = await run_in_threadpool(
        enqueue, store, user.region or "", "", user.name, kept.sha256, kept.filename
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
