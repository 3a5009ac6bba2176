"""Keep how a cached document was read (OCR pages and confidence, thumbnails, conversion,
encoding, signatures): the whole DocumentInfo as JSON beside the extraction.

Older rows have none (NULL) and are read as before, from their own columns.

Revision ID: 0003
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"


def upgrade() -> None:
    with op.batch_alter_table("extraction") as batch:
        batch.add_column(sa.Column("info_json", sa.Text(), nullable=True))
