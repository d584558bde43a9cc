"""Reddit search and subreddit listings through the JSON endpoints (`….json`)."""

from __future__ import annotations

from scrapy.http import Response

from crawlers.parsing.item import ParsedPage
from crawlers.parsing.reddit import parse_reddit
from crawlers.spiders.base import SourceArgs, SourceSpider


class RedditSpider(SourceSpider):
    name = "reddit"
    kind = "reddit"

    @classmethod
    def check_source(cls, source: SourceArgs) -> None:
        if ".json" not in source.url:
            raise ValueError(
                "reddit url must be a JSON listing, e.g. "
                "https://www.reddit.com/search.json?q=acme&sort=new"
            )

    def parse_page(self, response: Response) -> ParsedPage:
        return parse_reddit(response.body, url=response.url, now=self.source.now)
