"""Brands and sources: create, update, delete and upsert by name."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import func
from sqlmodel import Session, col, select

from core.errors import Conflict, NotFound
from core.timeutil import utcnow
from models import (
    Brand,
    BrandCreate,
    BrandPublic,
    BrandUpdate,
    CrawlRun,
    Mention,
    ReplyTemplate,
    Source,
    SourceCreate,
    SourcePublic,
    SourceUpdate,
    merge_options,
    shown_options,
)


def get_brand(session: Session, brand_id: int) -> Brand:
    brand = session.get(Brand, brand_id)
    if brand is None:
        raise NotFound(f"brand {brand_id} not found")
    return brand


def brand_by_name(session: Session, name: str) -> Brand:
    brand = session.exec(select(Brand).where(Brand.name == name)).first()
    if brand is None:
        raise NotFound(f"brand {name!r} not found")
    return brand


def list_brands(session: Session) -> list[Brand]:
    return list(session.exec(select(Brand).order_by(Brand.name)))


def _name_taken(session: Session, model: type[Brand] | type[Source], name: str) -> bool:
    return session.exec(select(model.id).where(model.name == name)).first() is not None


def create_brand(session: Session, data: BrandCreate) -> Brand:
    if _name_taken(session, Brand, data.name):
        raise Conflict(f"brand {data.name!r} already exists")
    brand = Brand.model_validate(data)
    session.add(brand)
    session.flush()
    return brand


def _apply(row: Brand | Source, changes: dict[str, Any]) -> bool:
    """Set changed attributes; return whether anything changed."""
    changed = False
    for key, value in changes.items():
        if getattr(row, key) != value:
            setattr(row, key, value)
            changed = True
    if changed:
        row.updated_at = utcnow()
    return changed


def update_brand(session: Session, brand: Brand, data: BrandUpdate) -> Brand:
    changes = data.model_dump(exclude_unset=True)
    renamed = "name" in changes and changes["name"] != brand.name
    if renamed and _name_taken(session, Brand, changes["name"]):
        raise Conflict(f"brand {changes['name']!r} already exists")
    _apply(brand, changes)
    session.add(brand)
    session.flush()
    return brand


def delete_brand(session: Session, brand: Brand) -> None:
    sources = session.exec(select(func.count()).where(Source.brand_id == brand.id)).one()
    if sources:
        raise Conflict(f"brand {brand.name!r} still has {sources} source(s); delete them first")
    templates = session.exec(select(func.count()).where(ReplyTemplate.brand_id == brand.id)).one()
    if templates:
        raise Conflict(
            f"brand {brand.name!r} still has {templates} reply template(s); delete them first"
        )
    session.delete(brand)
    session.flush()


def upsert_brand(session: Session, data: BrandCreate) -> tuple[Brand, str]:
    """Create or update a brand by name; return it and 'created', 'updated' or 'unchanged'."""
    brand = session.exec(select(Brand).where(Brand.name == data.name)).first()
    if brand is None:
        return create_brand(session, data), "created"
    changed = _apply(brand, data.model_dump(exclude={"name"}))
    session.add(brand)
    session.flush()
    return brand, "updated" if changed else "unchanged"


def get_source(session: Session, source_id: int) -> Source:
    source = session.get(Source, source_id)
    if source is None:
        raise NotFound(f"source {source_id} not found")
    return source


def source_by_name(session: Session, name: str) -> Source:
    source = session.exec(select(Source).where(Source.name == name)).first()
    if source is None:
        raise NotFound(f"source {name!r} not found")
    return source


def list_sources(session: Session, *, brand: str | None = None) -> list[tuple[Source, str]]:
    query = select(Source, Brand.name).join(Brand).order_by(Source.name)
    if brand is not None:
        query = query.where(Brand.id == brand_by_name(session, brand).id)
    return [(source, name) for source, name in session.exec(query)]


def create_source(session: Session, data: SourceCreate) -> Source:
    brand = brand_by_name(session, data.brand)
    if _name_taken(session, Source, data.name):
        raise Conflict(f"source {data.name!r} already exists")
    source = Source.model_validate(data, update={"brand_id": brand.id})
    session.add(source)
    session.flush()
    return source


def update_source(session: Session, source: Source, data: SourceUpdate) -> Source:
    changes = data.model_dump(exclude_unset=True)
    if "options" in changes:
        changes["options"] = merge_options(source.options, changes["options"] or {})
    if "brand" in changes:
        changes["brand_id"] = brand_by_name(session, changes.pop("brand")).id
    renamed = "name" in changes and changes["name"] != source.name
    if renamed and _name_taken(session, Source, changes["name"]):
        raise Conflict(f"source {changes['name']!r} already exists")
    _apply(source, changes)
    session.add(source)
    session.flush()
    return source


def delete_source(session: Session, source: Source) -> None:
    mentions = session.exec(select(func.count()).where(Mention.source_id == source.id)).one()
    if mentions:
        raise Conflict(
            f"source {source.name!r} has {mentions} stored mention(s); disable it instead"
        )
    session.delete(source)
    session.flush()


def upsert_source(session: Session, data: SourceCreate) -> tuple[Source, str]:
    """Create or update a source by name; return it and what happened."""
    source = session.exec(select(Source).where(Source.name == data.name)).first()
    if source is None:
        return create_source(session, data), "created"
    changes = data.model_dump(exclude={"name", "brand"})
    changes["options"] = merge_options(source.options, changes.get("options") or {})
    changes["brand_id"] = brand_by_name(session, data.brand).id
    changed = _apply(source, changes)
    session.add(source)
    session.flush()
    return source, "updated" if changed else "unchanged"


def brand_public(brand: Brand) -> BrandPublic:
    return BrandPublic.model_validate(brand)


def source_public(source: Source, brand_name: str) -> SourcePublic:
    return SourcePublic.model_validate(
        source, update={"brand": brand_name, "options": shown_options(source.options)}
    )


def sources_with_last_run(session: Session) -> list[tuple[Source, str, CrawlRun | None]]:
    """Every source with its brand's name and its latest crawl run (None before the first)."""
    latest = (
        select(CrawlRun.source_id, func.max(CrawlRun.id).label("run_id"))
        .group_by(col(CrawlRun.source_id))
        .subquery()
    )
    runs = {
        r.source_id: r
        for r in session.exec(select(CrawlRun).join(latest, col(CrawlRun.id) == latest.c.run_id))
    }
    rows = session.exec(
        select(Source, Brand.name)
        .join(Brand, col(Brand.id) == col(Source.brand_id))
        .order_by(col(Source.name))
    )
    return [(source, brand, runs.get(source.id or 0)) for source, brand in rows]


def request_crawl(session: Session, source: Source, now: datetime | None = None) -> Source:
    """ "Crawl now": the scheduler's next tick crawls it, whatever its schedule; asking again
    before that run starts changes nothing."""
    if not source.enabled:
        raise Conflict(f"source {source.name!r} is disabled: enable it to crawl it")
    if source.crawl_requested_at is None or _started_since(session, source):
        source.crawl_requested_at = now or utcnow()
        session.add(source)
        session.flush()
    return source


def _started_since(session: Session, source: Source) -> bool:
    """A run started after the last request: that request is done."""
    last = session.exec(
        select(func.max(CrawlRun.started_at)).where(CrawlRun.source_id == source.id)
    ).one()
    return (
        last is not None
        and source.crawl_requested_at is not None
        and (last >= source.crawl_requested_at)
    )
