"""Load and validate the rule files, reporting problems as `file:line: message`.

The loader is the only way rule data enters sxcheck: it checks every file
against the schema, cross-checks the files against each other (every item of
the catalogue has a rule file, band names exist, cases name real items) and
computes the rules digest recorded in every report.

A validated rule set is kept in the user cache directory (`SXCHECK_CACHE_DIR`,
else `$XDG_CACHE_HOME/sxcheck`, else `~/.cache/sxcheck`), keyed by the bytes of
every rule file, the sxcheck and Python versions and the loader's own code, so
a run reads the files and hashes them but parses nothing when they are
unchanged. The `*.cases.yaml` files (only `rules test` and `rules validate`
need them) are parsed on first use of `RuleSet.cases`. Beside it, under the same
key, a listing of plain strings lets `rules list` answer without importing
pydantic, the schema or PyYAML (sxcheck.catalogue.listing, which computes the key).
"""

from __future__ import annotations

import hashlib
import pickle
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from sxcheck import DEFAULT_RULES_DIR
from sxcheck.catalogue.listing import (
    Row,
    cache_key,
    cache_stem,
    write_cache_file,
    write_listing,
)
from sxcheck.catalogue.listing import cache_dir as cache_dir  # where the cache lives
from sxcheck.catalogue.safeyaml import FoundFile, YamlProblem, parse_yaml, read_regular, yaml_files
from sxcheck.catalogue.schema import (
    Bands,
    CasesFile,
    CatalogueFile,
    DefaultsFile,
    ItemRule,
    Lexicon,
    MessagesFile,
    OcrConfusions,
    Period,
)
from sxcheck.errors import RulesError
from sxcheck.limits import MAX_RULE_FILE_BYTES, MAX_YAML_DEPTH, OCR_MIN_CONFIDENCE

M = TypeVar("M", bound=BaseModel)
_PLAIN = re.compile(r"[\w.\-]{1,40}")


@dataclass
class Problem:
    path: Path
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.message}"


@dataclass
class Tree:
    """Where an item sits: its first- and second-level ids and names."""

    first: str
    first_name: str
    second: str
    second_name: str


class LazyCases:
    """A rules directory's `*.cases.yaml`, parsed on first use (RulesError if invalid).

    Shared by the rule sets made from one loaded set (a profile, own rules);
    never pickled with its parsed content, so the rule cache holds no cases.
    """

    def __init__(
        self,
        files: tuple[Path, ...] = (),
        items: frozenset[str] = frozenset(),
        loaded: dict[str, tuple[Path, CasesFile]] | None = None,
    ) -> None:
        self.files = files
        self.items = items  # the items of the folder the cases must name
        self.loaded = loaded

    def __getstate__(self) -> dict[str, Any]:
        return {"files": self.files, "items": self.items, "loaded": None}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)

    def get(self) -> dict[str, tuple[Path, CasesFile]]:
        if self.loaded is None:
            problems: list[Problem] = []
            cases = parse_cases(self.files, self.items, problems)
            if problems:
                raise RulesError("rule files are invalid:\n" + "\n".join(map(str, problems)))
            self.loaded = cases
        return self.loaded


@dataclass
class RuleSet:
    """Everything loaded from one rules directory, validated."""

    root: Path
    catalogue: CatalogueFile
    defaults: DefaultsFile
    lexicon: Lexicon
    messages: dict[str, str]
    items: dict[str, ItemRule]
    item_files: dict[str, Path]
    base_cases: LazyCases = field(repr=False, compare=False)  # read `cases`
    digest: str
    tree: dict[str, Tree] = field(default_factory=dict)
    # custom (特色性) rule files that failed validation: "file:line: message", item skipped
    skipped: list[str] = field(default_factory=list)
    # items a profile takes out of scoring: id -> the profile's reason
    excluded: dict[str, str] = field(default_factory=dict)
    profile: str | None = None  # "name@digest" of the profile applied
    special_weight: float | None = None  # weight of the 特色性指标 in the total, if any
    # years a profile's evaluation period covers: only figures stated for them (or
    # undated) are compared with a declaration; None: the submission's own year
    period_years: frozenset[int] | None = None
    period: Period | None = None  # the profile's evaluation period, when it gives one
    # characters OCR reads for one another, folded when matching an OCR sentence's keywords
    ocr_confusions: OcrConfusions = field(default_factory=OcrConfusions)
    # an OCR'd figure below this confidence cannot alone pass an item (a profile may set it)
    ocr_min_confidence: float = OCR_MIN_CONFIDENCE
    # cases of the folders of 特色性指标 added to the base (parsed when the folder was read)
    extra_cases: dict[str, tuple[Path, CasesFile]] = field(default_factory=dict)

    @property
    def cases(self) -> dict[str, tuple[Path, CasesFile]]:
        """Item id -> (file, cases): the base folder's, parsed now if not yet, then the added."""
        return {**self.base_cases.get(), **self.extra_cases}

    def bands_for(self, bands: str | Bands | None) -> Bands:
        if isinstance(bands, Bands):
            return bands
        if bands is None:
            raise KeyError("measure has no bands")
        return self.defaults.bands[bands]

    def second_of(self, item_id: str) -> str:
        """Second-level id of an item: `8.1.1` -> `8.1`."""
        return item_id.rsplit(".", 1)[0]


def _node_line(node: yaml.Node | None, loc: tuple[Any, ...]) -> int:
    """Follow a pydantic error location into the YAML node tree for a line number."""
    if node is None:
        return 1
    line = node.start_mark.line + 1
    for part in loc:
        child: yaml.Node | None = None
        if isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                if key.value == part:
                    child = value
                    line = key.start_mark.line + 1
                    break
        elif (
            isinstance(node, yaml.SequenceNode) and isinstance(part, int) and part < len(node.value)
        ):
            child = node.value[part]
        if child is None:
            break
        node = child
        line = node.start_mark.line + 1
    return line


def _read_yaml(
    path: Path, problems: list[Problem], data: bytes | None = None
) -> tuple[Any, yaml.Node | None]:
    """One rule file's data and node tree (for line numbers); (None, None) and a Problem if not.

    Read only as a regular file within MAX_RULE_FILE_BYTES (unless `data` was
    read already), parsed within MAX_YAML_DEPTH, without aliases or duplicate
    keys; a problem gives its line and kind, never the text (sxcheck.catalogue.safeyaml).
    """
    try:
        raw = read_regular(path, MAX_RULE_FILE_BYTES) if data is None else data
        return parse_yaml(raw.decode("utf-8"), MAX_YAML_DEPTH)
    except UnicodeDecodeError:
        problems.append(Problem(path, 1, "not UTF-8 text"))
    except YamlProblem as problem:
        problems.append(Problem(path, problem.line, problem.message))
    return None, None


def parse_with_node(
    path: Path, model: type[M], problems: list[Problem], data: bytes | None = None
) -> tuple[M | None, yaml.Node | None]:
    """Read one YAML file into `model` and keep its node tree; a Problem per schema error."""
    before = len(problems)
    raw, node = _read_yaml(path, problems, data)
    if raw is None and node is None:
        if len(problems) == before:
            problems.append(Problem(path, 1, "empty file"))
        return None, None
    try:
        return model.model_validate(raw), node
    except ValidationError as exc:
        for err in exc.errors():
            loc = tuple(err["loc"])
            # a key is the file's text: shown only when it is a plain name
            where = ".".join(p if _PLAIN.fullmatch(p) else "(a key)" for p in map(str, loc))
            problems.append(
                Problem(path, _node_line(node, loc), f"{where or '(file)'}: {err['msg']}")
            )
        return None, node


def parse_file(
    path: Path, model: type[M], problems: list[Problem], data: bytes | None = None
) -> M | None:
    """Read one YAML file into `model`; append a Problem per schema error."""
    return parse_with_node(path, model, problems, data)[0]


def _digest(files: list[FoundFile]) -> str:
    sha = hashlib.sha256()
    for found in sorted(files, key=lambda f: f.rel):
        if found.data is not None:
            sha.update(found.rel.encode())
            sha.update(b"\0")
            sha.update(found.data)
    return sha.hexdigest()


def parse_cases(
    files: tuple[Path, ...], items: frozenset[str] | set[str], problems: list[Problem]
) -> dict[str, tuple[Path, CasesFile]]:
    """The cases files of a rules folder by item; a Problem for each invalid or unknown one."""
    cases: dict[str, tuple[Path, CasesFile]] = {}
    for path in files:
        parsed = parse_file(path, CasesFile, problems)
        if parsed:
            cases[parsed.item] = (path, parsed)
    for item_id, (path, _) in cases.items():
        if item_id not in items:
            problems.append(Problem(path, 1, f"cases for unknown item {item_id}"))
    return cases


def collect(
    rules_dir: Path, with_cases: bool = True, files: list[FoundFile] | None = None
) -> tuple[RuleSet | None, list[Problem]]:
    """Load a rules directory; return it (or None) and every problem found.

    With with_cases=False the `*.cases.yaml` are only read for the digest and
    parsed on first use of `RuleSet.cases`."""
    problems: list[Problem] = []
    root = rules_dir.resolve()
    if not root.is_dir():
        return None, [Problem(rules_dir, 1, "rules directory not found")]

    catalogue = parse_file(root / "catalogue.yaml", CatalogueFile, problems)
    defaults = parse_file(root / "defaults.yaml", DefaultsFile, problems)
    lexicon = parse_file(root / "lexicon.yaml", Lexicon, problems)
    messages = parse_file(root / "messages.yaml", MessagesFile, problems)
    # optional: a rules folder without it matches OCR text exactly
    confusions_path = root / "ocr_confusions.yaml"
    confusions = (
        parse_file(confusions_path, OcrConfusions, problems)
        if confusions_path.is_file()
        else OcrConfusions()
    )

    items: dict[str, ItemRule] = {}
    item_files: dict[str, Path] = {}
    case_files: list[Path] = []
    # the evaluator's own rules (or those already read)
    all_files = yaml_files(root, contained=False) if files is None else files
    nodes: dict[Path, yaml.Node | None] = {}
    for found in all_files:
        path = found.path
        if found.problem is not None:
            problems.append(Problem(path, 1, found.problem))
            continue
        if path.parent == root:
            continue
        if path.name.endswith(".cases.yaml"):
            case_files.append(path)
            continue
        rule, nodes[path] = parse_with_node(path, ItemRule, problems, found.data)
        if rule is None:
            continue
        if rule.id in items:
            problems.append(
                Problem(path, 1, f"item {rule.id} already defined in {item_files[rule.id]}")
            )
            continue
        if path.stem != rule.id:
            problems.append(Problem(path, 1, f"file name must be the item id: {rule.id}.yaml"))
        items[rule.id] = rule
        item_files[rule.id] = path

    if not (catalogue and defaults and lexicon and messages and confusions):
        return None, problems

    tree: dict[str, Tree] = {}
    seconds = {s.id: (f, s) for f in catalogue.first_levels for s in f.children}
    for item_id, rule in items.items():
        path = item_files[item_id]
        if item_id.startswith("T."):
            tree[item_id] = Tree("T", "特色性指标", "T", "特色性指标")
        elif item_id.rsplit(".", 1)[0] not in seconds:
            problems.append(
                Problem(path, 1, f"item {item_id} has no second level in catalogue.yaml")
            )
        else:
            first, second = seconds[item_id.rsplit(".", 1)[0]]
            tree[item_id] = Tree(first.id, first.name, second.id, second.name)
        for index, measure in enumerate(rule.measures):
            if isinstance(measure.bands, str) and measure.bands not in defaults.bands:
                line = _node_line(nodes.get(path), ("measures", index, "bands"))
                problems.append(
                    Problem(path, line, f"bands '{measure.bands}' is not defined in defaults.yaml")
                )
    base_cases = LazyCases(tuple(case_files), frozenset(items))
    if with_cases:
        base_cases.loaded = parse_cases(base_cases.files, base_cases.items, problems)
    return (
        RuleSet(
            root=root,
            catalogue=catalogue,
            defaults=defaults,
            lexicon=lexicon,
            messages=messages.messages,
            items=dict(sorted(items.items(), key=lambda kv: _sort_key(kv[0]))),
            item_files=item_files,
            base_cases=base_cases,
            digest=_digest(all_files),
            tree=tree,
            ocr_confusions=confusions,
        ),
        problems,
    )


def _sort_key(item_id: str) -> tuple[int, ...]:
    parts = item_id.replace("T", "9").split(".")
    return tuple(int(p) if p.isdigit() else 99 for p in parts)


_CACHE: dict[Path, RuleSet] = {}
_KEYS: dict[Path, str] = {}  # the cache key each memoised rule set was loaded under


def _cache_key(root: Path, files: list[FoundFile]) -> str:
    """Digest of every rule file (names and bytes, unreadable ones by their reason),
    the folder, the sxcheck and Python versions and the loader's code."""
    return cache_key(root, ((found.rel, found.data, found.problem) for found in files))


def _cache_file(root: Path) -> Path:
    return cache_stem(root).with_suffix(".pickle")


def listing_rows(ruleset: RuleSet) -> list[Row]:
    """What `rules list` prints of each item, as plain strings (the listing's rows)."""
    return [
        (
            item_id,
            ruleset.tree[item_id].first_name,
            ruleset.tree[item_id].second_name,
            item.name,
            item.kind,
        )
        for item_id, item in ruleset.items.items()
    ]


def _cached(path: Path, key: str) -> RuleSet | None:
    """The rule set stored under `key`, or None (missing, stale, corrupt: never an error)."""
    try:
        with path.open("rb") as stream:
            stored_key, ruleset = pickle.load(stream)  # noqa: S301 - the user's own cache
    except Exception:  # noqa: BLE001 - a corrupt or unreadable cache is rewritten
        return None
    if stored_key != key or not isinstance(ruleset, RuleSet):
        return None
    return ruleset


def _store(path: Path, key: str, ruleset: RuleSet) -> None:
    """Write the cache atomically; failures are ignored (listing.write_cache_file)."""
    write_cache_file(path, pickle.dumps((key, ruleset), protocol=pickle.HIGHEST_PROTOCOL))


def load_rules(rules_dir: Path | None = None, use_cache: bool = True) -> RuleSet:
    """Load a rules directory or raise RulesError listing every problem.

    The validated set comes from the rule cache when every file is unchanged
    (see cache_dir); otherwise it is parsed, validated and stored there, with
    the listing `rules list` prints. With use_cache=False it is parsed whatever
    is cached, and kept nowhere."""
    return load_rules_keyed(rules_dir, use_cache)[0]


def load_rules_keyed(
    rules_dir: Path | None = None, use_cache: bool = True
) -> tuple[RuleSet, str | None]:
    """load_rules, and the cache key the set was found or stored under (None: not cached)."""
    root = (rules_dir or DEFAULT_RULES_DIR).resolve()
    if use_cache and root in _CACHE:
        return _CACHE[root], _KEYS.get(root)
    key = cache_file = files = None
    if use_cache and root.is_dir():
        files = yaml_files(root, contained=False)
        key = _cache_key(root, files)
        cache_file = _cache_file(root)
        cached = _cached(cache_file, key)
        if cached is not None:
            _CACHE[root], _KEYS[root] = cached, key
            return cached, key
    ruleset, problems = collect(root, with_cases=False, files=files)
    if problems or ruleset is None:
        raise RulesError("rule files are invalid:\n" + "\n".join(str(p) for p in problems))
    if key is not None and cache_file is not None:
        _store(cache_file, key, ruleset)
        write_listing(root, key, listing_rows(ruleset))
        _CACHE[root], _KEYS[root] = ruleset, key
    return ruleset, key
