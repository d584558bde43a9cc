"""Triage: which mentions open a case, joining the author's open case, reopening a closed one,
and the first-reply deadline a new case starts with."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlmodel import Session, col, select

from core.calendar import BusinessHours
from core.timeutil import utcnow
from desk.alerts.policy import AlertPolicy
from desk.case_alerts import alert_case
from desk.deadlines import earliest_publication, first_reply_deadline
from desk.timeline import add_event, reopen_cycle
from models import (
    OPEN_STATES,
    AlertKind,
    Brand,
    Case,
    CaseRules,
    CaseState,
    Mention,
    Priority,
    Sla,
)


def open_reason(mention: Mention, rules: CaseRules) -> str | None:
    """Why this mention needs an answer, or None."""
    label = mention.sentiment_label
    if rules.negative and label == "negative":
        return "negative"
    if (
        rules.max_rating is not None
        and mention.rating is not None
        and mention.rating <= rules.max_rating
    ):
        return f"rating {mention.rating}"
    if rules.uncertain and getattr(mention, "sentiment_uncertain", False):
        return "uncertain sentiment"
    if rules.neutral_questions and label == "neutral" and "?" in (mention.text or ""):
        return "question"
    return None


def author_key(mention: Mention) -> str | None:
    """The same author on the same source is the same conversation thread."""
    if not mention.author:
        return None
    return f"{mention.source_id}:{' '.join(mention.author.casefold().split())}"


def is_history(mention: Mention, brand: Brand) -> bool:
    """Published (at its earliest possible moment) more than the brand's alert window before
    we found it: stored, labelled and counted, but no case and no alert (a site's archive)."""
    if not brand.alert_window:
        return False
    earliest = earliest_publication(
        mention.published_at, mention.published_precision, mention.published_raw
    )
    return earliest is not None and mention.discovered_at - earliest > timedelta(
        days=brand.alert_window
    )


def _priority(mention: Mention, breached: bool) -> Priority:
    if breached:
        return Priority.urgent
    if mention.rating == 1 or (
        mention.sentiment_label == "negative" and (mention.sentiment_score or 0) >= 0.9
    ):
        return Priority.high
    return Priority.normal


def _calendar(brand: Brand) -> BusinessHours | None:
    return BusinessHours.model_validate(brand.business_hours) if brand.business_hours else None


def _set_first_deadline(case: Case, mention: Mention, brand: Brand) -> bool:
    deadline = first_reply_deadline(
        published_at=mention.published_at,
        precision=mention.published_precision,
        published_raw=mention.published_raw,
        discovered_at=mention.discovered_at,
        response_hours=brand.response_hours,
        calendar=_calendar(brand),
    )
    case.first_reply_start = deadline.start
    case.first_reply_due_at = deadline.due_at
    case.first_reply_basis = deadline.basis
    case.first_reply_note = deadline.note
    case.discovery_lag_seconds = (
        int(deadline.discovery_lag.total_seconds()) if deadline.discovery_lag else None
    )
    case.first_replied_at = None
    case.first_reply_sla = Sla.breached if deadline.breached_on_discovery else Sla.on_track
    return deadline.breached_on_discovery


def triage(
    session: Session, mention: Mention, policy: AlertPolicy, now: datetime | None = None
) -> Case | None:
    """Open, extend or reopen a case for a mention that needs an answer.

    Runs once per content version of a mention (`triaged_version`): re-labelling the same
    text never comes back here, so a closed case stays closed and a dismissal stands.
    """
    now = now or utcnow()
    mention.triaged_version = mention.version
    session.add(mention)
    if mention.case_id is not None:
        current = session.get(Case, mention.case_id)
        if current is not None and current.state in OPEN_STATES:
            return current  # a mention appears in at most one open case
    brand = session.get(Brand, mention.brand_id)
    assert brand is not None and mention.id is not None
    reason = open_reason(mention, CaseRules.model_validate(brand.case_rules or {}))
    if reason is None or is_history(mention, brand):
        return None
    key = author_key(mention)
    previous = None
    if key is not None:
        previous = session.exec(
            select(Case)
            .where(Case.author_key == key, Case.brand_id == brand.id)
            .order_by(col(Case.opened_at).desc())
        ).first()
    if previous is not None and previous.state in (CaseState.new, CaseState.acknowledged):
        mention.case_id = previous.id
        session.add(mention)
        add_event(session, previous, "mention_added", now, mention_id=mention.id)
        return previous
    if previous is not None and previous.state != CaseState.dismissed:
        return _reopen(session, previous, mention, brand, reason, policy, now)
    return _open(session, mention, brand, reason, key, policy, now)


def _open(
    session: Session,
    mention: Mention,
    brand: Brand,
    reason: str,
    key: str | None,
    policy: AlertPolicy,
    now: datetime,
) -> Case:
    assert brand.id is not None and mention.id is not None
    case = Case(
        brand_id=brand.id,
        mention_id=mention.id,
        reason=reason,
        author_key=key,
        opened_at=now,
        updated_at=now,
        first_reply_start=now,
        first_reply_due_at=now,
        first_reply_basis="published",
    )
    breached = _set_first_deadline(case, mention, brand)
    case.priority = _priority(mention, breached)
    session.add(case)
    session.flush()
    mention.case_id = case.id
    session.add(mention)
    add_event(
        session,
        case,
        "opened",
        now,
        reason=reason,
        mention_id=mention.id,
        due_at=case.first_reply_due_at.isoformat(),
        basis=case.first_reply_basis,
        note=case.first_reply_note,
        discovery_lag_seconds=case.discovery_lag_seconds,
    )
    alert_case(session, policy, case, AlertKind.new_case, f"case:{case.id}:opened", now)
    if breached:
        add_event(
            session,
            case,
            "sla_changed",
            now,
            deadline="first_reply",
            sla="breached",
            on_discovery=True,
        )
        alert_case(
            session, policy, case, AlertKind.breached, f"case:{case.id}:breached:first_reply", now
        )
    return case


def _reopen(
    session: Session,
    case: Case,
    mention: Mention,
    brand: Brand,
    reason: str,
    policy: AlertPolicy,
    now: datetime,
) -> Case:
    assert mention.id is not None
    previous_state = case.state
    case.state = CaseState.new
    case.mention_id = mention.id
    case.reason = reason
    case.closed_at = case.resolved_at = case.resolution_due_at = None
    case.resolution_sla = None
    case.resolution_promised = False
    breached = _set_first_deadline(case, mention, brand)
    case.priority = _priority(mention, breached)
    case.updated_at = now
    mention.case_id = case.id
    session.add_all([case, mention])
    cycle = reopen_cycle(session, case)
    add_event(
        session,
        case,
        "reopened",
        now,
        previous_state=previous_state.value,
        mention_id=mention.id,
        due_at=case.first_reply_due_at.isoformat(),
    )
    # Alert keys carry the cycle, so a reopened case alerts again — once per cycle.
    alert_case(session, policy, case, AlertKind.new_case, f"case:{case.id}:reopened:{cycle}", now)
    return case
