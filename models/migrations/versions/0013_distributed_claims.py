"""claims for distributed workers: who labels a mention until when, every alert attempt

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-02
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from models.types import JSONType, UTCDateTime

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("mention") as batch:
        batch.add_column(sa.Column("label_claimed_until", UTCDateTime(), nullable=True))
        batch.add_column(sa.Column("label_claimed_by", sa.String(length=120), nullable=True))
    with op.batch_alter_table("alert_delivery") as batch:
        batch.add_column(
            sa.Column("attempt_log", JSONType, nullable=False, server_default=sa.text("'[]'"))
        )


def downgrade() -> None:
    with op.batch_alter_table("alert_delivery") as batch:
        batch.drop_column("attempt_log")
    with op.batch_alter_table("mention") as batch:
        batch.drop_column("label_claimed_by")
        batch.drop_column("label_claimed_until")
