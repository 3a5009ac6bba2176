"""Log in and log out. Wrong passwords are throttled per account and per address."""

from __future__ import annotations

import threading

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from sxcheck.store.accounts import end_sessions, get_user, save_user
from sxcheck.web.auth import store_of
from sxcheck.web.passwords import hash_password, needs_rehash, verify
from sxcheck.web.render import render
from sxcheck.web.security import checked_form, csrf_ok

MAX_FIELD = 200
VERIFYING = 2  # password checks at once (argon2id: 64 MiB and ~50 ms each)
VERIFY_WAIT_SECONDS = 10.0
_VERIFYING = threading.BoundedSemaphore(VERIFYING)


def _address(request: Request) -> str:
    return f"addr:{request.client.host if request.client else '?'}"


async def login_page(request: Request) -> Response:
    return render(request, "login.html.j2", user=None)


def _check_password(request: Request, name: str, password: str) -> bool:
    store = store_of(request)
    row = get_user(store, name)
    ok = verify(row.password_hash if row is not None and not row.disabled else None, password)
    if ok and row is not None and needs_rehash(row.password_hash):
        save_user(store, row.name, row.role, row.region, hash_password(password), replace=True)
    return ok


async def login(request: Request) -> Response:
    form = await request.form(max_files=0, max_fields=10, max_part_size=4096)
    if not await csrf_ok(request, form):
        return render(
            request, "login.html.j2", status=403, user=None, error="页面已过期，请重新登录"
        )
    name = str(form.get("name") or "").strip()[:MAX_FIELD]
    password = str(form.get("password") or "")[:1024]
    throttle = request.app.state.throttle
    account = f"user:{name.casefold()}"
    # counted as a failure before the password is checked, so parallel guesses cannot
    # all be tried before the first one fails; taken back when the password is right
    wait = throttle.attempt(account, _address(request))
    if wait > 0:
        minutes = max(1, round(wait / 60))
        return render(
            request,
            "login.html.j2",
            status=429,
            user=None,
            error=f"登录失败次数过多，请 {minutes} 分钟后再试",
            name=name,
        )
    # each argon2 check takes 64 MiB: a burst of logins waits its turn or is refused
    if not _VERIFYING.acquire(timeout=0) and not await run_in_threadpool(
        _VERIFYING.acquire, True, VERIFY_WAIT_SECONDS
    ):
        return render(
            request,
            "login.html.j2",
            status=429,
            user=None,
            error="登录请求过多，请稍后再试",
            name=name,
        )
    try:
        ok = bool(name) and await run_in_threadpool(_check_password, request, name, password)
    finally:
        _VERIFYING.release()
    if not ok:
        return render(
            request, "login.html.j2", status=401, user=None, error="账号或密码错误", name=name
        )
    throttle.succeeded(account, _address(request))
    request.session.clear()  # a new session for the account: no fixation
    request.session["user"] = name
    row = await run_in_threadpool(get_user, store_of(request), name)
    request.session["epoch"] = row.session_epoch if row is not None else -1
    return RedirectResponse("/", status_code=303)


async def logout(request: Request) -> Response:
    await checked_form(request, max_fields=5, max_part_size=1024)
    name = request.session.get("user")
    if isinstance(name, str):
        await run_in_threadpool(end_sessions, store_of(request), name)
    request.session.clear()
    return RedirectResponse("/login", status_code=303)


ROUTES = [
    Route("/login", login_page, methods=["GET"]),
    Route("/login", login, methods=["POST"]),
    Route("/logout", logout, methods=["POST"]),
]
