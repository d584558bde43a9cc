"""`svetofor init`: create or migrate the database."""

from __future__ import annotations

import typer

from core.db import migrate, session_scope
from desk.templates import ensure_default_templates
from svetofor.context import engine_for, load_settings, user_errors


def init() -> None:
    """Create or migrate the database to the newest schema (a no-op when already there)."""
    settings = load_settings()
    with user_errors():
        engine = engine_for(settings)
        before, after = migrate(engine)
        with session_scope(engine) as session:
            added = ensure_default_templates(session)
    url = engine_for(settings).url.render_as_string(hide_password=True)
    if before == after:
        typer.echo(f"database {url} is up to date (revision {after})")
    else:
        typer.echo(f"database {url} migrated from {before or 'empty'} to {after}")
    if added:
        typer.echo(f"added {added} default reply templates")
