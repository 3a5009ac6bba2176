"""Does a rule pattern run in bounded time? A probe with adversarial input.

Rule patterns (lexicon, `established`, `working`, `grades`) run on every
sentence of every document with Python's backtracking `re` engine; a pattern
such as `(a|aa)+$` or `(?:\\d|[一二])+[^，]{0,4}(?:个)` can take exponential or
quadratic time on a sentence an attacker writes, and a sentence may be tens of
KB long (a one-line file with no 。). A linear-time engine (google-re2) cannot
run the shipped patterns: they use look-behind. So each pattern is probed:

* strings are built from the pattern itself (its literal fragments, members
  of its character classes, a walk through it that almost matches, cut short
  or repeated, always with a tail that does not match), at two lengths;
* each is timed with CPU time in a child process; the parent kills the child
  when a pattern overruns its wall-time budget, so the probe itself is bounded;
* a pattern is unsafe when one string takes longer than `REGEX_SLOW_SECONDS`,
  or when its time grows clearly faster than the string (quadratic or worse).

`probe_patterns` is what the rules test and the loader of a submission's own
rules call. The module only needs the standard library in the child
(`python -m sxcheck.catalogue.regex_safety` reads the patterns as JSON).
"""

from __future__ import annotations

import json
import os
import re
import select
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from re import _constants as sre_c  # type: ignore[attr-defined]
from re import _parser as sre_parse  # type: ignore[attr-defined]
from typing import TYPE_CHECKING, Any

from sxcheck.limits import REGEX_PROBE_SECONDS, REGEX_PROBE_TOTAL_SECONDS, REGEX_SLOW_SECONDS

if TYPE_CHECKING:  # the child imports this module: keep it to the standard library
    from sxcheck.catalogue.loader import Problem
    from sxcheck.catalogue.schema import ItemRule

UNSAFE = "pattern may backtrack catastrophically"
UNCHECKED = "pattern not checked: the time for checking this submission's rule patterns is used up"
SHORT, LONG = 4_000, 16_000  # characters: 16 KB of ASCII, up to 48 KB of UTF-8 CJK
TAIL = "\u2603"  # a character no rule pattern mentions, so the string never quite matches
MAX_SEEDS = 48  # strings per pattern (each with each tail, at both lengths)
_POOL = "a1 中，。；：、\n"  # fallback members of a negated class


@dataclass(frozen=True)
class Verdict:
    """The probe's answer for one pattern: safe, or why not (never the text that hurt)."""

    pattern: str
    safe: bool
    slowest: float  # CPU seconds of the slowest string (the budget when killed)
    reason: str = ""


# ------------------------------------------------------------ building adversarial strings


def _in_set(items: list[tuple[Any, Any]], ch: str) -> bool:
    """Is `ch` a member of a parsed character class (enough for the probe's choices)?"""
    negate = False
    found = False
    code = ord(ch)
    for op, av in items:
        if op is sre_c.NEGATE:
            negate = True
        elif op is sre_c.LITERAL:
            found = found or code == av
        elif op is sre_c.RANGE:
            found = found or av[0] <= code <= av[1]
        elif op is sre_c.CATEGORY:
            name = str(av)
            test = {
                "DIGIT": ch.isdigit(),
                "SPACE": ch.isspace(),
                "WORD": ch.isalnum() or ch == "_",
            }
            for key, value in test.items():
                if key in name:
                    found = found or (value != ("NOT_" in name))
    return found != negate


def _members(items: list[tuple[Any, Any]], pool: str) -> list[str]:
    """A few members of a character class, preferring the pattern's own characters."""
    out: list[str] = []
    for op, av in items:
        if op is sre_c.LITERAL:
            out.append(chr(av))
        elif op is sre_c.RANGE:
            out += [chr(av[0]), chr((av[0] + av[1]) // 2), chr(av[1])]
        elif op is sre_c.CATEGORY:
            out += ["7", " ", "a"]
    out += [c for c in pool + _POOL if c not in out]
    return list(dict.fromkeys(c for c in out if _in_set(items, c)))[:6]


class _Collector:
    """Walks a parsed pattern: its literal fragments, class members and near-matches."""

    def __init__(self, pattern: str):
        self.tree = sre_parse.parse(pattern)
        self.fragments: list[str] = []
        self.refused: list[str] = []  # fragments of negative lookarounds: tails that undo a match
        self.pumps: list[tuple[str, str]] = []  # (text before a long repeat, its body)
        self.pool = "".join(dict.fromkeys(ch for ch in pattern if not ch.isascii()))
        self._gather(self.tree)

    def _gather(self, tree: Any) -> None:
        run = ""
        for op, av in tree:
            if op is sre_c.LITERAL:
                run += chr(av)
                continue
            if run:
                self.fragments.append(run)
                run = ""
            if op is sre_c.IN:
                self.fragments += _members(av, self.pool)
            elif op is sre_c.BRANCH:
                for branch in av[1]:
                    self._gather(branch)
            elif op is sre_c.SUBPATTERN:
                self._gather(av[-1])
            elif op in (sre_c.MAX_REPEAT, sre_c.MIN_REPEAT, sre_c.POSSESSIVE_REPEAT):
                self._gather(av[2])
            elif op is sre_c.ASSERT_NOT:
                before = len(self.fragments)
                self._gather(av[1])
                self.refused += self.fragments[before:]
            elif op is sre_c.ASSERT:
                self._gather(av[1])
            elif op is sre_c.ATOMIC_GROUP:
                self._gather(av)
            elif op is sre_c.ANY:
                self.fragments.append("a")
            elif op is sre_c.NOT_LITERAL:
                self.fragments.append("a" if av != ord("a") else "b")
        if run:
            self.fragments.append(run)

    def walk(self, tree: Any, variant: int, acc: list[str] | None = None) -> str:
        """One string that follows the pattern (branch and member `variant`).

        Every repeat that may run long is noted in `pumps` with the text
        before it: that text, then the repeat's body many times, then a tail
        that fails, is the classic catastrophic input (`试点(a|aa)+$`).
        """
        acc = [] if acc is None else acc
        for op, av in tree:
            if op is sre_c.LITERAL:
                acc.append(chr(av))
            elif op is sre_c.IN:
                members = _members(av, self.pool) or ["a"]
                acc.append(members[variant % len(members)])
            elif op is sre_c.ANY:
                acc.append("a")
            elif op is sre_c.NOT_LITERAL:
                acc.append("a" if av != ord("a") else "b")
            elif op is sre_c.BRANCH:
                branches = av[1]
                self.walk(branches[variant % len(branches)], variant, acc)
            elif op is sre_c.SUBPATTERN:
                self.walk(av[-1], variant, acc)
            elif op is sre_c.ATOMIC_GROUP:
                self.walk(av, variant, acc)
            elif op in (sre_c.MAX_REPEAT, sre_c.MIN_REPEAT, sre_c.POSSESSIVE_REPEAT):
                low, high = av[0], av[1]
                body = self.walk(av[2], variant)
                if high > 4 and body:
                    self.pumps.append(("".join(acc), body))
                times = max(low, 1 if high else 0)
                times = min(max(times, 2 if high >= 2 else times), 4)
                acc.append(body * times)
            elif op is sre_c.ASSERT and av[0] == 1:
                self.walk(av[1], variant, acc)
        return "".join(acc)


Seed = tuple[str, str]  # (a prefix said once, a unit repeated to the probe's length)


def adversarial_seeds(pattern: str) -> tuple[list[Seed], list[str]]:
    """Strings that are hard for `pattern` (a prefix and a unit to repeat), and tails.

    The text before a long repeat followed by its body many times pumps that
    repeat; repeated fragments and class members load every quantifier with
    characters it may take; walks through the pattern, cut before their end,
    make every start position go deep before failing. The tails are a character the
    pattern never mentions, and what its negative lookarounds refuse (which
    makes a lookahead like `(?!.*已)` scan to the end from every start).
    """
    collector = _Collector(pattern)
    fragments = list(dict.fromkeys(f for f in collector.fragments if f))
    walks = list(dict.fromkeys(collector.walk(collector.tree, v) for v in range(4)))
    pumps = list(dict.fromkeys(collector.pumps))[: MAX_SEEDS // 4]
    seeds: list[str] = []
    for walk in walks:
        if not walk:
            continue
        cuts = {len(walk) * j // 4 for j in range(1, 5)} | {len(walk) - 1}
        seeds += [walk[:cut] for cut in sorted(cuts) if cut > 0]
        seeds.append(walk + walk[: len(walk) // 2])
    seeds += fragments
    seeds += [a + b for a, b in zip(fragments, fragments[1:], strict=False)]
    seeds.append("".join(fragments))
    tails = [TAIL, *collector.refused[:1], *fragments[-1:]]
    units = [("", s) for s in dict.fromkeys(seeds) if s]
    return (pumps + units)[:MAX_SEEDS], list(dict.fromkeys(tails))


def _stretch(seed: Seed, size: int) -> str:
    prefix, unit = seed
    return prefix + (unit * (size // len(unit) + 1))[: max(size - len(prefix), 0)]


# ------------------------------------------------------------ timing (in the child)


def time_pattern(pattern: str, slow: float, beat: Any = lambda: None) -> tuple[float, str]:
    """The slowest CPU time over the adversarial strings, and a reason when it is unsafe.

    `beat()` is called before each string, so the parent can tell a slow
    pattern that still makes progress from one stuck on a single string.
    """
    try:
        compiled = re.compile(pattern)
    except (re.error, RecursionError, OverflowError, ValueError):
        return 0.0, "invalid regular expression"
    slowest = 0.0
    seeds, tails = adversarial_seeds(pattern)
    for seed in seeds:
        for tail in tails:
            beat()
            short, long = (_measure(compiled, seed, tail, size, 1) for size in (SHORT, LONG))
            if _too_slow(short, long, slow):
                # a suspect: measure again, best of three, so a busy machine is not blamed
                short, long = (_measure(compiled, seed, tail, size, 3) for size in (SHORT, LONG))
            slowest = max(slowest, long)
            if _too_slow(short, long, slow):
                return slowest, UNSAFE
    return slowest, ""


def _measure(compiled: re.Pattern[str], seed: Seed, tail: str, size: int, repeat: int) -> float:
    """Best CPU time of `repeat` searches of the stretched seed (plus a break mid-way)."""
    text = _stretch(seed, size)
    best = float("inf")
    for _ in range(repeat):
        start = time.process_time()
        compiled.search(text + tail)
        if tail == TAIL:  # a break in the middle: starts before and after it
            compiled.search(text[: size // 2] + TAIL + text[size // 2 :] + TAIL)
        best = min(best, time.process_time() - start)
    return best


def _too_slow(short: float, long: float, slow: float) -> bool:
    """Slower than `slow`, or growing clearly faster than the text (4x the text:
    linear work is about 4x, quadratic 16x; times under slow/100 are noise)."""
    return long > slow or (long > slow / 100 and long > 10 * max(short, 1e-4))


def _child() -> None:
    """The child's loop: patterns as JSON on stdin, one JSON line per pattern out."""
    request = json.loads(sys.stdin.read())

    def beat() -> None:
        sys.stdout.write(".\n")
        sys.stdout.flush()

    for index, pattern in enumerate(request["patterns"]):
        slowest, reason = time_pattern(pattern, request["slow"], beat)
        sys.stdout.write(json.dumps({"i": index, "slowest": slowest, "reason": reason}) + "\n")
        sys.stdout.flush()


# ------------------------------------------------------------ the bounded probe (parent)


def probe_patterns(
    patterns: list[str],
    budget: float = REGEX_PROBE_SECONDS,
    slow: float = REGEX_SLOW_SECONDS,
    deadline: float | None = None,
) -> list[Verdict]:
    """Probe each pattern in a child process; one stuck `budget` seconds on one string is unsafe.

    The child is killed when a pattern overruns, and a new one takes the rest,
    so a catastrophic pattern costs `budget` seconds and no more. Patterns left
    when the `deadline` (time.monotonic) passes are unsafe too, unchecked.
    """
    verdicts: dict[int, Verdict] = {}
    todo = list(dict.fromkeys(patterns))
    while todo:
        if deadline is not None and time.monotonic() >= deadline:
            for pattern in todo:
                verdicts[len(verdicts)] = Verdict(pattern, False, 0.0, UNCHECKED)
            break
        done = _run_child(todo, budget, slow, deadline, verdicts_of=verdicts, offset=len(verdicts))
        todo = todo[done:]
    by_pattern = {v.pattern: v for v in verdicts.values()}
    return [by_pattern[p] for p in patterns]


def _run_child(
    patterns: list[str],
    budget: float,
    slow: float,
    stop_at: float | None,
    verdicts_of: dict[int, Verdict],
    offset: int,
) -> int:
    """Run one child over `patterns`; returns how many got a verdict (>= 1)."""
    child = subprocess.Popen(
        [sys.executable, "-m", "sxcheck.catalogue.regex_safety"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        bufsize=0,
    )
    assert child.stdin is not None and child.stdout is not None
    done = 0
    buffer = b""
    try:
        child.stdin.write(json.dumps({"patterns": patterns, "slow": slow}).encode())
        child.stdin.close()
        fd = child.stdout.fileno()
        quiet_until = time.monotonic() + budget + 3.0  # the first one also pays the start-up
        while done < len(patterns):
            if b"\n" not in buffer:
                until = quiet_until if stop_at is None else min(quiet_until, stop_at)
                left = until - time.monotonic()
                ready = left > 0 and select.select([fd], [], [], left)[0]
                chunk = os.read(fd, 65536) if ready else b""
                if not chunk:  # stuck on one string, out of time, or the child died on it
                    # the run's deadline came before this string's budget: not judged
                    late = stop_at is not None and quiet_until > stop_at <= time.monotonic()
                    reason = UNCHECKED if late else UNSAFE
                    verdicts_of[offset + done] = Verdict(patterns[done], False, budget, reason)
                    return done + 1
                buffer += chunk
                continue
            line, buffer = buffer.split(b"\n", 1)
            quiet_until = time.monotonic() + budget
            if line == b".":  # a heartbeat: one more string done
                continue
            answer = json.loads(line)
            reason = answer["reason"]
            verdicts_of[offset + done] = Verdict(
                patterns[done], not reason, answer["slowest"], reason
            )
            done += 1
        return done
    finally:
        if child.poll() is None:
            child.kill()
        child.wait()


def unsafe_reason(pattern: str) -> str | None:
    """`UNSAFE` (or why it cannot run) for one pattern, None when it is safe."""
    verdict = probe_patterns([pattern])[0]
    return None if verdict.safe else verdict.reason


class PatternProbe:
    """Probes the patterns of a submission's own rule files, within one time budget.

    One instance per loading of rules: each pattern is probed once, and when
    the budget is used up (a folder of many hostile files) the remaining files
    with patterns are skipped unchecked instead of each costing its budget.
    """

    def __init__(self, total: float = REGEX_PROBE_TOTAL_SECONDS):
        self.deadline = time.monotonic() + total
        self.verdicts: dict[str, Verdict] = {}

    def problems(self, rule: ItemRule, path: Path, node: Any = None) -> list[Problem]:
        """One problem per unsafe pattern of `rule`, at its line (the pattern is not quoted)."""
        from sxcheck.catalogue.loader import Problem, _node_line, _read_yaml

        places: list[tuple[tuple[Any, ...], str]] = []
        for index, measure in enumerate(rule.measures):
            for field in ("established", "working"):
                for number, pattern in enumerate(getattr(measure, field)):
                    places.append((("measures", index, field, number), pattern))
            for g, grade in enumerate(measure.grades):
                for number, pattern in enumerate(grade.any_of):
                    places.append((("measures", index, "grades", g, "any_of", number), pattern))
        if not places:
            return []
        if node is None:
            node = _read_yaml(path, [])[1]
        if time.monotonic() >= self.deadline:
            return [Problem(path, _node_line(node, places[0][0]), UNCHECKED)]
        todo = [p for _, p in places if p not in self.verdicts]
        if todo:
            for verdict in probe_patterns(todo, deadline=self.deadline):
                self.verdicts[verdict.pattern] = verdict
        out = []
        for where, pattern in places:
            verdict = self.verdicts[pattern]
            if not verdict.safe:
                place = ".".join(str(part) for part in where)
                out.append(Problem(path, _node_line(node, where), f"{place}: {verdict.reason}"))
        return out


if __name__ == "__main__":
    _child()
