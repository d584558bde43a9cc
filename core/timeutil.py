"""UTC helpers: time inside Svetofor is always tz-aware UTC."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta


def utcnow() -> datetime:
    """The current moment as an aware UTC datetime."""
    return datetime.now(UTC)


def as_utc(value: datetime) -> datetime:
    """Convert an aware datetime to UTC; refuse naive ones, whose zone is unknowable."""
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError("naive datetime: give a time zone offset")
    return value.astimezone(UTC)


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
