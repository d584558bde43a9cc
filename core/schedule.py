"""Crawl schedules: an interval such as `15m` or a five-field cron expression."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from apscheduler.triggers.cron import CronTrigger

_INTERVAL = re.compile(r"^\s*(\d+)\s*([smhd])\s*$")
_UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
MIN_INTERVAL = timedelta(seconds=10)


@dataclass(frozen=True)
class Schedule:
    """A parsed schedule: exactly one of `interval` and `cron` is set."""

    text: str
    interval: timedelta | None = None
    cron: str | None = None


def parse_schedule(text: str, timezone: str = "UTC") -> Schedule:
    """Parse and validate a schedule string; raise ValueError with a readable reason."""
    match = _INTERVAL.match(text)
    if match:
        interval = timedelta(seconds=int(match.group(1)) * _UNIT_SECONDS[match.group(2)])
        if interval < MIN_INTERVAL:
            raise ValueError(f"interval {text!r} is shorter than {MIN_INTERVAL.seconds}s")
        return Schedule(text=text.strip(), interval=interval)
    if len(text.split()) == 5:
        try:
            CronTrigger.from_crontab(text, timezone=timezone)
        except ValueError as exc:
            raise ValueError(f"invalid cron expression {text!r}: {exc}") from exc
        return Schedule(text=" ".join(text.split()), cron=" ".join(text.split()))
    raise ValueError(
        f"invalid schedule {text!r}: use an interval like 30s, 15m, 1h, 1d "
        "or a five-field cron expression"
    )


def typical_gap(text: str, timezone: str = "UTC", now: datetime | None = None) -> timedelta:
    """How long a schedule usually waits between two crawls (for a cron expression, the gap
    between its next two firings)."""
    parsed = parse_schedule(text, timezone)
    if parsed.interval is not None:
        return parsed.interval
    assert parsed.cron is not None
    trigger = CronTrigger.from_crontab(parsed.cron, timezone=timezone)
    first = trigger.get_next_fire_time(None, now or datetime.now(UTC))
    second = trigger.get_next_fire_time(first, first + timedelta(seconds=1)) if first else None
    return second - first if first and second else timedelta(days=1)
