"""Issue 13: fuzz the declaration and the file names through the real pipeline.

Whatever `submission.yaml`, `submission.xlsx` or an evidence file's name
holds, `pipeline.check` (no store) returns a report or raises an
SxcheckError of one line; no other exception, nothing multi-line. The
engine crashes that this fuzz first ran into (SIGSEGV in durable_rules) are
pinned in a subprocess by tests/test_hostile_engine.py; here they would end
pytest, so this file relies on that fix. Bounded to well under a minute.
"""

from __future__ import annotations

import math
import os
import shutil
import tempfile
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from sxcheck.errors import SxcheckError
from sxcheck.models import Report
from sxcheck.pipeline import check

from .conftest import run_cli


def fuzz(examples: int) -> settings:
    """Bounded runs (the whole file well under a minute), no example database in the repo."""
    return settings(
        max_examples=examples,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
        database=None,
    )


hostile_text = st.one_of(
    st.text(max_size=40),
    st.text(
        alphabet=st.sampled_from("\"\\\n\r\t\x00\x1b\x07\u202e\u2028<>&='$#:{}[]"), max_size=20
    ),
    st.builds(lambda c, n: c * n, st.characters(), st.integers(150, 5_000)),
)
numbers = st.one_of(
    st.integers(min_value=-(10**40), max_value=10**40),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from([10**400, 1e-05, 1e16, 2024.9, -0.0, 0, 1, 1e-300]),
    st.sampled_from(["1e5", "1e1000000000", "-1e-1000000000", "NaN", "inf", "0x10", "1_000"]),
)
names = st.one_of(
    st.sampled_from(['a"b\\c', "<script>x</script>", "=1+1", "../../x", "x" * 200, "晋 阳"]),
    hostile_text,
)
anything = st.one_of(
    numbers, hostile_text, st.none(), st.booleans(), st.lists(hostile_text, max_size=3)
)

# A valid declaration that reaches the engine; each example changes a few places of it,
# so hostile values meet every later stage instead of all failing the first check.
BASE = {
    "region": "晋阳市",
    "level": "city",
    "year": 2024,
    "indicators": {
        "1.1.1": {"numerator": 310, "denominator": 320},
        "1.1.2": {"value": 285.4, "unit": "Mbps"},
        "1.2.1": {"pue": {"value": 1.28}},
        "2.2.1": {"covered": ["网站", "短信"]},
    },
}
PLACES = {
    "region": names,
    "parent": names,
    "level": st.sampled_from(["county", "市级", "", None]),
    "year": st.one_of(numbers, hostile_text),
    "1.1.1/numerator": numbers,
    "1.1.1/denominator": numbers,
    "1.1.2/value": numbers,
    "1.1.2/unit": anything,
    "1.2.1/pue": st.dictionaries(st.sampled_from(["value", "numerator", "x"]), anything),
    "2.2.1/covered": st.one_of(st.lists(names, max_size=4), anything),
    "9.9.9/value": numbers,
    "any/any": anything,
}


def _changed(changes: dict[str, object]) -> dict:
    data = {**BASE, "indicators": {k: dict(v) for k, v in BASE["indicators"].items()}}
    for place, value in changes.items():
        if "/" not in place:
            data[place] = value
            continue
        item, field = place.split("/")
        if item == "any":
            data["indicators"] = value
        elif isinstance(data["indicators"], dict):
            data["indicators"].setdefault(item, {})[field] = value
    return data


declaration = st.dictionaries(
    st.sampled_from(sorted(PLACES)), st.none(), min_size=0, max_size=3
).flatmap(lambda keys: st.fixed_dictionaries({k: PLACES[k] for k in keys}).map(_changed))


def _dump(data: dict) -> str:
    """YAML text for the declaration (what safe_dump cannot write goes in as its repr)."""
    try:
        return yaml.safe_dump(data, allow_unicode=True, sort_keys=False)
    except (yaml.YAMLError, ValueError):
        return yaml.safe_dump({k: repr(v) for k, v in data.items()}, allow_unicode=True)


def _outcome(root: Path) -> Report | SxcheckError:
    """The pipeline's answer; any exception other than a SxcheckError of one line (or of
    one line per declaration problem, under a line that counts them) fails."""
    try:
        report = check(root)
    except SxcheckError as exc:
        message = str(exc)
        assert message and "\r" not in message, repr(message[:300])
        lines = message.split("\n")  # several declaration problems: a count, then one line each
        assert len(lines) == 1 or (
            lines[0].endswith("处错误：") and all(line.startswith("  ") for line in lines[1:])
        ), repr(message[:300])
        assert all(line == "".join(line.splitlines()) for line in lines), repr(message[:300])
        assert "Traceback" not in message
        return exc
    assert isinstance(report, Report)
    report.model_dump_json()  # the report serialises (no NaN trap, no odd types)
    for doc in report.documents:
        assert doc.status != "error" or (doc.error and "\n" not in doc.error), doc
    for score in report.summary.scores.values():
        assert score is None or 0 <= score <= 1
    return report


@pytest.fixture
def workdir():
    path = Path(tempfile.mkdtemp(prefix="sxcheck-fuzz-"))
    yield path
    shutil.rmtree(path, ignore_errors=True)


def _fresh(workdir: Path) -> Path:
    root = workdir / "submission"
    shutil.rmtree(root, ignore_errors=True)
    root.mkdir()
    return root


@fuzz(150)
@given(data=declaration)
def test_any_declaration_is_a_report_or_one_line(workdir, data):
    root = _fresh(workdir)
    (root / "submission.yaml").write_text(_dump(data), encoding="utf-8", errors="surrogatepass")
    _outcome(root)


@fuzz(60)
@given(text=st.text(max_size=300))
def test_any_yaml_text_is_a_report_or_one_line(workdir, text):
    root = _fresh(workdir)
    body = "region: a\nlevel: city\nyear: 2024\n" + text
    (root / "submission.yaml").write_bytes(body.encode("utf-8", "surrogatepass"))
    _outcome(root)


SUFFIXES = [".txt", ".md", ".pdf", ".docx", ".xlsx", ""]
file_names = st.one_of(
    st.text(min_size=1, max_size=60),
    st.text(alphabet=st.sampled_from("\x01\x1b\x07\n\r\t\u202e<>&\"'=$ .-"), min_size=1),
    st.binary(min_size=1, max_size=40),  # not UTF-8 at all
)


@fuzz(60)
@given(names=st.lists(file_names, min_size=1, max_size=3), suffix=st.sampled_from(SUFFIXES))
def test_any_evidence_file_name_is_a_report_or_one_line(workdir, names, suffix):
    root = _fresh(workdir)
    (root / "submission.yaml").write_text(
        "region: 晋阳市\nlevel: city\nyear: 2024\n", encoding="utf-8"
    )
    made = 0
    for name in names:
        raw = name if isinstance(name, bytes) else name.encode("utf-8", "surrogatepass")
        raw = raw.replace(b"/", b"_").replace(b"\x00", b"_") + suffix.encode()
        if raw in (b".", b"..") or len(raw) > 255:
            continue
        try:
            with open(os.path.join(os.fsencode(root), raw), "wb") as handle:
                handle.write("全市电子证照使用率为78.6%（1650/2100）。\n".encode())
            made += 1
        except OSError:
            continue  # a name this file system does not allow
    outcome = _outcome(root)
    if isinstance(outcome, Report):  # hidden names (.x) are not evidence; the rest are listed
        assert len(outcome.documents) <= made


# ---------------------------------------------------------------- submission.xlsx


@pytest.fixture(scope="module")
def blank_form(tmp_path_factory) -> Path:
    form = tmp_path_factory.mktemp("form") / "blank.xlsx"
    code, _, err = run_cli("template", "--format", "xlsx", "--level", "city", "-o", str(form))
    assert code == 0, err
    return form


cell_value = st.one_of(
    numbers.filter(lambda v: not isinstance(v, int) or abs(v) < 10**300),
    hostile_text.map(lambda t: t[:3000]),
    st.none(),
    st.booleans(),
    st.sampled_from(["=1+1", '=HYPERLINK("x")', "市级", "县级", "2024", "1e1000000000"]),
)


FORM_INFO = {"地区": "晋阳市", "层级": "市级", "年度": 2024}


def _fill(form: Path, target: Path, info: dict, figures: list) -> None:
    """The form filled validly, then the example's values typed over some of its cells."""
    book = load_workbook(form)
    sheet = book["基本信息"]
    values = {**FORM_INFO, **info}
    for row in sheet.iter_rows(min_row=2):
        if row[0].value in values:
            _set(row[1], values[row[0].value])
    sheet = book["自评表"]
    rows = list(sheet.iter_rows(min_row=2))
    for (index, column), value in figures:
        _set(rows[index % len(rows)][column % sheet.max_column], value)
    book.save(target)


def _set(cell, value) -> None:  # type: ignore[no-untyped-def]
    """A value as a person could type it: what a workbook cannot hold is typed as text."""
    if isinstance(value, float) and not math.isfinite(value):
        value = repr(value)  # Excel has no NaN or inf cells; typed, they are text
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) >= 10**300:
        value = str(value)
    if isinstance(value, str):
        value = ILLEGAL_CHARACTERS_RE.sub("?", value)  # a workbook cannot hold these
    cell.value = value


@fuzz(60)
@given(
    info=st.dictionaries(
        st.sampled_from(["地区", "层级", "年度", "上级城市"]), cell_value, max_size=2
    ),
    figures=st.lists(
        st.tuples(st.tuples(st.integers(0, 200), st.integers(0, 20)), cell_value), max_size=6
    ),
)
def test_any_form_value_is_a_report_or_one_line(workdir, blank_form, info, figures):
    root = _fresh(workdir)
    _fill(blank_form, root / "submission.xlsx", info, figures)
    _outcome(root)
