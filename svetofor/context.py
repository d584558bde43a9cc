"""What every command needs: settings, an engine, and errors turned into one readable line."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import NoReturn

import typer
from pydantic import ValidationError
from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError

from core.config import Settings
from core.db import DatabaseUnavailable, make_engine
from services.configfile import ConfigError

_NO_TABLE = re.compile(r"no such table|relation \S+ does not exist")


def load_settings() -> Settings:
    try:
        return Settings()
    except ValidationError as exc:
        problems = "; ".join(
            f"SVETOFOR_{'_'.join(str(p) for p in e['loc']).upper()}: {e['msg']}"
            for e in exc.errors()
        )
        fail(f"invalid settings: {problems}")
        raise  # unreachable: fail() exits


def engine_for(settings: Settings) -> Engine:
    return make_engine(settings.database_url, busy_timeout_ms=settings.sqlite_busy_timeout_ms)


def fail(message: str, code: int = 1) -> NoReturn:
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(code)


@contextmanager
def user_errors() -> Iterator[None]:
    """Report known failures as `error: …` and a non-zero exit, never a traceback."""
    try:
        yield
    except DatabaseUnavailable as exc:
        fail(str(exc))
    except ConfigError as exc:
        typer.echo(f"error: invalid config {exc.args[0].split(': ', 1)[0]}", err=True)
        for problem in exc.problems:
            typer.echo(f"  - {problem}", err=True)
        raise typer.Exit(2) from None
    except SQLAlchemyError as exc:
        reason = str(getattr(exc, "orig", None) or exc).splitlines()[0]
        if _NO_TABLE.search(reason):  # SQLite's and PostgreSQL's words for a fresh database
            reason += " (is the database set up? run `svetofor init`)"
        fail(f"database error: {reason}")
