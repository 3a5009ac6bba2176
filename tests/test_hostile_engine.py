"""Issue 13: what crashed or broke durable_rules, and the declaration values behind it.

durable_rules re-parses what it is given with its own C JSON parser: a float
written with an exponent and no point (`1e-05`, `1e+16`, `Infinity`) ended
the process with SIGSEGV, integers beyond int64 compared wrongly, and a
region with `"`, `\\`, a newline or NUL (part of the session id) broke its
state. The crash cases run in a subprocess (a segfault would end pytest);
the rest run in process through the CLI.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
import time
from decimal import Decimal
from pathlib import Path

import pytest
from pydantic import ValidationError

from sxcheck.engine.wire import ENGINE_MAX_UNITS, SAFE_TEXT, WireError, safe_text, scaled
from sxcheck.limits import MAX_NAME_CHARS
from sxcheck.models import DeclaredMeasure

from .conftest import ROOT, run_cli

SXCHECK = str(Path(sys.executable).with_name("sxcheck"))
DECLARATION = "region: {region}\nlevel: city\nyear: {year}\n"


def _folder(tmp_path: Path, text: str, name: str = "sub") -> Path:
    root = tmp_path / name
    root.mkdir()
    (root / "submission.yaml").write_text(text, encoding="utf-8")
    return root


def _declared(item: str, figures: str, region: str = "a") -> str:
    return DECLARATION.format(region=region, year=2024) + f'indicators:\n  "{item}": {figures}\n'


def _cli(path: Path, *extra: str) -> tuple[int, str]:
    """`sxcheck check` in process: exit code and the last line of stderr."""
    code, _, err = run_cli("check", str(path), "--no-store", "--quiet", *extra)
    lines = err.strip().splitlines()
    return code, lines[-1] if lines else ""


# ---------------------------------------------------------------- the engine, in a child


ENGINE_PROBE = textwrap.dedent(
    """
    import json, sys
    from sxcheck.catalogue.loader import load_rules
    from sxcheck.engine import engine_for
    from sxcheck.models import Fact
    engine = engine_for(load_rules())
    out = {}
    for raw in json.loads(sys.argv[1]):
        value = eval(raw)  # the test's own literals: 1e16, float("inf"), 10**20
        fact = Fact(id="1.1.1/coverage", kind="measure", item="1.1.1", measure="coverage",
                    data={"mkind": "ratio", "source": "declared", "valid": True,
                          "has_value": True, "value": value, "corroborated": True,
                          "inconsistent": False})
        label = 'a"b\\\\c\\nd\\x00' + "x" * 100_000
        found = engine.evaluate([fact], label=label)
        out[raw] = sorted(f.rule_id.rsplit("/", 1)[1] for f in found if f.outcome.verdict)
    print(json.dumps(out))
    """
)


def test_engine_takes_exponent_huge_and_infinite_figures_without_crashing():
    """Each of these ended the process with SIGSEGV (exit -11) before the fix."""
    values = ["1e16", "1e-05", "-1e16", "1e300", "float('inf')", "10**20", "1.5e-07", "0.95"]
    started = time.monotonic()
    done = subprocess.run(
        [sys.executable, "-c", ENGINE_PROBE, json.dumps(values)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
    )
    assert done.returncode == 0, (done.returncode, done.stderr[-2000:])
    verdicts = json.loads(done.stdout)
    assert verdicts == {
        "1e16": ["meets_threshold"],
        "1e-05": ["below_partial"],
        "-1e16": ["below_partial"],
        "1e300": ["meets_threshold"],
        "float('inf')": ["meets_threshold"],
        "10**20": ["meets_threshold"],  # beyond int64 it compared as below before
        "1.5e-07": ["below_partial"],
        "0.95": ["meets_threshold"],
    }
    assert time.monotonic() - started < 60


def _child(path: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [SXCHECK, "check", str(path), "--no-store", "--quiet", "--json"],
        capture_output=True,
        text=True,
        timeout=300,
    )


@pytest.mark.parametrize(
    ("name", "text", "code", "error"),
    [
        ("tiny", DECLARATION.format(region="a", year=2024), 0, ""),
        ("tiny_ratio", _declared("1.1.1", "{numerator: 1e-05, denominator: 1}"), 0, ""),
        ("tiny_value", _declared("1.1.2", "{value: 1e-05}"), 0, ""),
        ("quote", DECLARATION.format(region='"a\\"b\\\\c"', year=2024), 0, ""),
        (
            "huge_value",
            _declared("1.1.2", "{value: 1e16}"),
            2,
            "sxcheck: error: submission.yaml:5: 指标 1.1.2 value（数值）的绝对值应小于 10^15",
        ),
        (
            "newline",
            DECLARATION.format(region='"a\\nb"', year=2024),
            2,
            "sxcheck: error: submission.yaml:1: region（地区）含有控制字符",
        ),
        (
            "nul",
            DECLARATION.format(region='"a\\0b"', year=2024),
            2,
            "sxcheck: error: submission.yaml:1: region（地区）含有控制字符",
        ),
    ],
)
def test_what_crashed_the_cli_is_a_report_or_one_line(tmp_path, name, text, code, error):
    done = _child(_folder(tmp_path, text, name))
    assert done.returncode == code, (done.returncode, done.stderr[-2000:])
    if error:
        assert done.stderr.strip() == error
    else:
        report = json.loads(done.stdout)
        assert report["summary"]["counts"]["fail"] > 0
        assert "Traceback" not in done.stderr


def test_a_one_megabyte_region_is_refused_fast(tmp_path):
    root = _folder(tmp_path, DECLARATION.format(region="x" * 2**20, year=2024))
    started = time.monotonic()
    done = _child(root)
    assert done.returncode == 2, done.stderr[-2000:]
    assert done.stderr.strip() == (
        f"sxcheck: error: submission.yaml:1: region（地区）超过 {MAX_NAME_CHARS} 个字符"
    )
    assert time.monotonic() - started < 60


# ---------------------------------------------------------------- the wire, directly


def test_numbers_cross_as_bounded_integers_in_order():
    ordered = [-1e300, -1e16, -2.5, 0, 1e-07, 1e-05, 0.6, 0.9, 1, 1e12, 10**20, float("inf")]
    wired = [scaled(v) for v in ordered]
    assert wired == sorted(wired)
    assert all(isinstance(w, int) and abs(w) <= ENGINE_MAX_UNITS < 2**63 for w in wired)
    assert scaled(Decimal("1e1000000000")) == ENGINE_MAX_UNITS  # no expansion, no hang
    assert scaled(0.95) == 950_000
    with pytest.raises(WireError):
        scaled(float("nan"))


def test_text_outside_the_safe_alphabet_crosses_as_a_digest():
    assert safe_text("1.1.1/coverage/meets_threshold") == "1.1.1/coverage/meets_threshold"
    for hostile in ['a"b', "a\\b", "a\nb", "a\x00b", "晋阳市", "x" * 10_000, ""]:
        wired = safe_text(hostile)
        assert SAFE_TEXT.fullmatch(wired) and wired == safe_text(hostile)


# ---------------------------------------------------------------- region, parent, year


@pytest.mark.parametrize(
    ("region", "message"),
    [
        ('"  "', "region（地区）为空"),
        ('"a\\tb"', "region（地区）含有控制字符"),
        ('"a\\e[2Jb"', "region（地区）含有控制字符"),
        ('"a\\u202eb"', "region（地区）含有控制字符"),  # bidi override
        ("x" * (MAX_NAME_CHARS + 1), f"region（地区）超过 {MAX_NAME_CHARS} 个字符"),
        ("123", "region（地区）应为文字，如 晋阳市"),
    ],
)
def test_region_is_bounded_printable_text(tmp_path, region, message):
    code, line = _cli(_folder(tmp_path, DECLARATION.format(region=region, year=2024)))
    assert (code, line) == (2, f"sxcheck: error: submission.yaml:1: {message}")


def test_region_is_stripped_and_parent_checked_like_it(tmp_path):
    code, line = _cli(_folder(tmp_path, 'region: a\nlevel: county\nyear: 2024\nparent: "b\\a"\n'))
    assert (code, line) == (
        2,
        "sxcheck: error: submission.yaml:4: parent（上级城市）含有控制字符",
    )
    root = _folder(tmp_path, DECLARATION.format(region="'  晋阳市  '", year=2024), "ok")
    code, out, _ = run_cli("check", str(root), "--no-store", "--quiet", "--json")
    assert code == 0 and json.loads(out)["submission"]["region"] == "晋阳市"


WHOLE_YEAR = "year（年度）应为 2000 至 2100 之间的整年，如 2024"


@pytest.mark.parametrize(
    ("year", "message"),
    [
        ("2024.9", "year（年度）应为整年，不能带小数，如 2024"),
        (".nan", WHOLE_YEAR),
        (".inf", WHOLE_YEAR),
        ("-.inf", WHOLE_YEAR),
        ("1e1000000000", WHOLE_YEAR),
        ("'2e3'", WHOLE_YEAR),
        ("true", WHOLE_YEAR),
        ("99999", WHOLE_YEAR),
    ],
)
def test_year_must_be_a_whole_year(tmp_path, year, message):
    started = time.monotonic()
    code, line = _cli(_folder(tmp_path, DECLARATION.format(region="a", year=year)))
    assert (code, line) == (2, f"sxcheck: error: submission.yaml:3: {message}")
    assert time.monotonic() - started < 60


# ---------------------------------------------------------------- declared figures


FIGURES = [
    (float("inf"), "value（数值）应为有限的数字"),
    (float("nan"), "value（数值）应为有限的数字"),
    (float("-inf"), "value（数值）应为有限的数字"),
    ("NaN", "value（数值）应为有限的数字"),
    ("-Infinity", "value（数值）应为有限的数字"),
    (10**400, "value（数值）超过 30 位数字"),
    (10**5000, "value（数值）超过 30 位数字"),  # str() of it would raise
    ("9" * 5000, "value（数值）超过 30 位数字"),
    ("1e1000000000", "value（数值）的绝对值应小于 10^15"),
    ("-1e1000000000", "value（数值）的绝对值应小于 10^15"),
    ("1e-1000000000", "value（数值）的小数超过 30 位"),
    (1e16, "value（数值）的绝对值应小于 10^15"),
    ("0.1234567890123456789012345678901", "value（数值）的小数超过 30 位"),
    ("12345678901234.12345678901234567", "value（数值）超过 30 位数字"),
    ([1, 2], "value（数值）应为数字"),
    (True, "value（数值）应为数字"),
    ("12 Mbps", "value（数值）应为数字"),
]


@pytest.mark.parametrize(("figure", "message"), FIGURES, ids=range(len(FIGURES)))
def test_unusable_figures_are_refused_by_the_model(figure, message):
    started = time.monotonic()
    with pytest.raises(ValidationError) as caught:
        DeclaredMeasure(value=figure)
    errors = caught.value.errors()
    assert [(e["loc"], e["msg"]) for e in errors] == [(("value",), message)]
    assert time.monotonic() - started < 10


@pytest.mark.parametrize(
    ("figure", "plain"),
    [(1e-05, "0.00001"), ("1e5", "100000"), ("3.2e2", "320"), (" 12 ", "12"), (-3, "-3")],
)
def test_usable_figures_become_plain_decimals(figure, plain):
    assert f"{DeclaredMeasure(value=figure).value}" == plain


@pytest.mark.parametrize(
    "figure",
    ["1.0e309", ".nan", "-.inf", str(10**400), "9" * 5000, "1e1000000000", "1e-1000000000"],
)
def test_unusable_figures_are_one_line_errors(tmp_path, figure):
    """Through the CLI: whichever check meets it first (YAML reading or the model), one line."""
    started = time.monotonic()
    code, _, err = run_cli(
        "check",
        str(_folder(tmp_path, _declared("1.1.2", f"{{value: {figure}}}"))),
        "--no-store",
        "--quiet",
    )
    assert code == 2 and len(err.strip().splitlines()) == 1, err
    assert err.startswith("sxcheck: error: submission.yaml:5: "), err
    assert figure not in err or len(figure) < 8  # never the hostile value itself
    assert time.monotonic() - started < 60


def test_exponent_strings_in_range_are_read_as_plain_figures(tmp_path):
    root = _folder(tmp_path, _declared("1.1.1", "{numerator: 3.1e2, denominator: '3.2e2'}"))
    code, out, _ = run_cli("check", str(root), "--no-store", "--quiet", "--json")
    assert code == 0
    measure = next(j for j in json.loads(out)["indicators"] if j["id"] == "1.1.1")
    reasons = " ".join(r["message"] for r in measure["reasons"])
    assert "310/320" in reasons and "E+" not in reasons


def test_negative_counts_are_judged_invalid_not_crashed(tmp_path):
    """Documented in docs/reason-codes.md: a negative numerator is an invalid_ratio fail."""
    root = _folder(tmp_path, _declared("1.1.1", "{numerator: -3, denominator: 10}"))
    code, out, _ = run_cli("check", str(root), "--no-store", "--quiet", "--json")
    assert code == 0
    judgment = next(j for j in json.loads(out)["indicators"] if j["id"] == "1.1.1")
    assert judgment["status"] == "fail"
    assert "invalid_ratio" in {r["code"] for r in judgment["reasons"]}


# ---------------------------------------------------------------- profiles


PROFILE_CASES = [
    (
        "name: x\nbands:\n  ratio: {pass: 0.5, partial: 0.9}\n",
        "p.yaml:3: bands of 1.1.1/coverage: the partial line is above the pass line"
        " (higher is better)",
    ),
    (
        'name: x\nitems:\n  "1.2.1":\n    measures:\n      pue:\n'
        "        bands: {pass: 1.5, partial: 1.2}\n",
        "p.yaml:6: bands of 1.2.1/pue: the partial line is below the pass line (lower is better)",
    ),
    (
        "name: x\nbands:\n  ratio: {pass: 0, partial: 0}\n",
        "p.yaml:3: bands of 1.1.1/coverage: the pass line must be above 0",
    ),
    ("name: x\nbands:\n  ratio: {pass: .nan, partial: 0.5}\n", "p.yaml:3: bands.ratio.pass:"),
    ("name: x\nbands:\n  ratio: {pass: 0.9, partial: -.inf}\n", "p.yaml:3: bands.ratio.partial:"),
    ("name: x\nbands:\n  ratio: {pass: 1.0e13, partial: 0.5}\n", "p.yaml:3: bands.ratio.pass:"),
    ('name: x\nfirst_weights:\n  "1": -1\n', "p.yaml:3: first_weights.1:"),
    ('name: x\nsecond_weights:\n  "1.1": .nan\n', "p.yaml:3: second_weights.1.1:"),
    ('name: x\nfirst_weights:\n  "1": .inf\n', "p.yaml:3: first_weights.1:"),
    ('name: x\nitems:\n  "1.1.1": {weight: 0}\n', "p.yaml:3: items.1.1.1.weight:"),
    ("name: x\nspecial_weight: .nan\n", "p.yaml:2: special_weight:"),
    (
        "name: x\nscoring:\n  uncorroborated_factor: 0.5\n  inconsistent_factor: 0.5\n"
        "  qualitative_scores: {pass: .nan, partial: -1, fail: 0}\n",
        "p.yaml:5: scoring.qualitative_scores.pass:",
    ),
    (
        'name: "a\\e]0;owned\\ab"\n',
        "p.yaml:1: name: a profile name must be printable text, without control characters",
    ),
    ("name: " + "x" * (MAX_NAME_CHARS + 1) + "\n", "p.yaml:1: name: String should have at most"),
]


@pytest.mark.parametrize(("profile", "message"), PROFILE_CASES)
def test_a_bad_profile_is_refused_with_file_and_line(tmp_path, monkeypatch, profile, message):
    monkeypatch.chdir(tmp_path)
    Path("p.yaml").write_text(profile, encoding="utf-8")
    root = _folder(tmp_path, DECLARATION.format(region="a", year=2024))
    code, _, err = run_cli("check", str(root), "--no-store", "--quiet", "--profile", "p.yaml")
    lines = err.strip().splitlines()
    assert code == 2 and lines[0] == "sxcheck: error: invalid profile:", err
    assert lines[1].startswith(message), err
    assert "Traceback" not in err


def test_a_profile_that_excludes_everything_has_no_total(tmp_path, monkeypatch, rules):
    monkeypatch.chdir(tmp_path)
    excluded = "".join(f'  "{i}": {{exclude: 不评}}\n' for i in rules.items)
    Path("p.yaml").write_text(f"name: x\nitems:\n{excluded}", encoding="utf-8")
    root = _folder(tmp_path, DECLARATION.format(region="a", year=2024))
    code, _, err = run_cli("check", str(root), "--no-store", "--quiet", "--profile", "p.yaml")
    assert code == 2
    assert err.strip().splitlines()[1] == (
        "p.yaml:3: the profile excludes every item: there is no total"
    )


def test_a_profile_name_with_markup_is_allowed_as_text(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    Path("p.yaml").write_text('name: "<script>alert(1)</script>"\n', encoding="utf-8")
    root = _folder(tmp_path, DECLARATION.format(region="a", year=2024))
    code, out, _ = run_cli(
        "check", str(root), "--no-store", "--quiet", "--json", "--profile", "p.yaml"
    )
    report = json.loads(out)
    assert code == 0 and report["run"]["profile"].startswith("<script>alert(1)</script>@")
    total = report["summary"]["scores"]["total"]
    assert isinstance(total, float) and 0 <= total <= 1
