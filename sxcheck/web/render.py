"""Templates of `sxcheck serve` (autoescaped: every document string is text, never
markup) and the error pages, always in Chinese and never with a stack trace."""

from __future__ import annotations

import json
from typing import Any

from jinja2 import Environment, PackageLoader, select_autoescape
from starlette.requests import Request
from starlette.responses import HTMLResponse

from sxcheck.report.view import STATUS_ZH, percent
from sxcheck.web.security import csrf_token

ENV = Environment(
    loader=PackageLoader("sxcheck.web", "templates"),
    autoescape=select_autoescape(default=True, default_for_string=True),
    trim_blocks=True,
    lstrip_blocks=True,
)
JOB_ZH = {"queued": "排队中", "running": "检查中", "done": "已完成", "failed": "失败"}


def _fromjson(text: str | None) -> Any:
    try:
        return json.loads(text or "{}")
    except ValueError:
        return {}


# the reports' own words and 0–100 scale (report.view), so the pages say what the reports say
ENV.globals.update(status_zh=STATUS_ZH, job_zh=JOB_ZH, pct=percent)
ENV.filters["fromjson"] = _fromjson


def render(request: Request, template: str, status: int = 200, **context: Any) -> HTMLResponse:
    from sxcheck.web.auth import current_user

    user = context.pop("user", None) or current_user(request)
    page = ENV.get_template(template).render(
        request=request,
        user=user,
        csrf=csrf_token(request),
        nonce=request.state.nonce,
        **context,
    )
    return HTMLResponse(page, status_code=status)


ERRORS = {
    400: "请求有误",
    403: "无权访问",
    404: "没有找到",
    405: "不支持的请求方式",
    413: "上传内容过大",
    429: "请求过于频繁",
    500: "服务器内部错误",
    503: "服务繁忙",
}


def error_page(request: Request, status: int, message: str) -> HTMLResponse:
    """The page of an error: its title and one line saying what to do."""
    title = ERRORS.get(status, "出错了")
    try:
        return render(request, "error.html.j2", status=status, title=title, message=message)
    except Exception:  # the session or the store is what failed: a bare page, still no trace
        page = ENV.get_template("error.html.j2").render(
            request=request, user=None, csrf="", nonce="", title=title, message=message
        )
        return HTMLResponse(page, status_code=status)
