"""Exit codes and streams (issue 19): --fail-on names what met it on stderr, Ctrl-C is
130 with one line, an unknown ID is exit 2, -h works, document notices go to stderr,
"… N more" says how to see them all, and scores read on one 0-100 scale."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

from .conftest import SAMPLE, run_cli

SXCHECK = str(Path(sys.executable).with_name("sxcheck"))


def test_fail_on_names_the_items_on_one_stderr_line(tmp_path):
    db = str(tmp_path / "runs.db")
    for _ in range(2):  # the full path, then the re-check's fast path: the same line
        result = subprocess.run(
            [SXCHECK, "check", str(SAMPLE), "--quiet", "--fail-on", "fail", "--db", db],
            capture_output=True,
            text=True,
        )
        assert result.returncode == 1 and result.stdout == ""
        assert result.stderr.count("\n") == 1
        assert result.stderr.startswith("sxcheck: --fail-on fail: 50 项达到该状态: 1.1.4 1.1.5 ")


def test_ctrl_c_is_exit_130_with_one_line(tmp_path):
    process = subprocess.Popen(
        [SXCHECK, "check", str(SAMPLE), "--no-store", "--quiet"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    time.sleep(2.5)  # reading the documents (the scans' OCR takes longer than this)
    process.send_signal(signal.SIGINT)
    out, err = process.communicate(timeout=60)
    assert process.returncode == 130, err
    assert err == "sxcheck: 已中断 (interrupted)\n" and "Traceback" not in err


def test_unknown_ids_are_exit_2_with_a_suggestion():
    code, _, err = run_cli("rules", "test", "--item", "1.1.9")
    assert code == 2 and err.count("\n") == 1
    assert "unknown indicator ID '1.1.9'" in err and "1.1.5" in err
    code, _, err = run_cli("rules", "show", "8.1.9")
    assert code == 2 and "unknown indicator ID '8.1.9'" in err and "8.1.4" in err


def test_dash_h_is_help_everywhere():
    for args in (["-h"], ["check", "-h"], ["rules", "-h"], ["rules", "list", "-h"]):
        code, out, _ = run_cli(*args)
        assert code == 0 and out.startswith("Usage: "), args


def test_the_summary_on_stdout_notices_on_stderr_and_one_score_scale():
    result = subprocess.run(
        [SXCHECK, "check", str(SAMPLE), "--no-store"], capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    out, err = result.stdout, result.stderr
    assert "读取方式" in err and "读取方式" not in out  # the scans were read by OCR
    assert "more in the report（加 --report 预检.html 写出完整报告）" in out
    assert "总分 total: " in out and " / 100" in out
    total = out.split("总分 total: ")[1].split(" / 100")[0]
    assert 0 <= float(total) <= 100 and "." in total and len(total.split(".")[1]) == 1
    assert "│ 100.0 │" in out or "│   0.0 │" in out  # item scores on the same scale


def test_with_a_report_the_summary_does_not_suggest_one(tmp_path):
    out_html = tmp_path / "r.html"
    code, out, err = run_cli("check", str(SAMPLE), "--no-store", "--report", str(out_html))
    assert code == 0, err
    assert "more in the report" in out and "--report 预检.html" not in out
