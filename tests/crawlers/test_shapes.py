"""A page or record whose shape a parser does not expect is a counted problem, not a crash;
a site that is down is a line in the log, not a traceback."""

from __future__ import annotations

import logging
from typing import Any

from scrapy.exceptions import DownloadConnectionRefusedError
from scrapy.http import HtmlResponse, Request
from scrapy.utils.test import get_crawler

from crawlers.parsing.item import ParsedPage
from crawlers.quiet_network_errors import NoNetworkTracebacks
from crawlers.spiders.base import SourceArgs, SourceSpider


class ChangedSite(SourceSpider):
    """A spider whose site changed its answer: the parser meets a shape it does not know."""

    kind = "changed"

    def parse_page(self, response: Any) -> ParsedPage:
        answer: dict[str, Any] = {"reviews": []}  # the site renamed "review" to "reviews"
        return ParsedPage(items=[answer["review"]])


def test_a_page_of_another_shape_is_counted_and_logged_and_the_run_goes_on() -> None:
    crawler = get_crawler(ChangedSite)
    source = SourceArgs(source_id=1, name="changed", kind="changed", url="https://x.example/")
    spider = ChangedSite.from_crawler(crawler, source=source)
    request = Request("https://x.example/p1", meta={"page": 1})
    response = HtmlResponse(request.url, body=b"<html></html>", request=request)
    assert list(spider.on_page(response)) == []  # nothing raised, nothing made up
    assert crawler.stats is not None
    stats = crawler.stats.get_stats()
    assert stats["svetofor/parse_problems/bad_record"] == 1
    assert stats["svetofor/errors"] == [
        "bad_record on https://x.example/p1: the page: KeyError: 'review'"
    ]


def test_only_network_failures_lose_their_traceback_in_the_quiet_log() -> None:
    quiet = NoNetworkTracebacks()

    def record(error: BaseException) -> logging.LogRecord:
        return logging.LogRecord(
            "scrapy", logging.ERROR, __file__, 1, "x", (), (type(error), error, None)
        )

    down = record(DownloadConnectionRefusedError("Connection was refused"))
    assert quiet.filter(down) and down.exc_info is None  # the site is down: one line
    bug = record(KeyError("review"))
    assert quiet.filter(bug) and bug.exc_info is not None  # our bug: its traceback stays
