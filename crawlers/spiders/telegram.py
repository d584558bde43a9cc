"""Public Telegram channels through the t.me/s/<channel> web preview."""

from __future__ import annotations

import re

from scrapy.http import Response
from w3lib.url import add_or_replace_parameter

from crawlers.parsing.item import ParsedPage
from crawlers.parsing.telegram import parse_telegram
from crawlers.spiders.base import SourceArgs, SourceSpider

_CHANNEL = re.compile(r"/s/([A-Za-z0-9_]{3,})")


class TelegramSpider(SourceSpider):
    name = "telegram"
    kind = "telegram"

    @classmethod
    def check_source(cls, source: SourceArgs) -> None:
        if not _CHANNEL.search(source.url):
            raise ValueError(f"telegram url must look like https://t.me/s/<channel>: {source.url}")

    def parse_page(self, response: Response) -> ParsedPage:
        match = _CHANNEL.search(response.url)
        page = parse_telegram(
            response.body,
            channel=match.group(1) if match else None,
            now=self.source.now,
            content_type=(response.headers.get("Content-Type") or b"").decode(),
        )
        if page.cursor:  # older messages: the same preview URL with ?before=<id>
            page.next_url = add_or_replace_parameter(response.url, "before", page.cursor)
        return page
