"""The problems of a declaration, told in Chinese and all at once.

A city fixing its `submission.yaml` or `submission.xlsx` should not have to
run the check once per mistake: every problem validation finds is gathered
(file:line, or sheet!cell) and raised as one SubmissionError. One problem is
one line, as before; several are a first line saying how many, then one line
each, so the CLI (which prints an SxcheckError's lines as they are) needs no
change. Near-miss keys, IDs and options get a "是否为 …？" from difflib.

A problem that stops the reading itself (invalid YAML, a duplicate key, a
damaged workbook, a safeguard) ends the run alone: nothing after it can be
trusted to be read as the user meant.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from sxcheck.declared import FIELD_NAMES, field_name, percent_hint
from sxcheck.errors import SubmissionError

__all__ = ["FIELD_NAMES", "field_name", "percent_hint"]

MAX_LISTED = 50  # a form with 10,000 bad cells gets a readable message, not 10,000 lines

TOP_KEYS = ("region", "level", "year", "parent", "indicators")
LEVEL_WORDS = {
    "city": "city",
    "county": "county",
    "市级": "city",
    "县级": "county",
    "市": "city",
    "县": "county",
}
LEVEL_EXPECTED = "层级应为 city（市级）或 county（县级）"
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029\u200b-\u200f\u202a-\u202e]")


def short_text(value: object) -> str:
    """A value for a message: short, and without control characters."""
    text = _CONTROL.sub("", str(value).strip())
    return text if len(text) <= 30 else text[:30] + "…"


def suggest(word: str, choices: Iterable[str]) -> str:
    """'（是否为 2.5.1？）' when `choices` hold a near miss of `word`, else ''.

    Item IDs tie often (2.5.9 is as close to 2.5.1 as to 2.5.4): every
    candidate of the best score is named, up to three, rather than one at random.
    """
    options = sorted(set(choices))
    matcher = difflib.SequenceMatcher(b=word.casefold())  # 手机app is a near miss of 手机APP
    scored = []
    for option in options:
        matcher.set_seq1(option.casefold())
        if matcher.real_quick_ratio() >= 0.6 and matcher.quick_ratio() >= 0.6:
            score = matcher.ratio()
            if score >= 0.6:
                scored.append((score, option))
    if not scored:
        return ""
    best = max(score for score, _ in scored)
    close = [option for score, option in scored if score == best][:3]
    return f"（是否为 {'、'.join(close)}？）"


_LINE = re.compile(r":(\d+)$")
_CELL = re.compile(r":(基本信息|自评表)(?:!\D*(\d+))?$")


def _order(where: str) -> tuple[int, int]:
    """Reading order: by line of the YAML; 基本信息 before 自评表, by row, in the form."""
    if match := _LINE.search(where):
        return 0, int(match.group(1))
    if match := _CELL.search(where):
        return (1 if match.group(1) == "基本信息" else 2), int(match.group(2) or 0)
    return 0, 0


@dataclass
class Problems:
    """The problems found in one declaration file, in the order they should be read."""

    file: str  # submission.yaml or submission.xlsx
    found: list[tuple[tuple[int, int], str]] = field(default_factory=list)  # (order, line)

    def add(self, where: str, message: str) -> None:
        self.found.append((_order(where), f"{where}: {message}"))

    def has(self, where: str) -> bool:
        """A problem is already noted at this place (a bad cell is not also "missing")."""
        return any(line.startswith(f"{where}: ") for _, line in self.found)

    def __bool__(self) -> bool:
        return bool(self.found)

    def error(self) -> SubmissionError:
        """One SubmissionError: one line for one problem, else a count and a line each."""
        lines = [line for _, line in sorted(self.found, key=lambda pair: pair[0])]
        if len(lines) == 1:
            return SubmissionError(lines[0])
        shown = [f"  {line}" for line in lines[:MAX_LISTED]]
        if len(lines) > MAX_LISTED:
            shown.append(f"  …另有 {len(lines) - MAX_LISTED} 处错误未列出")
        return SubmissionError("\n".join([f"{self.file} 有 {len(lines)} 处错误：", *shown]))

    def raise_if_any(self) -> None:
        if self.found:
            raise self.error()


# safeyaml's and read_regular's problems (shared with the rule files, so in English there)
_YAML_MESSAGES: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(pattern), chinese)
    for pattern, chinese in (
        (r"duplicate key '(.+)' \(first at line (\d+)\)", r"键 \1 重复（第一次在第 \2 行）"),
        (r"duplicate key \(a key\) \(first at line (\d+)\)", r"键重复（第一次在第 \1 行）"),
        (r"nested more than (\d+) levels deep", r"嵌套超过 \1 层（安全限制）"),
        (r"a number with more than (\d+) digits", r"数字超过 \1 位"),
        (r"aliases \(\*name\) are not supported", "不支持别名（*name），请直接写出取值"),
        (r"expected a single document.*", "只能有一个文档（发现了第二个 '---'）"),
        (r"a value that cannot be read", "有一个取值无法读取（如不存在的日期）"),
        (r"larger than ([\d,]+) bytes \(([\d,]+)\)", r"文件过大（\2 字节，上限 \1 字节）"),
        (r"larger than ([\d,]+) bytes", r"文件过大（上限 \1 字节）"),
        (r"not a regular file \((.+)\)", r"不是普通文件（\1），未读取"),
        (r"cannot read \((.+)\)", r"无法读取（\1）"),
        (r"invalid YAML: could not determine a constructor.*", "YAML 格式错误（不支持的标签 !!…）"),
        (
            r"invalid YAML: mapping values are not allowed.*",
            "YAML 格式错误（此处不能有冒号，含冒号的值请加引号）",
        ),
        (r"invalid YAML: could not find expected ':'", "YAML 格式错误（缺少冒号 ':'）"),
        (r"invalid YAML: did not find expected key", "YAML 格式错误（缩进不一致或缺少键）"),
        (r"invalid YAML: did not find expected ',.*[\]}].*", "YAML 格式错误（括号未闭合）"),
        (
            r"invalid YAML: found character that cannot start any token",
            "YAML 格式错误（有不能出现在此处的字符，如制表符）",
        ),
        (r"invalid YAML: found a tab character.*", "YAML 格式错误（缩进不能用制表符）"),
        (r"invalid YAML: (.+)", r"YAML 格式错误（\1）"),
        (r"invalid YAML", "YAML 格式错误"),
    )
)


def yaml_message(message: str) -> str:
    """A safeyaml problem in Chinese (its English text kept when not recognised)."""
    for pattern, chinese in _YAML_MESSAGES:
        if pattern.fullmatch(message):
            return pattern.sub(chinese, message)
    return message
