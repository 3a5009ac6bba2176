"""A hard time limit on a city's own rule patterns, searched in the main process.

A submission's own rules (T. items) are probed for catastrophic backtracking
when they are loaded (catalogue.regex_safety), but a probe can miss a
pattern, and facts are built in the main process of `check` (in a batch, one
stalled search stalls every submission). So each search of an own pattern
runs under an interval timer: CPython's `re` engine checks for signals while
it backtracks, so SIGALRM stops the search; the pattern then counts as not
matching and is dropped for the rest of the submission, so it costs its limit
once. This needs no third-party engine (the `regex` module's `timeout=` would
do the same, at the price of a dependency and of an engine whose behaviour
differs from the `re` the patterns were validated and probed with).

The timer is only usable in the main thread and when no other timer is
armed; elsewhere (a thread of a Dask worker) the load-time probe is the guard.
"""

from __future__ import annotations

import re
import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from itertools import islice

from sxcheck.limits import OWN_PATTERN_SECONDS

MATCHES = 8  # matches of one pattern looked at in one sentence (a bound, not a limit)


class _Timeout(Exception):
    """Raised by the SIGALRM handler inside a guarded search."""


def _can_guard() -> bool:
    return (
        hasattr(signal, "setitimer")
        and threading.current_thread() is threading.main_thread()
        and signal.getitimer(signal.ITIMER_REAL)[0] == 0
    )


@contextmanager
def _time_limit(seconds: float) -> Iterator[None]:
    """Raise _Timeout in the body after `seconds`; a late signal after it is ignored."""
    armed = [True]

    def _handler(signum: int, frame: object) -> None:
        if armed[0]:
            raise _Timeout

    previous = signal.signal(signal.SIGALRM, _handler)
    try:
        signal.setitimer(signal.ITIMER_REAL, seconds)
        yield
    finally:
        armed[0] = False
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


class PlainPatterns:
    """The shipped rules' patterns: probed by the test suite, searched directly."""

    def __init__(self, patterns: list[str]):
        self.compiled = [re.compile(p) for p in patterns]
        self.dropped = 0

    def search_any(self, text: str) -> bool:
        return any(p.search(text) for p in self.compiled)

    def spans(self, text: str) -> list[tuple[int, int]]:
        """Where the patterns match (up to MATCHES_PER_PATTERN each), in pattern order:
        one sentence may deny a meeting in one clause and report one in the next."""
        return [m.span() for p in self.compiled for m in islice(p.finditer(text), MATCHES)]


class GuardedPatterns(PlainPatterns):
    """A city's own patterns: each search within `seconds`, a pattern that overruns is dropped."""

    def __init__(self, patterns: list[str], seconds: float = OWN_PATTERN_SECONDS):
        super().__init__(patterns)
        self.seconds = seconds
        self.alive = [True] * len(self.compiled)

    def search_any(self, text: str) -> bool:
        for index, pattern in enumerate(self.compiled):
            if self.alive[index] and self._search(index, pattern, text):
                return True
        return False

    def spans(self, text: str) -> list[tuple[int, int]]:
        return [
            span
            for index, pattern in enumerate(self.compiled)
            if self.alive[index]
            for span in self._matches(index, pattern, text)
        ]

    def _search(self, index: int, pattern: re.Pattern[str], text: str) -> bool:
        if not _can_guard():
            return pattern.search(text) is not None
        try:
            with _time_limit(self.seconds):
                return pattern.search(text) is not None
        except _Timeout:
            self.alive[index] = False
            self.dropped += 1
            return False

    def _matches(self, index: int, pattern: re.Pattern[str], text: str) -> list[tuple[int, int]]:
        if not _can_guard():
            return [m.span() for m in islice(pattern.finditer(text), MATCHES)]
        try:
            with _time_limit(self.seconds):
                return [m.span() for m in islice(pattern.finditer(text), MATCHES)]
        except _Timeout:
            self.alive[index] = False
            self.dropped += 1
            return []


def patterns_for(item_id: str, patterns: list[str]) -> PlainPatterns:
    """Guarded patterns for a city's own item (T.), plain ones for the shipped 69."""
    return GuardedPatterns(patterns) if item_id.startswith("T.") else PlainPatterns(patterns)
