"""One item of a run: its trail and the reviewers' decision form (filled in by the items
page work)."""

from __future__ import annotations

from starlette.routing import BaseRoute

ROUTES: list[BaseRoute] = []
