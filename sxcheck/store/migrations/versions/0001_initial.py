"""Initial store: runs, their documents, judgments, reasons, facts; the extraction cache.

Revision ID: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None


def upgrade() -> None:
    op.create_table(
        "run",
        sa.Column("id", sa.String(), primary_key=True),
        sa.Column("input_digest", sa.String(), nullable=False, index=True),
        sa.Column("started_at", sa.String(), nullable=False),
        sa.Column("recorded_at", sa.String(), nullable=False, index=True),
        sa.Column("finished_at", sa.String()),
        sa.Column("tool_version", sa.String(), nullable=False),
        sa.Column("rules_digest", sa.String(), nullable=False),
        sa.Column("region", sa.String(), nullable=False, index=True),
        sa.Column("level", sa.String(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(), nullable=False),
        sa.Column("total_score", sa.Float()),
        sa.Column("counts_json", sa.String(), nullable=False),
        sa.Column("documents_read", sa.Integer(), nullable=False),
        sa.Column("documents_from_store", sa.Integer(), nullable=False),
        sa.Column("report_json", sa.Text(), nullable=False),
    )
    op.create_table(
        "run_document",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("run_id", sa.String(), sa.ForeignKey("run.id"), nullable=False, index=True),
        sa.Column("path", sa.String(), nullable=False),
        sa.Column("sha256", sa.String(), nullable=False, index=True),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(), nullable=False),
        sa.Column("status", sa.String(), nullable=False),
        sa.Column("error", sa.String()),
    )
    op.create_table(
        "judgment",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("run_id", sa.String(), sa.ForeignKey("run.id"), nullable=False, index=True),
        sa.Column("item_id", sa.String(), nullable=False, index=True),
        sa.Column("status", sa.String(), nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
    )
    op.create_table(
        "reason",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("run_id", sa.String(), sa.ForeignKey("run.id"), nullable=False, index=True),
        sa.Column("item_id", sa.String(), nullable=False),
        sa.Column("code", sa.String(), nullable=False, index=True),
        sa.Column("measure", sa.String()),
        sa.Column("rule", sa.String()),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("evidence_json", sa.Text(), nullable=False),
    )
    op.create_table(
        "fact",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("run_id", sa.String(), sa.ForeignKey("run.id"), nullable=False, index=True),
        sa.Column("fact_id", sa.String(), nullable=False),
        sa.Column("item_id", sa.String(), nullable=False),
        sa.Column("fact_json", sa.Text(), nullable=False),
    )
    op.create_table(
        "extraction",
        sa.Column("sha256", sa.String(), primary_key=True),
        sa.Column("extractor_version", sa.String(), primary_key=True),
        sa.Column("kind", sa.String(), nullable=False),
        sa.Column("pages", sa.Integer()),
        sa.Column("status", sa.String(), nullable=False),
        sa.Column("error", sa.String()),
        sa.Column("notes_json", sa.String(), nullable=False),
        sa.Column("units_zlib", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", sa.String(), nullable=False),
    )
