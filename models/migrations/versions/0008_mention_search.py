"""full-text search over mentions: lemmas in search_text, FTS5 on SQLite, GIN on PostgreSQL

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-01
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from core.lemmas import search_terms

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# SQLite: an external-content FTS5 table over mention.search_text, kept in step by triggers.
SQLITE_UP = [
    "CREATE VIRTUAL TABLE mention_fts USING fts5("
    "search_text, content='mention', content_rowid='id', tokenize='unicode61')",
    "CREATE TRIGGER mention_fts_insert AFTER INSERT ON mention BEGIN "
    "INSERT INTO mention_fts(rowid, search_text) VALUES (new.id, new.search_text); END",
    "CREATE TRIGGER mention_fts_delete AFTER DELETE ON mention BEGIN "
    "INSERT INTO mention_fts(mention_fts, rowid, search_text) "
    "VALUES ('delete', old.id, old.search_text); END",
    "CREATE TRIGGER mention_fts_update AFTER UPDATE OF search_text ON mention BEGIN "
    "INSERT INTO mention_fts(mention_fts, rowid, search_text) "
    "VALUES ('delete', old.id, old.search_text); "
    "INSERT INTO mention_fts(rowid, search_text) VALUES (new.id, new.search_text); END",
]
SQLITE_DOWN = [
    "DROP TRIGGER IF EXISTS mention_fts_update",
    "DROP TRIGGER IF EXISTS mention_fts_delete",
    "DROP TRIGGER IF EXISTS mention_fts_insert",
    "DROP TABLE IF EXISTS mention_fts",
]
PG_INDEX = (
    "CREATE INDEX ix_mention_search ON mention "
    "USING gin (to_tsvector('simple', coalesce(search_text, '')))"
)


def upgrade() -> None:
    with op.batch_alter_table("mention", schema=None) as batch_op:
        batch_op.add_column(sa.Column("search_text", sa.Text(), nullable=True))
    bind = op.get_bind()
    rows = bind.execute(sa.text("SELECT id, title, text, author FROM mention")).all()
    for mention_id, title, text, author in rows:  # what is stored already becomes findable
        terms = search_terms(" ".join(filter(None, (title, text, author))))
        bind.execute(
            sa.text("UPDATE mention SET search_text = :terms WHERE id = :id"),
            {"terms": terms, "id": mention_id},
        )
    if bind.dialect.name == "sqlite":
        for statement in SQLITE_UP:
            op.execute(statement)
        op.execute("INSERT INTO mention_fts(mention_fts) VALUES ('rebuild')")
    elif bind.dialect.name == "postgresql":
        op.execute(PG_INDEX)


def downgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "sqlite":
        for statement in SQLITE_DOWN:
            op.execute(statement)
    elif bind.dialect.name == "postgresql":
        op.execute("DROP INDEX IF EXISTS ix_mention_search")
    with op.batch_alter_table("mention", schema=None) as batch_op:
        batch_op.drop_column("search_text")
