"""UTC helpers: time inside Svetofor is always tz-aware UTC."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta


def utcnow() -> datetime:
    """The current moment as an aware UTC datetime."""
    return datetime.now(UTC)


def as_utc(value: datetime) -> datetime:
    """Convert an aware datetime to UTC; refuse naive ones, whose zone is unknowable, and
    ones with no UTC datetime (0001-01-01 at +14:00), as ValueError, never OverflowError."""
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError("naive datetime: give a time zone offset")
    try:
        return value.astimezone(UTC)
    except OverflowError as exc:
        raise ValueError(f"{value.isoformat()} is outside the range of dates") from exc


# Times a request gives for the desk (a promised date, when a reply was posted) lie here.
EARLIEST_GIVEN = datetime(1970, 1, 1, tzinfo=UTC)
LATEST_GIVEN = datetime(2200, 1, 1, tzinfo=UTC)


def given_time(value: datetime) -> datetime:
    """A time from a request body, in UTC: with its offset, between 1970 and 2200."""
    moment = as_utc(value)
    if not EARLIEST_GIVEN <= moment < LATEST_GIVEN:
        raise ValueError(f"must be between {EARLIEST_GIVEN.year} and {LATEST_GIVEN.year}")
    return moment


# Publication times outside these bounds are broken data (Go's zero time, 9999-12-31 from a
# feed generator), not news: they are refused at the API and stored as unknown by crawls.
EARLIEST_PUBLICATION = datetime(1990, 1, 1, tzinfo=UTC)
MAX_PUBLICATION_AHEAD = timedelta(days=1)


def publication_problem(
    moment: datetime,
    now: datetime | None = None,
    *,
    earliest: datetime = EARLIEST_PUBLICATION,
    ahead: timedelta = MAX_PUBLICATION_AHEAD,
) -> str | None:
    """Why a publication time cannot be true, or None when it can."""
    if moment < earliest:
        return f"before {earliest.date().isoformat()}"
    if moment > (now or utcnow()) + ahead:
        return f"more than {ahead} in the future"
    return None
