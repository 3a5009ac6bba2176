"""Reviewer decisions (复核意见), append-only, tied to the evidence they were made on.

Revision ID: 0005
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"


def upgrade() -> None:
    op.create_table(
        "decision",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("region", sa.String(), nullable=False, index=True),
        sa.Column("level", sa.String(), nullable=False),
        sa.Column("item_id", sa.String(), nullable=False),
        sa.Column("status", sa.String(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("decided_by", sa.String(), nullable=False),
        sa.Column("role", sa.String(), nullable=False),
        sa.Column("decided_at", sa.String(), nullable=False),
        sa.Column("expires", sa.String(), nullable=True),
        sa.Column("on_run", sa.String(), nullable=False),
        sa.Column("engine_status", sa.String(), nullable=False),
        sa.Column("based_on_json", sa.Text(), nullable=False),
        sa.Column("recorded_by", sa.String(), nullable=False),
    )
