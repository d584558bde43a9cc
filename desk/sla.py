"""SLA state of a deadline at a moment: on track, at risk, breached, then met or missed."""

from __future__ import annotations

from datetime import datetime, timedelta

from models import Sla


def sla_state(
    due_at: datetime | None, done_at: datetime | None, now: datetime, at_risk: timedelta
) -> Sla | None:
    """None when there is no deadline yet."""
    if due_at is None:
        return None
    if done_at is not None:
        return Sla.met if done_at <= due_at else Sla.missed
    if now >= due_at:
        return Sla.breached
    if due_at - now <= at_risk:
        return Sla.at_risk
    return Sla.on_track
