"""Sending queued alerts with retries and backoff, and building the daily digest."""

from __future__ import annotations

import logging
from datetime import datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.engine import Engine
from sqlmodel import Session, col, func, select

from core.db import session_scope
from core.timeutil import utcnow
from desk.alerts.channels import Channel, DeliveryError
from desk.alerts.outbox import enqueue
from desk.alerts.policy import AlertPolicy
from models import AlertDelivery, AlertKind, Case, CaseState, DeliveryStatus, Sla

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 8
BACKOFF_BASE = timedelta(seconds=30)
BACKOFF_MAX = timedelta(hours=1)


def backoff(attempts: int) -> timedelta:
    delay: timedelta = BACKOFF_BASE * 2 ** (attempts - 1)
    return min(delay, BACKOFF_MAX)


def deliver_due(engine: Engine, channels: dict[str, Channel], now: datetime | None = None) -> int:
    """Send every pending delivery that is due; return how many were sent.

    No transaction is held while a channel talks to the network: a slow webhook must not
    lock the database that crawls are writing to.
    """
    now = now or utcnow()
    with Session(engine) as session:
        due = session.exec(
            select(AlertDelivery.id, AlertDelivery.channel, AlertDelivery.payload)
            .where(
                AlertDelivery.status == DeliveryStatus.pending,
                col(AlertDelivery.next_attempt_at) <= now,
            )
            .order_by(col(AlertDelivery.id))
        ).all()
    sent = 0
    for delivery_id, channel_name, payload in due:
        channel = channels.get(channel_name)
        error = None
        if channel is None:
            error = f"channel {channel_name!r} is not configured"
        else:
            try:
                channel.send(dict(payload))
            except DeliveryError as exc:
                error = str(exc)
        with session_scope(engine) as session:
            delivery = session.get(AlertDelivery, delivery_id)
            assert delivery is not None
            delivery.attempts += 1
            if error is None:
                delivery.status, delivery.sent_at, delivery.last_error = (
                    DeliveryStatus.sent,
                    utcnow(),
                    None,
                )
                sent += 1
            else:
                logger.warning(
                    "alert %s via %s failed: %s", delivery.event_key, channel_name, error
                )
                delivery.last_error = error
                if delivery.attempts >= MAX_ATTEMPTS:
                    delivery.status = DeliveryStatus.failed
                else:
                    delivery.next_attempt_at = now + backoff(delivery.attempts)
            session.add(delivery)
    return sent


def maybe_digest(
    session: Session, policy: AlertPolicy, at: time, timezone: str, now: datetime | None = None
) -> bool:
    """Queue today's digest once the digest time has passed; held alerts ride along."""
    now = now or utcnow()
    local = now.astimezone(ZoneInfo(timezone))
    if local.time() < at or not policy.channels:
        return False
    key = f"digest:{local.date().isoformat()}"
    if session.exec(select(AlertDelivery.id).where(AlertDelivery.event_key == key)).first():
        return False
    held = session.exec(
        select(AlertDelivery)
        .where(AlertDelivery.status == DeliveryStatus.held)
        .order_by(col(AlertDelivery.id))
    ).all()
    open_states = [CaseState.new, CaseState.acknowledged]

    def count(*conditions: Any) -> int:
        query = (
            select(func.count())
            .select_from(Case)
            .where(col(Case.state).in_(open_states), *conditions)
        )
        return int(session.exec(query).one())

    seen: set[str] = set()
    held_payloads = []
    for delivery in held:  # one line per event, not per channel
        if delivery.event_key not in seen:
            seen.add(delivery.event_key)
            held_payloads.append(delivery.payload)
        delivery.status = DeliveryStatus.digested
        session.add(delivery)
    payload = {
        "event": "digest",
        "date": local.date().isoformat(),
        "open_cases": count(),
        "breached": count(col(Case.first_reply_sla) == Sla.breached),
        "at_risk": count(col(Case.first_reply_sla) == Sla.at_risk),
        "held": held_payloads,
    }
    enqueue(session, policy, kind=AlertKind.digest, event_key=key, payload=payload, now=now)
    return True
