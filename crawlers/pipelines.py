"""Item pipelines: drop mentions that are not about the brand, then store the rest."""

from __future__ import annotations

import logging
import time
from typing import Any

from scrapy.crawler import Crawler
from scrapy.exceptions import DropItem
from sqlalchemy.engine import Engine
from sqlmodel import Session

from core.db import make_engine, session_scope
from core.text import visible
from crawlers import stats as keys
from crawlers.parsing.item import MentionItem
from crawlers.parsing.matching import BrandMatcher
from models import Brand, Precision, Source
from services.mention_store import MentionData, upsert_mentions

logger = logging.getLogger(__name__)

# Kinds that see everything on a channel or feed: only brand mentions are kept.
MATCHED_KINDS = {"feed", "telegram", "reddit"}


def _source_args(crawler: Crawler) -> Any:
    spider = crawler.spider
    assert spider is not None
    return spider.source  # type: ignore[attr-defined]


class _DatabasePipeline:
    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.engine: Engine | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Any:
        return cls(crawler)

    def open_spider(self) -> None:
        url = self.crawler.settings.get("SVETOFOR_DATABASE_URL")
        if not url:
            raise RuntimeError("SVETOFOR_DATABASE_URL is not set in the crawl settings")
        self.engine = make_engine(url)

    def close_spider(self) -> None:
        if self.engine is not None:
            self.engine.dispose()

    def count(self, key: str) -> None:
        assert self.crawler.stats is not None
        self.crawler.stats.inc_value(key)


class BrandFilterPipeline(_DatabasePipeline):
    """For feeds, channels and Reddit: keep what names the brand, in any inflected form."""

    matcher: BrandMatcher | None = None

    def open_spider(self) -> None:
        source = _source_args(self.crawler)
        match = source.options.get("match_brand", source.kind in MATCHED_KINDS)
        if not match:
            return
        super().open_spider()
        assert self.engine is not None
        with Session(self.engine) as session:
            row = session.get(Source, source.source_id)
            brand = session.get(Brand, row.brand_id) if row else None
            if brand is None:
                raise RuntimeError(f"source {source.name!r} has no brand")
            self.matcher = BrandMatcher(brand.keywords or [brand.name], brand.exclude)

    def process_item(self, item: MentionItem) -> MentionItem:
        if self.matcher is not None and not self.matcher.matches(
            " \n".join(filter(None, (item.title, item.text)))
        ):
            self.count(keys.DROPPED_PREFIX + "not_about_brand")
            raise DropItem(f"not about the brand: {item.external_id}")
        return item


class MentionStorePipeline(_DatabasePipeline):
    """Upsert mentions on (source, external_id) in small batches; edits become revisions.

    A batch is written when it holds BATCH_SIZE items or is FLUSH_SECONDS old, and when
    the spider closes (also on Ctrl-C or an error), so a commit per item does not cap the
    crawl's speed. Only a hard kill can lose the unwritten batch; the next run then crawls
    without the early stop (see crawlers.runner) and picks those mentions up again.
    """

    BATCH_SIZE = 200
    FLUSH_SECONDS = 1.0

    source: Source | None = None

    def open_spider(self) -> None:
        super().open_spider()
        assert self.engine is not None
        with Session(self.engine, expire_on_commit=False) as session:
            self.source = session.get(Source, _source_args(self.crawler).source_id)
        if self.source is None:
            raise RuntimeError("the source was deleted before its crawl started")
        self.batch: list[MentionData] = []
        self.batch_started = time.monotonic()

    def process_item(self, item: MentionItem) -> MentionItem:
        if not item.external_id or not (visible(item.text) or visible(item.title)):
            reason = "no_id" if not item.external_id else "no_text"
            self.count(keys.DROPPED_PREFIX + reason)
            raise DropItem(f"{reason}: {item.url or item.external_id}")
        if not self.batch:
            self.batch_started = time.monotonic()
        self.batch.append(to_mention_data(item))
        if item.published_at is None:
            self.count(keys.DATE_UNPARSED)
        if (
            len(self.batch) >= self.BATCH_SIZE
            or time.monotonic() - self.batch_started >= self.FLUSH_SECONDS
        ):
            self.flush()
        return item

    def flush(self) -> None:
        if not self.batch:
            return
        assert self.engine is not None and self.source is not None
        with session_scope(self.engine) as session:
            outcomes = upsert_mentions(session, self.source, self.batch)
        for outcome in outcomes:
            self.count(keys.ITEMS_PREFIX + outcome.value)
        self.batch = []

    def close_spider(self) -> None:
        if self.engine is not None and self.source is not None:
            self.flush()
        super().close_spider()


def to_mention_data(item: MentionItem) -> MentionData:
    return MentionData(
        external_id=item.external_id,
        text=(item.text if visible(item.text) else item.title) or "",
        title=item.title,
        url=item.url,
        author=item.author,
        author_url=item.author_url,
        rating=item.rating,
        lang=item.lang,
        published_at=item.published_at,
        published_precision=Precision(item.published_precision)
        if item.published_precision
        else None,
        published_raw=item.published_raw,
        business_reply=item.business_reply,
        raw=item.raw,
    )
