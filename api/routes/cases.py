"""Cases: the queue, one case with its timeline, replies in two stages, assignment."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query, Response, status
from fastapi.responses import JSONResponse

from api.auth import CurrentKey, SmmRole, actor_name
from api.deps import RowId, SessionDep, SettingsDep
from api.query_times import query_time
from desk import cases as case_service
from desk import publishing
from desk import replies as reply_service
from desk.corrections import suggestion
from desk.queries import (
    CaseFilter,
    case_mention_ids,
    case_public,
    case_replies,
    case_timeline,
    encode_queue_cursor,
    get_case,
    get_reply,
    list_cases,
)
from models import (
    CaseDetail,
    CaseDismiss,
    CaseEventPublic,
    CasePublic,
    CaseState,
    CaseUpdate,
    Priority,
    ReplyCreate,
    ReplyEdit,
    ReplyPosted,
    ReplyPublic,
    ReplyPublish,
    Sla,
)
from services.mention_queries import get_mention, mention_public

router = APIRouter(prefix="/cases", tags=["cases"], dependencies=[SmmRole])


@router.get("", response_model=list[CasePublic])
def queue(
    session: SessionDep,
    settings: SettingsDep,
    state: CaseState | None = None,
    sla: Sla | None = None,
    brand: str | None = None,
    assignee: str | None = None,
    due_before: datetime | None = None,
    priority: Priority | None = None,
    q: Annotated[str | None, Query(max_length=200)] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
    cursor: Annotated[str | None, Query(max_length=500)] = None,
    *,
    response: Response,
) -> list[CasePublic]:
    """Cases sorted by the deadline that matters now (first reply, then resolution).

    Page with `cursor`: a full page answers `X-Next-Cursor` for the next one (keyset pages
    skip nothing while cases change). `q`: full-text search over the case's first mention.
    """
    filters = CaseFilter(
        state=state,
        sla=sla,
        brand=brand,
        assignee=assignee,
        due_before=query_time(due_before, settings.timezone, "due_before"),
        priority=priority,
        q=q,
    )
    rows = list_cases(session, filters=filters, limit=limit, offset=offset, cursor=cursor)
    if len(rows) == limit:
        response.headers["X-Next-Cursor"] = encode_queue_cursor(rows[-1][0])
    return [case_public(session, case=c, brand=b) for c, b in rows]


@router.get("/{case_id}", response_model=CaseDetail)
def read_case(case_id: RowId, session: SessionDep) -> CaseDetail:
    case = get_case(session, case_id)
    return CaseDetail(
        case=case_public(session, case=case),
        mentions=[
            mention_public(*get_mention(session, m)) for m in case_mention_ids(session, case=case)
        ],
        replies=[ReplyPublic.model_validate(r) for r in case_replies(session, case_id=case_id)],
        timeline=[
            CaseEventPublic.model_validate(e) for e in case_timeline(session, case_id=case_id)
        ],
        suggestion=suggestion(session, case),
    )


@router.patch("/{case_id}", response_model=CasePublic)
def update_case(
    case_id: RowId, body: CaseUpdate, session: SessionDep, key: CurrentKey
) -> CasePublic:
    case = get_case(session, case_id)
    changes = body.model_dump(exclude_unset=True)
    if "assignee" in changes:
        case_service.assign(session, case, changes["assignee"], actor=actor_name(key))
    if changes.get("priority") is not None:
        case_service.set_priority(session, case, changes["priority"], actor=actor_name(key))
    return case_public(session, case=case)


@router.post("/{case_id}/dismiss", response_model=CasePublic)
def dismiss_case(
    case_id: RowId, body: CaseDismiss, session: SessionDep, key: CurrentKey
) -> CasePublic:
    case = get_case(session, case_id)
    case = case_service.dismiss(session, case, body.reason, actor=actor_name(key))
    return case_public(session, case=case)


@router.post("/{case_id}/close", response_model=CasePublic)
def close_case(case_id: RowId, session: SessionDep, key: CurrentKey) -> CasePublic:
    case = case_service.close(session, get_case(session, case_id), actor=actor_name(key))
    return case_public(session, case=case)


@router.post("/{case_id}/replies", response_model=ReplyPublic, status_code=status.HTTP_201_CREATED)
def draft_reply(
    case_id: RowId, body: ReplyCreate, session: SessionDep, settings: SettingsDep, key: CurrentKey
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
        actor=actor_name(key),
        another=body.another,
    )
    return ReplyPublic.model_validate(reply)


@router.patch("/{case_id}/replies/{reply_id}", response_model=ReplyPublic)
def edit_reply(
    case_id: RowId, reply_id: RowId, body: ReplyEdit, session: SessionDep, key: CurrentKey
) -> ReplyPublic:
    """Change a draft's text; posted (and approved) replies stay as they are."""
    case = get_case(session, case_id)
    reply = get_reply(session, case_id=case_id, reply_id=reply_id)
    return ReplyPublic.model_validate(
        reply_service.edit(session, case, reply, body.text, actor_name(key))
    )


@router.post("/{case_id}/replies/{reply_id}/approve", response_model=ReplyPublic)
def approve_reply(
    case_id: RowId, reply_id: RowId, session: SessionDep, key: CurrentKey
) -> ReplyPublic:
    case = get_case(session, case_id)
    reply = get_reply(session, case_id=case_id, reply_id=reply_id)
    approved = reply_service.approve(session, case, reply, actor=actor_name(key))
    return ReplyPublic.model_validate(approved)


@router.post(
    "/{case_id}/replies/{reply_id}/publish",
    response_model=ReplyPublic,
    responses={502: {"description": "The platform refused the reply: its own message"}},
)
def publish_reply(
    case_id: RowId,
    reply_id: RowId,
    session: SessionDep,
    key: CurrentKey,
    body: ReplyPublish | None = None,
) -> ReplyPublic | JSONResponse:
    """Post the reply on the mention's platform (Google Play `reviews.reply`, VK
    `wall.createComment`) and move the case as marking it posted does; the platform's id and
    URL are stored. 409 when the source has no reply API set up (post by hand), 422 over the
    platform's length limit, 502 with the platform's message when it refuses (the reply
    stays unposted and the refusal is kept on it)."""
    case = get_case(session, case_id)
    outcome = publishing.publish_reply(
        session,
        case,
        get_reply(session, case_id=case_id, reply_id=reply_id),
        needs_followup=(body or ReplyPublish()).needs_followup,
        actor=actor_name(key),
    )
    if outcome.error is not None:  # answered, not raised: the refusal is kept (committed)
        return JSONResponse({"detail": outcome.error}, status_code=status.HTTP_502_BAD_GATEWAY)
    return ReplyPublic.model_validate(outcome.reply)


@router.post("/{case_id}/replies/{reply_id}/posted", response_model=ReplyPublic)
def mark_posted(
    case_id: RowId, reply_id: RowId, body: ReplyPosted, session: SessionDep, key: CurrentKey
) -> ReplyPublic:
    """Record that the reply is live on the platform (posting itself is manual for now)."""
    case = get_case(session, case_id)
    reply = reply_service.mark_posted(
        session,
        case,
        get_reply(session, case_id=case_id, reply_id=reply_id),
        url=body.url,
        needs_followup=body.needs_followup,
        posted_at=body.posted_at,
        actor=actor_name(key),
    )
    return ReplyPublic.model_validate(reply)
