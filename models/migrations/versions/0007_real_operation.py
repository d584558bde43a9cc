"""real operation: alert window, triage once per content version, labelling set-aside,
claimed alert deliveries, crawl heartbeats, source health, one open case per mention,
64-bit discovery lag

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-01
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import models.types

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OPEN_CASE_SQL = "state IN ('new', 'acknowledged', 'resolved')"
# Every id and reference to one becomes 64-bit on PostgreSQL (SQLite's INTEGER already is).
ID_COLUMNS = {
    "brand": ["id"],
    "source": ["id", "brand_id"],
    "mention": ["id", "brand_id", "source_id", "case_id"],
    "mention_revision": ["id", "mention_id"],
    "crawl_run": ["id", "source_id"],
    "case": ["id", "brand_id", "mention_id"],
    "case_event": ["id", "case_id"],
    "reply_template": ["id", "brand_id"],
    "reply": ["id", "case_id", "template_id"],
    "alert_delivery": ["id", "case_id"],
    "api_key": ["id"],
}


def _ids(type_: str) -> None:
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return
    for table, columns in ID_COLUMNS.items():
        changes = ", ".join(f'ALTER COLUMN "{c}" TYPE {type_}' for c in columns)
        op.execute(f'ALTER TABLE "{table}" {changes}')
        sequence = bind.execute(
            sa.text("SELECT pg_get_serial_sequence(:table, 'id')"), {"table": f'"{table}"'}
        ).scalar()
        if sequence:
            op.execute(f"ALTER SEQUENCE {sequence} AS {type_}")


def upgrade() -> None:
    _ids("bigint")
    with op.batch_alter_table("brand", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("alert_window", sa.Integer(), nullable=False, server_default="7")
        )
    with op.batch_alter_table("mention", schema=None) as batch_op:
        batch_op.add_column(sa.Column("triaged_version", sa.Integer(), nullable=True))
        batch_op.add_column(
            sa.Column("label_attempts", sa.Integer(), nullable=False, server_default="0")
        )
        batch_op.add_column(sa.Column("label_error", sa.Text(), nullable=True))
    # Every mention labelled so far has been triaged for its current text.
    op.execute("UPDATE mention SET triaged_version = version WHERE sentiment_label IS NOT NULL")
    with op.batch_alter_table("alert_delivery", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("claimed_until", models.types.UTCDateTime(timezone=True), nullable=True)
        )
    with op.batch_alter_table("source", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("health", sa.String(length=16), nullable=False, server_default="ok")
        )
        batch_op.add_column(
            sa.Column("health_since", models.types.UTCDateTime(timezone=True), nullable=True)
        )
        batch_op.add_column(sa.Column("health_reason", sa.String(length=500), nullable=True))
    with op.batch_alter_table("crawl_run", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("heartbeat_at", models.types.UTCDateTime(timezone=True), nullable=True)
        )
    with op.batch_alter_table("case", schema=None) as batch_op:
        batch_op.alter_column(
            "discovery_lag_seconds", existing_type=sa.Integer(), type_=sa.BigInteger()
        )
        batch_op.create_index(
            "uq_case_open_mention",
            ["mention_id"],
            unique=True,
            sqlite_where=sa.text(OPEN_CASE_SQL),
            postgresql_where=sa.text(OPEN_CASE_SQL),
        )


def downgrade() -> None:
    _ids("integer")
    with op.batch_alter_table("case", schema=None) as batch_op:
        batch_op.drop_index("uq_case_open_mention")
        batch_op.alter_column(
            "discovery_lag_seconds", existing_type=sa.BigInteger(), type_=sa.Integer()
        )
    with op.batch_alter_table("crawl_run", schema=None) as batch_op:
        batch_op.drop_column("heartbeat_at")
    with op.batch_alter_table("source", schema=None) as batch_op:
        batch_op.drop_column("health_reason")
        batch_op.drop_column("health_since")
        batch_op.drop_column("health")
    with op.batch_alter_table("alert_delivery", schema=None) as batch_op:
        batch_op.drop_column("claimed_until")
    with op.batch_alter_table("mention", schema=None) as batch_op:
        batch_op.drop_column("label_error")
        batch_op.drop_column("label_attempts")
        batch_op.drop_column("triaged_version")
    with op.batch_alter_table("brand", schema=None) as batch_op:
        batch_op.drop_column("alert_window")
