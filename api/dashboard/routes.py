"""Dashboard pages. HTML forms post back here; each action calls the same desk functions as
the JSON API, so both behave alike."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from pathlib import Path
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Form, HTTPException, Request, status
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from sqlmodel import col, func, select

from analytics.buckets import Interval
from analytics.kpis import response_kpis
from analytics.sentiment import SentimentQuery, sentiment_report
from analytics.terms import negative_terms
from api.dashboard.chart import stacked_bars
from api.dashboard.i18n import TEXTS, language
from api.dashboard.session import check_csrf, csrf_token, sign_in, signed_in
from api.deps import SessionDep, SettingsDep
from core.catalog import brand_by_name
from core.errors import Conflict
from core.keys import authenticate
from core.timeutil import utcnow
from desk import cases as case_service
from desk import replies as reply_service
from desk.queries import CaseFilter, get_case, list_cases
from models import (
    Brand,
    Case,
    CaseEvent,
    CaseState,
    CrawlRun,
    Mention,
    Reply,
    ReplyStage,
    Role,
    Source,
)

router = APIRouter(prefix="/dashboard", include_in_schema=False)
templates = Jinja2Templates(directory=Path(__file__).with_name("templates"))
CsrfField = Annotated[str | None, Form(alias="csrf_token")]


def render(request: Request, name: str, status_code: int = 200, **context: Any) -> Response:
    lang = language(request)
    context.update(
        t=TEXTS[lang],
        lang=lang,
        csrf=csrf_token(request),
        signed_in=bool(request.session.get("key_id")),
    )
    return templates.TemplateResponse(request, name, context, status_code=status_code)


def back(url: str) -> RedirectResponse:
    return RedirectResponse(url, status_code=status.HTTP_303_SEE_OTHER)


@router.get("/login", response_class=HTMLResponse)
def login_form(request: Request) -> Response:
    return render(request, "login.html", error=None)


@router.post("/login", response_class=HTMLResponse)
def login(
    request: Request, db: SessionDep, key: Annotated[str, Form()], csrf: CsrfField = None
) -> Response:
    check_csrf(request, csrf)
    found = authenticate(db, key.strip())
    if found is None:
        return render(
            request, "login.html", status_code=401, error=TEXTS[language(request)]["bad_key"]
        )
    sign_in(request, found)
    return back("/dashboard/" if found.role != Role.marketer else "/dashboard/brands")


@router.post("/logout")
def logout(request: Request, csrf: CsrfField = None) -> Response:
    check_csrf(request, csrf)
    request.session.clear()
    return back("/dashboard/login")


@router.get("/", response_class=HTMLResponse)
def queue(request: Request, db: SessionDep) -> Response:
    signed_in(request, db, Role.smm)
    rows = [
        (c, b)
        for c, b in list_cases(db, CaseFilter(), limit=500)
        if c.state in (CaseState.new, CaseState.acknowledged)
    ]
    mentions = {
        m.id: m
        for m in db.exec(
            select(Mention).where(col(Mention.id).in_([c.mention_id for c, _ in rows]))
        )
    }
    items = [
        {"case": c, "brand": b, "mention": mentions.get(c.mention_id), "due": _due(c)}
        for c, b in rows
    ]
    return render(request, "queue.html", items=items, now=utcnow())


def _due(case: Case) -> datetime | None:
    return case.first_reply_due_at if case.first_replied_at is None else case.resolution_due_at


@router.get("/cases/{case_id}", response_class=HTMLResponse)
def case_page(case_id: int, request: Request, db: SessionDep, settings: SettingsDep) -> Response:
    signed_in(request, db, Role.smm)
    case = get_case(db, case_id)
    brand = db.get(Brand, case.brand_id)
    mention = db.get(Mention, case.mention_id)
    assert brand is not None and mention is not None
    history: list[Mention] = []
    if mention.author:
        history = list(
            db.exec(
                select(Mention)
                .where(
                    Mention.source_id == mention.source_id,
                    Mention.author == mention.author,
                    Mention.id != mention.id,
                )
                .order_by(col(Mention.occurred_at).desc())
                .limit(20)
            )
        )
    replies = db.exec(select(Reply).where(Reply.case_id == case_id).order_by(col(Reply.id))).all()
    events = db.exec(
        select(CaseEvent)
        .where(CaseEvent.case_id == case_id)
        .order_by(col(CaseEvent.at), col(CaseEvent.id))
    ).all()
    default_promise = (utcnow() + timedelta(days=brand.resolution_days)).date().isoformat()
    return render(
        request,
        "case.html",
        case=case,
        brand=brand,
        mention=mention,
        history=history,
        replies=replies,
        events=events,
        due=_due(case),
        default_promise=default_promise,
        zone=settings.timezone,
    )


def _promise(value: str | None, zone: str) -> datetime | None:
    """A date from the form means the end of that day in the display time zone."""
    if not value:
        return None
    day = datetime.fromisoformat(value).date()
    return datetime.combine(day, time(23, 59), ZoneInfo(zone))


@router.post("/cases/{case_id}/replies")
def draft_reply(
    case_id: int,
    request: Request,
    db: SessionDep,
    settings: SettingsDep,
    stage: Annotated[ReplyStage, Form()],
    text: Annotated[str, Form()] = "",
    promised: Annotated[str, Form()] = "",
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
            actor=key.name or key.prefix,
        )
    except Conflict as exc:
        raise HTTPException(status.HTTP_409_CONFLICT, str(exc)) from exc
    return back(f"/dashboard/cases/{case_id}#replies")


def _reply(db: SessionDep, case_id: int, reply_id: int) -> Reply:
    reply = db.get(Reply, reply_id)
    if reply is None or reply.case_id != case_id:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "reply not found")
    return reply


@router.post("/cases/{case_id}/replies/{reply_id}/approve")
def approve_reply(
    case_id: int, reply_id: int, request: Request, db: SessionDep, csrf: CsrfField = None
) -> Response:
    key = signed_in(request, db, Role.smm)
    check_csrf(request, csrf)
    reply_service.approve(
        db, get_case(db, case_id), _reply(db, case_id, reply_id), key.name or key.prefix
    )
    return back(f"/dashboard/cases/{case_id}#replies")


@router.post("/cases/{case_id}/replies/{reply_id}/posted")
def reply_posted(
    case_id: int,
    reply_id: int,
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
            _reply(db, case_id, reply_id),
            url=url.strip() or None,
            needs_followup=not no_followup,
            actor=key.name or key.prefix,
        )
    except ValueError as exc:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, str(exc)) from exc
    return back(f"/dashboard/cases/{case_id}")


@router.post("/cases/{case_id}/dismiss")
def dismiss(
    case_id: int,
    request: Request,
    db: SessionDep,
    reason: Annotated[str, Form(min_length=1)],
    csrf: CsrfField = None,
) -> Response:
    key = signed_in(request, db, Role.smm)
    check_csrf(request, csrf)
    case_service.dismiss(db, get_case(db, case_id), reason, key.name or key.prefix)
    return back("/dashboard/")


@router.post("/cases/{case_id}/close")
def close(case_id: int, request: Request, db: SessionDep, csrf: CsrfField = None) -> Response:
    key = signed_in(request, db, Role.smm)
    check_csrf(request, csrf)
    case_service.close(db, get_case(db, case_id), key.name or key.prefix)
    return back("/dashboard/")


@router.get("/brands", response_class=HTMLResponse)
def brands(request: Request, db: SessionDep) -> Response:
    signed_in(request, db, Role.smm, Role.marketer)
    return render(request, "brands.html", brands=db.exec(select(Brand).order_by(Brand.name)))


@router.get("/brands/{name}", response_class=HTMLResponse)
def brand_page(name: str, request: Request, db: SessionDep, settings: SettingsDep) -> Response:
    signed_in(request, db, Role.smm, Role.marketer)
    brand = brand_by_name(db, name)
    assert brand.id is not None
    zone = settings.timezone
    until = datetime.combine(
        (utcnow().astimezone(ZoneInfo(zone)) + timedelta(days=1)).date(), time(0), ZoneInfo(zone)
    )
    since = until - timedelta(days=30)
    report = sentiment_report(
        db,
        SentimentQuery(
            brand=brand, source=None, since=since, until=until, interval=Interval.day, zone=zone
        ),
    )
    kpis = response_kpis(db, brand_id=brand.id, since=since, until=until)
    terms = negative_terms(
        db,
        brand_id=brand.id,
        keywords=[brand.name, *brand.keywords],
        since=since,
        until=until,
        limit=15,
    )
    return render(
        request,
        "brand.html",
        brand=brand,
        report=report,
        chart=stacked_bars(report["buckets"]),
        kpis=kpis,
        terms=terms,
    )


@router.get("/sources", response_class=HTMLResponse)
def sources(request: Request, db: SessionDep) -> Response:
    signed_in(request, db, Role.smm, Role.marketer)
    latest = (
        select(CrawlRun.source_id, func.max(CrawlRun.id).label("run_id"))
        .group_by(col(CrawlRun.source_id))
        .subquery()
    )
    runs = {
        r.source_id: r
        for r in db.exec(select(CrawlRun).join(latest, col(CrawlRun.id) == latest.c.run_id))
    }
    rows = [
        (s, b, runs.get(s.id or 0))
        for s, b in db.exec(
            select(Source, Brand.name)
            .join(Brand, col(Brand.id) == col(Source.brand_id))
            .order_by(col(Source.name))
        )
    ]
    return render(request, "sources.html", rows=rows)
