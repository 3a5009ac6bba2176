"""Content once: report parts and facts kept by hash, runs refer to them; a run's kind.

Every earlier run's whole report (`run.report_json`), reasons and facts are split
into `content` parts keyed by the sha256 of their JSON; the run keeps its own head
(`head_json`) and references; `reason` and `fact` rows are dropped (their data lives
in the parts). A run whose stored report does not parse is left as it was: `show`
names it as damaged, as before. The splitting is written out here, not imported,
so this revision means the same whatever later code does. `run.kind` says whether
a run was a `check` or part of a `batch` (earlier batch runs are those with no input
digest), so `diff` pairs like with like.

Revision ID: 0004
"""

import hashlib
import json
import zlib

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"


def _dumps(value):
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def upgrade() -> None:
    op.create_table(
        "content",
        sa.Column("sha256", sa.String(), primary_key=True),
        sa.Column("data_zlib", sa.LargeBinary(), nullable=False),
    )
    with op.batch_alter_table("run") as batch:
        batch.add_column(sa.Column("head_json", sa.Text(), nullable=True))
        batch.add_column(sa.Column("body_sha", sa.String(), nullable=True))
        batch.add_column(sa.Column("facts_sha", sa.String(), nullable=True))
        batch.add_column(sa.Column("quick_digest", sa.String(), nullable=False, server_default=""))
        batch.create_index("ix_run_quick_digest", ["quick_digest"])
        # check or batch; before, only a batch run had no input digest
        batch.add_column(sa.Column("kind", sa.String(), nullable=False, server_default="check"))
    with op.batch_alter_table("judgment") as batch:
        batch.add_column(sa.Column("codes", sa.String(), nullable=False, server_default=""))
        batch.add_column(sa.Column("judgment_sha", sa.String(), nullable=False, server_default=""))
    op.execute("UPDATE run SET kind = 'batch' WHERE input_digest = ''")
    _move_runs(op.get_bind())
    op.drop_table("reason")
    op.drop_table("fact")


def _move_runs(bind) -> None:
    stored: set[str] = set()

    def keep(value) -> str:
        text = _dumps(value)
        sha = hashlib.sha256(text.encode("utf-8")).hexdigest()
        if sha not in stored:
            stored.add(sha)
            bind.execute(
                sa.text("INSERT INTO content (sha256, data_zlib) VALUES (:sha, :data)").bindparams(
                    sa.bindparam("data", type_=sa.LargeBinary())
                ),
                {"sha": sha, "data": zlib.compress(text.encode("utf-8"), 6)},
            )
        return sha

    runs = bind.execute(sa.text("SELECT id, report_json FROM run")).all()
    for run_id, report_json in runs:
        try:
            data = json.loads(report_json)
            head = _dumps({"run": data.pop("run"), "submission": data.pop("submission")})
            indicators = data.pop("indicators")
            codes = {j["id"]: " ".join(r["code"] for r in j["reasons"]) for j in indicators}
        except (ValueError, TypeError, KeyError, AttributeError):
            continue  # a damaged row stays as it was
        for judgment in indicators:
            bind.execute(
                sa.text(
                    "UPDATE judgment SET codes = :codes, judgment_sha = :sha "
                    "WHERE run_id = :run AND item_id = :item"
                ),
                {
                    "codes": codes[judgment["id"]],
                    "sha": keep(judgment),
                    "run": run_id,
                    "item": judgment["id"],
                },
            )
        body = keep(data)
        groups: dict[str, list] = {}
        facts = bind.execute(
            sa.text("SELECT item_id, fact_json FROM fact WHERE run_id = :run ORDER BY id"),
            {"run": run_id},
        ).all()
        try:
            for item, fact_json in facts:
                groups.setdefault(item, []).append(json.loads(fact_json))
            facts_sha = keep([[item, keep(group)] for item, group in groups.items()])
        except (ValueError, TypeError):
            facts_sha = None  # damaged facts: the run is judged again on reuse
        bind.execute(
            sa.text(
                "UPDATE run SET head_json = :head, body_sha = :body, facts_sha = :facts, "
                "report_json = '' WHERE id = :run"
            ),
            {"head": head, "body": body, "facts": facts_sha, "run": run_id},
        )
