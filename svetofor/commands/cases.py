"""`svetofor cases`: the queue from the shell, and one deadline check for cron."""

from __future__ import annotations

import typer

from core.db import check_connection, session_scope
from core.errors import NotFound
from models import CaseState, Sla
from svetofor.context import engine_for, fail, load_settings, user_errors

app = typer.Typer(help="The response desk's cases.", no_args_is_help=True)


@app.command("list")
def list_(
    state: CaseState | None = typer.Option(None, help="new, acknowledged, resolved, …"),
    sla: Sla | None = typer.Option(None, help="on_track, at_risk, breached, met, missed"),
    brand: str | None = typer.Option(None),
    limit: int = typer.Option(50, min=1, max=500),
) -> None:
    """Cases by the deadline that matters now, one per line."""
    from desk.queries import CaseFilter, list_cases  # the desk loads for its commands only

    engine = engine_for(load_settings())
    with user_errors():
        check_connection(engine)
        with session_scope(engine) as session:
            try:
                rows = list_cases(
                    session, filters=CaseFilter(state=state, sla=sla, brand=brand), limit=limit
                )
            except NotFound as exc:
                fail(str(exc))
            for case, brand_name in rows:
                due = (
                    case.first_reply_due_at
                    if case.first_replied_at is None
                    else case.resolution_due_at
                )
                sla_now = (
                    case.first_reply_sla if case.first_replied_at is None else case.resolution_sla
                )
                typer.echo(
                    f"#{case.id}\t{brand_name}\t{case.state.value}\t"
                    f"{due.isoformat() if due else '-'}\t"
                    f"{sla_now.value if sla_now else '-'}\t{case.priority.value}"
                )


@app.command("check")
def check() -> None:
    """Triage labelled mentions, update SLA states, queue the alerts, send what is due (the
    service does this itself)."""
    from desk.alerts.delivery import deliver_due
    from desk.alerts.setup import alert_policy, delivery_channels
    from desk.checker import check_deadlines
    from desk.owner_replies import notice_owner_replies
    from desk.triage import triage
    from services.label_store import triage_labelled

    settings = load_settings()
    engine = engine_for(settings)
    with user_errors():
        check_connection(engine)
        with session_scope(engine) as session:  # the settings' channels and the stored ones
            policy = alert_policy(settings, session)
            channels = delivery_channels(settings, session)
        triaged = triage_labelled(engine, lambda session, mention: triage(session, mention, policy))
        with session_scope(engine) as session:
            owner_replies = notice_owner_replies(session)
            changed = check_deadlines(session, policy)
        sent = deliver_due(engine, channels, rate_per_minute=settings.alert_rate_per_minute)
    typer.echo(
        f"{triaged} mentions triaged, {owner_replies} owner replies noticed, {changed} SLA "
        f"changes, {sent} alerts sent"
    )
