"""`svetofor keys`: create, list and revoke API keys."""

from __future__ import annotations

import typer

from core.db import check_connection, session_scope
from core.errors import NotFound
from models import Role
from services import keys
from svetofor.context import engine_for, load_settings, user_errors

app = typer.Typer(help="API keys (stored hashed; a key is printed once).", no_args_is_help=True)


@app.command("create")
def create(
    role: Role = typer.Option(..., help="admin, smm or marketer"),
    name: str = typer.Option("", help="who or what the key is for"),
) -> None:
    """Print a new API key; keep it, it cannot be shown again."""
    engine = engine_for(load_settings())
    with user_errors():
        check_connection(engine)
        with session_scope(engine) as session:
            _, token = keys.create_key(session, role, name)
    typer.echo(token)


@app.command("list")
def list_() -> None:
    """Keys with their role and prefix (never the key itself)."""
    engine = engine_for(load_settings())
    with user_errors(), session_scope(engine) as session:
        for key in keys.list_keys(session):
            state = f"revoked {key.revoked_at:%Y-%m-%d}" if key.revoked_at else "active"
            typer.echo(f"{key.id}\t{key.prefix}…\t{key.role.value}\t{state}\t{key.name}")


@app.command("revoke")
def revoke(
    key_id: int = typer.Argument(..., min=1, max=2**63 - 1, help="the id shown by `keys list`"),
) -> None:
    engine = engine_for(load_settings())
    with user_errors(), session_scope(engine) as session:
        try:
            keys.revoke(session, key_id)
        except NotFound as exc:
            typer.echo(f"error: {exc}", err=True)
            raise typer.Exit(1) from None
    typer.echo(f"key {key_id} revoked")
