"""Engine: durable_rules evaluation of the compiled rules over one submission's facts.

durable_rules has traps that this wrapper closes (see the shared guide):
- its C JSON parser crashes (SIGSEGV) or misreads exponent floats, int64
  overflow and strings with quotes, backslashes or NUL: only safe
  identifiers and bounded integers cross, translated by `engine.wire`, and
  no submission text (the region) is part of a session id;
- ruleset names are process-global and cannot be redefined: each rule set is
  registered once per process under a name derived from its digest;
- its background dispatcher threads caused crashes: the Host never starts them;
- exceptions inside actions are swallowed into the state: checked after every
  evaluation and raised with the rule id;
- session ids collide on a 32-bit hash: one unique sid per evaluation,
  verified, and always deleted;
- no truth maintenance: all facts are asserted first, then one `evaluate`
  trigger that every rule joins on;
- actions never assert facts: findings are recorded in Python;
- a ruleset holds only a few hundred rules (error 108 beyond ~256): one
  ruleset per item, each evaluated with that item's facts.
"""

from __future__ import annotations

import contextlib
import threading
import uuid
from dataclasses import dataclass, field
from typing import Any

from durable import engine as durable_engine

from sxcheck.catalogue.loader import RuleSet
from sxcheck.engine.compile import CompiledRule, compile_rules
from sxcheck.engine.templates import Outcome
from sxcheck.engine.wire import WireError, safe_text, wire
from sxcheck.models import Fact


class EngineError(RuntimeError):
    """The rules misbehaved (an action failed, a measure got no or two verdicts)."""


@dataclass
class Finding:
    """One rule that fired: its outcome and the facts it matched."""

    rule_id: str
    item: str
    measure: str
    outcome: Outcome
    fact_ids: list[str] = field(default_factory=list)


class _QuietHost(durable_engine.Host):
    """A Host without the background dispatcher timers (they caused crashes)."""

    def _run(self) -> None:  # noqa: D401 - deliberately does nothing
        return


_HOST: _QuietHost | None = None
_ENGINES: dict[str, Engine] = {}
_LOCK = threading.Lock()


def _host() -> _QuietHost:
    global _HOST
    if _HOST is None:
        _HOST = _QuietHost()
    return _HOST


class Engine:
    """The compiled rules of one rule set, registered once in this process."""

    def __init__(self, rules: RuleSet):
        self.rules = rules
        self.compiled = compile_rules(rules)
        self.by_id = {rule.rule_id: rule for rule in self.compiled}
        self._current: list[Finding] | None = None
        self._fact_ids: dict[str, str] = {}  # the engine's (safe) fact id -> the fact's id
        definitions: dict[str, dict[str, Any]] = {}
        self.names: dict[str, str] = {}
        for rule in self.compiled:
            name = self.names.setdefault(
                rule.item, safe_text(f"sxcheck_{rules.digest[:16]}_{rule.item}")
            )
            definition = definitions.setdefault(name, {})
            key = safe_text(rule.rule_id)
            if key in definition:
                raise EngineError(f"{rule.rule_id}: two rules of one name")
            definition[key] = {
                "all": [{"m": wire(rule.condition)}, {"t": {"kind": "evaluate"}}],
                "run": self._action(rule),
            }
        for definition in definitions.values():
            # every fact must be handled by some rule, or durable_rules raises
            definition["__catch_measure__"] = {
                "all": [{"x": {"kind": "measure"}}],
                "run": lambda c: None,
            }
        _host().register_rulesets(definitions)

    def _action(self, rule: CompiledRule):  # type: ignore[no-untyped-def]
        def run(c: Any) -> None:
            if self._current is None:
                raise EngineError(f"{rule.rule_id}: fired outside an evaluation")
            matched = c._m
            fact = matched["m"]
            self._current.append(
                Finding(
                    rule_id=rule.rule_id,
                    item=rule.item,
                    measure=rule.measure,
                    outcome=rule.outcome,
                    fact_ids=[self._fact_ids.get(fact["id"], fact["id"])],
                )
            )

        return run

    def evaluate(self, facts: list[Fact], label: str = "run") -> list[Finding]:
        """Assert all facts, then the trigger; return what fired.

        `label` (the region) is for the caller's messages only: it never
        reaches the engine, whose session id is a fresh uuid.
        """
        sid = uuid.uuid4().hex
        by_item: dict[str, list[dict[str, Any]]] = {}
        fact_ids: dict[str, str] = {}
        seen: set[str] = set()
        for fact in facts:
            if fact.id in seen:
                continue  # identical facts would raise MessageObservedException
            if fact.item not in self.names:
                raise EngineError(f"facts for item {fact.item}, which has no rules")
            seen.add(fact.id)
            data = {k: v for k, v in fact.data.items() if v is not None and not isinstance(v, list)}
            try:
                entry = wire(
                    {
                        **data,
                        "id": fact.id,
                        "kind": fact.kind,
                        "item": fact.item,
                        "measure": fact.measure,
                    }
                )
            except WireError as exc:
                raise EngineError(f"measure {fact.id}: {exc}") from None
            entry["sid"] = sid
            fact_ids[entry["id"]] = fact.id
            by_item.setdefault(fact.item, []).append(entry)
        findings: list[Finding] = []
        with _LOCK:
            self._current, self._fact_ids = findings, fact_ids
            try:
                for item, entries in by_item.items():
                    self._evaluate_item(self.names[item], sid, entries)
            finally:
                self._current, self._fact_ids = None, {}
        self._check_verdicts(facts, findings)
        return findings

    def _evaluate_item(self, name: str, sid: str, entries: list[dict[str, Any]]) -> None:
        host = _host()
        try:
            host.assert_facts(name, entries)
            host.assert_fact(name, {"sid": sid, "id": "__evaluate__", "kind": "evaluate"})
            state = host.get_state(name, sid)
            if state.get("sid") != sid:
                raise EngineError(f"session id collision: got state of {state.get('sid')}")
            if "exception" in state:
                raise EngineError(f"{name}: a rule action failed: {state['exception']}")
        finally:
            with contextlib.suppress(Exception):  # nothing to delete when assertion failed early
                host.delete_state(name, sid)

    def _check_verdicts(self, facts: list[Fact], findings: list[Finding]) -> None:
        counts: dict[str, list[str]] = {}
        for finding in findings:
            if finding.outcome.verdict:
                counts.setdefault(f"{finding.item}/{finding.measure}", []).append(finding.rule_id)
        for fact in facts:
            fired = counts.get(fact.id, [])
            if len(fired) != 1:
                raise EngineError(
                    f"measure {fact.id}: expected one verdict, rules fired: {fired or 'none'}"
                )


def engine_for(rules: RuleSet) -> Engine:
    """The process's engine for this rule set (built once: names cannot be redefined)."""
    with _LOCK:
        if rules.digest not in _ENGINES:
            _ENGINES[rules.digest] = Engine(rules)
        return _ENGINES[rules.digest]
