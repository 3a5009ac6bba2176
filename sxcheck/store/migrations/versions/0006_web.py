"""`sxcheck serve`: its accounts and its queue of checks, kept in the store.

Revision ID: 0006
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"


def upgrade() -> None:
    op.create_table(
        "web_user",
        sa.Column("name", sa.String(), primary_key=True),
        sa.Column("role", sa.String(), nullable=False),
        sa.Column("region", sa.String(), nullable=True),
        sa.Column("password_hash", sa.String(), nullable=False),
        sa.Column("created_at", sa.String(), nullable=False),
        sa.Column("disabled", sa.Boolean(), nullable=False, server_default=sa.false()),
        sa.Column("session_epoch", sa.Integer(), nullable=False, server_default="0"),
    )
    op.create_table(
        "web_job",
        sa.Column("id", sa.String(), primary_key=True),
        sa.Column("region", sa.String(), nullable=False, index=True),
        sa.Column("level", sa.String(), nullable=False, server_default=""),
        sa.Column("uploaded_by", sa.String(), nullable=False),
        sa.Column("upload_sha", sa.String(), nullable=False),
        sa.Column("filename", sa.String(), nullable=False, server_default=""),
        sa.Column("state", sa.String(), nullable=False, index=True),
        sa.Column("progress_json", sa.String(), nullable=False, server_default="{}"),
        sa.Column("run_id", sa.String(), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("created_at", sa.String(), nullable=False, index=True),
        sa.Column("started_at", sa.String(), nullable=True),
        sa.Column("finished_at", sa.String(), nullable=True),
        sa.Column("worker", sa.String(), nullable=True),
        sa.Column("beat_at", sa.String(), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False, server_default="0"),
    )


def downgrade() -> None:
    op.drop_table("web_job")
    op.drop_table("web_user")
