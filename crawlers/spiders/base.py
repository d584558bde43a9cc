"""The spider every source kind builds on: fetch a page, parse it purely, page on."""

from __future__ import annotations

import logging
import re
from collections.abc import AsyncIterator, Iterator
from datetime import datetime
from typing import Any, ClassVar

import scrapy
from pydantic import BaseModel, ConfigDict, Field
from scrapy.http import Response
from twisted.python.failure import Failure

from core.timeutil import utcnow
from crawlers import stats as keys
from crawlers.parsing.item import SHAPE_ERRORS, MentionItem, ParsedPage, shape_problem

logger = logging.getLogger(__name__)

MAX_ERRORS_KEPT = 20
# Counted, but normal: Reddit's "load more" stubs, captionless Telegram media posts, a VK
# community's own posts (their comments are the mentions), deleted VK comments.
NOT_ERRORS = {"more_children", "no_text", "own_post", "deleted"}
_SECRET_PARAMS = re.compile(r"\b(access_token|token|key)=[^&#]+")


def redact(url: str) -> str:
    """A URL fit for a crawl run's error summary: no token in it."""
    return _SECRET_PARAMS.sub(r"\1=…", url)


class SourceArgs(BaseModel):
    """What a spider is told about its source: validated, so a bad source fails early."""

    model_config = ConfigDict(frozen=True)

    source_id: int
    name: str
    kind: str
    url: str = Field(pattern=r"^https?://")
    timezone: str = "UTC"
    options: dict[str, Any] = {}
    # External ids already stored for this source: a page holding only these ends paging.
    known_ids: frozenset[str] = frozenset()
    incremental: bool = True
    max_pages: int = Field(default=50, ge=1)
    now: datetime = Field(default_factory=utcnow)


class SourceSpider(scrapy.Spider):
    """Subclasses implement `parse_page`; persistence happens in the item pipelines."""

    name = "source"
    kind: ClassVar[str] = ""

    def __init__(self, source: SourceArgs, **kwargs: Any) -> None:
        super().__init__(name=f"{source.kind}:{source.name}", **kwargs)
        self.source = source

    async def start(self) -> AsyncIterator[scrapy.Request]:
        # dont_filter: when resuming an interrupted crawl the first page was already seen,
        # but it must be fetched again to find what was published since.
        yield self.page_request(self.start_url(), page=1, dont_filter=True)

    @classmethod
    def check_source(cls, source: SourceArgs) -> None:
        """Raise ValueError when the source's options cannot work for this kind."""

    def start_url(self) -> str:
        return self.source.url

    def page_request(self, url: str, *, page: int, dont_filter: bool = False) -> scrapy.Request:
        return scrapy.Request(
            url,
            callback=self.on_page,
            errback=self.on_error,
            meta={"page": page},
            dont_filter=dont_filter,
        )

    def parse_page(self, response: Response) -> ParsedPage:
        raise NotImplementedError

    def on_page(self, response: Response) -> Iterator[Any]:
        try:
            result = self.parse_page(response)
        except SHAPE_ERRORS as exc:  # the page changed shape: a counted problem, the run goes on
            result = ParsedPage(problems=[shape_problem(exc, "the page")])
        yield from self.take(result, response)
        page = response.meta.get("page", 1)
        if result.next_url and self.should_follow(result.items, page):
            yield self.page_request(result.next_url, page=page + 1)

    def take(self, result: ParsedPage, response: Response) -> Iterator[MentionItem]:
        """Count a parsed page and its problems; hand on its mentions."""
        stats = self.crawler.stats
        assert stats is not None
        stats.inc_value(keys.PAGES)
        for problem in result.problems:
            stats.inc_value(keys.PROBLEMS_PREFIX + problem.reason)
            if problem.reason == "deleted":  # the detail is the mention's external id
                stats.set_value(keys.DELETED, [*stats.get_value(keys.DELETED, []), problem.detail])
            if problem.reason not in NOT_ERRORS:
                self.record_error(f"{problem.reason} on {redact(response.url)}: {problem.detail}")
        yield from result.items

    def should_follow(self, items: list[MentionItem], page: int) -> bool:
        """Page on unless the limit is reached or the page held nothing new."""
        if page >= self.source.max_pages or not items:
            return False
        if self.source.incremental and all(
            item.external_id in self.source.known_ids for item in items
        ):
            logger.info("%s: page %d holds only known items; stopping", self.name, page)
            return False
        return True

    def on_error(self, failure: Failure) -> None:
        request = getattr(failure, "request", None)
        response = getattr(failure.value, "response", None)
        where = redact(request.url) if request is not None else "?"
        if response is not None:
            self.record_error(f"HTTP {response.status} at {where}")
        else:
            kind = failure.type.__name__ if failure.type else "error"
            self.record_error(f"{kind}: {failure.getErrorMessage()} at {where}")

    def record_error(self, message: str) -> None:
        stats = self.crawler.stats
        assert stats is not None
        stats.inc_value(keys.ERROR_COUNT)
        errors = stats.get_value(keys.ERRORS, [])
        if len(errors) < MAX_ERRORS_KEPT:
            stats.set_value(keys.ERRORS, [*errors, message])
        logger.warning("%s: %s", self.name, message)
