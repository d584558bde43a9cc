"""The mention browser: every mention with its traffic light, newest first, with full-text
search and filters, in keyset pages."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import Annotated
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, Response

from api.dashboard.forms import dashboard_url
from api.dashboard.i18n import TEXTS, language
from api.dashboard.render import CsrfField, actor, back, flash, render, user_zone
from api.dashboard.session import check_csrf, signed_in
from api.deps import PolicyDep, RowId, SessionDep, SettingsDep
from api.query_times import form_day
from core.errors import NotFound
from core.labels import LABELS
from desk.corrections import correct_label, in_force, withdraw_label
from desk.queries import author_history
from models import Role, SentimentLabel
from services.catalog import list_brands, list_sources
from services.mention_queries import MentionFilter, get_mention, list_mentions, revisions

router = APIRouter()
PAGE = 50


def _day(value: str, zone: str, *, end: bool = False) -> datetime | None:
    """A date from the form: the start of that day (or, for `end`, of the next) in the zone."""
    day = form_day(value)
    if day is None:
        return None
    return datetime.combine(day + timedelta(days=1) if end else day, time(0), ZoneInfo(zone))


@router.get("/mentions", response_class=HTMLResponse)
def mentions(
    request: Request,
    db: SessionDep,
    settings: SettingsDep,
    q: Annotated[str, Query(max_length=200)] = "",
    brand: str = "",
    source: str = "",
    label: str = "",
    uncertain: str = "",
    rating: str = "",
    since: Annotated[str, Query(alias="from", max_length=10)] = "",
    until: Annotated[str, Query(alias="to", max_length=10)] = "",
    cursor: Annotated[str | None, Query(max_length=500)] = None,
) -> Response:
    signed_in(request, db, Role.smm, Role.marketer)
    zone = user_zone(request).key
    brands = [b.name for b in list_brands(db)]
    sources = [s.name for s, _ in list_sources(db)]
    filters = MentionFilter(
        brand=brand if brand in brands else None,
        source=source if source in sources else None,
        sentiment=label if label in LABELS else None,
        since=_day(since, zone),
        until=_day(until, zone, end=True),
        q=q.strip() or None,
        uncertain={"yes": True, "no": False}.get(uncertain),
        rating=int(rating) if rating in ("1", "2", "3", "4", "5") else None,
    )
    rows, next_cursor = list_mentions(db, filters=filters, cursor=cursor, limit=PAGE)
    shown = {
        "q": q, "brand": brand, "source": source, "label": label, "uncertain": uncertain,
        "rating": rating, "from": since, "to": until,
    }  # fmt: skip
    next_url = None
    if next_cursor:
        next_url = "/dashboard/mentions?" + urlencode(
            {**{k: v for k, v in shown.items() if v}, "cursor": next_cursor}
        )
    return render(
        request,
        "mentions.html",
        rows=rows,
        shown=shown,
        brands=brands,
        sources=sources,
        labels=LABELS,
        next_url=next_url,
    )


@router.get("/mentions/{mention_id}", response_class=HTMLResponse)
def mention_page(mention_id: RowId, request: Request, db: SessionDep) -> Response:
    """One mention: its light (and who set it), the control to correct it, its earlier
    versions, its case and the author's other mentions."""
    signed_in(request, db, Role.smm, Role.marketer)
    mention, brand, source = get_mention(db, mention_id)
    correction = in_force(db, mention_id)
    return render(
        request,
        "mention.html",
        mention=mention,
        brand=brand,
        source=source,
        revisions=revisions(db, mention_id),
        history=author_history(db, mention=mention),
        labels=LABELS,
        corrected_by=correction.corrected_by if correction else None,
        back=f"/dashboard/mentions/{mention_id}",
    )


@router.post("/mentions/{mention_id}/label")
def set_label(
    mention_id: RowId,
    request: Request,
    db: SessionDep,
    policy: PolicyDep,
    label: Annotated[SentimentLabel, Form()],
    back_to: Annotated[str, Form(alias="back", max_length=500)] = "",
    csrf: CsrfField = None,
) -> Response:
    key = signed_in(request, db, Role.smm, Role.marketer)
    check_csrf(request, csrf)
    mention, _, _ = get_mention(db, mention_id)
    correct_label(db, mention, label.value, None, actor(key), policy)
    words = TEXTS[language(request)]
    flash(request, words["label_set"].format(label=words[f"label_{label.value}"]), "ok")
    return back(dashboard_url(back_to, f"/dashboard/mentions/{mention_id}"))


@router.post("/mentions/{mention_id}/label/undo")
def undo_label(
    mention_id: RowId,
    request: Request,
    db: SessionDep,
    back_to: Annotated[str, Form(alias="back", max_length=500)] = "",
    csrf: CsrfField = None,
) -> Response:
    key = signed_in(request, db, Role.smm, Role.marketer)
    check_csrf(request, csrf)
    mention, _, _ = get_mention(db, mention_id)
    try:
        withdraw_label(db, mention, actor(key))
        flash(request, TEXTS[language(request)]["label_undone"], "ok")
    except NotFound as exc:  # undone already (another tab, a teammate)
        flash(request, str(exc))
    return back(dashboard_url(back_to, f"/dashboard/mentions/{mention_id}"))
