"""Full-text search objects that live outside the SQLModel tables: SQLite's FTS5 table (and
its shadow tables) and PostgreSQL's GIN index over `mention.search_text` (migration 0008).
Schema comparisons (autogenerate, the migrations test) leave them alone."""

from __future__ import annotations

from typing import Any

SEARCH_TABLE = "mention_fts"
SEARCH_INDEX = "ix_mention_search"


def include_object(
    obj: Any, name: str | None, type_: str, reflected: bool, compare_to: Any
) -> bool:
    """Alembic's filter: False for the search objects the models do not describe."""
    if type_ == "table" and name is not None and name.startswith(SEARCH_TABLE):
        return False
    return not (type_ == "index" and name == SEARCH_INDEX)
