"""The case queue and one case: its mention, the author's history, the timeline, and the two
reply stages. Each action calls the same desk functions as the JSON API."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import Annotated
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, Response

from api.dashboard.render import CsrfField, actor, back, flash, render
from api.dashboard.session import check_csrf, signed_in
from api.deps import RowId, SessionDep, SettingsDep
from core.errors import Conflict, Invalid
from core.labels import LABELS
from core.timeutil import utcnow
from desk import cases as case_service
from desk import replies as reply_service
from desk.corrections import in_force, suggestion
from desk.queries import (
    CaseFilter,
    author_history,
    case_replies,
    case_timeline,
    get_case,
    get_reply,
    list_cases,
    mentions_by_id,
)
from models import Brand, Case, Mention, ReplyStage, Role

router = APIRouter()
QUEUE_PAGE = 500


@router.get("/", response_class=HTMLResponse)
def queue(request: Request, db: SessionDep) -> Response:
    signed_in(request, db, Role.smm)
    rows = list_cases(db, filters=CaseFilter(awaiting_reply=True), limit=QUEUE_PAGE)
    mentions = mentions_by_id(db, ids=[c.mention_id for c, _ in rows])
    items = [
        {"case": c, "brand": b, "mention": mentions.get(c.mention_id), "due": _due(c)}
        for c, b in rows
    ]
    return render(request, "queue.html", items=items, now=utcnow())


def _due(case: Case) -> datetime | None:
    return case.first_reply_due_at if case.first_replied_at is None else case.resolution_due_at


@router.get("/cases/{case_id}", response_class=HTMLResponse)
def case_page(case_id: RowId, request: Request, db: SessionDep, settings: SettingsDep) -> Response:
    signed_in(request, db, Role.smm)
    case = get_case(db, case_id)
    brand = db.get(Brand, case.brand_id)
    mention = db.get(Mention, case.mention_id)
    assert brand is not None and mention is not None
    default_promise = (utcnow() + timedelta(days=brand.resolution_days)).date().isoformat()
    correction = in_force(db, mention.id) if mention.id is not None else None
    return render(
        request,
        "case.html",
        case=case,
        brand=brand,
        mention=mention,
        history=author_history(db, mention=mention),
        replies=case_replies(db, case_id=case_id),
        events=case_timeline(db, case_id=case_id),
        due=_due(case),
        default_promise=default_promise,
        zone=settings.timezone,
        labels=LABELS,
        corrected_by=correction.corrected_by if correction else None,
        back=f"/dashboard/cases/{case_id}",
        suggestion=suggestion(db, case),
    )


def _promise(value: str | None, zone: str) -> datetime | None:
    """A date from the form means the end of that day in the display time zone."""
    if not value:
        return None
    day = datetime.fromisoformat(value).date()
    return datetime.combine(day, time(23, 59), ZoneInfo(zone))


@router.post("/cases/{case_id}/replies")
def draft_reply(
    case_id: RowId,
    request: Request,
    db: SessionDep,
    settings: SettingsDep,
    stage: Annotated[ReplyStage, Form()],
    text: Annotated[str, Form()] = "",
    promised: Annotated[str, Form()] = "",
    another: Annotated[str, Form()] = "",
    csrf: CsrfField = None,
) -> Response:
    key = signed_in(request, db, Role.smm)
    check_csrf(request, csrf)
    case = get_case(db, case_id)
    try:
        reply_service.draft(
            db,
            case,
            stage,
            text=text.strip() or None,
            promised_at=_promise(promised, settings.timezone),
            case_link=f"{settings.public_url}/dashboard/cases/{case_id}",
            actor=actor(key),
            another=bool(another),
        )
    except Conflict as exc:  # a draft already waits, the case moved on: say so on the page
        flash(request, str(exc))
    return back(f"/dashboard/cases/{case_id}#replies")


@router.post("/cases/{case_id}/replies/{reply_id}/edit")
def edit_reply(
    case_id: RowId,
    reply_id: RowId,
    request: Request,
    db: SessionDep,
    text: Annotated[str, Form()] = "",
    csrf: CsrfField = None,
) -> Response:
    key = signed_in(request, db, Role.smm)
    check_csrf(request, csrf)
    try:
        reply_service.edit(
            db,
            get_case(db, case_id),
            get_reply(db, case_id=case_id, reply_id=reply_id),
            text.strip(),
            actor(key),
        )
    except (Conflict, Invalid) as exc:
        flash(request, str(exc))
    return back(f"/dashboard/cases/{case_id}#replies")


@router.post("/cases/{case_id}/replies/{reply_id}/approve")
def approve_reply(
    case_id: RowId, reply_id: RowId, request: Request, db: SessionDep, csrf: CsrfField = None
) -> Response:
    key = signed_in(request, db, Role.smm)
    check_csrf(request, csrf)
    try:
        reply_service.approve(
            db, get_case(db, case_id), get_reply(db, case_id=case_id, reply_id=reply_id), actor(key)
        )
    except Invalid as exc:  # placeholders left in: say so on the case page
        flash(request, str(exc))
    return back(f"/dashboard/cases/{case_id}#replies")


@router.post("/cases/{case_id}/replies/{reply_id}/posted")
def reply_posted(
    case_id: RowId,
    reply_id: RowId,
    request: Request,
    db: SessionDep,
    url: Annotated[str, Form()] = "",
    no_followup: Annotated[str, Form()] = "",
    csrf: CsrfField = None,
) -> Response:
    key = signed_in(request, db, Role.smm)
    check_csrf(request, csrf)
    try:
        reply_service.mark_posted(
            db,
            get_case(db, case_id),
            get_reply(db, case_id=case_id, reply_id=reply_id),
            url=url.strip() or None,
            needs_followup=not no_followup,
            actor=actor(key),
        )
    except Invalid as exc:  # placeholders left in, no promised date: say so on the page
        flash(request, str(exc))
        return back(f"/dashboard/cases/{case_id}#replies")
    return back(f"/dashboard/cases/{case_id}")


@router.post("/cases/{case_id}/dismiss")
def dismiss(
    case_id: RowId,
    request: Request,
    db: SessionDep,
    reason: Annotated[str, Form(min_length=1)],
    csrf: CsrfField = None,
) -> Response:
    key = signed_in(request, db, Role.smm)
    check_csrf(request, csrf)
    case_service.dismiss(db, get_case(db, case_id), reason, actor(key))
    return back("/dashboard/")


@router.post("/cases/{case_id}/close")
def close(case_id: RowId, request: Request, db: SessionDep, csrf: CsrfField = None) -> Response:
    key = signed_in(request, db, Role.smm)
    check_csrf(request, csrf)
    case_service.close(db, get_case(db, case_id), actor(key))
    return back("/dashboard/")
