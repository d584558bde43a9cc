"""First-reply deadlines: from publication (its earliest possible moment), or from discovery."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from core.calendar import BusinessHours
from core.relative_time import margin
from models.mention import Precision


@dataclass(frozen=True)
class Deadline:
    start: datetime  # the moment the clock starts
    due_at: datetime
    basis: str  # "published" | "published_earliest" | "discovered"
    note: str | None = None
    discovery_lag: timedelta | None = None  # found after the clock had started
    breached_on_discovery: bool = False


def approximate_margin(raw: str | None) -> timedelta:
    """How much earlier than its point estimate an approximate time may really be ("2 часа
    назад" means between 2 and 3 hours ago), by the units the date parser reads."""
    return margin(raw)


def earliest_publication(
    published_at: datetime | None, precision: Precision | str | None, published_raw: str | None
) -> datetime | None:
    """The earliest moment a mention can have been published (None when unknown)."""
    if published_at is None:
        return None
    if precision == Precision.approximate:
        return published_at - approximate_margin(published_raw)
    return published_at


def clock_start(
    published_at: datetime | None,
    precision: Precision | str | None,
    published_raw: str | None,
    discovered_at: datetime,
) -> tuple[datetime, str, str | None]:
    """Where the clock starts, why, and a note for people when it is not the exact time."""
    if published_at is None:
        return discovered_at, "discovered", "publication time unknown: counted from discovery"
    if precision == Precision.approximate:
        earliest = published_at - approximate_margin(published_raw)
        note = (
            f"publication time approximate ({published_raw or 'relative'}): counted from "
            "the earliest possible moment"
        )
        return min(earliest, discovered_at), "published_earliest", note
    if precision == Precision.day:
        # "вчера" could mean any hour of that day: counting from its end (or from discovery,
        # if earlier) is the kinder reading, so a day-only review never opens already late
        latest = min(published_at + timedelta(days=1), max(discovered_at, published_at))
        return latest, "published_day", "publication day only: counted from the end of that day"
    return published_at, "published", None


def first_reply_deadline(
    *,
    published_at: datetime | None,
    precision: Precision | str | None,
    published_raw: str | None,
    discovered_at: datetime,
    response_hours: int,
    calendar: BusinessHours | None = None,
) -> Deadline:
    """published (or its earliest moment, or discovery) + the brand's response hours."""
    start, basis, note = clock_start(published_at, precision, published_raw, discovered_at)
    # In UTC: adding hours to a zoned datetime would add wall-clock hours, wrong across DST.
    start = start.astimezone(UTC)
    if calendar is None:
        due = start + timedelta(hours=response_hours)  # calendar hours: real elapsed time
    else:
        due = calendar.add(start, response_hours)
    lag = discovered_at - start if basis != "discovered" and discovered_at > start else None
    return Deadline(
        start=start,
        due_at=due,
        basis=basis,
        note=note,
        discovery_lag=lag,
        breached_on_discovery=discovered_at >= due,
    )
