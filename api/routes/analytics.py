"""Marketers' analytics: sentiment dynamics, sources, share of voice, terms, response KPIs."""

from __future__ import annotations

import csv
import io
from datetime import datetime, timedelta
from typing import Annotated, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from fastapi import APIRouter, HTTPException, Query, status
from fastapi.responses import JSONResponse, Response

from analytics.buckets import Interval, make_buckets
from analytics.kpis import response_kpis
from analytics.sentiment import SentimentQuery, by_source, sentiment_report, share_of_voice
from analytics.terms import negative_terms
from api.auth import AnyRole
from api.deps import SessionDep, SettingsDep
from core.catalog import brand_by_name, source_by_name
from core.timeutil import utcnow

router = APIRouter(prefix="/analytics", tags=["analytics"], dependencies=[AnyRole])

MAX_BUCKETS = 1_100
DEFAULT_DAYS = 30


def _zone(tz: str | None, default: str) -> str:
    zone = tz or default
    try:
        ZoneInfo(zone)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise HTTPException(
            status.HTTP_422_UNPROCESSABLE_CONTENT, f"unknown time zone {zone!r}"
        ) from exc
    return zone


def _range(since: datetime | None, until: datetime | None, zone: str) -> tuple[datetime, datetime]:
    """Times without an offset are read in the requested zone; default: the last 30 days."""

    def aware(value: datetime) -> datetime:
        return value if value.tzinfo else value.replace(tzinfo=ZoneInfo(zone))

    until = aware(until) if until else utcnow()
    since = aware(since) if since else until - timedelta(days=DEFAULT_DAYS)
    if since >= until:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, "'from' must be before 'to'")
    return since, until


def _csv(rows: list[dict[str, Any]], filename: str) -> Response:
    """Flat CSV of report rows (nested `shares` become share_negative, …)."""
    flat = []
    for row in rows:
        item = {k: v for k, v in row.items() if not isinstance(v, dict)}
        for key, value in (row.get("shares") or {}).items():
            item[f"share_{key}"] = value
        flat.append(item)
    out = io.StringIO()
    if flat:
        writer = csv.DictWriter(out, fieldnames=list(flat[0]))
        writer.writeheader()
        writer.writerows(flat)
    return Response(
        out.getvalue(),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{filename}.csv"'},
    )


Format = Annotated[str, Query(pattern="^(json|csv)$")]
Since = Annotated[datetime | None, Query(alias="from")]
Until = Annotated[datetime | None, Query(alias="to")]


@router.get("/sentiment")
def sentiment(
    session: SessionDep,
    settings: SettingsDep,
    brand: str,
    since: Since = None,
    until: Until = None,
    interval: Interval = Interval.day,
    source: str | None = None,
    tz: str | None = None,
    format: Format = "json",
) -> Response:
    """Counts, shares, net sentiment ((pos − neg) / total) and traffic light per bucket, the
    totals, and the change against the previous period of the same length.

    Light: red below −0.1, green above +0.2, yellow between. Buckets start at local midnight
    in `tz` (default SVETOFOR_TIMEZONE); weeks start on Monday.
    """
    zone = _zone(tz, settings.timezone)
    since_at, until_at = _range(since, until, zone)
    if len(make_buckets(since_at, until_at, interval, zone).labels) > MAX_BUCKETS:
        raise HTTPException(
            status.HTTP_422_UNPROCESSABLE_CONTENT,
            f"more than {MAX_BUCKETS} buckets: use a longer interval",
        )
    report = sentiment_report(
        session,
        SentimentQuery(
            brand=brand_by_name(session, brand),
            source=source_by_name(session, source) if source else None,
            since=since_at,
            until=until_at,
            interval=interval,
            zone=zone,
        ),
    )
    if format == "csv":
        return _csv(report["buckets"], f"sentiment-{brand}")
    return JSONResponse(_jsonable(report))


@router.get("/sources")
def sources(
    session: SessionDep,
    settings: SettingsDep,
    brand: str,
    since: Since = None,
    until: Until = None,
    tz: str | None = None,
    format: Format = "json",
) -> Response:
    """Per-source counts and net sentiment, the most negative sources first."""
    since_at, until_at = _range(since, until, _zone(tz, settings.timezone))
    brand_row = brand_by_name(session, brand)
    assert brand_row.id is not None
    rows = by_source(session, brand_id=brand_row.id, since=since_at, until=until_at)
    return _csv(rows, f"sources-{brand}") if format == "csv" else JSONResponse(_jsonable(rows))


@router.get("/share-of-voice")
def voice(
    session: SessionDep,
    settings: SettingsDep,
    brand: Annotated[list[str], Query(min_length=1)],
    since: Since = None,
    until: Until = None,
    tz: str | None = None,
    format: Format = "json",
) -> Response:
    """`?brand=A&brand=B…`: each brand's share of all their mentions, and its sentiment."""
    since_at, until_at = _range(since, until, _zone(tz, settings.timezone))
    brands = [brand_by_name(session, name) for name in brand]
    rows = share_of_voice(session, brands=brands, since=since_at, until=until_at)
    return _csv(rows, "share-of-voice") if format == "csv" else JSONResponse(_jsonable(rows))


@router.get("/terms")
def terms(
    session: SessionDep,
    settings: SettingsDep,
    brand: str,
    since: Since = None,
    until: Until = None,
    tz: str | None = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
    format: Format = "json",
) -> Response:
    """The most frequent words (lemmas) in negative mentions, the brand's own name excluded."""
    since_at, until_at = _range(since, until, _zone(tz, settings.timezone))
    brand_row = brand_by_name(session, brand)
    assert brand_row.id is not None
    rows = negative_terms(
        session,
        brand_id=brand_row.id,
        keywords=[brand_row.name, *brand_row.keywords],
        since=since_at,
        until=until_at,
        limit=limit,
    )
    return _csv(rows, f"terms-{brand}") if format == "csv" else JSONResponse(rows)


@router.get("/responses")
def responses(
    session: SessionDep,
    settings: SettingsDep,
    brand: str,
    since: Since = None,
    until: Until = None,
    tz: str | None = None,
    format: Format = "json",
) -> Response:
    """Share of first replies within the deadline, median hours to first reply, open and
    breached cases."""
    since_at, until_at = _range(since, until, _zone(tz, settings.timezone))
    brand_row = brand_by_name(session, brand)
    assert brand_row.id is not None
    kpis = response_kpis(session, brand_id=brand_row.id, since=since_at, until=until_at)
    return _csv([kpis], f"responses-{brand}") if format == "csv" else JSONResponse(kpis)


def _jsonable(value: Any) -> Any:
    from fastapi.encoders import jsonable_encoder

    return jsonable_encoder(value)
