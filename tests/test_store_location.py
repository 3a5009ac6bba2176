"""The store is found and named (issue 19): one default per user whatever the current
folder, named by `history` and by every "no run" error; read-only commands never
create it; `history` shows each run's kind, source and profile, and has --json."""

from __future__ import annotations

import json

from .conftest import SAMPLE, run_cli


def test_the_default_store_is_the_users_wherever_the_check_ran(tmp_path, monkeypatch):
    data = tmp_path / "data"
    monkeypatch.setenv("XDG_DATA_HOME", str(data))
    monkeypatch.delenv("SXCHECK_DB")
    store = data / "sxcheck" / "sxcheck.db"
    monkeypatch.chdir(tmp_path)
    for command in (["history"], ["show", "latest"], ["diff", "晋阳市"]):
        code, _, err = run_cli(*command)
        assert (
            code == 2
            and err == f"sxcheck: error: no store at {store} (a `sxcheck check` creates it)\n"
        )
    assert not (data / "sxcheck").exists()  # read-only commands never create a store
    code, out, err = run_cli("check", str(SAMPLE), "--json")
    assert code == 0, err
    run_id = json.loads(out)["run"]["id"]
    assert store.is_file() and not (tmp_path / "sxcheck.db").exists()
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    code, out, err = run_cli("history")
    assert code == 0, err
    lines = out.splitlines()
    assert len(lines) == 1
    assert lines[0].startswith(run_id) and "  check  " in lines[0] and str(SAMPLE) in lines[0]
    assert err == f"(1 run(s) shown from store {store})\n"
    code, out, err = run_cli("history", "--json")
    assert code == 0, err
    (entry,) = json.loads(out)
    assert entry["id"] == run_id and entry["kind"] == "check" and entry["source"] == str(SAMPLE)
    assert entry["region"] == "晋阳市" and entry["profile"] is None
    assert isinstance(entry["total"], float) and entry["counts"]["pass"] >= 1
    code, out, _ = run_cli("history", "汾东市")
    assert code == 0 and out == f"no runs in store {store} for 汾东市\n"
