"""One spider per source kind; all share `SourceSpider`'s paging and error handling."""

from __future__ import annotations

from crawlers.spiders.app_store import AppStoreSpider
from crawlers.spiders.base import SourceSpider
from crawlers.spiders.feed import FeedSpider
from crawlers.spiders.google_maps import GoogleMapsSpider
from crawlers.spiders.google_play import GooglePlaySpider
from crawlers.spiders.profiled import HtmlSpider, JsonSpider
from crawlers.spiders.reddit import RedditSpider
from crawlers.spiders.telegram import TelegramSpider
from crawlers.spiders.vk import VkSpider

SPIDERS: dict[str, type[SourceSpider]] = {
    spider.kind: spider
    for spider in (
        FeedSpider,
        TelegramSpider,
        RedditSpider,
        HtmlSpider,
        JsonSpider,
        GoogleMapsSpider,
        GooglePlaySpider,
        VkSpider,
        AppStoreSpider,
    )
}


def spider_for(kind: str) -> type[SourceSpider]:
    try:
        return SPIDERS[kind]
    except KeyError:
        raise ValueError(f"no spider for source kind {kind!r}") from None
