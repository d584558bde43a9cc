"""`svetofor config load FILE`: upsert brands and sources from YAML."""

from __future__ import annotations

from pathlib import Path

import typer

from core.db import check_connection, session_scope
from services.configfile import load_config
from svetofor.context import engine_for, load_settings, user_errors

app = typer.Typer(help="Brands and sources from a YAML file.", no_args_is_help=True)


@app.command("load")
def load(path: Path = typer.Argument(..., help="YAML file with `brands` and `sources`")) -> None:
    """Create or update brands and sources by name; loading the same file twice changes nothing."""
    settings = load_settings()
    engine = engine_for(settings)
    with user_errors():
        check_connection(engine)
        with session_scope(engine) as session:
            summary = load_config(session, path)
    for section, counts in summary.items():
        parts = ", ".join(f"{counts[k]} {k}" for k in ("created", "updated", "unchanged"))
        typer.echo(f"{section}: {parts}")
