"""`svetofor serve`: the HTTP service."""

from __future__ import annotations

import logging
from pathlib import Path

import typer
from sqlmodel import select

from core.db import check_connection, current_revision, head_revision, session_scope
from desk.templates import ensure_default_templates
from models import Brand
from services.configfile import load_config
from svetofor.context import engine_for, fail, load_settings, user_errors

DEMO_CONFIG = Path(__file__).resolve().parents[2] / "examples" / "demo.yaml"
# The address demo.yaml names; its sources are rebased onto the real one.
DEMO_BASE = "http://127.0.0.1:8000"


def serve(
    host: str | None = typer.Option(None, help="address to bind (default: SVETOFOR_HOST)"),
    port: int | None = typer.Option(None, help="port (default: SVETOFOR_PORT)"),
    demo: bool = typer.Option(False, "--demo", help="load examples/demo.yaml into an empty DB"),
) -> None:
    """Start the service. SVETOFOR_CONFIG, when set, is loaded (upserted) first."""
    settings = load_settings()
    engine = engine_for(settings)
    bind_host, bind_port = host or settings.host, port or settings.port
    # where a browser on this machine reaches us (0.0.0.0 binds everywhere, 127.0.0.1 answers)
    shown_host = "127.0.0.1" if bind_host in ("0.0.0.0", "::", "") else bind_host
    base = f"http://{shown_host}:{bind_port}"
    with user_errors():
        check_connection(engine)
        if current_revision(engine) != head_revision():
            fail("the database schema is not up to date: run `svetofor init` first")
        with session_scope(engine) as session:
            ensure_default_templates(session)
            if settings.config is not None:
                load_config(session, settings.config)
                typer.echo(f"loaded {settings.config}")
            elif demo and session.exec(select(Brand.id)).first() is None:
                load_config(session, DEMO_CONFIG, rebase=(DEMO_BASE, base))
                typer.echo(
                    f"empty database: loaded the demo from {DEMO_CONFIG} (sources at {base})"
                )
    # the web stack loads for this command only: every other command starts faster
    import uvicorn

    from api.main import create_app

    app = create_app(settings, engine, background=True)
    typer.echo(
        f"Svetofor at {base} — dashboard {base}/dashboard/, API docs {base}/docs\n"
        "Sign in with an API key: svetofor keys create --role smm "
        "(.venv/bin/svetofor keys create --role smm in a clone)"
    )
    if settings.distributed:
        typer.echo(
            "Background work (crawls, labelling, deadlines, alerts) runs in Celery workers: "
            "start `svetofor worker` and one `svetofor beat`; `svetofor status` shows them"
        )
    show_progress_logs()
    uvicorn.run(app, host=bind_host, port=bind_port, log_level="info")


PROJECT_LOGGERS = ("api", "classifier", "crawlers", "desk", "services", "workers")


def show_progress_logs() -> None:
    """The service's own progress (the model loading, cases opened, alerts sent) at INFO on
    stderr; other libraries stay at WARNING."""
    logging.basicConfig(
        level=logging.WARNING, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    for name in PROJECT_LOGGERS:
        logging.getLogger(name).setLevel(logging.INFO)
