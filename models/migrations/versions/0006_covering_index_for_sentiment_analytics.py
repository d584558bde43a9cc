"""covering index for sentiment analytics

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-22
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("mention", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_mention_brand_occurred"))
        batch_op.create_index(
            "ix_mention_brand_occurred",
            ["brand_id", "occurred_at", "id", "sentiment_label"],
            unique=False,
        )


def downgrade() -> None:
    with op.batch_alter_table("mention", schema=None) as batch_op:
        batch_op.drop_index("ix_mention_brand_occurred")
        batch_op.create_index(
            batch_op.f("ix_mention_brand_occurred"), ["brand_id", "occurred_at", "id"], unique=False
        )
