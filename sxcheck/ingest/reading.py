"""Read a submission's files in order, two parses at once (issue 18).

A first check waits mostly for its parses, each in a child process (ingest.isolate),
while the parent hashes files, looks them up in the store and makes the units it is
given compact. With two children, the next document is parsed while the parent waits
for the one before it: on two cores a dense 1,000-page submission is read in about
two thirds of the time. Each document is paired with its own file and they come back
in the files' order whatever order they finish in; the run's time budget lists the
same documents as not read as one parse at a time would (those it had not begun).

Everything runs in the calling thread: children are forked only from it (a fork from
a second thread would copy locks another thread holds).
"""

from __future__ import annotations

import os
import time
from collections import deque
from collections.abc import Callable
from pathlib import Path

from sxcheck.ingest import ExtractionCache, ToParse, look_up, out_of_time, read_document
from sxcheck.ingest.isolate import IsolatedParser, Limits, Parsing
from sxcheck.limits import PARSERS
from sxcheck.models import IngestedDocument

Progress = Callable[[str, int, int], None]


class ParserPool:
    """`parsers` children (default limits.PARSERS, no more than the cores this process
    may run on), each an IsolatedParser with the run's limits, started when first given
    a file."""

    def __init__(self, limits: Limits | None = None, parsers: int | None = None) -> None:
        self.limits = limits or Limits()
        count = parsers if parsers is not None else min(PARSERS, len(os.sched_getaffinity(0)))
        self.children = [IsolatedParser(self.limits) for _ in range(max(1, count))]

    @property
    def replaced(self) -> int:
        """Children killed or lost (for tests and the benchmark)."""
        return sum(child.replaced for child in self.children)

    def close(self) -> None:
        for child in self.children:
            child.close()

    def __enter__(self) -> ParserPool:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()


Slot = IngestedDocument | tuple[IsolatedParser, Parsing]


def read_files(
    files: list[tuple[Path, str]],
    cache: ExtractionCache | None,
    parsers: list[IsolatedParser] | None,
    deadline: float,
    budget: float,
    progress: Progress | None = None,
    settle: Callable[[IngestedDocument], None] | None = None,
) -> list[tuple[Path | None, IngestedDocument]]:
    """Each file's document, in the files' order, with its path (None: not read, the
    run's time budget was used up before it was begun). `settle` is called on each
    document as soon as it is read, so the parent holds at most one parse per child in
    the form a parser returns it. Without parsers, each file is parsed in this process.
    Should anything raise meanwhile, the children still parsing are stopped (IsolatedParser
    never takes an answer for another document)."""
    slots: list[Slot] = []
    paths: list[Path | None] = []
    waiting: deque[int] = deque()  # slots being parsed, oldest first
    free = list(reversed(parsers or []))
    total = len(files)

    def finish_oldest() -> None:
        index = waiting.popleft()
        slot = slots[index]
        assert isinstance(slot, tuple)
        parser, parsing = slot
        slots[index] = _settled(parser.finish(parsing), settle)
        free.append(parser)

    try:
        for number, (path, rel) in enumerate(files, start=1):
            if progress:
                progress(rel, number, total)
            if time.monotonic() >= deadline:
                slots.append(out_of_time(rel, budget))
                paths.append(None)
                continue
            paths.append(path)
            if parsers is None:
                slots.append(_settled(read_document(path, rel, cache, None, deadline), settle))
                continue
            found = look_up(path, rel, cache, isolated=True)
            if isinstance(found, IngestedDocument):
                slots.append(_settled(found, settle))
                continue
            if not free:
                finish_oldest()
                if time.monotonic() >= deadline:  # used up while waiting: not begun, as before
                    slots.append(out_of_time(rel, budget))
                    paths[-1] = None
                    continue
            slots.append(_begin(free, found, deadline, settle))
            if not isinstance(slots[-1], IngestedDocument):
                waiting.append(len(slots) - 1)
        while waiting:
            finish_oldest()
    except BaseException:  # a store or a callback raised: nobody waits for these now
        for index in waiting:
            slot = slots[index]
            if isinstance(slot, tuple):
                slot[0].close()
        raise
    done = [slot for slot in slots if isinstance(slot, IngestedDocument)]
    assert len(done) == len(slots)  # every parse finished
    return list(zip(paths, done, strict=True))


def _begin(
    free: list[IsolatedParser],
    found: ToParse,
    deadline: float,
    settle: Callable[[IngestedDocument], None] | None,
) -> Slot:
    """Send the file to a free child (the document at once when the budget is used up)."""
    parser = free.pop()
    sent = parser.begin(str(found.path), found.rel, found.sha, found.size, deadline)
    if isinstance(sent, IngestedDocument):
        free.append(parser)
        return _settled(sent, settle)
    return parser, sent


def _settled(
    document: IngestedDocument, settle: Callable[[IngestedDocument], None] | None
) -> IngestedDocument:
    if settle is not None:
        settle(document)
    return document
