"""A case's lifecycle after triage: assignment, priority, dismissal, closing."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlmodel import Session, col, select

from core.errors import Conflict
from core.timeutil import utcnow
from desk.timeline import add_event
from models import OPEN_STATES, Brand, Case, CaseEvent, CaseState, Priority


def assign(
    session: Session,
    case: Case,
    assignee: str | None,
    actor: str | None,
    now: datetime | None = None,
) -> Case:
    now = now or utcnow()
    case.assignee, case.updated_at = assignee, now
    session.add(case)
    add_event(session, case, "assigned", now, actor, assignee=assignee)
    return case


def set_priority(
    session: Session, case: Case, priority: Priority, actor: str | None, now: datetime | None = None
) -> Case:
    now = now or utcnow()
    case.priority, case.updated_at = priority, now
    session.add(case)
    add_event(session, case, "priority_changed", now, actor, priority=priority.value)
    return case


def dismiss(
    session: Session, case: Case, reason: str, actor: str | None, now: datetime | None = None
) -> Case:
    if case.state not in OPEN_STATES:
        raise Conflict(f"case {case.id} is {case.state.value}; only open cases can be dismissed")
    now = now or utcnow()
    previous = case.state
    case.state, case.dismiss_reason, case.closed_at, case.updated_at = (
        CaseState.dismissed,
        reason,
        now,
        now,
    )
    session.add(case)
    add_event(session, case, "dismissed", now, actor, reason=reason, previous_state=previous.value)
    return case


def undo_dismiss(
    session: Session, case: Case, actor: str | None, now: datetime | None = None
) -> Case:
    """Put a dismissed case back in the state it was dismissed from (the queue's undo)."""
    if case.state != CaseState.dismissed:
        raise Conflict(f"case {case.id} is {case.state.value}, not dismissed: nothing to undo")
    event = session.exec(
        select(CaseEvent)
        .where(CaseEvent.case_id == case.id, CaseEvent.kind == "dismissed")
        .order_by(col(CaseEvent.id).desc())
    ).first()
    previous = (event.data or {}).get("previous_state") if event is not None else None
    now = now or utcnow()
    case.state = CaseState(previous) if previous else CaseState.new
    case.dismiss_reason = case.closed_at = None
    case.updated_at = now
    session.add(case)
    add_event(session, case, "dismissal_undone", now, actor, state=case.state.value)
    return case


def close(session: Session, case: Case, actor: str | None, now: datetime | None = None) -> Case:
    if case.state != CaseState.resolved:
        raise Conflict(
            f"case {case.id} is {case.state.value}: post the resolution reply "
            "before closing it, or dismiss it"
        )
    now = now or utcnow()
    case.state, case.closed_at, case.updated_at = CaseState.closed, now, now
    session.add(case)
    add_event(session, case, "closed", now, actor)
    return case


def default_resolution_due(brand: Brand, replied_at: datetime) -> datetime:
    return replied_at + timedelta(days=brand.resolution_days)
