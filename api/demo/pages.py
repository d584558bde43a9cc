"""Demo content with publication times anchored to the service's start."""

from __future__ import annotations

from datetime import datetime, timedelta
from email.utils import format_datetime
from functools import cache
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import yaml

CONTENT = Path(__file__).with_name("content.yaml")
DEMO_ZONE = ZoneInfo("Europe/Moscow")
REVIEWS_PER_PAGE = 8


@cache
def _content() -> dict[str, list[dict[str, Any]]]:
    return yaml.safe_load(CONTENT.read_text(encoding="utf-8"))  # type: ignore[no-any-return]


def _dated(entries: list[dict[str, Any]], anchor: datetime) -> list[dict[str, Any]]:
    dated = []
    for entry in entries:
        published = anchor - timedelta(minutes=entry["ago_minutes"])
        local = published.astimezone(DEMO_ZONE)
        dated.append(
            {
                **entry,
                "published_iso": local.isoformat(timespec="seconds"),
                "published_human": local.strftime("%d.%m.%Y %H:%M"),
                "published_rfc822": format_datetime(published),
            }
        )
    return dated


def reviews(anchor: datetime) -> list[dict[str, Any]]:
    return _dated(_content()["reviews"], anchor)


def feed(anchor: datetime) -> list[dict[str, Any]]:
    return _dated(_content()["feed"], anchor)


def page_count() -> int:
    return -(-len(_content()["reviews"]) // REVIEWS_PER_PAGE)
