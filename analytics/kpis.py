"""Response KPIs: replies within the deadline, time to first reply, open and breached cases."""

from __future__ import annotations

import statistics
from datetime import datetime, timedelta
from typing import Any

from sqlmodel import Session, col, func, select

from models import Case, CaseState, Mention, MentionRevision, Sla

# Cases still owing a reply (a resolved case only awaits closing).
AWAITING = [CaseState.new, CaseState.acknowledged]


def _cases_opened(session: Session, brand_id: int, since: datetime, until: datetime) -> list[Case]:
    """The brand's cases opened in [since, until), dismissed ones aside."""
    return list(
        session.exec(
            select(Case).where(
                Case.brand_id == brand_id,
                col(Case.opened_at) >= since,
                col(Case.opened_at) < until,
                Case.state != CaseState.dismissed,
            )
        )
    )


def response_kpis(
    session: Session, *, brand_id: int, since: datetime, until: datetime
) -> dict[str, Any]:
    """Over cases opened in [since, until); open and breached counts are as of now."""
    opened = _cases_opened(session, brand_id, since, until)
    opened_kpis = _opened_kpis(opened)
    open_now = session.exec(
        select(func.count())
        .select_from(Case)
        .where(Case.brand_id == brand_id, col(Case.state).in_(AWAITING))
    ).one()
    breached_now = session.exec(
        select(func.count())
        .select_from(Case)
        .where(
            Case.brand_id == brand_id,
            col(Case.state).in_(AWAITING),
            (col(Case.first_reply_sla) == Sla.breached)
            | (col(Case.resolution_sla) == Sla.breached),
        )
    ).one()
    changes = [rating_after_reply(session, case) for case in opened if case.first_replied_at]
    changed = [change for change in changes if change is not None]
    return {
        **opened_kpis,
        "open_cases": int(open_now),
        "breached_cases": int(breached_now),
        "reviews_rerated_after_reply": len(changed),
        "reviews_improved_after_reply": sum(after > before for before, after in changed),
    }


def rating_after_reply(session: Session, case: Case) -> tuple[int, int] | None:
    """(the rating when the team first replied, the rating now) if the author re-rated the
    review after that reply, e.g. (1, 4): what a reply changed. None otherwise."""
    if case.first_replied_at is None:
        return None
    mention = session.get(Mention, case.mention_id)
    if mention is None or mention.rating is None:
        return None
    replaced = session.exec(  # the version that stood when we replied, replaced later
        select(MentionRevision.rating)
        .where(
            MentionRevision.mention_id == mention.id,
            col(MentionRevision.replaced_at) >= case.first_replied_at,
        )
        .order_by(col(MentionRevision.replaced_at))
    ).first()
    if replaced is None or replaced == mention.rating:
        return None
    return replaced, mention.rating


def _opened_kpis(opened: list[Case]) -> dict[str, Any]:
    """What the cases opened in a period say about the team's first replies."""
    decided = [c for c in opened if c.first_reply_sla in (Sla.met, Sla.missed, Sla.breached)]
    met = sum(1 for c in decided if c.first_reply_sla == Sla.met)
    waits = [
        (c.first_replied_at - c.first_reply_start).total_seconds() / 3600
        for c in opened
        if c.first_replied_at is not None
    ]
    return {
        "cases_opened": len(opened),
        "first_replies_within_deadline": met,
        "first_replies_decided": len(decided),
        "share_within_deadline": met / len(decided) if decided else None,
        "median_hours_to_first_reply": statistics.median(waits) if waits else None,
    }


def weekly_kpis(
    session: Session, *, brand_id: int, since: datetime, until: datetime
) -> list[dict[str, Any]]:
    """The same first-reply figures per 7 days from `since` (the last week may be shorter),
    read in one query: how the team's response time moves."""
    opened = _cases_opened(session, brand_id, since, until)
    weeks = []
    start = since
    while start < until:
        end = min(start + timedelta(days=7), until)
        inside = [c for c in opened if start <= c.opened_at < end]
        weeks.append({"start": start, "end": end, **_opened_kpis(inside)})
        start = end
    return weeks
