"""label corrections by the team, the model's own label beside the one in force, brand adapters

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-02
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from models.types import IdType, JSONType, UTCDateTime

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

IN_FORCE = sa.text("withdrawn_at IS NULL")


def upgrade() -> None:
    # plain ADD COLUMN (no table rebuild on SQLite: the full-text triggers stay in place)
    op.add_column("mention", sa.Column("model_label", sa.String(length=16), nullable=True))
    op.add_column("mention", sa.Column("model_score", sa.Float(), nullable=True))
    op.add_column("mention", sa.Column("human_label", sa.String(length=16), nullable=True))
    op.add_column("mention", sa.Column("sentiment_adapter", sa.Integer(), nullable=True))
    # every label so far is the model's
    op.execute(
        "UPDATE mention SET model_label = sentiment_label, model_score = sentiment_score "
        "WHERE sentiment_label IS NOT NULL"
    )
    op.add_column(
        "brand",
        sa.Column("adaptation", sa.Boolean(), nullable=False, server_default=sa.true()),
    )
    op.create_table(
        "label_correction",
        sa.Column("id", IdType, primary_key=True),
        sa.Column("mention_id", IdType, sa.ForeignKey("mention.id"), nullable=False),
        sa.Column("brand_id", IdType, sa.ForeignKey("brand.id"), nullable=False),
        sa.Column("label", sa.String(length=16), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("model_label", sa.String(length=16), nullable=True),
        sa.Column("model_score", sa.Float(), nullable=True),
        sa.Column("model", sa.String(length=200), nullable=True),
        sa.Column("corrected_by", sa.String(length=200), nullable=False),
        sa.Column("opened_case_id", IdType, nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("withdrawn_at", UTCDateTime(), nullable=True),
        sa.Column("withdrawn_by", sa.String(length=200), nullable=True),
    )
    op.create_index(
        "uq_correction_in_force",
        "label_correction",
        ["mention_id"],
        unique=True,
        sqlite_where=IN_FORCE,
        postgresql_where=IN_FORCE,
    )
    op.create_index(
        "ix_correction_brand_created", "label_correction", ["brand_id", "created_at", "id"]
    )
    op.create_table(
        "brand_adapter",
        sa.Column("id", IdType, primary_key=True),
        sa.Column("brand_id", IdType, sa.ForeignKey("brand.id"), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("model", sa.String(length=200), nullable=False),
        sa.Column("corrections", sa.Integer(), nullable=False),
        sa.Column("trained_at", UTCDateTime(), nullable=False),
        sa.Column("weights", JSONType, nullable=False),
        sa.Column("metrics", JSONType, nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.UniqueConstraint("brand_id", "version", name="uq_adapter_brand_version"),
    )
    op.create_index("ix_brand_adapter_brand_id", "brand_adapter", ["brand_id"])


def downgrade() -> None:
    op.drop_index("ix_brand_adapter_brand_id", table_name="brand_adapter")
    op.drop_table("brand_adapter")
    op.drop_index("ix_correction_brand_created", table_name="label_correction")
    op.drop_index("uq_correction_in_force", table_name="label_correction")
    op.drop_table("label_correction")
    with op.batch_alter_table("brand", schema=None) as batch_op:
        batch_op.drop_column("adaptation")
    for column in ("sentiment_adapter", "human_label", "model_score", "model_label"):
        op.drop_column("mention", column)
