"""Decisions (复核意见) in bulk: a YAML file, or the XLSX report a reviewer filled in Excel.

A reviewer works in Excel: `sxcheck show RUN --report r.xlsx` writes the 评价结果
sheet with an empty block of columns to fill (复核结论, 复核理由, 复核人, 角色,
有效期至) and the run it came from in 运行信息, so the file read back says which
run's judgments were reviewed. A YAML file says the same by hand (`run:` optional,
`by:`/`role:` defaults for every entry). Like `submission.yaml`, every problem of
the file is gathered (file:line, or sheet!cell) and raised as one error in Chinese,
so the reviewer fixes them all at once. Nothing here touches the store: the caller
checks the run and the item IDs against the stored report and records the entries.
"""

from __future__ import annotations

import io
import warnings
import zipfile
import zlib
from datetime import date, datetime
from pathlib import Path
from typing import Any, Literal
from xml.parsers import expat

from pydantic import BaseModel
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from sxcheck.catalogue.loader import _node_line
from sxcheck.catalogue.safeyaml import YamlProblem, parse_yaml, read_regular
from sxcheck.errors import SxcheckError
from sxcheck.ingest.manifest_errors import Problems, short_text, yaml_message
from sxcheck.limits import MiB

DECISION_STATUSES = ("pass", "partial", "fail", "not_applicable", "confirm")
ROLES = ("reviewer", "auditor")
# what a reviewer may write instead of the codes (the report's own words)
STATUS_WORDS = {
    "达标": "pass",
    "部分达标": "partial",
    "未达标": "fail",
    "不适用": "not_applicable",
    "确认": "confirm",
    "维持": "confirm",
}
ROLE_WORDS = {"复核人": "reviewer", "审核人": "auditor"}
RESULTS_SHEET = "评价结果"
RUN_SHEET = "运行信息"
RUN_LABEL = "运行编号"
REVIEW_SHOWN = ["复核状态", "复核意见"]  # written by the report, ignored on reading
REVIEW_INPUT = ["复核结论", "复核理由", "复核人", "角色", "有效期至"]  # filled by the reviewer
MAX_FILE_BYTES = 64 * MiB  # a report with every quote of a large city
MAX_UNPACKED_BYTES = 512 * MiB
MAX_ROWS = 5_000  # 评价结果 has one row per item (about 70)
YAML_KEYS = ("run", "by", "role", "decisions")
ENTRY_KEYS = ("item", "status", "reason", "by", "role", "expires")


class Entry(BaseModel):
    """One decision read from a file, not yet recorded: `where` is its place in the file
    (for the caller's messages, such as an item the run does not have)."""

    item: str
    status: Literal["pass", "partial", "fail", "not_applicable", "confirm"]
    reason: str
    by: str
    role: Literal["reviewer", "auditor"] = "reviewer"
    expires: str | None = None  # ISO date: the decision holds through that day
    where: str = ""


def read_decisions(path: Path, today: date | None = None) -> tuple[str | None, list[Entry]]:
    """The run a decisions file names (None: a YAML file without `run:`) and its
    entries; every problem of the file in one SxcheckError."""
    today = today or date.today()
    suffix = path.suffix.lower()
    if suffix == ".xlsx":
        return _read_xlsx(path, today)
    if suffix in (".yaml", ".yml"):
        return _read_yaml(path, today)
    raise SxcheckError(f"{path.name}: 复核意见文件应为 .yaml 或 .xlsx（sxcheck 的 XLSX 报告）")


def _text(value: Any) -> str:
    """A cell or YAML value as text: nothing for None, 3 for a whole 3.0 (Excel's numbers)."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _status(value: Any) -> str | None:
    text = _text(value)
    return STATUS_WORDS.get(text) or (text.lower() if text.lower() in DECISION_STATUSES else None)


def _role(value: Any) -> str | None:
    text = _text(value)
    if not text:
        return "reviewer"
    return ROLE_WORDS.get(text) or (text.lower() if text.lower() in ROLES else None)


def _expires(value: Any, today: date) -> tuple[str | None, str | None]:
    """(ISO date, problem): a date cell, a YAML date or a YYYY-MM-DD text; not in the past."""
    if value is None or _text(value) == "":
        return None, None
    if isinstance(value, datetime):
        day = value.date()
    elif isinstance(value, date):
        day = value
    else:
        try:  # a text cell: 2026-06-30, or 2026-06-30 00:00:00 as some editors write it
            day = datetime.fromisoformat(value.strip() if isinstance(value, str) else "").date()
        except ValueError:
            return None, f"有效期应为日期 YYYY-MM-DD，而不是 '{short_text(value)}'"
    if day < today:
        return None, f"有效期 {day.isoformat()} 已过去：应为今天或以后"
    return day.isoformat(), None


def _entry(
    problems: Problems,
    places: dict[str, str],
    fields: dict[str, Any],
    seen: dict[str, str],
    today: date,
) -> Entry | None:
    """One entry from its raw fields, each problem noted at the field's place."""
    ok = True
    item = _text(fields.get("item"))
    if not item:
        problems.add(places["item"], "缺少指标项编号")
        ok = False
    elif item in seen:
        problems.add(places["item"], f"指标项 {short_text(item)} 重复（第一次在 {seen[item]}）")
        ok = False
    else:
        seen[item] = places["item"]
    status = _status(fields.get("status"))
    if status is None:
        problems.add(
            places["status"],
            f"复核结论 '{short_text(fields.get('status'))}' 无效："
            f"应为 {'、'.join(DECISION_STATUSES)} 之一",
        )
        ok = False
    reason = _text(fields.get("reason"))
    if not reason:
        problems.add(places["reason"], "复核意见须写明理由（复核理由不能为空）")
        ok = False
    by = _text(fields.get("by"))
    if not by:
        problems.add(places["by"], "复核意见须写明复核人")
        ok = False
    role = _role(fields.get("role"))
    if role is None:
        problems.add(
            places["role"],
            f"角色 '{short_text(fields.get('role'))}' 无效：应为 reviewer 或 auditor",
        )
        ok = False
    expires, problem = _expires(fields.get("expires"), today)
    if problem:
        problems.add(places["expires"], problem)
        ok = False
    if not ok:
        return None
    return Entry(
        item=item,
        status=status,  # type: ignore[arg-type]
        reason=reason,
        by=by,
        role=role,  # type: ignore[arg-type]
        expires=expires,
        where=places["item"],
    )


def _child(node: Node | None, *loc: Any) -> Node | None:
    """The node at `loc` (mapping keys, sequence indexes), or None."""
    for part in loc:
        if isinstance(node, MappingNode):
            node = next((v for k, v in node.value if k.value == part), None)
        elif isinstance(node, SequenceNode) and isinstance(part, int) and part < len(node.value):
            node = node.value[part]
        else:
            return None
    return node


def _scalar(node: Node | None, key: str, value: Any) -> Any:
    """A run id or item ID as written: YAML would read 012345 as an octal number and
    2.10 as 2.1, so a plain scalar's own text is taken."""
    child = _child(node, key)
    if (
        isinstance(child, ScalarNode)
        and isinstance(value, int | float)
        and not isinstance(value, bool)
    ):
        return child.value
    return value


def _read_yaml(path: Path, today: date) -> tuple[str | None, list[Entry]]:
    name = path.name
    try:
        text = read_regular(path, MAX_FILE_BYTES).decode("utf-8-sig")
    except YamlProblem as problem:
        raise SxcheckError(f"{name}: {yaml_message(problem.message)}") from None
    except UnicodeDecodeError:
        raise SxcheckError(f"{name}: 不是 UTF-8 编码的文本（请以 UTF-8 保存）") from None
    try:
        data, node = parse_yaml(text)
    except YamlProblem as problem:
        raise SxcheckError(f"{name}:{problem.line}: {yaml_message(problem.message)}") from None
    if not isinstance(data, dict):
        raise SxcheckError(f"{name}: 应为一个映射（run、by、role、decisions）")
    problems = Problems(name)

    def at(*loc: Any) -> str:
        return f"{name}:{_node_line(node, loc)}"

    for key in data:
        if key not in YAML_KEYS:
            problems.add(at(key), f"未知的键 '{short_text(key)}'：应为 {'、'.join(YAML_KEYS)}")
    run = _scalar(node, "run", data.get("run"))
    if run is not None and (isinstance(run, bool) or not _text(run)):
        problems.add(at("run"), "run 应为运行编号、其前缀、latest 或地区名")
    decisions = data.get("decisions")
    entries: list[Entry] = []
    if not isinstance(decisions, list) or not decisions:
        problems.add(at("decisions") if "decisions" in data else at(), "缺少 decisions 列表")
        decisions = []
    seen: dict[str, str] = {}
    for index, raw in enumerate(decisions):
        if not isinstance(raw, dict):
            problems.add(
                at("decisions", index), "每条复核意见应为一个映射（item、status、reason…）"
            )
            continue
        for key in raw:
            if key not in ENTRY_KEYS:
                problems.add(
                    at("decisions", index, key),
                    f"未知的键 '{short_text(key)}'：应为 {'、'.join(ENTRY_KEYS)}",
                )
        fields = {"by": data.get("by"), "role": data.get("role"), **raw}
        if "item" in raw:
            fields["item"] = _scalar(_child(node, "decisions", index), "item", raw["item"])
        places = {
            key: at("decisions", index, key)
            if key in raw
            else (at(key) if key in data else at("decisions", index))
            for key in ENTRY_KEYS
        }
        entry = _entry(problems, places, fields, seen, today)
        if entry is not None:
            entries.append(entry)
    problems.raise_if_any()
    return (_text(run) if run is not None else None), entries


class _Dtd(Exception):
    """An XML part declares a DTD or an entity: refused before any parser expands it."""


def _refuse_dtd(*_: Any) -> None:
    raise _Dtd


def _check_xml(archive: zipfile.ZipFile, info: zipfile.ZipInfo, name: str) -> None:
    """One XML part streamed through expat: well-formed and without a DTD (openpyxl
    would parse it with the standard library's XML, which expands internal entities)."""
    parser = expat.ParserCreate()
    parser.StartDoctypeDeclHandler = _refuse_dtd
    parser.EntityDeclHandler = _refuse_dtd
    try:
        with archive.open(info) as stream:
            while chunk := stream.read(1 << 20):
                parser.Parse(chunk, False)
            parser.Parse(b"", True)
    except _Dtd:
        raise SxcheckError(f"{name}: 工作簿的部件声明了 DTD 或实体，未读取") from None
    except expat.ExpatError:
        raise SxcheckError(f"{name}: 工作簿的部件不是格式正确的 XML") from None
    except (RuntimeError, NotImplementedError, zipfile.BadZipFile, zlib.error, OSError):
        raise SxcheckError(f"{name}: 工作簿已损坏或已加密") from None


def _workbook_bytes(path: Path) -> bytes:
    """The file, bounded in size and (as a zip) unpacked size, its XML parts checked,
    before openpyxl sees it: the file comes back from outside, after Excel."""
    name = path.name
    try:
        data = read_regular(path, MAX_FILE_BYTES)
    except YamlProblem as problem:
        raise SxcheckError(f"{name}: {yaml_message(problem.message)}") from None
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            infos = archive.infolist()
            if sum(info.file_size for info in infos) > MAX_UNPACKED_BYTES:
                raise SxcheckError(
                    f"{name}: 解压后超过 {MAX_UNPACKED_BYTES // MiB} MiB（安全限制）"
                )
            for info in infos:
                if not info.is_dir() and info.filename.lower().endswith((".xml", ".rels")):
                    _check_xml(archive, info, name)
    except (zipfile.BadZipFile, OSError, ValueError, EOFError):
        raise SxcheckError(f"{name}: 不是可读取的 Excel 工作簿（不是 zip 格式）") from None
    return data


def _column(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def _read_xlsx(path: Path, today: date) -> tuple[str | None, list[Entry]]:
    name = path.name
    data = _workbook_bytes(path)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # openpyxl warns about styles and data validation
        from openpyxl import load_workbook

        try:
            book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        except Exception:  # noqa: BLE001 - a zip whose parts are not a workbook's
            raise SxcheckError(f"{name}: 不是可读取的 Excel 工作簿") from None
        try:
            return _read_book(book, name, today)
        finally:
            book.close()


def _read_book(book: Any, name: str, today: date) -> tuple[str | None, list[Entry]]:
    for sheet in (RESULTS_SHEET, RUN_SHEET):
        if sheet not in book.sheetnames:
            raise SxcheckError(
                f"{name}: 没有工作表“{sheet}”（应为 sxcheck show --report 写出的 XLSX 报告）"
            )
    problems = Problems(name)
    run: str | None = None
    for row in book[RUN_SHEET].iter_rows(max_col=2, max_row=200, values_only=True):
        if row and _text(row[0]) == RUN_LABEL and len(row) > 1:
            run = _text(row[1]) or None
    if run is None:
        problems.add(f"{name}:{RUN_SHEET}", f"没有“{RUN_LABEL}”行，无法确定所复核的运行")
    rows = book[RESULTS_SHEET].iter_rows(max_row=MAX_ROWS + 1, values_only=True)
    header = [_text(v) for v in next(rows, ())]
    columns = {title: index for index, title in reversed(list(enumerate(header)))}
    wanted = {"ID": "item", **dict(zip(REVIEW_INPUT, ENTRY_KEYS[1:], strict=True))}
    missing = [title for title in wanted if title not in columns]
    if missing:
        problems.add(
            f"{name}:{RESULTS_SHEET}!1",
            f"表头没有“{'”“'.join(missing)}”列（应为 sxcheck show --report 写出的 XLSX 报告）",
        )
        raise problems.error()
    entries: list[Entry] = []
    seen: dict[str, str] = {}
    for number, values in enumerate(rows, start=2):
        if number > MAX_ROWS:
            problems.add(f"{name}:{RESULTS_SHEET}!{number}", f"超过 {MAX_ROWS:,} 行（安全限制）")
            break
        fields = {
            key: values[columns[title]] if columns[title] < len(values) else None
            for title, key in wanted.items()
        }
        if not _text(fields["status"]):
            filled = [
                t for t, k in wanted.items() if k not in ("item", "status") and _text(fields[k])
            ]
            if filled:
                problems.add(
                    f"{name}:{RESULTS_SHEET}!{_column(columns['复核结论'])}{number}",
                    f"填写了“{'”“'.join(filled)}”但未填写复核结论",
                )
            continue
        places = {
            key: f"{name}:{RESULTS_SHEET}!{_column(columns[title])}{number}"
            for title, key in wanted.items()
        }
        entry = _entry(problems, places, fields, seen, today)
        if entry is not None:
            entries.append(entry)
    problems.raise_if_any()
    return run, entries
