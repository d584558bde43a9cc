"""UTC helpers: time inside Svetofor is always tz-aware UTC."""

from __future__ import annotations

from datetime import UTC, datetime


def utcnow() -> datetime:
    """The current moment as an aware UTC datetime."""
    return datetime.now(UTC)


def as_utc(value: datetime) -> datetime:
    """Convert an aware datetime to UTC; refuse naive ones, whose zone is unknowable."""
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError("naive datetime: give a time zone offset")
    return value.astimezone(UTC)
