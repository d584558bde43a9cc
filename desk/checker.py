"""The deadline checker: moves SLA states on and escalates each change exactly once."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlmodel import Session, col, select

from core.timeutil import utcnow
from desk.alerts.policy import AlertPolicy
from desk.case_alerts import alert_case
from desk.sla import sla_state
from desk.timeline import add_event, reopen_cycle
from models import AlertKind, Brand, Case, CaseState, Sla

ESCALATE = {Sla.at_risk: AlertKind.at_risk, Sla.breached: AlertKind.breached}


def check_deadlines(session: Session, policy: AlertPolicy, now: datetime | None = None) -> int:
    """Update every open case's SLA states; return how many states changed."""
    now = now or utcnow()
    at_risk = {b.id: timedelta(hours=b.at_risk_hours) for b in session.exec(select(Brand))}
    cases = session.exec(
        select(Case).where(col(Case.state).in_([CaseState.new, CaseState.acknowledged]))
    ).all()
    changes = 0
    for case in cases:
        window = at_risk.get(case.brand_id, timedelta(hours=4))
        first = sla_state(case.first_reply_due_at, case.first_replied_at, now, window)
        resolution = sla_state(case.resolution_due_at, case.resolved_at, now, window)
        for deadline, old, new in (
            ("first_reply", case.first_reply_sla, first),
            ("resolution", case.resolution_sla, resolution),
        ):
            if new is None or new == old:
                continue
            if deadline == "first_reply":
                case.first_reply_sla = new
            else:
                case.resolution_sla = new
            case.updated_at = now
            session.add(case)
            add_event(
                session,
                case,
                "sla_changed",
                now,
                deadline=deadline,
                sla=new.value,
                previous=old.value if old else None,
            )
            changes += 1
            if new in ESCALATE:
                cycle = reopen_cycle(session, case)
                key = f"case:{case.id}:{new.value}:{deadline}:{cycle}"
                alert_case(session, policy, case, ESCALATE[new], key, now)
    return changes
