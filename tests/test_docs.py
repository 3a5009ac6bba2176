"""The documentation that is generated stays current; the documented contract holds."""

from __future__ import annotations

import json
import re

import jsonschema
import yaml

from sxcheck.docgen import generated

from .conftest import ROOT, SAMPLE, run_cli

DOCS = ROOT / "docs"


def test_generated_docs_are_current():
    stale = [
        path
        for path, text in generated().items()
        if not (DOCS / path).is_file() or (DOCS / path).read_text(encoding="utf-8") != text
    ]
    assert not stale, f"run `make docs`: out of date: {stale}"


def test_real_reports_validate_against_the_published_schema(tmp_path):
    schema = json.loads((DOCS / "report.schema.json").read_text(encoding="utf-8"))
    for sample in sorted((ROOT / "evidence_samples").iterdir()):
        code, out, err = run_cli("check", str(sample), "--json", "--no-store")
        assert code == 0, err
        jsonschema.validate(json.loads(out), schema)


def test_every_reason_code_is_explained_for_cities():
    text = (DOCS / "reason-codes.md").read_text(encoding="utf-8")
    documented = set(re.findall(r"^## `?([a-z_]+)`?\s*$", text, flags=re.M))
    messages = yaml.safe_load((ROOT / "rules" / "messages.yaml").read_text(encoding="utf-8"))[
        "messages"
    ]
    codes = set(messages) | {
        "document_unreadable",
        "excluded_by_profile",
        "reused_evidence",
        "ranked",
    }
    assert not codes - documented, sorted(codes - documented)


def test_readme_starts_with_the_two_commands():
    head = (ROOT / "README.md").read_text(encoding="utf-8").split("\n## ", 1)[0]
    assert "make demo" in head and "make test" in head
    code, out, _ = run_cli("check", str(SAMPLE), "--no-store", "--quiet")
    assert code == 0
