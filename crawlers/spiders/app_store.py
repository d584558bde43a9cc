"""An app's App Store reviews: Apple's public reviews feed per country, or — for an app the
team owns, with an App Store Connect API key — Connect's `customerReviews`, which also gives
the team's published responses (owner replies).

A source: `url` the app's App Store page (shown to people); `options.app_id` (the number);
`options.country` for the public feed (`us` by default; one source per country); for Connect,
`options.issuer_id`, `options.key_id` and `options.private_key` (the .p8 key, stored, never
shown back). `options.feed_base` / `options.connect_api_base` point tests at local fakes. The
public feed's answers are parsed with the `appstore` profile, verified against real ones."""

from __future__ import annotations

import time
from functools import cached_property

import scrapy
from scrapy.http import Response

from core.signing import app_store_connect_token
from crawlers.parsing.app_store_connect import parse_customer_reviews
from crawlers.parsing.item import ParsedPage
from crawlers.parsing.json_profile import parse_json
from crawlers.parsing.profile import SiteProfile, load_profile
from crawlers.spiders.base import SourceArgs, SourceSpider

FEED = "https://itunes.apple.com"
CONNECT = "https://api.appstoreconnect.apple.com"


def uses_connect(source: SourceArgs) -> bool:
    options = source.options
    return all(options.get(k) for k in ("issuer_id", "key_id", "private_key"))


class AppStoreSpider(SourceSpider):
    name = "app_store"
    kind = "app_store"

    @classmethod
    def check_source(cls, source: SourceArgs) -> None:
        if not str(source.options.get("app_id") or "").isdigit():
            raise ValueError("app_store needs options.app_id, the app's number (id123456789)")

    @cached_property
    def feed_profile(self) -> SiteProfile:
        return load_profile("appstore")

    def start_url(self) -> str:
        app = self.source.options["app_id"]
        if uses_connect(self.source):
            base = str(self.source.options.get("connect_api_base") or CONNECT).rstrip("/")
            return (
                f"{base}/v1/apps/{app}/customerReviews?sort=-createdDate&limit=200&include=response"
            )
        base = str(self.source.options.get("feed_base") or FEED).rstrip("/")
        country = str(self.source.options.get("country") or "us")
        return f"{base}/{country}/rss/customerreviews/page=1/id={app}/sortby=mostrecent/json"

    def page_request(self, url: str, *, page: int, dont_filter: bool = False) -> scrapy.Request:
        request = super().page_request(url, page=page, dont_filter=dont_filter)
        if uses_connect(self.source):
            options = self.source.options
            token = app_store_connect_token(
                str(options["issuer_id"]),
                str(options["key_id"]),
                str(options["private_key"]),
                time.time(),
            )
            request.headers["Authorization"] = f"Bearer {token}"
        return request

    def parse_page(self, response: Response) -> ParsedPage:
        if uses_connect(self.source):
            return parse_customer_reviews(response.body, app_id=str(self.source.options["app_id"]))
        return parse_json(
            response.body,
            self.feed_profile,
            url=response.url,
            now=self.source.now,
            context={},
            tz=self.source.timezone,
        )
