"""Every region with its latest run, and the batch comparison (filled in by the regions
page work)."""

from __future__ import annotations

from starlette.routing import BaseRoute

ROUTES: list[BaseRoute] = []
