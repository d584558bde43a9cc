"""sentiment details

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-22
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("mention", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "sentiment_probs",
                sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
                nullable=True,
            )
        )
        batch_op.add_column(sa.Column("sentiment_uncertain", sa.Boolean(), nullable=True))
        batch_op.add_column(sa.Column("sentiment_disagreement", sa.Boolean(), nullable=True))
        batch_op.create_index(
            "ix_mention_unclassified",
            ["id"],
            unique=False,
            sqlite_where=sa.text("sentiment_label IS NULL"),
            postgresql_where=sa.text("sentiment_label IS NULL"),
        )


def downgrade() -> None:
    with op.batch_alter_table("mention", schema=None) as batch_op:
        batch_op.drop_index(
            "ix_mention_unclassified",
            sqlite_where=sa.text("sentiment_label IS NULL"),
            postgresql_where=sa.text("sentiment_label IS NULL"),
        )
        batch_op.drop_column("sentiment_disagreement")
        batch_op.drop_column("sentiment_uncertain")
        batch_op.drop_column("sentiment_probs")
