"""Which databases the suite runs on: SQLite always, PostgreSQL when a server is given."""

from __future__ import annotations

import os
from pathlib import Path

import pytest


def worker_database(url: str | None, worker: str | None) -> str | None:
    """The server's database for this test process: under `pytest -n` (pytest-xdist) each
    worker gets its own (`svetofor_test_gw0`, …; `postgres_engine` creates it), because every
    test empties the tables it reads."""
    if url is None or not worker:
        return url
    from sqlalchemy.engine import make_url

    parsed = make_url(url)
    return parsed.set(database=f"{parsed.database}_{worker}").render_as_string(False)


SERVER_POSTGRES_URL = os.environ.get("SVETOFOR_TEST_POSTGRES_URL")
POSTGRES_URL = worker_database(SERVER_POSTGRES_URL, os.environ.get("PYTEST_XDIST_WORKER"))
SHARED = Path(__file__).resolve().parents[2].parent / "shared"  # ../shared beside the clone
NO_POSTGRES = "no PostgreSQL server configured: set SVETOFOR_TEST_POSTGRES_URL (.ci/run does)"

BACKENDS = [
    pytest.param("sqlite", id="sqlite"),
    pytest.param(
        "postgres",
        id="postgres",
        marks=[pytest.mark.postgres, pytest.mark.skipif(not POSTGRES_URL, reason=NO_POSTGRES)],
    ),
]

# For a test whose subject does not depend on the database (a parser, a CLI's output format,
# role checks): SQLite only. What the databases do differently is tested on both elsewhere.
SQLITE_ONLY = pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
