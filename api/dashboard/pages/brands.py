"""Brand pages: the list, and one brand's sentiment over 30 days, response KPIs and terms."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from sqlmodel import col, func, select

from analytics.buckets import Interval
from analytics.kpis import response_kpis
from analytics.sentiment import SentimentQuery, sentiment_report
from analytics.terms import negative_terms
from api.dashboard.chart import stacked_bars
from api.dashboard.render import render
from api.dashboard.session import signed_in
from api.deps import SessionDep, SettingsDep
from core.timeutil import utcnow
from models import Role, Source
from services.catalog import brand_by_name, list_brands

router = APIRouter()


@router.get("/brands", response_class=HTMLResponse)
def brands(request: Request, db: SessionDep) -> Response:
    signed_in(request, db, Role.smm, Role.marketer)
    return render(request, "brands.html", brands=list_brands(db))


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
    )
