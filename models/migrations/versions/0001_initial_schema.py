"""initial schema

Revision ID: 0001
Revises:
Create Date: 2026-11-22
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op
from sqlalchemy.dialects import postgresql

import models.types

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "brand",
        sa.Column(
            "keywords",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column(
            "exclude",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("response_hours", sa.Integer(), nullable=False),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("created_at", models.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", models.types.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_brand")),
    )
    with op.batch_alter_table("brand", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_brand_name"), ["name"], unique=True)

    op.create_table(
        "source",
        sa.Column("kind", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column("url", sqlmodel.sql.sqltypes.AutoString(length=2000), nullable=False),
        sa.Column(
            "options",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("schedule", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
        sa.Column("timezone", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("brand_id", sa.Integer(), nullable=False),
        sa.Column("created_at", models.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", models.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["brand_id"], ["brand.id"], name=op.f("fk_source_brand_id_brand")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_source")),
    )
    with op.batch_alter_table("source", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_source_brand_id"), ["brand_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_source_name"), ["name"], unique=True)

    op.create_table(
        "crawl_run",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("source_id", sa.Integer(), nullable=False),
        sa.Column("started_at", models.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("finished_at", models.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column(
            "counts",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("error_summary", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["source_id"], ["source.id"], name=op.f("fk_crawl_run_source_id_source")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_crawl_run")),
    )
    with op.batch_alter_table("crawl_run", schema=None) as batch_op:
        batch_op.create_index(
            "ix_crawl_run_source_started", ["source_id", "started_at"], unique=False
        )

    op.create_table(
        "mention",
        sa.Column("url", sqlmodel.sql.sqltypes.AutoString(length=2000), nullable=True),
        sa.Column("author", sqlmodel.sql.sqltypes.AutoString(length=500), nullable=True),
        sa.Column("author_url", sqlmodel.sql.sqltypes.AutoString(length=2000), nullable=True),
        sa.Column("title", sa.Text(), nullable=True),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("rating", sa.Integer(), nullable=True),
        sa.Column("lang", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=True),
        sa.Column("published_at", models.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("published_precision", sa.String(length=16), nullable=True),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("brand_id", sa.Integer(), nullable=False),
        sa.Column("source_id", sa.Integer(), nullable=False),
        sa.Column("external_id", sqlmodel.sql.sqltypes.AutoString(length=512), nullable=False),
        sa.Column("published_raw", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
        sa.Column("discovered_at", models.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("occurred_at", models.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", models.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("content_hash", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column(
            "raw",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("sentiment_label", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=True),
        sa.Column("sentiment_score", sa.Float(), nullable=True),
        sa.Column("sentiment_model", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
        sa.Column("classified_at", models.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("case_id", sa.Integer(), nullable=True),
        sa.CheckConstraint(
            "rating IS NULL OR (rating BETWEEN 1 AND 5)", name=op.f("ck_mention_rating_range")
        ),
        sa.ForeignKeyConstraint(["brand_id"], ["brand.id"], name=op.f("fk_mention_brand_id_brand")),
        sa.ForeignKeyConstraint(
            ["source_id"], ["source.id"], name=op.f("fk_mention_source_id_source")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_mention")),
        sa.UniqueConstraint("source_id", "external_id", name="uq_mention_source_external"),
    )
    with op.batch_alter_table("mention", schema=None) as batch_op:
        batch_op.create_index(
            "ix_mention_brand_occurred", ["brand_id", "occurred_at", "id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_mention_case_id"), ["case_id"], unique=False)
        batch_op.create_index("ix_mention_occurred", ["occurred_at", "id"], unique=False)
        batch_op.create_index(
            "ix_mention_source_occurred", ["source_id", "occurred_at", "id"], unique=False
        )

    op.create_table(
        "mention_revision",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("mention_id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("title", sa.Text(), nullable=True),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("rating", sa.Integer(), nullable=True),
        sa.Column("content_hash", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column(
            "raw",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("replaced_at", models.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["mention_id"], ["mention.id"], name=op.f("fk_mention_revision_mention_id_mention")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_mention_revision")),
    )
    with op.batch_alter_table("mention_revision", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_mention_revision_mention_id"), ["mention_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("mention_revision", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_mention_revision_mention_id"))

    op.drop_table("mention_revision")
    with op.batch_alter_table("mention", schema=None) as batch_op:
        batch_op.drop_index("ix_mention_source_occurred")
        batch_op.drop_index("ix_mention_occurred")
        batch_op.drop_index(batch_op.f("ix_mention_case_id"))
        batch_op.drop_index("ix_mention_brand_occurred")

    op.drop_table("mention")
    with op.batch_alter_table("crawl_run", schema=None) as batch_op:
        batch_op.drop_index("ix_crawl_run_source_started")

    op.drop_table("crawl_run")
    with op.batch_alter_table("source", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_source_name"))
        batch_op.drop_index(batch_op.f("ix_source_brand_id"))

    op.drop_table("source")
    with op.batch_alter_table("brand", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_brand_name"))

    op.drop_table("brand")
