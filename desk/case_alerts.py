"""A case's alert: what the SMM team is told about it, queued once per event key."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlmodel import Session

from desk.alerts.outbox import enqueue
from desk.alerts.policy import AlertPolicy
from models import AlertKind, Brand, Case, Mention


def case_payload(session: Session, case: Case, kind: AlertKind) -> dict[str, Any]:
    """What every channel is told about a case (the event id is added when it is queued)."""
    mention = session.get(Mention, case.mention_id)
    brand = session.get(Brand, case.brand_id)
    return {
        "event": kind.value,
        "case_id": case.id,
        "brand": brand.name if brand else None,
        "state": case.state.value,
        "priority": case.priority.value,
        "reason": case.reason,
        "first_reply_due_at": case.first_reply_due_at.isoformat(),
        "first_reply_sla": case.first_reply_sla.value,
        "resolution_due_at": case.resolution_due_at.isoformat() if case.resolution_due_at else None,
        "mention": {
            "url": mention.url,
            "author": mention.author,
            "text": mention.text[:500],
            "rating": mention.rating,
        }
        if mention
        else None,
    }


def alert_case(
    session: Session, policy: AlertPolicy, case: Case, kind: AlertKind, key: str, now: datetime
) -> None:
    payload = case_payload(session, case, kind)
    enqueue(
        session,
        policy,
        kind=kind,
        event_key=key,
        payload=payload,
        now=now,
        case_id=case.id,
        priority=case.priority.value,
    )
