"""The case queue and one case: its mention, the author's history, the timeline, and the two
reply stages. Each action calls the same desk functions as the JSON API."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import Annotated
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, Response

from analytics.kpis import rating_after_reply
from api.dashboard.forms import dashboard_url
from api.dashboard.i18n import TEXTS, language
from api.dashboard.render import CsrfField, actor, back, flash, render
from api.dashboard.session import check_csrf, signed_in
from api.deps import MAX_ROW_ID, RowId, SessionDep, SettingsDep
from api.query_times import form_day
from core.errors import Conflict, Invalid, NotFound
from core.labels import LABELS
from core.timeutil import utcnow
from desk import cases as case_service
from desk import replies as reply_service
from desk.alerts.setup import all_channels
from desk.corrections import in_force, suggestion
from desk.publishers import publisher_for
from desk.publishing import publish_reply
from desk.queries import (
    ARCHIVED,
    AWAITING_REPLY,
    CaseFilter,
    author_history,
    case_replies,
    case_timeline,
    encode_queue_cursor,
    get_case,
    get_reply,
    list_cases,
    mentions_by_id,
    waiting_replies,
)
from desk.replies import fill_template
from desk.templates import list_templates, unfilled_placeholders
from models import (
    OPEN_STATES,
    Brand,
    Case,
    CaseState,
    Mention,
    Priority,
    ReplyStage,
    Role,
    Sla,
    Source,
)
from services.catalog import list_brands
from services.keys import teammates

router = APIRouter()
QUEUE_PAGE = 100


@router.get("/", response_class=HTMLResponse)
def queue(
    request: Request,
    db: SessionDep,
    settings: SettingsDep,
    view: Annotated[str, Query(pattern="^(open|archive)$")] = "open",
    state: str = "",
    sla: str = "",
    brand: str = "",
    assignee: str = "",
    priority: str = "",
    q: Annotated[str, Query(max_length=200)] = "",
    cursor: Annotated[str | None, Query(max_length=500)] = None,
    page: Annotated[int, Query(ge=0, le=10_000)] = 0,
) -> Response:
    """The team's shared inbox: open cases by the deadline that matters now (or the archive
    of finished ones), filtered, searchable, in pages, with bulk actions."""
    key = signed_in(request, db, Role.smm)
    me = actor(key)
    brands = [b.name for b in list_brands(db)]
    archived = view == "archive"
    states = ARCHIVED if archived else AWAITING_REPLY
    filters = CaseFilter(
        state=CaseState(state) if state in {s.value for s in states} else None,
        awaiting_reply=not archived,
        archived=archived,
        sla=Sla(sla) if sla in {s.value for s in Sla} else None,
        brand=brand if brand in brands else None,
        assignee=me if assignee == "me" else (assignee or None) if assignee != "none" else None,
        unassigned=assignee == "none",
        priority=Priority(priority) if priority in {p.value for p in Priority} else None,
        q=q.strip() or None,
    )
    rows = list_cases(
        db,
        filters=filters,
        limit=QUEUE_PAGE + 1,
        offset=page * QUEUE_PAGE if archived else 0,
        cursor=None if archived else cursor,
    )
    more, rows = len(rows) > QUEUE_PAGE, rows[:QUEUE_PAGE]
    mentions = mentions_by_id(db, ids=[c.mention_id for c, _ in rows])
    waiting = waiting_replies(db, [c.id for c, _ in rows if c.id is not None])
    items = [
        {
            "case": c,
            "brand": b,
            "mention": mentions.get(c.mention_id),
            "due": _due(c),
            "waiting": waiting.get(c.id or 0, []),
        }
        for c, b in rows
    ]
    shown = {
        "view": view, "state": state, "sla": sla, "brand": brand, "assignee": assignee,
        "priority": priority, "q": q,
    }  # fmt: skip
    kept = {k: v for k, v in shown.items() if v and not (k == "view" and v == "open")}
    next_url = None
    if more and archived:
        next_url = "/dashboard/?" + urlencode({**kept, "page": page + 1})
    elif more:
        next_url = "/dashboard/?" + urlencode({**kept, "cursor": encode_queue_cursor(rows[-1][0])})
    return render(
        request,
        "queue.html",
        items=items,
        now=utcnow(),
        shown=shown,
        brands=brands,
        states=[s.value for s in states],
        slas=[s.value for s in Sla],
        priorities=[p.value for p in Priority],
        teammates=teammates(db),
        me=me,
        next_url=next_url,
        undo_ids=request.session.pop("undo_dismissed", None),
        alert_channels=sorted(all_channels(settings, db)),
    )


def _due(case: Case) -> datetime | None:
    return case.first_reply_due_at if case.first_replied_at is None else case.resolution_due_at


@router.get("/cases/{case_id}", response_class=HTMLResponse)
def case_page(case_id: RowId, request: Request, db: SessionDep, settings: SettingsDep) -> Response:
    signed_in(request, db, Role.smm)
    return _case_view(case_id, request, db, settings)


@router.post("/cases/{case_id}/preview", response_class=HTMLResponse)
def preview_template(
    case_id: RowId,
    request: Request,
    db: SessionDep,
    settings: SettingsDep,
    template: Annotated[str, Form(max_length=200)] = "",
    promised: Annotated[str, Form(max_length=10)] = "",
    csrf: CsrfField = None,
) -> Response:
    """The case page with the chosen template filled in with this case in the draft's text
    box, and the placeholders still to fill named; nothing is stored."""
    signed_in(request, db, Role.smm)
    check_csrf(request, csrf)
    return _case_view(case_id, request, db, settings, template, promised, preview=True)


def _case_view(
    case_id: int,
    request: Request,
    db: SessionDep,
    settings: SettingsDep,
    template: str = "",
    promised: str = "",
    preview: bool = False,
) -> Response:
    case = get_case(db, case_id)
    brand = db.get(Brand, case.brand_id)
    mention = db.get(Mention, case.mention_id)
    assert brand is not None and mention is not None
    default_promise = (utcnow() + timedelta(days=brand.resolution_days)).date().isoformat()
    correction = in_force(db, mention.id) if mention.id is not None else None
    stage = ReplyStage.acknowledgement if not case.first_replied_at else ReplyStage.resolution
    previewed = None
    if preview:
        try:
            _, text = fill_template(
                db,
                case,
                stage,
                template or None,
                promised_at=_promise(promised or default_promise, settings.timezone),
                case_link=f"{settings.public_url}/dashboard/cases/{case_id}",
            )
            previewed = {"text": text, "unfilled": unfilled_placeholders(text)}
        except (NotFound, Conflict) as exc:
            flash(request, str(exc))
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
        default_promise=promised or default_promise,
        zone=settings.timezone,
        labels=LABELS,
        corrected_by=correction.corrected_by if correction else None,
        back=f"/dashboard/cases/{case_id}",
        suggestion=suggestion(db, case),
        templates=[t for t in list_templates(db, stage=stage) if t.brand_id in (None, brand.id)],
        platform=_platform(db, mention),
        rerated=rating_after_reply(db, case),
        chosen_template=template,
        previewed=previewed,
    )


def _platform(db: SessionDep, mention: Mention) -> str | None:
    """The platform a reply can be posted to from here (None: post by hand)."""
    source = db.get(Source, mention.source_id)
    publisher = publisher_for(source) if source is not None else None
    return publisher.platform if publisher is not None else None


@router.post("/cases/{case_id}/replies/{reply_id}/publish")
def reply_publish(
    case_id: RowId,
    reply_id: RowId,
    request: Request,
    db: SessionDep,
    no_followup: Annotated[str, Form()] = "",
    csrf: CsrfField = None,
) -> Response:
    """ "Post" on the platform: the reply goes out through its API and the case moves; a
    refusal is shown with the platform's message and the reply stays as it was."""
    key = signed_in(request, db, Role.smm)
    check_csrf(request, csrf)
    try:
        outcome = publish_reply(
            db,
            get_case(db, case_id),
            get_reply(db, case_id=case_id, reply_id=reply_id),
            needs_followup=not no_followup,
            actor=actor(key),
        )
    except (Invalid, Conflict) as exc:
        flash(request, str(exc))
        return back(f"/dashboard/cases/{case_id}#replies")
    if outcome.error is not None:
        flash(request, outcome.error)
        return back(f"/dashboard/cases/{case_id}#replies")
    return back(f"/dashboard/cases/{case_id}")


def _promise(value: str | None, zone: str) -> datetime | None:
    """A date from the form means the end of that day in the display time zone."""
    day = form_day(value or "")  # a typed address may send anything: no date, no promise
    if day is None:
        return None
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
    template: Annotated[str, Form(max_length=200)] = "",
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
            template_name=template or None,
            promised_at=_promise(promised, settings.timezone),
            case_link=f"{settings.public_url}/dashboard/cases/{case_id}",
            actor=actor(key),
            another=bool(another),
        )
    except (Conflict, NotFound) as exc:  # a draft already waits, the case moved on, no template
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


def _open_cases(db: SessionDep, ids: list[int]) -> list[Case]:
    """The ticked cases that exist; an id no row can have (a forged form) is none of them."""
    real = [i for i in ids[:QUEUE_PAGE] if 1 <= i <= MAX_ROW_ID]
    return [c for c in (db.get(Case, i) for i in real) if c is not None]


@router.post("/cases/bulk-dismiss")
def bulk_dismiss(
    request: Request,
    db: SessionDep,
    case_ids: Annotated[list[int], Form()] = [],  # noqa: B006 (FastAPI copies the default)
    reason: Annotated[str, Form(max_length=500)] = "",
    back_to: Annotated[str, Form(alias="back", max_length=2000)] = "/dashboard/",
    csrf: CsrfField = None,
) -> Response:
    """Dismiss the ticked cases with one reason; the queue then offers to undo it."""
    key = signed_in(request, db, Role.smm)
    check_csrf(request, csrf)
    words = TEXTS[language(request)]
    if not reason.strip():
        flash(request, words["reason_needed"])
        return back(dashboard_url(back_to, "/dashboard/"))
    done = []
    for case in _open_cases(db, case_ids):
        if case.state in OPEN_STATES and case.id is not None:
            case_service.dismiss(db, case, reason.strip(), actor(key))
            done.append(case.id)
    if done:
        request.session["undo_dismissed"] = done
        flash(request, words["dismissed_n"].format(n=len(done)), "ok")
    return back(dashboard_url(back_to, "/dashboard/"))


@router.post("/cases/bulk-undo")
def bulk_undo(
    request: Request,
    db: SessionDep,
    case_ids: Annotated[list[int], Form()] = [],  # noqa: B006
    back_to: Annotated[str, Form(alias="back", max_length=2000)] = "/dashboard/",
    csrf: CsrfField = None,
) -> Response:
    key = signed_in(request, db, Role.smm)
    check_csrf(request, csrf)
    restored = 0
    for case in _open_cases(db, case_ids):
        if case.state == CaseState.dismissed:
            case_service.undo_dismiss(db, case, actor(key))
            restored += 1
    flash(request, TEXTS[language(request)]["restored_n"].format(n=restored), "ok")
    return back(dashboard_url(back_to, "/dashboard/"))


@router.post("/cases/bulk-assign")
def bulk_assign(
    request: Request,
    db: SessionDep,
    case_ids: Annotated[list[int], Form()] = [],  # noqa: B006
    assignee: Annotated[str, Form(max_length=200)] = "",
    take: Annotated[int | None, Form()] = None,
    back_to: Annotated[str, Form(alias="back", max_length=2000)] = "/dashboard/",
    csrf: CsrfField = None,
) -> Response:
    """Assign the ticked cases to a teammate or to me (an empty name takes them off
    everyone); a row's "Take" button assigns that one case to me, whatever is ticked."""
    key = signed_in(request, db, Role.smm)
    check_csrf(request, csrf)
    name = actor(key) if assignee == "me" or take else assignee.strip() or None
    for case in _open_cases(db, [take] if take else case_ids):
        case_service.assign(db, case, name, actor(key))
    return back(dashboard_url(back_to, "/dashboard/"))


@router.post("/cases/{case_id}/close")
def close(case_id: RowId, request: Request, db: SessionDep, csrf: CsrfField = None) -> Response:
    key = signed_in(request, db, Role.smm)
    check_csrf(request, csrf)
    case_service.close(db, get_case(db, case_id), actor(key))
    return back("/dashboard/")
