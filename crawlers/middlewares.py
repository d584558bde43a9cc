"""Downloader middlewares: retries with backoff, and blocking detection."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.downloadermiddlewares.retry import RetryMiddleware
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Response
from scrapy.utils.defer import deferred_from_coro

from core.retry_after import retry_after
from crawlers import stats as keys
from crawlers.parsing.blocking import detect_block

logger = logging.getLogger(__name__)


class BackoffRetryMiddleware(RetryMiddleware):
    """Scrapy's retries, each one waiting longer: base·2ⁿ, or the server's Retry-After."""

    def __init__(self, settings: Any) -> None:
        super().__init__(settings)
        self.base = settings.getfloat("RETRY_BACKOFF_BASE", 1.0)
        self.cap = settings.getfloat("RETRY_BACKOFF_MAX", 60.0)

    def _delay(self, request: Request, response: Response | None) -> float:
        if response is not None:
            asked = retry_after(response.headers.get(b"Retry-After"), cap=float(self.cap))
            if asked is not None:  # seconds or an HTTP date; nonsense falls to the backoff
                return asked
        retries = int(request.meta.get("retry_times", 0))
        delay: float = float(self.base) * 2**retries
        return min(delay, float(self.cap))

    async def process_response(  # type: ignore[override]
        self, request: Request, response: Response
    ) -> Request | Response:
        result = super().process_response(request, response)
        if isinstance(result, Request) and self.base > 0:
            await asyncio.sleep(self._delay(request, response))
        return result

    async def process_exception(  # type: ignore[override]
        self, request: Request, exception: Exception
    ) -> Request | Response | None:
        result = super().process_exception(request, exception)
        if isinstance(result, Request) and self.base > 0:
            await asyncio.sleep(self._delay(request, None))
        return result


class BlockDetectionMiddleware:
    """A 403/429 or a CAPTCHA page closes the crawl as `blocked`, never as "0 new"."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> BlockDetectionMiddleware:
        return cls(crawler)

    def process_response(self, request: Request, response: Response) -> Response:
        if request.url.endswith("/robots.txt"):  # a missing or odd robots.txt is not a block
            return response
        reason = detect_block(response.status, response.headers, response.body)
        # A bare 503 that outlived the retries is an outage, not a block: the run fails.
        if reason is None or reason == "http_503_unavailable":
            return response
        assert self.crawler.stats is not None and self.crawler.engine is not None
        message = f"{reason} at {response.url}"
        logger.error("blocked: %s", message)
        self.crawler.stats.set_value(keys.BLOCKED, message)
        deferred_from_coro(self.crawler.engine.close_spider_async(reason="blocked"))
        raise IgnoreRequest(message)
