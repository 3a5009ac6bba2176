"""What every response and every form of `sxcheck serve` is protected by.

- Headers: a Content-Security-Policy that allows only this server's own files and,
  for the report page's one style and script, a nonce made per response; no
  framing, no sniffing, no referrer.
- CSRF: every session holds a random token; every POST must send it back (a form
  field `csrf` or the header X-CSRF-Token), compared in constant time, else 403.
- Login throttle: after LOGIN_FAILURES wrong passwords for one account, or from one
  address, within the window, logins are refused until the window passes (in this
  process's memory: a restart forgets it, which only ever shortens a lock-out).
"""

from __future__ import annotations

import hmac
import secrets
import threading
import time
from collections import deque
from typing import Any

from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

MAX_TRACKED = 100_000  # accounts and addresses the login throttle remembers at most

CSP = (
    "default-src 'none'; script-src 'self' 'nonce-{nonce}'; style-src 'self' 'nonce-{nonce}'; "
    "img-src 'self' data:; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; "
    "base-uri 'none'"
)


class SecurityHeaders:
    """Pure ASGI middleware: a nonce in request.state, the headers on every response."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        nonce = secrets.token_urlsafe(16)
        scope.setdefault("state", {})["nonce"] = nonce

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                headers += [
                    (b"content-security-policy", CSP.format(nonce=nonce).encode()),
                    (b"x-content-type-options", b"nosniff"),
                    (b"x-frame-options", b"DENY"),
                    (b"referrer-policy", b"no-referrer"),
                    (b"cache-control", b"no-store"),
                ]
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, send_with_headers)


def csrf_token(request: Request) -> str:
    """The session's CSRF token (made on first use)."""
    token = request.session.get("csrf")
    if not token:
        token = request.session["csrf"] = secrets.token_urlsafe(32)
    return str(token)


async def csrf_ok(request: Request, form: Any | None = None) -> bool:
    """Does the POST carry the session's token?"""
    expected = request.session.get("csrf")
    if not expected:
        return False
    sent = request.headers.get("x-csrf-token")
    if sent is None and form is not None:
        value = form.get("csrf")
        sent = value if isinstance(value, str) else None
    return sent is not None and hmac.compare_digest(sent.encode(), str(expected).encode())


class Throttle:
    """Failed logins per key (an account name, an address) within a sliding window."""

    def __init__(self, failures: int, window: float) -> None:
        self.failures, self.window = failures, window
        self._seen: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def _recent(self, key: str, now: float) -> deque[float]:
        seen = self._seen.get(key)
        if seen is None:
            return deque()
        while seen and seen[0] <= now - self.window:
            seen.popleft()
        if not seen:
            del self._seen[key]  # an entry only while it counts failures
        return seen

    def _wait(self, keys: tuple[str, ...], now: float) -> float:
        """(Under the lock.) Seconds until a login for these keys is tried again."""
        waits = [
            seen[0] + self.window - now
            for seen in (self._recent(k, now) for k in keys)
            if len(seen) >= self.failures
        ]
        return max(waits, default=0.0)

    def wait(self, *keys: str) -> float:
        """Seconds until a login for these keys is tried again (0: now)."""
        with self._lock:
            return self._wait(keys, time.monotonic())

    def attempt(self, *keys: str) -> float:
        """Count a login attempt as failed before its password is checked (0: go on), or
        the seconds to wait: parallel guesses cannot all pass before the first fails.
        A login that succeeds is cleared by `succeeded`."""
        now = time.monotonic()
        with self._lock:
            wait = self._wait(keys, now)
            if wait > 0:
                return wait
            for key in keys:
                self._seen.setdefault(key, deque()).append(now)
            if len(self._seen) > MAX_TRACKED:  # a flood of names: forget the oldest
                for key in sorted(self._seen, key=lambda k: self._seen[k][-1])[: MAX_TRACKED // 10]:
                    del self._seen[key]
            return 0.0

    def succeeded(self, *keys: str) -> None:
        """A right password: the attempt it was counted as is taken back (the account's
        failures are forgotten; the address keeps its others)."""
        with self._lock:
            account, *others = keys
            self._seen.pop(account, None)
            for key in others:
                seen = self._seen.get(key)
                if seen:
                    seen.pop()
                if not seen:
                    self._seen.pop(key, None)


async def checked_form(
    request: Request, max_files: int = 0, max_fields: int = 20, max_part_size: int = 64 * 1024
) -> Any:
    """The POST's form, with its CSRF token checked (403 when missing or wrong)."""
    from starlette.exceptions import HTTPException

    form = await request.form(
        max_files=max_files, max_fields=max_fields, max_part_size=max_part_size
    )
    if not await csrf_ok(request, form):
        raise HTTPException(403, "缺少或无效的安全令牌（CSRF），请刷新页面后重试")
    return form
