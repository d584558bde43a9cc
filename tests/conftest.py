"""Shared fixtures: databases on both backends, the app and its client, tiny models.

Helpers that tests import live in `tests/utils/`; this module only holds fixtures."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text
from sqlalchemy.engine import Engine, make_url

from api.main import create_app
from core.config import Settings
from core.db import make_engine, migrate, session_scope
from desk.templates import ensure_default_templates
from models import Role, metadata
from tests.utils.backends import BACKENDS, POSTGRES_URL, SERVER_POSTGRES_URL
from tests.utils.keys import make_key


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated SQLite file, copied per test (much faster than migrating each time)."""
    path = tmp_path_factory.mktemp("template") / "template.db"
    engine = make_engine(f"sqlite:///{path}")
    migrate(engine)
    with session_scope(engine) as session:
        ensure_default_templates(session)
    with engine.connect() as connection:  # fold the WAL into the file before copying it
        connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    engine.dispose()
    return path


def create_database(server_url: str, name: str) -> None:
    """`name` on the server of `server_url`, unless it is there already."""
    admin = make_engine(server_url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            found = connection.execute(
                text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": name}
            ).first()
            if found is None:
                connection.execute(text(f'CREATE DATABASE "{name}"'))
    finally:
        admin.dispose()


@pytest.fixture(scope="session")
def postgres_engine() -> Iterator[Engine]:
    """The test server's database, reset to an empty schema and migrated once per session
    (this worker's own database under pytest-xdist, created here the first time)."""
    assert POSTGRES_URL is not None and SERVER_POSTGRES_URL is not None
    if POSTGRES_URL != SERVER_POSTGRES_URL:
        create_database(SERVER_POSTGRES_URL, make_url(POSTGRES_URL).database or "")
    engine = make_engine(POSTGRES_URL)
    with engine.begin() as connection:
        connection.execute(text("DROP SCHEMA public CASCADE"))
        connection.execute(text("CREATE SCHEMA public"))
    migrate(engine)
    yield engine
    engine.dispose()


@pytest.fixture(params=BACKENDS)
def db_url(request: pytest.FixtureRequest, tmp_path: Path, sqlite_template: Path) -> str:
    """A migrated, empty database on each backend."""
    if request.param == "sqlite":
        path = tmp_path / "svetofor.db"
        shutil.copy(sqlite_template, path)
        return f"sqlite:///{path}"
    engine: Engine = request.getfixturevalue("postgres_engine")
    tables = ", ".join(f'"{t.name}"' for t in metadata.sorted_tables)
    with engine.begin() as connection:
        connection.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
    with session_scope(engine) as session:
        ensure_default_templates(session)
    assert POSTGRES_URL is not None
    return POSTGRES_URL


@pytest.fixture
def engine(db_url: str) -> Iterator[Engine]:
    engine = make_engine(db_url)
    yield engine
    engine.dispose()


@pytest.fixture
def settings(db_url: str, tmp_path: Path) -> Settings:
    return Settings(database_url=db_url, data_dir=tmp_path / "var", _env_file=None)


@pytest.fixture
def client(settings: Settings, engine: Engine) -> Iterator[TestClient]:
    """A client signed in with an admin key (auth itself is tested in tests/api/test_auth)."""
    with TestClient(create_app(settings, engine)) as test_client:
        test_client.headers["Authorization"] = f"Bearer {make_key(engine, Role.admin)}"
        yield test_client


@pytest.fixture
def tiny_model_dir(tmp_path: Path) -> Callable[..., Path]:
    """Factory: save a tiny model with the given id2label and return its directory."""

    def build(id2label: dict[int, str] | None = None, seed: int = 0) -> Path:
        labels = id2label or {0: "negative", 1: "neutral", 2: "positive"}
        out = tmp_path / f"tiny-{seed}-{len(labels)}-{abs(hash(json.dumps(labels))) % 10**6}"
        from tests.utils.tiny_models import make_model, make_tokenizer

        make_model(labels, seed).save_pretrained(out)
        make_tokenizer().save_pretrained(out)
        return out

    return build


@pytest.fixture
def fake_models_dir(tmp_path: Path) -> Path:
    """A models dir whose cached 'e5 base' is a tiny BERT."""
    from tests.utils.tiny_models import write_fake_base

    return write_fake_base(tmp_path / "models")
