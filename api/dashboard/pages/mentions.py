"""The mention browser: every mention with its traffic light, newest first, with full-text
search and filters, in keyset pages."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Annotated
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response

from api.dashboard.render import render, user_zone
from api.dashboard.session import signed_in
from api.deps import SessionDep, SettingsDep
from core.labels import LABELS
from models import Role
from services.catalog import list_brands, list_sources
from services.mention_queries import MentionFilter, list_mentions

router = APIRouter()
PAGE = 50


def _day(value: str, zone: str, *, end: bool = False) -> datetime | None:
    """A date from the form: the start of that day (or, for `end`, of the next) in the zone."""
    try:
        day = date.fromisoformat(value) if value else None
    except ValueError:
        return None
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
