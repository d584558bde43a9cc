"""VK through its official API: a community's wall with every post's comments (threads
included), or `newsfeed.search` for the brand across VK.

A source: `url` the community's page (or any vk.com link, shown to people); `options`:
`owner_id` (the community, negative: `-12345`) for its wall, or `query` for a search;
`token` (a service token; else `SVETOFOR_VK_TOKEN`); `api_base` (VK's own by default; tests
point it at a local fake); `version` (the API version, 5.199). The community's own posts are
its words, not mentions: they are skipped (counted as `own_post`) and their comments taken.
An edited post or comment comes back with new text, which the store keeps as a new version;
a deleted comment is counted (`deleted`), never stored."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any
from urllib.parse import urlencode

import scrapy
from scrapy.http import Response

from crawlers.parsing.vk import parse_comments, parse_search, parse_wall
from crawlers.spiders.base import SourceArgs, SourceSpider

VK_API = "https://api.vk.com/method"
API_VERSION = "5.199"
WALL_PAGE = 100  # wall.get's maximum
SEARCH_PAGE = 200  # newsfeed.search's maximum


def owner_id(source: SourceArgs) -> int | None:
    value = source.options.get("owner_id")
    try:
        return int(value) if value is not None else None
    except (TypeError, ValueError):
        return None


class VkSpider(SourceSpider):
    name = "vk"
    kind = "vk"

    @classmethod
    def check_source(cls, source: SourceArgs) -> None:
        if owner_id(source) is None and not source.options.get("query"):
            raise ValueError(
                "vk needs options.owner_id (a community's wall, e.g. -12345) or options.query "
                "(a search across VK)"
            )

    def token(self) -> str:
        return str(self.source.options.get("token") or self.settings.get("SVETOFOR_VK_TOKEN") or "")

    def method_url(self, method: str, **params: Any) -> str:
        base = str(self.source.options.get("api_base") or VK_API).rstrip("/")
        query = {
            **params,
            "extended": 1,
            "v": self.source.options.get("version") or API_VERSION,
            "access_token": self.token(),
        }
        return f"{base}/{method}?{urlencode(query)}"

    def request(self, url: str, page: int, **meta: Any) -> scrapy.Request:
        return scrapy.Request(
            url,
            callback=self.on_page,
            errback=self.on_error,
            meta={"page": page, **meta},
            dont_filter=page == 1 and not meta.get("post_id"),
        )

    async def start(self) -> AsyncIterator[scrapy.Request]:
        owner = owner_id(self.source)
        if owner is not None:
            yield self.request(self.wall_url(owner, 0), 1, offset=0)
        else:
            yield self.request(self.search_url(None), 1)

    def wall_url(self, owner: int, offset: int) -> str:
        return self.method_url("wall.get", owner_id=owner, count=WALL_PAGE, offset=offset)

    def search_url(self, start_from: str | None) -> str:
        params: dict[str, Any] = {"q": self.source.options["query"], "count": SEARCH_PAGE}
        if start_from:
            params["start_from"] = start_from
        return self.method_url("newsfeed.search", **params)

    def on_page(self, response: Response) -> Iterator[Any]:
        page = response.meta.get("page", 1)
        post_id = response.meta.get("post_id")
        owner = owner_id(self.source)
        if post_id is not None:
            assert owner is not None
            yield from self.take(
                parse_comments(response.body, owner=owner, post_id=post_id), response
            )
            return
        if owner is None:
            result = parse_search(response.body)
            yield from self.take(result, response)
            if result.cursor and self.should_follow(result.items, page):
                yield self.request(self.search_url(result.cursor), page + 1)
            return
        # a community's own posts are skipped; a user's wall (owner > 0) keeps the owner's
        result, posts, total = parse_wall(response.body, skip_from=owner if owner < 0 else None)
        yield from self.take(result, response)
        for post in posts:
            url = self.method_url(
                "wall.getComments",
                owner_id=owner,
                post_id=post["id"],
                count=100,
                sort="desc",
                thread_items_count=10,
            )
            yield self.request(url, page, post_id=post["id"])
        offset = response.meta.get("offset", 0) + WALL_PAGE
        # page on while the wall has more and the page held new posts by others; every
        # crawl reads the comments of the newest 100 posts, where people answer
        if offset < total and self.should_follow(result.items, page):
            yield self.request(self.wall_url(owner, offset), page + 1, offset=offset)
