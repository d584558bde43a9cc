"""A page or record whose shape a parser does not expect is a counted problem, not a crash."""

from __future__ import annotations

from typing import Any

from scrapy.http import HtmlResponse, Request
from scrapy.utils.test import get_crawler

from crawlers.parsing.item import ParsedPage
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
