"""Times given in a query string (`from`, `to`, `due_before`): read in a zone, kept in range.

A time without an offset means the display time zone (`SVETOFOR_TIMEZONE`, or an analytics
route's `tz`), as a marketer typing "2026-12-01" means their own midnight. Every time must also
fall in 1970–2200: the database binds times in UTC, and 0001-01-01 at +14:00 (or 9999-12-31 at
-14:00) has no UTC datetime at all, so it must be a 422 here, never an OverflowError later.
"""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from core.errors import Invalid
from core.timeutil import EARLIEST_GIVEN, LATEST_GIVEN

# The span body times keep to as well (core.timeutil); reports cover it at most, so the
# previous period of a report stays a real date.
EARLIEST, LATEST = EARLIEST_GIVEN, LATEST_GIVEN


def check_range(moment: datetime, name: str) -> datetime:
    """`moment` (aware) if it lies in EARLIEST..LATEST; Invalid naming the parameter if not."""
    # the year first: a time at the edge of datetime's range cannot be compared across zones
    in_range = EARLIEST.year - 1 <= moment.year <= LATEST.year and EARLIEST <= moment <= LATEST
    if not in_range:
        raise Invalid(f"'{name}' must be between {EARLIEST.year} and {LATEST.year}", name, "query")
    return moment


def query_time(value: datetime | None, zone: str, name: str) -> datetime | None:
    """The aware, in-range moment a query parameter names (None stays None)."""
    if value is None:
        return None
    aware = value if value.tzinfo is not None else value.replace(tzinfo=ZoneInfo(zone))
    return check_range(aware, name)


def form_day(value: str) -> date | None:
    """A day from a dashboard form's date input; None when empty, not a date, or outside
    1970–2199 (a date input cannot send those, a typed address can; the page ignores it)."""
    try:
        day = date.fromisoformat(value) if value else None
    except ValueError:
        return None
    if day is None or not EARLIEST.year <= day.year < LATEST.year:
        return None
    return day
