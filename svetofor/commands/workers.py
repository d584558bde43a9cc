"""`svetofor worker` and `svetofor beat`: the background work on Celery (docs/scale-out.md)."""

from __future__ import annotations

import os

import typer

from core.config import Settings
from core.db import check_connection, current_revision, head_revision
from svetofor.commands.serve import show_progress_logs
from svetofor.context import engine_for, fail, load_settings, user_errors

ALL_QUEUES = "crawl,classify,desk,alerts"


def _ready() -> Settings:
    """Settings with a broker, and a database at the current schema."""
    settings = load_settings()
    if not settings.distributed:
        fail(
            "SVETOFOR_BROKER_URL is not set: without a broker `svetofor serve` runs the "
            "background work itself (set it, e.g. redis://127.0.0.1:6379/0, to use workers)",
            code=2,
        )
    engine = engine_for(settings)
    with user_errors():
        check_connection(engine)
        if current_revision(engine) != head_revision():
            fail("the database schema is not up to date: run `svetofor init` first")
    engine.dispose()
    return settings


def worker(
    queues: str = typer.Option(
        ALL_QUEUES, "--queues", "-Q", help="comma-separated: crawl, classify, desk, alerts"
    ),
    concurrency: int = typer.Option(
        2, "--concurrency", "-c", min=1, help="tasks at once (each process loads the model)"
    ),
    name: str | None = typer.Option(
        None, "--name", "-n", help="worker name (default: svetofor-<pid>@<host>)"
    ),
) -> None:
    """Run a Celery worker for the given queues (any number, on any machine)."""
    from workers.app import QUEUES

    wanted = [q.strip() for q in queues.split(",") if q.strip()]
    unknown = sorted(set(wanted) - set(QUEUES))
    if unknown or not wanted:
        fail(f"unknown queue(s) {', '.join(unknown) or '(none given)'}: use {ALL_QUEUES}", code=2)
    settings = _ready()
    import workers.tasks  # noqa: F401  (registers the tasks)
    from workers.app import configure

    show_progress_logs()
    configure(settings).worker_main(
        [
            "worker",
            "--queues",
            ",".join(wanted),
            "--concurrency",
            str(concurrency),
            "--hostname",
            name or f"svetofor-{os.getpid()}@%h",
            # Celery's own lines (every task received/succeeded) only when something is wrong;
            # the service's progress (labelled, opened, sent) comes from its own loggers
            "--loglevel",
            "WARNING",
            # no start-up handshake with the other workers: seconds saved, nothing lost
            "--without-mingle",
            "--without-gossip",
        ]
    )


def beat() -> None:
    """Schedule the periodic work: due crawls, deadline checks, digests (run one; a standby
    beat beside it is harmless, see the README)."""
    settings = _ready()
    from workers.app import configure
    from workers.beat import HeartbeatScheduler

    show_progress_logs()
    configure(settings).Beat(scheduler=HeartbeatScheduler, loglevel="WARNING").run()
