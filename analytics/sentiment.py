"""Sentiment counts, shares, net sentiment and traffic lights over time, by brand and source."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import and_, func, literal, literal_column
from sqlmodel import Session, col, select

from analytics.buckets import Buckets, Interval, make_buckets
from core.labels import LABELS
from models import Brand, Mention, Source

# The traffic light of a period, by net sentiment (pos − neg) / total.
RED_BELOW = -0.1
GREEN_ABOVE = 0.2


def light(net: float | None) -> str | None:
    """red below −0.1, green above +0.2, yellow between; None without mentions."""
    if net is None:
        return None
    if net < RED_BELOW:
        return "red"
    if net > GREEN_ABOVE:
        return "green"
    return "yellow"


def summarize(counts: Counter[str]) -> dict[str, Any]:
    total = sum(counts[label] for label in LABELS)
    shares = {label: (counts[label] / total if total else None) for label in LABELS}
    net = (counts["positive"] - counts["negative"]) / total if total else None
    return {
        **{label: counts[label] for label in LABELS},
        "total": total,
        "shares": shares,
        "net_sentiment": net,
        "light": light(net),
    }


def _whole_hour_offsets(zone: str, since: datetime, until: datetime) -> bool:
    tz = ZoneInfo(zone)
    moment = since
    while moment <= until:  # offsets change at most twice a year: a daily probe suffices
        offset = moment.astimezone(tz).utcoffset()
        if offset is not None and offset.total_seconds() % 3600:
            return False
        moment += timedelta(days=1)
    return True


def _as_utc(value: Any) -> datetime:
    moment: datetime = datetime.fromisoformat(value) if isinstance(value, str) else value
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _labelled(brand_id: int, source_id: int | None, since: datetime, until: datetime) -> Any:
    """The WHERE clause all counts share: one brand (and source), labelled, in the range."""
    conditions: list[Any] = [
        Mention.brand_id == brand_id,
        col(Mention.occurred_at) >= since,
        col(Mention.occurred_at) < until,
        col(Mention.sentiment_label).is_not(None),
    ]
    if source_id is not None:
        conditions.append(Mention.source_id == source_id)
    return and_(*conditions)


def counts_total(
    session: Session, *, brand_id: int, source_id: int | None, since: datetime, until: datetime
) -> Counter[str]:
    query = (
        select(col(Mention.sentiment_label), func.count())
        .where(_labelled(brand_id, source_id, since, until))
        .group_by(col(Mention.sentiment_label))
    )
    return Counter({str(label): count for label, count in session.exec(query)})


def counts_by_bucket(
    session: Session,
    *,
    brand_id: int,
    source_id: int | None,
    buckets: Buckets,
    interval: Interval,
    zone: str,
) -> list[Counter[str]]:
    """Labelled mentions per bucket; one grouped query whatever the number of buckets.

    PostgreSQL buckets in SQL (`date_trunc` on local time: DST-correct). Elsewhere the query
    groups by UTC hour (a few thousand rows) and Python sums the hours into local buckets.
    """
    since, until = buckets.edges[0], buckets.edges[-1]
    where = _labelled(brand_id, source_id, since, until)
    result = [Counter[str]() for _ in buckets.labels]
    if session.get_bind().dialect.name == "postgresql":
        local = col(Mention.occurred_at).op("AT TIME ZONE")(literal(zone))
        slot = func.date_trunc(literal_column(f"'{interval.value}'"), local).label("slot")
        position = {label: i for i, label in enumerate(buckets.labels)}
        query = (
            select(slot, col(Mention.sentiment_label), func.count())
            .where(where)
            .group_by(slot, col(Mention.sentiment_label))
        )
        for start, label, count in session.exec(query):
            result[position[start.date()]][str(label)] += count
        return result
    if _whole_hour_offsets(zone, since, until):
        slot = func.strftime("%Y-%m-%d %H:00:00", col(Mention.occurred_at)).label("slot")
    else:  # zones such as Asia/Kolkata (+5:30): group by the exact time
        slot = col(Mention.occurred_at).label("slot")
    query = (
        select(slot, col(Mention.sentiment_label), func.count())
        .where(where)
        .group_by(slot, col(Mention.sentiment_label))
    )
    for moment, label, count in session.exec(query):
        index = buckets.index(_as_utc(moment))
        if index is not None:
            result[index][str(label)] += count
    return result


@dataclass
class SentimentQuery:
    brand: Brand
    source: Source | None
    since: datetime
    until: datetime
    interval: Interval
    zone: str


def sentiment_report(session: Session, query: SentimentQuery) -> dict[str, Any]:
    """Buckets, totals, and the change against the previous period of the same length."""
    assert query.brand.id is not None
    source_id = query.source.id if query.source else None
    buckets = make_buckets(query.since, query.until, query.interval, query.zone)
    series = counts_by_bucket(
        session,
        brand_id=query.brand.id,
        source_id=source_id,
        buckets=buckets,
        interval=query.interval,
        zone=query.zone,
    )
    length = query.until - query.since
    previous = counts_total(
        session,
        brand_id=query.brand.id,
        source_id=source_id,
        since=query.since - length,
        until=query.since,
    )
    totals = summarize(sum(series, Counter[str]()))
    before = summarize(previous)
    return {
        "brand": query.brand.name,
        "source": query.source.name if query.source else None,
        "from": query.since,
        "to": query.until,
        "interval": query.interval.value,
        "timezone": query.zone,
        "totals": totals,
        "previous": {"from": query.since - length, "to": query.since, **before},
        "change": _change(totals, before),
        "buckets": [
            {
                "start": buckets.edges[i],
                "end": buckets.edges[i + 1],
                "local_date": buckets.labels[i],
                **summarize(counts),
            }
            for i, counts in enumerate(series)
        ],
    }


def _change(now: dict[str, Any], before: dict[str, Any]) -> dict[str, Any]:
    def delta(a: float | None, b: float | None) -> float | None:
        return None if a is None or b is None else a - b

    return {
        "total": now["total"] - before["total"],
        "net_sentiment": delta(now["net_sentiment"], before["net_sentiment"]),
        "shares": {label: delta(now["shares"][label], before["shares"][label]) for label in LABELS},
    }


def by_source(
    session: Session, *, brand_id: int, since: datetime, until: datetime
) -> list[dict[str, Any]]:
    """Where the negativity comes from: each source's counts and net sentiment."""
    query = (
        select(Source.name, col(Mention.sentiment_label), func.count())
        .join(Source, col(Source.id) == col(Mention.source_id))
        .where(
            Mention.brand_id == brand_id,
            col(Mention.occurred_at) >= since,
            col(Mention.occurred_at) < until,
            col(Mention.sentiment_label).is_not(None),
        )
        .group_by(Source.name, col(Mention.sentiment_label))
    )
    per_source: dict[str, Counter[str]] = {}
    for name, label, count in session.exec(query):
        per_source.setdefault(name, Counter())[str(label)] += count
    rows = [{"source": name, **summarize(counts)} for name, counts in per_source.items()]
    return sorted(rows, key=lambda r: (-r["negative"], r["source"]))


def share_of_voice(
    session: Session, *, brands: list[Brand], since: datetime, until: datetime
) -> list[dict[str, Any]]:
    """Each brand's share of all mentions of the brands compared, with its own sentiment."""
    ids = [b.id for b in brands]
    query = (
        select(col(Mention.brand_id), col(Mention.sentiment_label), func.count())
        .where(
            col(Mention.brand_id).in_(ids),
            col(Mention.occurred_at) >= since,
            col(Mention.occurred_at) < until,
        )
        .group_by(col(Mention.brand_id), col(Mention.sentiment_label))
    )
    counts: dict[int, Counter[str]] = {b.id: Counter() for b in brands if b.id is not None}
    mentions: Counter[int] = Counter()
    for brand_id, label, count in session.exec(query):
        mentions[brand_id] += count
        if label is not None:
            counts[brand_id][str(label)] += count
    everything = sum(mentions.values())
    return [
        {
            "brand": b.name,
            "mentions": mentions[b.id or 0],
            "share_of_voice": mentions[b.id or 0] / everything if everything else None,
            **summarize(counts[b.id or 0]),
        }
        for b in brands
    ]
