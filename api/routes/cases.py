"""Cases: the queue, one case with its timeline, replies in two stages, assignment."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, HTTPException, Query, status
from pydantic import BaseModel
from sqlmodel import col, select

from api.auth import SmmRole
from api.deps import SessionDep, SettingsDep
from core import mentions as mention_service
from desk import cases as case_service
from desk import replies as reply_service
from desk.queries import CaseFilter, case_public, get_case, list_cases
from models import (
    Brand,
    CaseDismiss,
    CaseEvent,
    CaseEventPublic,
    CasePublic,
    CaseState,
    CaseUpdate,
    Mention,
    MentionPublic,
    Reply,
    ReplyCreate,
    ReplyPosted,
    ReplyPublic,
    Sla,
)

router = APIRouter(prefix="/cases", tags=["cases"], dependencies=[SmmRole])


class CaseDetail(BaseModel):
    case: CasePublic
    mentions: list[MentionPublic]
    replies: list[ReplyPublic]
    timeline: list[CaseEventPublic]


def _public(session: SessionDep, case_id: int) -> CasePublic:
    case = get_case(session, case_id)
    brand = session.get(Brand, case.brand_id)
    assert brand is not None
    return case_public(case, brand.name)


@router.get("", response_model=list[CasePublic])
def queue(
    session: SessionDep,
    state: CaseState | None = None,
    sla: Sla | None = None,
    brand: str | None = None,
    assignee: str | None = None,
    due_before: datetime | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> list[CasePublic]:
    """Cases sorted by the deadline that matters now (first reply, then resolution)."""
    filters = CaseFilter(
        state=state, sla=sla, brand=brand, assignee=assignee, due_before=due_before
    )
    return [case_public(c, b) for c, b in list_cases(session, filters, limit=limit, offset=offset)]


@router.get("/{case_id}", response_model=CaseDetail)
def read_case(case_id: int, session: SessionDep) -> CaseDetail:
    case = get_case(session, case_id)
    mention_ids = [
        case.mention_id,
        *session.exec(
            select(Mention.id)
            .where(Mention.case_id == case_id, Mention.id != case.mention_id)
            .order_by(col(Mention.id))
        ),
    ]
    mentions = [
        mention_service.mention_public(*mention_service.get_mention(session, m))
        for m in mention_ids
        if m is not None
    ]
    replies = session.exec(
        select(Reply).where(Reply.case_id == case_id).order_by(col(Reply.id))
    ).all()
    events = session.exec(
        select(CaseEvent)
        .where(CaseEvent.case_id == case_id)
        .order_by(col(CaseEvent.at), col(CaseEvent.id))
    ).all()
    return CaseDetail(
        case=_public(session, case_id),
        mentions=mentions,
        replies=[ReplyPublic.model_validate(r) for r in replies],
        timeline=[CaseEventPublic.model_validate(e) for e in events],
    )


@router.patch("/{case_id}", response_model=CasePublic)
def update_case(case_id: int, body: CaseUpdate, session: SessionDep) -> CasePublic:
    case = get_case(session, case_id)
    changes = body.model_dump(exclude_unset=True)
    if "assignee" in changes:
        case_service.assign(session, case, changes["assignee"], actor=None)
    if changes.get("priority") is not None:
        case_service.set_priority(session, case, changes["priority"], actor=None)
    return _public(session, case_id)


@router.post("/{case_id}/dismiss", response_model=CasePublic)
def dismiss_case(case_id: int, body: CaseDismiss, session: SessionDep) -> CasePublic:
    case_service.dismiss(session, get_case(session, case_id), body.reason, actor=None)
    return _public(session, case_id)


@router.post("/{case_id}/close", response_model=CasePublic)
def close_case(case_id: int, session: SessionDep) -> CasePublic:
    case_service.close(session, get_case(session, case_id), actor=None)
    return _public(session, case_id)


@router.post("/{case_id}/replies", response_model=ReplyPublic, status_code=status.HTTP_201_CREATED)
def draft_reply(
    case_id: int, body: ReplyCreate, session: SessionDep, settings: SettingsDep
) -> ReplyPublic:
    """Draft a reply for a stage: `acknowledgement` (first) or `resolution` (second)."""
    case = get_case(session, case_id)
    reply = reply_service.draft(
        session,
        case,
        body.stage,
        text=body.text,
        template_name=body.template,
        promised_at=body.promised_at,
        case_link=f"{settings.public_url.rstrip('/')}/api/v1/cases/{case_id}",
    )
    return ReplyPublic.model_validate(reply)


def _reply(session: SessionDep, case_id: int, reply_id: int) -> Reply:
    reply = session.get(Reply, reply_id)
    if reply is None or reply.case_id != case_id:
        raise HTTPException(404, f"reply {reply_id} of case {case_id} not found")
    return reply


@router.post("/{case_id}/replies/{reply_id}/approve", response_model=ReplyPublic)
def approve_reply(case_id: int, reply_id: int, session: SessionDep) -> ReplyPublic:
    case = get_case(session, case_id)
    reply = reply_service.approve(session, case, _reply(session, case_id, reply_id), actor=None)
    return ReplyPublic.model_validate(reply)


@router.post("/{case_id}/replies/{reply_id}/posted", response_model=ReplyPublic)
def mark_posted(case_id: int, reply_id: int, body: ReplyPosted, session: SessionDep) -> ReplyPublic:
    """Record that the reply is live on the platform (posting itself is manual for now)."""
    case = get_case(session, case_id)
    try:
        reply = reply_service.mark_posted(
            session,
            case,
            _reply(session, case_id, reply_id),
            url=body.url,
            needs_followup=body.needs_followup,
            posted_at=body.posted_at,
        )
    except ValueError as exc:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, str(exc)) from exc
    return ReplyPublic.model_validate(reply)
