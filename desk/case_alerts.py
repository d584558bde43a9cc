"""A case's alert: what the SMM team is told about it, queued once per event key."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session

from desk.alerts.outbox import enqueue
from desk.alerts.policy import AlertPolicy
from models import AlertKind, Brand, Case, Mention


def alert_case(
    session: Session, policy: AlertPolicy, case: Case, kind: AlertKind, key: str, now: datetime
) -> None:
    mention = session.get(Mention, case.mention_id)
    brand = session.get(Brand, case.brand_id)
    payload = {
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
