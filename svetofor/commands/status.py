"""`svetofor status`: queue depths, workers seen, oldest pending mention and alert, last beat."""

from __future__ import annotations

import json
from typing import Any

import typer

from core.db import check_connection
from svetofor.context import engine_for, load_settings, user_errors


def _seconds(value: float | None) -> str:
    if value is None:
        return "none"
    if value < 120:
        return f"{value:.0f} s ago"
    if value < 7200:
        return f"{value / 60:.0f} min ago"
    return f"{value / 3600:.1f} h ago"


def _lines(status: dict[str, Any]) -> list[str]:
    db = status["database"]
    lines = [
        f"mode: {status['mode']}",
        f"mentions waiting for a label: {db['mentions_unlabelled']} "
        f"(oldest stored {_seconds(db['oldest_unlabelled_age_s'])}; "
        f"{db['mentions_being_labelled']} being labelled, {db['mentions_set_aside']} set aside)",
        f"alerts waiting to go out: {db['alerts_pending']} "
        f"(oldest queued {_seconds(db['oldest_pending_alert_age_s'])}; "
        f"{db['alerts_failed']} given up)",
        f"crawls running: {db['crawls_running']}",
    ]
    if "broker_error" in status:
        return [*lines, f"broker: {status['broker']} UNREACHABLE: {status['broker_error']}"]
    if status["mode"] == "distributed":
        queues = ", ".join(f"{q} {n}" for q, n in status["queues"].items())
        workers = ", ".join(status["workers"]) or "NONE — start `svetofor worker`"
        beat = status["last_beat_age_s"]
        lines += [
            f"broker: {status['broker']}",
            f"queued tasks: {queues}",
            f"workers seen: {len(status['workers'])} ({workers})",
            "last beat: "
            + (_seconds(beat) if beat is not None else "never — start `svetofor beat`"),
        ]
    return lines


def status(
    as_json: bool = typer.Option(False, "--json", help="one JSON object, for monitoring"),
) -> None:
    """What is waiting and who is working on it."""
    from workers.status import system_status

    settings = load_settings()
    engine = engine_for(settings)
    with user_errors():
        check_connection(engine)
        result = system_status(settings, engine)
    if as_json:
        typer.echo(json.dumps(result, ensure_ascii=False))
    else:
        for line in _lines(result):
            typer.echo(line)
    if "broker_error" in result:
        raise typer.Exit(1)  # for monitoring: the work cannot move
