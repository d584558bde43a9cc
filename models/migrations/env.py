"""Alembic environment: runs against the engine the caller put in config.attributes."""

from __future__ import annotations

from typing import Any, Literal

from alembic import context

import models
from models.search import include_object
from models.types import EnumText

config = context.config
target_metadata = models.metadata


def render_item(type_: str, obj: Any, autogen_context: Any) -> str | Literal[False]:
    """Enum columns are plain strings in the schema; migrations need not know the enums."""
    if type_ == "type" and isinstance(obj, EnumText):
        return f"sa.String(length={obj.impl.length})"
    return False


def run_migrations() -> None:
    engine = config.attributes.get("engine")
    if engine is None:  # plain `alembic` CLI use: URL from the settings
        from core.config import get_settings
        from core.db import make_engine

        engine = make_engine(get_settings().database_url)
    with engine.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            render_as_batch=connection.dialect.name == "sqlite",  # SQLite ALTERs via copies
            compare_type=True,
            render_item=render_item,
            include_object=include_object,  # the search objects of migration 0008
        )
        with context.begin_transaction():
            context.run_migrations()
        connection.commit()


run_migrations()
