"""Sending queued alerts with retries and backoff, and building the daily digest."""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Mapping
from datetime import datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import update
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, func, select

from core.db import session_scope
from core.process import this_process
from core.timeutil import utcnow
from desk.alerts.channels import Channel, DeliveryError
from desk.alerts.outbox import enqueue
from desk.alerts.policy import AlertPolicy
from models import AlertDelivery, AlertKind, Case, CaseState, DeliveryStatus, Sla

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 8
BACKOFF_BASE = timedelta(seconds=30)
BACKOFF_MAX = timedelta(hours=1)
# How long a claimed delivery belongs to the process sending it: every channel gives up on a
# send after 10 s, so a live sender is done well within it; a dead one's alert goes out again
# after it (the receiver drops the repeat by its event id).
CLAIM_LEASE = timedelta(seconds=30)


def backoff(attempts: int) -> timedelta:
    delay: timedelta = BACKOFF_BASE * 2 ** (attempts - 1)
    return min(delay, BACKOFF_MAX)


def release_stale_claims(engine: Engine, now: datetime) -> int:
    """Claims whose process died mid-send go back to pending (the receiver drops a repeat by
    its event id); returns how many."""
    with engine.begin() as connection:
        result = connection.execute(
            update(AlertDelivery)
            .where(
                col(AlertDelivery.status) == DeliveryStatus.sending,
                col(AlertDelivery.claimed_until) < now,
            )
            .values(status=DeliveryStatus.pending, claimed_until=None)
        )
    return int(result.rowcount or 0)


def claim(engine: Engine, delivery_id: int, now: datetime) -> bool:
    """Take one due delivery for this process: an atomic pending -> sending transition, so
    of any number of processes exactly one sends it."""
    with engine.begin() as connection:
        result = connection.execute(
            update(AlertDelivery)
            .where(
                col(AlertDelivery.id) == delivery_id,
                col(AlertDelivery.status) == DeliveryStatus.pending,
                col(AlertDelivery.next_attempt_at) <= now,
            )
            .values(status=DeliveryStatus.sending, claimed_until=now + CLAIM_LEASE)
        )
    return result.rowcount == 1


def deliver_due(
    engine: Engine,
    channels: Mapping[str, Channel],
    now: datetime | None = None,
    *,
    rate_per_minute: int = 0,
) -> int:
    """Send every pending delivery that is due; return how many deliveries went out.

    Each row is claimed before it is sent, so two processes (a second instance, cron beside
    the service) never send one event twice. Every attempt counts, whatever the channel
    raised; after `MAX_ATTEMPTS` the delivery is given up and logged. No transaction is held
    while a channel talks to the network: a slow webhook must not lock the database.

    With `rate_per_minute`, a channel that already sent that many alerts in the last minute
    gets the rest as one message per kind listing them (a storm is bundled, nothing dropped).
    """
    now = now or utcnow()
    release_stale_claims(engine, now)
    query = (
        select(AlertDelivery.id, AlertDelivery.channel, AlertDelivery.kind, AlertDelivery.payload)
        .where(
            AlertDelivery.status == DeliveryStatus.pending,
            col(AlertDelivery.next_attempt_at) <= now,
        )
        .order_by(col(AlertDelivery.id))
    )
    with Session(engine) as session:
        due = session.exec(query).all()
        # what each channel may still send this minute (counted only when a rate is set)
        budget = {
            name: rate_per_minute - _sent_since(session, name, now - timedelta(minutes=1))
            for name in {row[1] for row in due}
            if rate_per_minute
        }
    sent = 0
    overflow: dict[tuple[str, str], list[tuple[int, dict[str, Any]]]] = defaultdict(list)
    for delivery_id, channel_name, kind, payload in due:
        if delivery_id is None:
            continue
        if rate_per_minute and budget[channel_name] <= 0:
            overflow[(channel_name, kind)].append((delivery_id, dict(payload)))
            continue
        if not claim(engine, delivery_id, now):
            continue  # another process took it
        if rate_per_minute:
            budget[channel_name] -= 1
        error = _send(channels.get(channel_name), channel_name, dict(payload))
        if _record_attempt(engine, delivery_id, error, now):
            sent += 1
    for (channel_name, kind), rows in overflow.items():
        claimed = [(i, payload) for i, payload in rows if claim(engine, i, now)]
        if not claimed:
            continue
        bundle = bundle_payload(AlertKind(kind), [payload for _, payload in claimed])
        error = _send(channels.get(channel_name), channel_name, bundle)
        for delivery_id, _ in claimed:
            if _record_attempt(engine, delivery_id, error, now):
                sent += 1
    return sent


def bundle_payload(kind: AlertKind, payloads: list[dict[str, Any]]) -> dict[str, Any]:
    """One message standing for many alerts of one kind (their event ids inside)."""
    return {
        "event": "bundle",
        "kind": kind.value,
        "count": len(payloads),
        "event_id": "bundle:" + ",".join(str(p.get("event_id")) for p in payloads),
        "items": payloads,
    }


def _sent_since(session: Session, channel: str, since: datetime) -> int:
    query = select(func.count()).where(
        AlertDelivery.channel == channel,
        AlertDelivery.status == DeliveryStatus.sent,
        col(AlertDelivery.sent_at) >= since,
    )
    return int(session.exec(query).one())


def _send(channel: Channel | None, name: str, payload: dict[str, Any]) -> str | None:
    """None when the channel took the alert, else why not (any exception is an attempt)."""
    if channel is None:
        return f"channel {name!r} is not configured"
    try:
        channel.send(payload)
    except DeliveryError as exc:
        return str(exc)
    except Exception as exc:  # a bug or an unexpected answer must not retry every tick forever
        logger.exception("alert channel %s raised", name)
        return f"{type(exc).__name__}: {exc}"
    return None


def deliver_one(
    engine: Engine,
    channels: Mapping[str, Channel],
    delivery_id: int,
    now: datetime | None = None,
    *,
    rate_per_minute: int = 0,
) -> AlertDelivery | None:
    """Send one due delivery (the body of a worker's alert task): claim, send, record.

    Returns the row after the attempt, or None when it was not this process's to send:
    another has it, it is not due or no longer pending, or its channel used its rate this
    minute (the desk tick then bundles it with the rest, `deliver_due`)."""
    now = now or utcnow()
    with Session(engine) as session:
        row = session.get(AlertDelivery, delivery_id)
        if row is None or row.status != DeliveryStatus.pending or row.next_attempt_at > now:
            return None
        if rate_per_minute and (
            _sent_since(session, row.channel, now - timedelta(minutes=1)) >= rate_per_minute
        ):
            return None
        channel_name, payload = row.channel, dict(row.payload)
    if not claim(engine, delivery_id, now):
        return None
    error = _send(channels.get(channel_name), channel_name, payload)
    _record_attempt(engine, delivery_id, error, now)
    with Session(engine, expire_on_commit=False) as session:
        return session.get(AlertDelivery, delivery_id)


def due_delivery_ids(engine: Engine, now: datetime | None = None, limit: int = 500) -> list[int]:
    """Pending deliveries that are due, oldest first (what a sweep hands to alert tasks)."""
    now = now or utcnow()
    with Session(engine) as session:
        rows = session.exec(
            select(AlertDelivery.id)
            .where(
                AlertDelivery.status == DeliveryStatus.pending,
                col(AlertDelivery.next_attempt_at) <= now,
            )
            .order_by(col(AlertDelivery.id))
            .limit(limit)
        ).all()
    return [i for i in rows if i is not None]


def _record_attempt(engine: Engine, delivery_id: int, error: str | None, now: datetime) -> bool:
    with session_scope(engine) as session:
        delivery = session.get(AlertDelivery, delivery_id)
        assert delivery is not None
        delivery.attempts += 1
        # the outbox keeps every attempt: when, which process, what went wrong
        delivery.attempt_log = [
            *delivery.attempt_log,
            {"at": now.isoformat(), "by": this_process(), "error": error},
        ]
        delivery.claimed_until = None
        if error is None:
            delivery.status, delivery.sent_at, delivery.last_error = DeliveryStatus.sent, now, None
        else:
            delivery.last_error = error
            if delivery.attempts >= MAX_ATTEMPTS:
                delivery.status = DeliveryStatus.failed
                logger.error(
                    "alert %s via %s given up after %d attempts: %s",
                    delivery.event_key,
                    delivery.channel,
                    delivery.attempts,
                    error,
                )
            else:
                delivery.status = DeliveryStatus.pending
                delivery.next_attempt_at = now + backoff(delivery.attempts)
                logger.warning(
                    "alert %s via %s failed (attempt %d): %s",
                    delivery.event_key,
                    delivery.channel,
                    delivery.attempts,
                    error,
                )
        session.add(delivery)
        return error is None


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
