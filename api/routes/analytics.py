"""Marketers' analytics: sentiment dynamics, sources, share of voice, terms, response KPIs."""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Annotated, Any
from urllib.parse import quote
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from fastapi import APIRouter, Depends, Query
from fastapi.responses import Response
from pydantic import BaseModel

from analytics.buckets import Interval, make_buckets
from analytics.kpis import response_kpis, weekly_kpis
from analytics.sentiment import SentimentQuery, by_source, sentiment_report, share_of_voice
from analytics.terms import negative_terms
from api.auth import AnyRole
from api.deps import SessionDep, SettingsDep
from api.query_times import check_range, query_time
from core.csv_cells import guard_row
from core.errors import Invalid
from core.timeutil import utcnow
from models import (
    Brand,
    ResponseKpis,
    SentimentReport,
    SourceSentiment,
    TermCount,
    VoiceShare,
    WeeklyResponseKpis,
)
from services.catalog import brand_by_name, source_by_name

router = APIRouter(prefix="/analytics", tags=["analytics"], dependencies=[AnyRole])

MAX_BUCKETS = 1_100
DEFAULT_DAYS = 30


def _zone(tz: str | None, default: str) -> str:
    zone = tz or default
    try:
        ZoneInfo(zone)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise Invalid(f"unknown time zone {zone!r}", "tz", "query") from exc
    return zone


def _range(since: datetime | None, until: datetime | None, zone: str) -> tuple[datetime, datetime]:
    """Times without an offset are read in the requested zone; default: the last 30 days."""
    until = query_time(until, zone, "to") or utcnow()
    default_since = until - timedelta(days=DEFAULT_DAYS)
    since = query_time(since, zone, "from") or check_range(default_since, "from")
    if since >= until:
        raise Invalid("'from' must be before 'to'", "from", "query")
    return since, until


def content_disposition(filename: str) -> str:
    """An attachment header any browser reads (RFC 6266): an ASCII fallback name, and the
    real one, Cyrillic included, as `filename*=UTF-8''…`."""
    fallback = re.sub(r"[^A-Za-z0-9._-]+", "_", filename).strip("_") or "export"
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename, safe='')}"


def _csv(rows: list[dict[str, Any]], filename: str) -> Response:
    """Flat CSV of report rows (nested `shares` become share_negative, …), with a UTF-8 BOM
    so Excel opens Cyrillic text as such."""
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
        writer.writerows(guard_row(row) for row in flat)
    return Response(
        "\ufeff" + out.getvalue(),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": content_disposition(f"{filename}.csv")},
    )


Format = Annotated[str, Query(pattern="^(json|csv)$")]
Since = Annotated[datetime | None, Query(alias="from")]
Until = Annotated[datetime | None, Query(alias="to")]


@dataclass(frozen=True)
class Period:
    since: datetime
    until: datetime
    zone: str
    format: str


def period(
    settings: SettingsDep,
    since: Since = None,
    until: Until = None,
    tz: str | None = None,
    format: Format = "json",
) -> Period:
    """The query parameters every analytics route shares: from, to, tz, format."""
    zone = _zone(tz, settings.timezone)
    since_at, until_at = _range(since, until, zone)
    return Period(since_at, until_at, zone, format)


PeriodDep = Annotated[Period, Depends(period)]


CSV_ANSWER: dict[int | str, dict[str, Any]] = {
    200: {"content": {"text/csv": {}}, "description": "JSON, or CSV with `format=csv`"}
}


def _respond(rows: list[dict[str, Any]], model: type[BaseModel], window: Period, name: str) -> Any:
    """CSV when asked for, else the rows validated by their response model."""
    if window.format == "csv":
        return _csv(rows, name)
    return [model.model_validate(row) for row in rows]


def _brand(session: SessionDep, name: str) -> tuple[Brand, int]:
    brand = brand_by_name(session, name)
    assert brand.id is not None
    return brand, brand.id


@router.get("/sentiment", response_model=SentimentReport, responses=CSV_ANSWER)
def sentiment(
    session: SessionDep,
    window: PeriodDep,
    brand: str,
    interval: Interval = Interval.day,
    source: str | None = None,
) -> Any:
    """Counts, shares, net sentiment ((pos − neg) / total) and traffic light per bucket, the
    totals, and the change against the previous period of the same length.

    Light: red below −0.1, green above +0.2, yellow between. Buckets start at local midnight
    in `tz` (default SVETOFOR_TIMEZONE); weeks start on Monday.
    """
    if len(make_buckets(window.since, window.until, interval, window.zone).labels) > MAX_BUCKETS:
        raise Invalid(
            f"more than {MAX_BUCKETS} buckets: use a longer interval", "interval", "query"
        )
    report = sentiment_report(
        session,
        SentimentQuery(
            brand=_brand(session, brand)[0],
            source=source_by_name(session, source) if source else None,
            since=window.since,
            until=window.until,
            interval=interval,
            zone=window.zone,
        ),
    )
    if window.format == "csv":
        return _csv(report["buckets"], f"sentiment-{brand}")
    return SentimentReport.model_validate(report)


@router.get("/sources", response_model=list[SourceSentiment], responses=CSV_ANSWER)
def sources(session: SessionDep, window: PeriodDep, brand: str) -> Any:
    """Per-source counts and net sentiment, the most negative sources first."""
    rows = by_source(
        session, brand_id=_brand(session, brand)[1], since=window.since, until=window.until
    )
    return _respond(rows, SourceSentiment, window, f"sources-{brand}")


@router.get("/share-of-voice", response_model=list[VoiceShare], responses=CSV_ANSWER)
def voice(
    session: SessionDep, window: PeriodDep, brand: Annotated[list[str], Query(min_length=1)]
) -> Any:
    """`?brand=A&brand=B…`: each brand's share of all their mentions, and its sentiment."""
    brands = [_brand(session, name)[0] for name in brand]
    rows = share_of_voice(session, brands=brands, since=window.since, until=window.until)
    return _respond(rows, VoiceShare, window, "share-of-voice")


@router.get("/terms", response_model=list[TermCount], responses=CSV_ANSWER)
def terms(
    session: SessionDep,
    window: PeriodDep,
    brand: str,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
) -> Any:
    """The most frequent words (lemmas) in negative mentions, the brand's own name excluded."""
    row, brand_id = _brand(session, brand)
    rows = negative_terms(
        session,
        brand_id=brand_id,
        keywords=[row.name, *row.keywords],
        since=window.since,
        until=window.until,
        limit=limit,
    )
    return _respond(rows, TermCount, window, f"terms-{brand}")


@router.get("/responses", response_model=ResponseKpis, responses=CSV_ANSWER)
def responses(session: SessionDep, window: PeriodDep, brand: str) -> Any:
    """Share of first replies within the deadline, median hours to first reply, open and
    breached cases."""
    kpis = response_kpis(
        session, brand_id=_brand(session, brand)[1], since=window.since, until=window.until
    )
    if window.format == "csv":
        return _csv([kpis], f"responses-{brand}")
    return ResponseKpis.model_validate(kpis)


@router.get("/responses/weekly", response_model=list[WeeklyResponseKpis], responses=CSV_ANSWER)
def responses_weekly(session: SessionDep, window: PeriodDep, brand: str) -> Any:
    """The same first-reply figures per 7 days of the period (the last week may be shorter):
    how the team's response time moves, as the brand page's table shows it."""
    weeks = weekly_kpis(
        session, brand_id=_brand(session, brand)[1], since=window.since, until=window.until
    )
    return _respond(weeks, WeeklyResponseKpis, window, f"responses-weekly-{brand}")
