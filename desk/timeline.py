"""The case timeline: every state change, reply, assignment and alert, written once."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlmodel import Session, select

from models import Case, CaseEvent


def add_event(
    session: Session, case: Case, kind: str, at: datetime, actor: str | None = None, **data: Any
) -> CaseEvent:
    assert case.id is not None
    event = CaseEvent(case_id=case.id, kind=kind, at=at, actor=actor, data=data)
    session.add(event)
    return event


def reopen_cycle(session: Session, case: Case) -> int:
    return sum(
        1
        for _ in session.exec(
            select(CaseEvent.id).where(CaseEvent.case_id == case.id, CaseEvent.kind == "reopened")
        )
    )
