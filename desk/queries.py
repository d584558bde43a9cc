"""Reading the desk for the API and the dashboard alike: the queue sorted by the deadline
that matters now, one case's mentions, replies and timeline, and the alert log.

Every function takes keyword-only filters, so both callers read the same rows the same way.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import and_, bindparam, func, or_
from sqlalchemy import case as sql_case
from sqlmodel import Session, col, select

from core import cursors
from core.errors import NotFound
from models import (
    AlertDelivery,
    AlertKind,
    Brand,
    Case,
    CaseEvent,
    CasePublic,
    CaseState,
    DeliveryStatus,
    Mention,
    Priority,
    Reply,
    ReplyStatus,
    Sla,
)
from models.types import UTCDateTime
from services.catalog import brand_by_name
from services.mention_queries import text_search

# States that still owe the customer something (a resolved case only awaits closing).
AWAITING_REPLY = (CaseState.new, CaseState.acknowledged)
ARCHIVED = (CaseState.resolved, CaseState.closed, CaseState.dismissed)


def next_due(model: type[Case] = Case) -> Any:
    """The deadline that matters now: the first reply until it is posted, then resolution."""
    return sql_case(
        (col(model.first_replied_at).is_(None), col(model.first_reply_due_at)),
        else_=col(model.resolution_due_at),
    )


@dataclass
class CaseFilter:
    state: CaseState | None = None
    sla: Sla | None = None
    brand: str | None = None
    assignee: str | None = None
    due_before: datetime | None = None
    awaiting_reply: bool = False  # only new and acknowledged cases (the dashboard's queue)
    priority: Priority | None = None
    unassigned: bool = False  # nobody has taken it
    q: str | None = None  # full-text over the case's first mention, any inflected form
    archived: bool = False  # resolved, closed and dismissed cases, most recently finished first


def encode_queue_cursor(case: Case) -> str:
    """Where the next page starts: the last case's deadline that matters now, and its id."""
    due = case.first_reply_due_at if case.first_replied_at is None else case.resolution_due_at
    return cursors.encode({"due": due.isoformat() if due else None, "id": case.id})


def _after(cursor: str) -> Any:
    """Cases after the cursor in the queue's order (deadline ascending, no deadline last)."""
    payload = cursors.decode(cursor)
    due = None if payload.get("due") is None else cursors.read_time(payload["due"])
    last_id = cursors.read_id(payload.get("id"))
    deadline = next_due()
    if due is None:
        return and_(deadline.is_(None), col(Case.id) > last_id)
    due_param = bindparam("queue_due", due, type_=UTCDateTime())
    return or_(
        deadline > due_param,
        and_(deadline == due_param, col(Case.id) > last_id),
        deadline.is_(None),
    )


def list_cases(
    session: Session,
    *,
    filters: CaseFilter,
    limit: int = 100,
    offset: int = 0,
    cursor: str | None = None,
) -> list[tuple[Case, str]]:
    """Cases with their brand's name, by the deadline that matters now, filtered in SQL;
    `cursor` (from `encode_queue_cursor`) pages by keyset, so a case that changes while the
    team pages is neither skipped nor shown twice."""
    query = select(Case, Brand.name).join(Brand, col(Brand.id) == col(Case.brand_id))
    if cursor is not None:
        query = query.where(_after(cursor))
    if filters.state is not None:
        query = query.where(Case.state == filters.state)
    if filters.awaiting_reply:
        query = query.where(col(Case.state).in_(AWAITING_REPLY))
    if filters.sla is not None:
        query = query.where(
            or_(col(Case.first_reply_sla) == filters.sla, col(Case.resolution_sla) == filters.sla)
        )
    if filters.brand is not None:
        query = query.where(Case.brand_id == brand_by_name(session, filters.brand).id)
    if filters.assignee is not None:
        query = query.where(Case.assignee == filters.assignee)
    if filters.due_before is not None:
        query = query.where(next_due() < filters.due_before)
    if filters.priority is not None:
        query = query.where(Case.priority == filters.priority)
    if filters.unassigned:
        query = query.where(or_(col(Case.assignee).is_(None), col(Case.assignee) == ""))
    if filters.q:
        found = select(Mention.id).where(text_search(session, filters.q))
        query = query.where(col(Case.mention_id).in_(found))
    if filters.archived:
        query = query.where(col(Case.state).in_(ARCHIVED))
        finished = func.coalesce(col(Case.closed_at), col(Case.resolved_at), col(Case.updated_at))
        query = query.order_by(finished.desc(), col(Case.id).desc())
    else:
        query = query.order_by(next_due().asc().nulls_last(), col(Case.id))
    return [(row[0], row[1]) for row in session.exec(query.offset(offset).limit(limit))]


def waiting_replies(session: Session, case_ids: list[int]) -> dict[int, list[str]]:
    """Per case, the statuses of its replies not posted yet (drafts awaiting approval,
    approved ones awaiting posting), for the queue's badges."""
    rows = session.exec(
        select(Reply.case_id, Reply.status)
        .where(col(Reply.case_id).in_(case_ids), Reply.status != ReplyStatus.posted)
        .order_by(col(Reply.id))
    ).all()
    waiting: dict[int, list[str]] = {}
    for case_id, reply_status in rows:
        waiting.setdefault(case_id, []).append(ReplyStatus(reply_status).value)
    return waiting


def get_case(session: Session, case_id: int) -> Case:
    case = session.get(Case, case_id)
    if case is None:
        raise NotFound(f"case {case_id} not found")
    return case


def get_reply(session: Session, *, case_id: int, reply_id: int) -> Reply:
    reply = session.get(Reply, reply_id)
    if reply is None or reply.case_id != case_id:
        raise NotFound(f"reply {reply_id} of case {case_id} not found")
    return reply


def case_public(session: Session, *, case: Case, brand: str | None = None) -> CasePublic:
    """The case as the API shows it; `brand`: its brand's name when the caller has it."""
    if brand is None:
        row = session.get(Brand, case.brand_id)
        assert row is not None  # a foreign key
        brand = row.name
    return CasePublic.model_validate(case, update={"brand": brand})


def case_mention_ids(session: Session, *, case: Case) -> list[int]:
    """The mention that opened the case first, then the others that joined it, oldest first."""
    others = session.exec(
        select(Mention.id)
        .where(Mention.case_id == case.id, Mention.id != case.mention_id)
        .order_by(col(Mention.id))
    )
    return [case.mention_id, *(m for m in others if m is not None)]


def case_replies(session: Session, *, case_id: int) -> list[Reply]:
    return list(session.exec(select(Reply).where(Reply.case_id == case_id).order_by(col(Reply.id))))


def case_timeline(session: Session, *, case_id: int) -> list[CaseEvent]:
    query = (
        select(CaseEvent)
        .where(CaseEvent.case_id == case_id)
        .order_by(col(CaseEvent.at), col(CaseEvent.id))
    )
    return list(session.exec(query))


def author_history(session: Session, *, mention: Mention, limit: int = 20) -> list[Mention]:
    """The same author's other mentions on the same source, newest first."""
    if not mention.author:
        return []
    query = (
        select(Mention)
        .where(
            Mention.source_id == mention.source_id,
            Mention.author == mention.author,
            Mention.id != mention.id,
        )
        .order_by(col(Mention.occurred_at).desc())
        .limit(limit)
    )
    return list(session.exec(query))


def mentions_by_id(session: Session, *, ids: list[int]) -> dict[int, Mention]:
    rows = session.exec(select(Mention).where(col(Mention.id).in_(ids)))
    return {m.id: m for m in rows if m.id is not None}


def alert_log(
    session: Session,
    *,
    status: DeliveryStatus | None = None,
    case_id: int | None = None,
    kind: AlertKind | None = None,
    before: int | None = None,
    limit: int = 100,
) -> list[AlertDelivery]:
    """Newest first: what was sent where, what is waiting, what failed and why; `before` an
    id for the next page (keyset: a page never shifts while alerts arrive)."""
    query = select(AlertDelivery).order_by(col(AlertDelivery.id).desc()).limit(limit)
    if status is not None:
        query = query.where(AlertDelivery.status == status)
    if case_id is not None:
        query = query.where(AlertDelivery.case_id == case_id)
    if kind is not None:
        query = query.where(AlertDelivery.kind == kind)
    if before is not None:
        query = query.where(col(AlertDelivery.id) < before)
    return list(session.exec(query))
