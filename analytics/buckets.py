"""Time buckets (day, week, month) whose edges fall on local midnights of a time zone."""

from __future__ import annotations

import bisect
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo


class Interval(StrEnum):
    day = "day"
    week = "week"  # ISO weeks, starting on Monday
    month = "month"


def _floor(day: date, interval: Interval) -> date:
    if interval is Interval.week:
        return day - timedelta(days=day.weekday())
    if interval is Interval.month:
        return day.replace(day=1)
    return day


def _next(day: date, interval: Interval) -> date:
    if interval is Interval.day:
        return day + timedelta(days=1)
    if interval is Interval.week:
        return day + timedelta(weeks=1)
    return (day.replace(day=28) + timedelta(days=4)).replace(day=1)


@dataclass(frozen=True)
class Buckets:
    """Consecutive [start, end) buckets covering [since, until), clipped to that range."""

    edges: list[datetime]  # UTC; bucket i is [edges[i], edges[i + 1])
    labels: list[date]  # each bucket's local first day

    def index(self, moment: datetime) -> int | None:
        i = bisect.bisect_right(self.edges, moment) - 1
        return i if 0 <= i < len(self.labels) else None


def make_buckets(since: datetime, until: datetime, interval: Interval, zone: str) -> Buckets:
    """Edges at local midnights (DST-correct), the first and last clipped to the range."""
    tz = ZoneInfo(zone)
    day = _floor(since.astimezone(tz).date(), interval)
    edges, labels = [since.astimezone(UTC)], [day]
    while True:
        day = _next(day, interval)
        edge = datetime.combine(day, time(0), tz).astimezone(UTC)
        if edge >= until:
            break
        edges.append(edge)
        labels.append(day)
    edges.append(until.astimezone(UTC))
    return Buckets(edges, labels)
