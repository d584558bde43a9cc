"""Plain functions that build test data through the same services the app uses."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlmodel import Session

from models import Brand, BrandCreate, Mention, Source, SourceCreate
from services.catalog import create_brand, create_source
from services.mention_store import MentionData, upsert_mention


def make_brand(session: Session, name: str = "Acme", **fields: Any) -> Brand:
    return create_brand(
        session, BrandCreate(name=name, keywords=fields.pop("keywords", [name]), **fields)
    )


def make_source(session: Session, brand: Brand, name: str = "acme-news", **fields: Any) -> Source:
    data = {"kind": "feed", "url": "https://example.com/rss.xml", "schedule": "15m", **fields}
    return create_source(session, SourceCreate(name=name, brand=brand.name, **data))


def make_mention(
    session: Session,
    source: Source,
    external_id: str,
    *,
    published_at: datetime | None = None,
    text: str = "Acme is fine",
    **fields: Any,
) -> Mention:
    data = MentionData(external_id=external_id, text=text, published_at=published_at, **fields)
    return upsert_mention(session, source, data)[0]


# The request bodies the API and CLI tests share.
BRAND = {"name": "Acme", "keywords": ["Acme", "Акме", " acme "], "exclude": ["acme jobs"]}
SOURCE = {
    "name": "acme-news",
    "kind": "feed",
    "url": "https://example.com/rss.xml",
    "brand": "Acme",
    "schedule": "15m",
    "timezone": "Europe/Moscow",
}
