"""Brand pages: the list, and one brand's sentiment over 30 days, response KPIs and terms."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Annotated
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response
from sqlmodel import col, func, select

from analytics.buckets import Interval
from analytics.kpis import response_kpis
from analytics.sentiment import SentimentQuery, sentiment_report, share_of_voice
from analytics.terms import negative_terms
from api.dashboard.chart import stacked_bars
from api.dashboard.render import render, user_zone
from api.dashboard.session import signed_in
from api.deps import SessionDep, SettingsDep
from core.timeutil import utcnow
from models import Role, Source
from services.catalog import brand_by_name, list_brands

router = APIRouter()


DEFAULT_DAYS = 30
MAX_DAYS = 366


def period(since: str, until: str, zone: str) -> tuple[datetime, datetime]:
    """Whole days in the zone from the form's dates (either may be empty: the last 30 days
    up to today); a reversed or too long period is cut to something sensible."""
    today = utcnow().astimezone(ZoneInfo(zone)).date()
    last = _date(until) or today
    first = _date(since) or last - timedelta(days=DEFAULT_DAYS - 1)
    if first > last:
        first, last = last, first
    first = max(first, last - timedelta(days=MAX_DAYS - 1))
    start = datetime.combine(first, time(0), ZoneInfo(zone))
    end = datetime.combine(last + timedelta(days=1), time(0), ZoneInfo(zone))
    return start, end


def form_dates(start: datetime, end: datetime) -> dict[str, str]:
    """The period as the date inputs show it: its first and its last day."""
    return {"from": start.date().isoformat(), "to": (end - timedelta(days=1)).date().isoformat()}


def _date(value: str) -> date | None:
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None


@router.get("/brands", response_class=HTMLResponse)
def brands(
    request: Request,
    db: SessionDep,
    settings: SettingsDep,
    since: Annotated[str, Query(alias="from", max_length=10)] = "",
    until: Annotated[str, Query(alias="to", max_length=10)] = "",
) -> Response:
    """Every brand, with its share of voice among them in the period."""
    signed_in(request, db, Role.smm, Role.marketer)
    start, end = period(since, until, user_zone(request).key)
    everyone = list_brands(db)
    voice = share_of_voice(db, brands=everyone, since=start, until=end) if everyone else []
    return render(
        request,
        "brands.html",
        brands=everyone,
        voice=voice,
        shown={
            "from": start.date().isoformat(),
            "to": (end - timedelta(days=1)).date().isoformat(),
        },
    )


@router.get("/brands/{name}", response_class=HTMLResponse)
def brand_page(
    name: str,
    request: Request,
    db: SessionDep,
    settings: SettingsDep,
    since_day: Annotated[str, Query(alias="from", max_length=10)] = "",
    until_day: Annotated[str, Query(alias="to", max_length=10)] = "",
) -> Response:
    signed_in(request, db, Role.smm, Role.marketer)
    brand = brand_by_name(db, name)
    assert brand.id is not None
    zone = user_zone(request).key
    since, until = period(since_day, until_day, zone)
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
    failing = db.exec(
        select(func.count())
        .select_from(Source)
        .where(Source.brand_id == brand.id, col(Source.health) != "ok")
    ).one()
    return render(
        request,
        "brand.html",
        brand=brand,
        report=report,
        chart=stacked_bars(report["buckets"]),
        kpis=kpis,
        terms=terms,
        failing=int(failing),
        shown={
            "from": since.date().isoformat(),
            "to": (until - timedelta(days=1)).date().isoformat(),
        },
        days=(until - since).days,
    )
