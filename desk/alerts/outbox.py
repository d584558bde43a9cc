"""The alert outbox: one delivery per (event, channel), sent and retried later."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from desk.alerts.policy import AlertPolicy
from models import AlertDelivery, AlertKind, DeliveryStatus


def enqueue(
    session: Session,
    policy: AlertPolicy,
    *,
    kind: AlertKind,
    event_key: str,
    payload: dict[str, Any],
    now: datetime,
    case_id: int | None = None,
    priority: str = "normal",
) -> list[AlertDelivery]:
    """Queue the event on every channel once; an event already queued is not queued again.

    The payload carries `event_id` (the event key), so a receiver can drop a repeat.
    """
    payload = {**payload, "event_id": event_key}
    created = []
    for channel in policy.channels:
        exists = session.exec(
            select(AlertDelivery.id).where(
                AlertDelivery.event_key == event_key, AlertDelivery.channel == channel
            )
        ).first()
        if exists is not None:
            continue
        held = policy.holds(kind.value, priority, now)
        delivery = AlertDelivery(
            event_key=event_key,
            channel=channel,
            kind=kind,
            case_id=case_id,
            priority=priority,
            payload=payload,
            created_at=now,
            next_attempt_at=now,
            status=DeliveryStatus.held if held else DeliveryStatus.pending,
        )
        try:
            with session.begin_nested():
                session.add(delivery)
        except IntegrityError:  # a concurrent checker queued it first
            continue
        created.append(delivery)
    return created
