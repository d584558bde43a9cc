"""Brand pages: the list, and one brand's sentiment over 30 days, response KPIs and terms."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import ValidationError
from sqlmodel import col, func, select

from analytics.buckets import Interval
from analytics.kpis import response_kpis, weekly_kpis
from analytics.sentiment import SentimentQuery, sentiment_report, share_of_voice
from analytics.terms import negative_terms
from api.dashboard.chart import stacked_bars
from api.dashboard.forms import field_problems
from api.dashboard.i18n import TEXTS, language
from api.dashboard.render import CsrfField, back, flash, render, user_zone
from api.dashboard.session import check_csrf, signed_in
from api.deps import SessionDep, SettingsDep
from api.query_times import form_day
from core.timeutil import utcnow
from models import Brand, BrandUpdate, Role, Source
from services.adaptation import adaptation_status
from services.catalog import brand_by_name, list_brands, update_brand

router = APIRouter()


DEFAULT_DAYS = 30
MAX_DAYS = 366


def period(since: str, until: str, zone: str) -> tuple[datetime, datetime]:
    """Whole days in the zone from the form's dates (either may be empty: the last 30 days
    up to today); a reversed or too long period is cut to something sensible."""
    today = utcnow().astimezone(ZoneInfo(zone)).date()
    last = form_day(until) or today
    first = form_day(since) or last - timedelta(days=DEFAULT_DAYS - 1)
    if first > last:
        first, last = last, first
    first = max(first, last - timedelta(days=MAX_DAYS - 1))
    start = datetime.combine(first, time(0), ZoneInfo(zone))
    end = datetime.combine(last + timedelta(days=1), time(0), ZoneInfo(zone))
    return start, end


def form_dates(start: datetime, end: datetime) -> dict[str, str]:
    """The period as the date inputs show it: its first and its last day."""
    return {"from": start.date().isoformat(), "to": (end - timedelta(days=1)).date().isoformat()}


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
    weeks = weekly_kpis(db, brand_id=brand.id, since=since, until=until)
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
        weeks=weeks,
        shown={
            "from": since.date().isoformat(),
            "to": (until - timedelta(days=1)).date().isoformat(),
        },
        days=(until - since).days,
    )


def _brand_values(brand: Brand) -> dict[str, Any]:
    return {
        "keywords": ", ".join(brand.keywords),
        "exclude": ", ".join(brand.exclude),
        "response_hours": brand.response_hours,
        "resolution_days": brand.resolution_days,
        "alert_window": brand.alert_window,
        "adaptation": brand.adaptation,
    }


def _brand_form(
    request: Request,
    db: SessionDep,
    settings: SettingsDep,
    brand: Brand,
    values: dict[str, Any],
    problems: list[str] | None = None,
) -> Response:
    return render(
        request,
        "brand_form.html",
        status_code=422 if problems else 200,
        brand=brand,
        values=values,
        problems=problems or [],
        adaptation=adaptation_status(db, brand, settings.adaptation_min_corrections),
    )


@router.get("/brands/{name}/settings", response_class=HTMLResponse)
def brand_settings(name: str, request: Request, db: SessionDep, settings: SettingsDep) -> Response:
    """A brand's words, deadlines, alert window and learning switch, for admins."""
    signed_in(request, db, Role.admin)
    brand = brand_by_name(db, name)
    return _brand_form(request, db, settings, brand, _brand_values(brand))


def _terms(value: str) -> list[str]:
    return [part.strip() for part in value.split(",") if part.strip()]


@router.post("/brands/{name}/settings", response_class=HTMLResponse)
def save_brand_settings(
    name: str,
    request: Request,
    db: SessionDep,
    settings: SettingsDep,
    keywords: Annotated[str, Form(max_length=2000)] = "",
    exclude: Annotated[str, Form(max_length=2000)] = "",
    response_hours: Annotated[str, Form(max_length=10)] = "",
    resolution_days: Annotated[str, Form(max_length=10)] = "",
    alert_window: Annotated[str, Form(max_length=10)] = "",
    adaptation: Annotated[str, Form(max_length=10)] = "",
    csrf: CsrfField = None,
) -> Response:
    signed_in(request, db, Role.admin)
    check_csrf(request, csrf)
    brand = brand_by_name(db, name)
    values = {
        "keywords": keywords, "exclude": exclude, "response_hours": response_hours,
        "resolution_days": resolution_days, "alert_window": alert_window,
        "adaptation": bool(adaptation),
    }  # fmt: skip
    try:
        body = BrandUpdate.model_validate(
            {
                "keywords": _terms(keywords),
                "exclude": _terms(exclude),
                "response_hours": response_hours,
                "resolution_days": resolution_days,
                "alert_window": alert_window,
                "adaptation": bool(adaptation),
            }
        )
        update_brand(db, brand, body)
    except ValidationError as exc:
        return _brand_form(request, db, settings, brand, values, field_problems(exc.errors()))
    flash(request, TEXTS[language(request)]["brand_saved"].format(name=brand.name), "ok")
    return back(f"/dashboard/brands/{brand.name}")
