"""Migrations from empty, idempotent upgrades, and the head matching the SQLModel tables."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect, text
from sqlalchemy.engine import Engine, make_url

from core.db import current_revision, head_revision, make_engine, migrate
from models import metadata
from models.search import include_object
from tests.utils.backends import BACKENDS, POSTGRES_URL

TABLES = {"brand", "source", "mention", "mention_revision", "crawl_run", "alembic_version"}


@pytest.fixture(params=BACKENDS)
def empty_engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    """A database with nothing in it: a new SQLite file or a new PostgreSQL database."""
    if request.param == "sqlite":
        engine = make_engine(f"sqlite:///{tmp_path / 'fresh.db'}")
        yield engine
        engine.dispose()
        return
    assert POSTGRES_URL is not None
    name = f"svetofor_mig_{uuid.uuid4().hex[:8]}"
    admin = make_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    engine = make_engine(make_url(POSTGRES_URL).set(database=name).render_as_string(False))
    yield engine
    engine.dispose()
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE "{name}"'))
    admin.dispose()


def test_migrate_from_empty_creates_every_table(empty_engine: Engine) -> None:
    assert current_revision(empty_engine) is None

    before, after = migrate(empty_engine)

    assert (before, after) == (None, head_revision())
    assert set(inspect(empty_engine).get_table_names()) >= TABLES


def test_migrate_twice_is_a_no_op(empty_engine: Engine) -> None:
    migrate(empty_engine)
    assert migrate(empty_engine) == (head_revision(), head_revision())


def test_migrations_head_matches_the_models(empty_engine: Engine) -> None:
    migrate(empty_engine)
    with empty_engine.connect() as connection:
        context = MigrationContext.configure(
            connection, opts={"compare_type": True, "include_object": include_object}
        )
        diff = compare_metadata(context, metadata)
    assert diff == []


def test_sqlite_runs_in_wal_mode_with_a_busy_timeout(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'wal.db'}", busy_timeout_ms=7000)
    with engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert connection.exec_driver_sql("PRAGMA busy_timeout").scalar() == 7000
        assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
    engine.dispose()
