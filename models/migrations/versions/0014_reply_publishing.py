"""replies posted through a platform's API: its id for the reply, the last failure

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-02
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("reply") as batch:
        batch.add_column(sa.Column("platform_reply_id", sa.String(length=200), nullable=True))
        batch.add_column(sa.Column("publish_error", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("reply") as batch:
        batch.drop_column("publish_error")
        batch.drop_column("platform_reply_id")
