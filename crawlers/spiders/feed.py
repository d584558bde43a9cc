"""RSS and Atom feeds: news, blogs, Habr, forums."""

from __future__ import annotations

from scrapy.http import Response

from crawlers.parsing.feed import parse_feed
from crawlers.parsing.item import ParsedPage
from crawlers.spiders.base import SourceSpider


class FeedSpider(SourceSpider):
    name = "feed"
    kind = "feed"

    def parse_page(self, response: Response) -> ParsedPage:
        return parse_feed(
            response.body, url=response.url, tz=self.source.timezone, now=self.source.now
        )
