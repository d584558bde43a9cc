"""Source: one place we crawl (a feed, a channel, a review page) for one brand."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import field_validator
from sqlmodel import Field, SQLModel

from core.schedule import parse_schedule
from core.timeutil import utcnow
from models.types import IdType, JSONType, UTCDateTime, refuse_null

# Source options that are credentials (a VK token, a Google service account key…): stored,
# used by spiders and reply adapters, never shown back; a form or API call that sends the
# placeholder back keeps what is stored.
SECRET_OPTIONS = frozenset(
    {
        "token",
        "reply_token",
        "access_token",
        "service_account",
        "private_key",
        "api_key",
        "password",
        "secret",
    }
)
HIDDEN = "••••••"


def shown_options(options: dict[str, Any]) -> dict[str, Any]:
    """Options as the API and dashboard show them: credentials replaced by a placeholder."""
    return {k: HIDDEN if k in SECRET_OPTIONS and v else v for k, v in options.items()}


def merge_options(stored: dict[str, Any], given: dict[str, Any]) -> dict[str, Any]:
    """New options; a credential sent back as the placeholder keeps its stored value."""
    return {
        k: stored.get(k) if v == HIDDEN and k in SECRET_OPTIONS else v for k, v in given.items()
    }


SOURCE_KINDS = (
    "feed",
    "telegram",
    "reddit",
    "html",
    "json",
    "google_maps",
    "google_play",
    "vk",
    "app_store",
)


class SourceBase(SQLModel):
    name: str = Field(min_length=1, max_length=200)
    kind: str = Field(max_length=40)
    url: str = Field(min_length=1, max_length=2000)
    options: dict[str, Any] = Field(default_factory=dict, sa_type=JSONType)
    schedule: str = Field(default="1h", max_length=100)
    timezone: str = Field(default="UTC", max_length=64)
    enabled: bool = True


class Source(SourceBase, table=True):
    id: int | None = Field(default=None, primary_key=True, sa_type=IdType)
    name: str = Field(max_length=200, unique=True, index=True)
    brand_id: int = Field(foreign_key="brand.id", index=True, sa_type=IdType)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    # "Crawl now" from the dashboard or API: the scheduler crawls the source on its next tick
    # (whatever its schedule) unless a run has started since.
    crawl_requested_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    # ok | blocked | failing | silent (desk.source_health), since when and why
    health: str = Field(default="ok", max_length=16)
    health_since: datetime | None = Field(default=None, sa_type=UTCDateTime)
    health_reason: str | None = Field(default=None, max_length=500)


def _check_kind(value: str) -> str:
    if value not in SOURCE_KINDS:
        raise ValueError(f"unknown kind {value!r}; expected one of {', '.join(SOURCE_KINDS)}")
    return value


def _check_url(value: str) -> str:
    value = value.strip()
    if not value.startswith(("http://", "https://")):
        raise ValueError("url must start with http:// or https://")
    return value


def _check_timezone(value: str) -> str:
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValueError(f"unknown time zone {value!r}") from exc
    return value


def _check_schedule(value: str) -> str:
    return parse_schedule(value).text


class SourceCreate(SourceBase):
    """A source as given by a user: the brand is named, not numbered."""

    model_config = {"extra": "forbid"}

    brand: str = Field(min_length=1)

    _kind = field_validator("kind")(_check_kind)
    _url = field_validator("url")(_check_url)
    _tz = field_validator("timezone")(_check_timezone)
    _schedule = field_validator("schedule")(_check_schedule)


class SourceUpdate(SQLModel):
    model_config = {"extra": "forbid"}

    name: str | None = Field(default=None, min_length=1, max_length=200)
    kind: str | None = None
    url: str | None = None
    options: dict[str, Any] | None = None
    schedule: str | None = None
    timezone: str | None = None
    enabled: bool | None = None
    brand: str | None = None

    _not_null = field_validator(
        "name", "kind", "url", "options", "schedule", "timezone", "enabled", "brand"
    )(refuse_null)

    @field_validator("kind")
    @classmethod
    def _kind(cls, value: str | None) -> str | None:
        return None if value is None else _check_kind(value)

    @field_validator("url")
    @classmethod
    def _url(cls, value: str | None) -> str | None:
        return None if value is None else _check_url(value)

    @field_validator("timezone")
    @classmethod
    def _tz(cls, value: str | None) -> str | None:
        return None if value is None else _check_timezone(value)

    @field_validator("schedule")
    @classmethod
    def _schedule(cls, value: str | None) -> str | None:
        return None if value is None else _check_schedule(value)


class SourcePublic(SourceBase):
    id: int
    brand: str
    created_at: datetime
    updated_at: datetime
    health: str = "ok"
    health_since: datetime | None = None
    crawl_requested_at: datetime | None = None
    health_reason: str | None = None
