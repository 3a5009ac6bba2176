"""Read YAML that may be hostile: bounded size and depth, no aliases, no duplicate keys.

`submission.yaml` and a submission's own rule files come from outside. PyYAML
recurses once per nesting level (10,000 `[` end in RecursionError), turns a
5,000-digit integer into a ValueError (Python's int-string limit), lets a
second `indicators:` silently replace the first, and expands aliases into
structures that are exponential to walk. Here one pass of libyaml's event
parser (the C one when available) builds the node tree iteratively, refusing
each of those with the line it sits on; construction then runs on that tree,
so the text is parsed once. Every failure is a YamlProblem: a line and a
problem kind, never the offending text (a YAML message may quote it, and the
file may be a link to something that is not the submission's).
"""

from __future__ import annotations

import os
import re
import stat
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from yaml.constructor import SafeConstructor
from yaml.events import (
    AliasEvent,
    CollectionEndEvent,
    DocumentEndEvent,
    DocumentStartEvent,
    MappingStartEvent,
    ScalarEvent,
    SequenceStartEvent,
    StreamEndEvent,
    StreamStartEvent,
)
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode
from yaml.resolver import Resolver

from sxcheck.limits import (
    MAX_NUMBER_DIGITS,
    MAX_PATH_DEPTH,
    MAX_RULE_FILE_BYTES,
    MAX_RULE_FILES,
    MAX_YAML_DEPTH,
)

# the event parser only; libyaml's when PyYAML was built with it
_Loader: Any = getattr(yaml, "CSafeLoader", None) or yaml.SafeLoader
_NUMBER_TAGS = ("tag:yaml.org,2002:int", "tag:yaml.org,2002:float")
# what PyYAML quotes of the text: a tag, a name, a character (one or two are syntax: ',')
_QUOTED = re.compile(r"\s*(?:'[^']{3,}'|\"[^\"]{3,}\")")
_SHOWN_KEY = re.compile(r"[\w.\-]{1,40}")


class YamlProblem(Exception):
    """Why a YAML text cannot be used: a 1-based line and a message without its content."""

    def __init__(self, line: int, message: str) -> None:
        super().__init__(f"{line}: {message}")
        self.line = line
        self.message = message


def read_regular(path: os.PathLike[str] | str, limit: int, follow: bool = True) -> bytes:
    """The bytes of a regular file of at most `limit` bytes.

    Opened without blocking (a FIFO would hang a plain open) and checked
    after opening, so a device (/dev/zero) or FIFO is refused, and at most
    limit + 1 bytes are ever read whatever the size says. With follow=False a
    link put in the file's place after it was checked is not followed either.
    """
    flags = os.O_RDONLY | os.O_NONBLOCK | (0 if follow else os.O_NOFOLLOW)
    try:
        fd = os.open(path, flags)
    except OSError as exc:
        raise YamlProblem(1, f"cannot read ({exc.strerror})") from None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise YamlProblem(1, f"not a regular file ({file_kind(info.st_mode)})")
        if info.st_size > limit:
            raise YamlProblem(1, f"larger than {limit:,} bytes ({info.st_size:,})")
        with os.fdopen(fd, "rb", closefd=False) as stream:
            data = stream.read(limit + 1)
    except OSError as exc:
        raise YamlProblem(1, f"cannot read ({exc.strerror})") from None
    finally:
        os.close(fd)
    if len(data) > limit:
        raise YamlProblem(1, f"larger than {limit:,} bytes")
    return data


def file_kind(mode: int) -> str:
    """What a file that is not a regular file is, for a message."""
    for test, name in (
        (stat.S_ISFIFO, "a FIFO"),
        (stat.S_ISCHR, "a character device"),
        (stat.S_ISBLK, "a block device"),
        (stat.S_ISSOCK, "a socket"),
        (stat.S_ISDIR, "a folder"),
        (stat.S_ISLNK, "a symbolic link"),
    ):
        if test(mode):
            return name
    return "not a regular file"


def _problem_kind(exc: Exception) -> str:
    """PyYAML's problem without what it quotes of the text (characters, tags, names)."""
    problem = getattr(exc, "problem", None) or getattr(exc, "reason", None) or "invalid YAML"
    text = _QUOTED.sub("", str(problem)).replace("\n", " ").strip()
    return text[:120] or "invalid YAML"


def _line_of(exc: Exception, text: str) -> int:
    mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
    if mark is not None:
        return int(mark.line) + 1
    position = getattr(exc, "position", None)  # a ReaderError: a character offset
    if isinstance(position, int):
        return text.count("\n", 0, position) + 1
    return 1


def _key_shown(node: Node) -> str:
    value = str(node.value) if isinstance(node, ScalarNode) else ""
    return f"'{value}'" if _SHOWN_KEY.fullmatch(value) else "(a key)"


def _check_number(node: ScalarNode) -> None:
    if node.tag in _NUMBER_TAGS and sum(c.isdigit() for c in node.value) > MAX_NUMBER_DIGITS:
        raise YamlProblem(
            node.start_mark.line + 1, f"a number with more than {MAX_NUMBER_DIGITS} digits"
        )


class _Frame:
    """A mapping or sequence being built: its node and, for a mapping, the pending key."""

    __slots__ = ("key", "keys", "node")

    def __init__(self, node: MappingNode | SequenceNode) -> None:
        self.node = node
        self.key: Node | None = None
        self.keys: dict[tuple[str, str], int] = {}

    def add(self, child: Node) -> None:
        if isinstance(self.node, SequenceNode):
            self.node.value.append(child)
        elif self.key is None:
            self.key = child
        else:
            key, self.key = self.key, None
            if isinstance(key, ScalarNode):
                ident = (key.tag, key.value)
                if ident in self.keys:
                    raise YamlProblem(
                        key.start_mark.line + 1,
                        f"duplicate key {_key_shown(key)} (first at line {self.keys[ident]})",
                    )
                self.keys[ident] = key.start_mark.line + 1
            self.node.value.append((key, child))


def _compose(parser: Any, max_depth: int) -> Node | None:
    """The single document's node tree, built without recursion."""
    resolver = Resolver()
    first: Any = parser.get_event()
    if not isinstance(first, StreamStartEvent):
        raise YamlProblem(1, "invalid YAML")
    if parser.check_event(StreamEndEvent):
        return None
    parser.get_event()  # DocumentStartEvent
    stack: list[_Frame] = []
    root: Node | None = None
    while True:
        event: Any = parser.get_event()
        start: Any = event.start_mark  # libyaml's Mark or PyYAML's: the same fields
        end: Any = event.end_mark
        line = start.line + 1
        node: Node | None = None
        if isinstance(event, AliasEvent):
            raise YamlProblem(line, "aliases (*name) are not supported")
        if isinstance(event, ScalarEvent):
            tag = event.tag
            if tag is None or tag == "!":
                tag = resolver.resolve(ScalarNode, event.value, event.implicit)
            node = ScalarNode(tag, event.value, start, end, event.style)
            _check_number(node)
        elif isinstance(event, (SequenceStartEvent, MappingStartEvent)):
            if len(stack) >= max_depth:
                raise YamlProblem(line, f"nested more than {max_depth} levels deep")
            kind = SequenceNode if isinstance(event, SequenceStartEvent) else MappingNode
            tag = event.tag
            if tag is None or tag == "!":
                tag = resolver.resolve(kind, None, event.implicit)
            collection = kind(tag, [], start, end, flow_style=event.flow_style)
            stack.append(_Frame(collection))
            continue
        elif isinstance(event, CollectionEndEvent):
            frame = stack.pop()
            frame.node.end_mark = end
            node = frame.node
        elif isinstance(event, DocumentEndEvent):
            break
        if node is None:
            raise YamlProblem(line, "invalid YAML")
        if stack:
            stack[-1].add(node)
        else:
            root = node
    if isinstance(parser.peek_event(), DocumentStartEvent):
        line = parser.peek_event().start_mark.line + 1
        raise YamlProblem(line, "expected a single document (found another '---')")
    return root


class _Constructor(SafeConstructor):
    """SafeConstructor that turns any failure of one value into a YamlProblem at its line."""

    def construct_object(self, node: Node, deep: bool = False) -> Any:
        try:
            return super().construct_object(node, deep)
        except (YamlProblem, yaml.YAMLError):
            raise
        except Exception:  # noqa: BLE001 - a date such as 2024-13-45, an overflow
            raise YamlProblem(node.start_mark.line + 1, "a value that cannot be read") from None


def parse_yaml(text: str, max_depth: int = MAX_YAML_DEPTH) -> tuple[Any, Node | None]:
    """The data and node tree (for line numbers) of one YAML document, or a YamlProblem."""
    try:
        parser = _Loader(text)
        try:
            node = _compose(parser, max_depth)
        finally:
            parser.dispose()
        if node is None:
            return None, None
        return _Constructor().construct_document(node), node
    except YamlProblem:
        raise
    except yaml.YAMLError as exc:
        kind = f"invalid YAML: {_problem_kind(exc)}"
        if "nesting depth" in kind:  # libyaml's own bound (1,000), met before ours
            kind = f"nested more than {max_depth} levels deep"
        raise YamlProblem(_line_of(exc, text), kind) from None
    except RecursionError:
        raise YamlProblem(1, f"nested more than {max_depth} levels deep") from None


@dataclass
class FoundFile:
    """A `.yaml` file of a rules folder: its bytes, or why it was not read."""

    path: Path  # as found in the folder (folder / rel), for messages
    rel: str  # POSIX, relative to the folder
    data: bytes | None = None
    problem: str | None = None


def _inside(real: str, root: str) -> bool:
    return real == root or real.startswith(root.rstrip(os.sep) + os.sep)


def _found(folder: Path, full: Path, root: str, limit: int, contained: bool) -> FoundFile:
    """Read one entry of a rules folder only when it is a regular file (inside it, if contained)."""
    found = FoundFile(full, full.relative_to(folder).as_posix())
    try:
        info = os.lstat(full)
        target = str(full)
        if stat.S_ISLNK(info.st_mode):
            target = os.path.realpath(full)
            if contained and not _inside(target, root):
                found.problem = "a symbolic link to outside the rules folder (not read)"
                return found
            info = os.stat(target)
    except OSError as exc:
        found.problem = f"cannot read ({exc.strerror}; not read)"
        return found
    if not stat.S_ISREG(info.st_mode):
        found.problem = f"{file_kind(info.st_mode)}, not a regular file (not read)"
    elif contained and info.st_nlink > 1:
        found.problem = f"a hard link ({info.st_nlink} names for one file; not read)"
    else:
        try:
            found.data = read_regular(target, limit, follow=False)
        except YamlProblem as problem:
            found.problem = f"{problem.message} (not read)"
    return found


def yaml_files(
    folder: Path,
    limit: int = MAX_RULE_FILE_BYTES,
    max_files: int = MAX_RULE_FILES,
    contained: bool = True,
) -> list[FoundFile]:
    """Every `.yaml` file under `folder`, sorted, each read or with the reason it was not.

    A rules folder may come inside a submission: a link to /dev/zero, to a
    FIFO or to a file outside it, a hard link or a huge file is listed with
    its reason and never read; links to folders are not followed. With
    contained=False (the built-in rules, or a replacement the evaluator names,
    which installers may hard-link or link elsewhere) links to regular files
    anywhere and hard links are read; devices, FIFOs and sizes are still refused.
    """
    root = os.path.realpath(folder)
    found: list[FoundFile] = []
    base_depth = len(folder.parts)
    for dirpath, dirnames, filenames in os.walk(folder, followlinks=False):
        here = Path(dirpath)
        dirnames.sort()
        for name in list(dirnames):
            if (here / name).is_symlink() or len((here / name).parts) - base_depth > MAX_PATH_DEPTH:
                dirnames.remove(name)
                if (here / name).is_symlink():
                    rel = (here / name).relative_to(folder).as_posix()
                    found.append(
                        FoundFile(
                            here / name, rel, problem="a symbolic link to a folder (not followed)"
                        )
                    )
        for name in sorted(filenames):
            if not name.endswith(".yaml"):
                continue
            if sum(f.data is not None for f in found) >= max_files:
                found.append(
                    FoundFile(
                        here / name,
                        (here / name).relative_to(folder).as_posix(),
                        problem=f"more than {max_files} rule files in the folder (not read)",
                    )
                )
                return sorted(found, key=lambda f: f.rel)
            found.append(_found(folder, here / name, root, limit, contained))
    return sorted(found, key=lambda f: f.rel)
