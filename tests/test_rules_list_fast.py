"""`sxcheck rules list` from the plain listing kept with the rule cache (issue 18).

On a warm cache the command prints from plain strings, importing neither pydantic,
the schema nor PyYAML; its output is the same bytes the loaded rule set gives; the
listing follows the rule files (and the sxcheck version) exactly as the rule cache
does, since both share one key; a corrupt listing is never used.
"""

from __future__ import annotations

import json
import os
import pickle
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import sxcheck
from sxcheck.catalogue import listing, loader
from sxcheck.catalogue.loader import DEFAULT_RULES_DIR, load_rules
from tests.test_cli_startup import _loaded_after

ROOT = Path(__file__).resolve().parents[1]
# what a warm `rules list` must not import: the validated models and the YAML parser
MODELS = (
    "pydantic",
    "pydantic_core",
    "yaml",
    "sxcheck.catalogue.schema",
    "sxcheck.catalogue.loader",
    "sxcheck.catalogue.safeyaml",
    "sxcheck.models",
)


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "cache"
    monkeypatch.setenv("SXCHECK_CACHE_DIR", str(folder))
    monkeypatch.setattr(loader, "_CACHE", {})
    monkeypatch.setattr(loader, "_KEYS", {})
    return folder


@pytest.fixture
def rules_copy(tmp_path: Path) -> Path:
    copy = tmp_path / "rules"
    shutil.copytree(DEFAULT_RULES_DIR, copy)
    return copy


def _full_path(root: Path | None = None) -> str:
    """`rules list` as it was printed before the listing: from the rule set, parsed now."""
    ruleset = load_rules(root, use_cache=False)
    return "".join(
        f"{item_id}\t{ruleset.tree[item_id].first_name}/{ruleset.tree[item_id].second_name}"
        f"\t{item.name}\t{item.kind}\n"
        for item_id, item in ruleset.items.items()
    )


def _cli_rules_list() -> bytes:
    done = subprocess.run(
        [sys.executable, "-m", "sxcheck", "rules", "list"],
        capture_output=True,
        cwd=ROOT,
        timeout=120,
        env={**os.environ, "PYTHONIOENCODING": "utf-8"},
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def _printed(rows: list[listing.Row]) -> str:
    return "".join(
        f"{i}\t{first}/{second}\t{name}\t{kind}\n" for i, first, second, name, kind in rows
    )


def test_warm_output_is_the_full_paths_byte_for_byte(cache: Path):
    cold = _cli_rules_list()  # writes the rule cache and the listing
    assert list(cache.glob("rules-*.listing.json"))
    warm = _cli_rules_list()
    expected = _full_path().encode("utf-8")
    assert cold == expected
    assert warm == expected
    assert len(warm.splitlines()) == 69


def test_warm_rules_list_imports_no_models_and_no_yaml(cache: Path):
    assert _loaded_after(["rules", "list"], ()) == []  # warms the cache
    assert _loaded_after(["rules", "list"], MODELS) == []


def test_a_cold_rules_list_loads_the_rules(cache: Path):
    # nothing cached yet: the rule set is validated as before
    assert "pydantic" in _loaded_after(["rules", "list"], MODELS)


def test_listing_and_rule_cache_share_one_key(cache: Path, rules_copy: Path):
    listing.rule_listing(rules_copy)
    (pickled,) = cache.glob("rules-*.pickle")
    (listed,) = cache.glob("rules-*.listing.json")
    assert pickled.name.removesuffix(".pickle") == listed.name.removesuffix(".listing.json")
    key = pickle.loads(pickled.read_bytes())[0]
    assert json.loads(listed.read_text(encoding="utf-8"))["key"] == key
    assert listing.quick_key(rules_copy) == key


@pytest.mark.parametrize("kind", ["item name", "catalogue name", "new item file", "version"])
def test_listing_follows_the_rules(
    cache: Path, rules_copy: Path, monkeypatch: pytest.MonkeyPatch, kind: str
):
    before = listing.rule_listing(rules_copy)
    assert _printed(before) == _full_path(rules_copy)
    if kind == "item name":
        path = next(rules_copy.rglob("1.1.1.yaml"))
        old = before[0][3]
        path.write_text(path.read_text("utf-8").replace(old, old + "（改）", 1), "utf-8")
    elif kind == "catalogue name":
        path = rules_copy / "catalogue.yaml"
        old = before[0][2]  # the 二级 name of 1.1.1
        path.write_text(path.read_text("utf-8").replace(old, old + "（改）", 1), "utf-8")
    elif kind == "new item file":  # a 特色性指标 in a full rules folder of one's own
        source = next(rules_copy.rglob("1.1.1.yaml")).read_text("utf-8")
        text = source.replace('id: "1.1.1"', 'id: "T.1.1"', 1)
        (rules_copy / "items" / "T").mkdir()
        (rules_copy / "items" / "T" / "T.1.1.yaml").write_text(text, "utf-8")
    else:
        monkeypatch.setattr(sxcheck, "__version__", sxcheck.__version__ + ".post1")
    loader._CACHE.clear()  # a new process: nothing memoised
    after = listing.rule_listing(rules_copy)
    loader._CACHE.clear()
    assert _printed(after) == _full_path(rules_copy)  # the listing is the rules' own
    if kind == "version":
        assert after == before
    else:
        assert after != before
    assert listing.read_listing(rules_copy.resolve(), listing.quick_key(rules_copy.resolve()) or "")
    if kind == "item name":
        assert after[0][3] == before[0][3] + "（改）"
    if kind == "new item file":
        assert after[-1][0] == "T.1.1"


@pytest.mark.parametrize(
    "garbage",
    [b"", b"{not json", b'{"format": 1, "key": "x", "rows": []}', b'{"format": 1}', None],
)
def test_a_corrupt_listing_is_never_used(cache: Path, rules_copy: Path, garbage: bytes | None):
    fresh = listing.rule_listing(rules_copy)
    (path,) = cache.glob("rules-*.listing.json")
    stored = json.loads(path.read_text(encoding="utf-8"))
    if garbage is None:  # the right key over rows of the wrong shape
        stored["rows"] = [["1.1.1", "only two"]]
        garbage = json.dumps(stored).encode()
    path.write_bytes(garbage)
    loader._CACHE.clear()
    assert listing.rule_listing(rules_copy) == fresh
    assert path.read_bytes() != garbage  # rewritten


def test_a_rules_folder_with_a_link_is_listed_through_the_loader(
    cache: Path, rules_copy: Path, tmp_path: Path
):
    # a link is for safeyaml to judge: no quick key, the loader lists it, every time
    outside = tmp_path / "lexicon.yaml"
    shutil.move(rules_copy / "lexicon.yaml", outside)
    (rules_copy / "lexicon.yaml").symlink_to(outside)
    assert listing.quick_key(rules_copy) is None
    for _ in range(2):
        loader._CACHE.clear()
        assert _printed(listing.rule_listing(rules_copy)) == _full_path(rules_copy)


def test_plain_files_are_what_the_loader_finds(rules_copy: Path):
    from sxcheck.catalogue.safeyaml import yaml_files

    (rules_copy / "items" / "notes.txt").write_text("not a rule file", "utf-8")
    (rules_copy / "items" / ".hidden.yaml").write_text("x: 1\n", "utf-8")
    found = [(f.rel, f.data, f.problem) for f in yaml_files(rules_copy, contained=False)]
    assert listing.plain_files(rules_copy) == found


def test_an_unwritable_cache_only_makes_it_slower(
    tmp_path: Path, rules_copy: Path, monkeypatch: pytest.MonkeyPatch
):
    blocker = tmp_path / "a file"
    blocker.write_text("", encoding="utf-8")
    monkeypatch.setenv("SXCHECK_CACHE_DIR", str(blocker / "cache"))
    monkeypatch.setattr(loader, "_CACHE", {})
    assert _printed(listing.rule_listing(rules_copy)) == _full_path(rules_copy)
