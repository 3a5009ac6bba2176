"""The rule cache (sxcheck.catalogue.loader): written, then used; invalidated when a rule
file or the sxcheck version changes; never used when corrupt; the same rules either way."""

from __future__ import annotations

import pickle
import shutil
from pathlib import Path

import pytest

import sxcheck
from sxcheck.catalogue import loader
from sxcheck.catalogue.loader import DEFAULT_RULES_DIR, RuleSet, load_rules
from sxcheck.errors import RulesError
from sxcheck.rulecases import run_case


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "cache"
    monkeypatch.setenv("SXCHECK_CACHE_DIR", str(folder))
    monkeypatch.setattr(loader, "_CACHE", {})  # the in-process memo: every load reads again
    return folder


@pytest.fixture
def rules_copy(tmp_path: Path) -> Path:
    copy = tmp_path / "rules"
    shutil.copytree(DEFAULT_RULES_DIR, copy)
    return copy


class Parses:
    """Counts the rule files parsed (every parse goes through loader.parse_with_node)."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.count = 0
        real = loader.parse_with_node

        def counted(*args, **kwargs):
            self.count += 1
            return real(*args, **kwargs)

        monkeypatch.setattr(loader, "parse_with_node", counted)


def _load(root: Path) -> RuleSet:
    loader._CACHE.clear()
    return load_rules(root)


def test_written_then_used(cache: Path, rules_copy: Path, monkeypatch: pytest.MonkeyPatch):
    parses = Parses(monkeypatch)
    first = _load(rules_copy)
    files = list(cache.glob("rules-*.pickle"))
    assert len(files) == 1
    assert parses.count > 0
    written = files[0].stat().st_mtime_ns
    parses.count = 0
    second = _load(rules_copy)
    assert parses.count == 0  # no YAML parsed
    assert files[0].stat().st_mtime_ns == written  # read, not written again
    assert second.digest == first.digest
    assert not list(cache.glob(".rules-*"))  # no temporary file left behind


def test_cases_parsed_only_when_used(cache: Path, rules_copy: Path, monkeypatch):
    parses = Parses(monkeypatch)
    ruleset = _load(rules_copy)
    items = len(ruleset.items)
    # the item cases (lexicon.cases.yaml and the like, beside the catalogue, are the tests')
    cases_files = len(list((rules_copy / "items").rglob("*.cases.yaml")))
    # the catalogue, defaults, lexicon, messages, OCR confusions and one file per item
    assert parses.count == items + 5
    assert "1.1.1" in ruleset.cases
    assert parses.count == items + 5 + cases_files
    assert pickle.loads(pickle.dumps(ruleset)).base_cases.loaded is None  # never cached


def test_invalid_cases_fail_when_used(cache: Path, rules_copy: Path):
    path = next(rules_copy.rglob("1.1.1.cases.yaml"))
    path.write_text(path.read_text(encoding="utf-8").replace("item:", "itemz:", 1), "utf-8")
    ruleset = _load(rules_copy)  # a check needs no cases
    with pytest.raises(RulesError, match="1.1.1.cases.yaml"):
        _ = ruleset.cases
    _, problems = loader.collect(rules_copy)  # `rules validate` reports it
    assert any("1.1.1.cases.yaml" in str(p) for p in problems)


@pytest.mark.parametrize("kind", ["item", "cases", "lexicon", "moved file"])
def test_invalidated_when_a_rule_file_changes(
    cache: Path, rules_copy: Path, monkeypatch: pytest.MonkeyPatch, kind: str
):
    before = _load(rules_copy)
    parses = Parses(monkeypatch)
    if kind == "item":
        path = next(rules_copy.rglob("1.1.1.yaml"))
        text = path.read_text(encoding="utf-8")
        old_name = before.items["1.1.1"].name
        path.write_text(text.replace(old_name, old_name + "（改）", 1), encoding="utf-8")
    elif kind == "cases":
        path = next(rules_copy.rglob("1.1.1.cases.yaml"))
        path.write_text(path.read_text(encoding="utf-8") + "\n# edited\n", encoding="utf-8")
    elif kind == "lexicon":
        path = rules_copy / "lexicon.yaml"
        path.write_text(path.read_text(encoding="utf-8") + "\n# edited\n", encoding="utf-8")
    else:  # the same bytes under another name
        path = next(rules_copy.rglob("1.1.1.yaml"))
        (rules_copy / "items" / "moved").mkdir()
        path.rename(rules_copy / "items" / "moved" / path.name)
    after = _load(rules_copy)
    assert parses.count > 0  # parsed again
    assert after.digest != before.digest
    if kind == "item":
        assert after.items["1.1.1"].name == before.items["1.1.1"].name + "（改）"
    parses.count = 0
    _load(rules_copy)
    assert parses.count == 0  # and the new one is cached


def test_invalidated_when_the_version_changes(cache: Path, rules_copy: Path, monkeypatch):
    _load(rules_copy)
    parses = Parses(monkeypatch)
    monkeypatch.setattr(sxcheck, "__version__", sxcheck.__version__ + ".post1")
    _load(rules_copy)
    assert parses.count > 0


def test_invalid_rules_are_never_cached(cache: Path, rules_copy: Path):
    path = next(rules_copy.rglob("1.1.1.yaml"))
    path.write_text(path.read_text(encoding="utf-8") + "\nunknown_key: 1\n", encoding="utf-8")
    for _ in range(2):
        with pytest.raises(RulesError, match=r"1\.1\.1\.yaml:\d+: unknown_key"):
            _load(rules_copy)
    assert not list(cache.glob("rules-*.pickle"))


@pytest.mark.parametrize(
    "garbage",
    [b"", b"not a pickle at all", pickle.dumps(("wrong key", "not rules")), None],
)
def test_corrupt_cache_is_ignored_and_rewritten(
    cache: Path, rules_copy: Path, monkeypatch: pytest.MonkeyPatch, garbage: bytes | None
):
    fresh = _load(rules_copy)
    (path,) = cache.glob("rules-*.pickle")
    if garbage is None:  # a cut-off file
        garbage = path.read_bytes()[:1000]
    path.write_bytes(garbage)
    parses = Parses(monkeypatch)
    again = _load(rules_copy)
    assert parses.count > 0
    assert again.digest == fresh.digest
    assert path.read_bytes() != garbage  # rewritten
    parses.count = 0
    _load(rules_copy)
    assert parses.count == 0


def test_unwritable_cache_is_only_slower(tmp_path: Path, rules_copy: Path, monkeypatch):
    blocker = tmp_path / "a file"
    blocker.write_text("", encoding="utf-8")
    monkeypatch.setenv("SXCHECK_CACHE_DIR", str(blocker / "cache"))
    assert _load(rules_copy).items


def test_cache_directory(monkeypatch: pytest.MonkeyPatch, tmp_path: Path):
    monkeypatch.setenv("SXCHECK_CACHE_DIR", str(tmp_path / "mine"))
    assert loader.cache_dir() == tmp_path / "mine"
    monkeypatch.delenv("SXCHECK_CACHE_DIR")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert loader.cache_dir() == tmp_path / "xdg" / "sxcheck"
    monkeypatch.delenv("XDG_CACHE_HOME")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert loader.cache_dir() == tmp_path / "home" / ".cache" / "sxcheck"


def test_cached_equals_fresh(cache: Path):
    loader._CACHE.clear()
    load_rules()  # writes the cache
    loader._CACHE.clear()
    cached = load_rules()
    fresh = load_rules(use_cache=False)
    assert cached is not fresh
    assert cached.digest == fresh.digest
    assert cached.root == fresh.root
    assert list(cached.items) == list(fresh.items)
    for item_id, item in fresh.items.items():
        assert cached.items[item_id] == item, item_id
        assert cached.item_files[item_id] == fresh.item_files[item_id]
        assert cached.tree[item_id] == fresh.tree[item_id]
    assert cached.lexicon == fresh.lexicon
    assert cached.messages == fresh.messages
    assert cached.catalogue == fresh.catalogue
    assert cached.defaults == fresh.defaults
    assert cached.ocr_confusions == fresh.ocr_confusions
    assert cached.cases.keys() == fresh.cases.keys()
    for item_id in ("1.1.1", "3.2.1", "5.1.2", "8.1.1"):
        for case in fresh.cases[item_id][1].cases:
            with_cache = run_case(cached, item_id, case)
            without = run_case(fresh, item_id, case)
            assert with_cache.ok == without.ok
            assert with_cache.problems == without.problems
            assert with_cache.judgment == without.judgment
