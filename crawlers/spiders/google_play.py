"""An app's Google Play reviews, newest first, through the `batchexecute` RPC the Play Store
page itself calls (a form POST of `f.req`), paging with the token each answer carries.

Undocumented, like every public Play scraper's source: the request follows the public
google-play-scraper's; the answers are parsed by `crawlers.parsing.google_play`, tested on real
recorded answers. A source: `url` the app's Play page (`…/store/apps/details?id=APP`; its scheme
and host are where the RPC is asked, so tests point it at a local fake), `options.app_id` when
the URL does not name it, `options.lang`/`country` for the reviews' language and store."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from urllib.parse import parse_qs, quote, urlencode, urlsplit

import scrapy
from scrapy.http import Response

from crawlers.parsing.google_play import RPC_ID, parse_play_reviews
from crawlers.parsing.item import ParsedPage
from crawlers.spiders.base import SourceArgs, SourceSpider

NEWEST_FIRST = 2  # the RPC's sort: 1 most helpful, 2 newest, 3 by rating
PAGE_SIZE = 150  # what the Play page asks for


def app_id(source: SourceArgs) -> str | None:
    given = source.options.get("app_id")
    if isinstance(given, str) and given.strip():
        return given.strip()
    found = parse_qs(urlsplit(source.url).query).get("id")
    return found[0] if found else None


def request_body(app: str, token: str | None) -> str:
    """The form body: `f.req`, the RPC call with its arguments as a JSON string inside JSON."""
    paging = [PAGE_SIZE, None, token] if token else [PAGE_SIZE, None, None]
    arguments = json.dumps(
        [None, None, [2, NEWEST_FIRST, paging, None, []], [app, 7]], separators=(",", ":")
    )
    return urlencode({"f.req": json.dumps([[[RPC_ID, arguments, None, "generic"]]])})


class GooglePlaySpider(SourceSpider):
    name = "google_play"
    kind = "google_play"

    @classmethod
    def check_source(cls, source: SourceArgs) -> None:
        if app_id(source) is None:
            raise ValueError(
                "google_play needs the app's id: a Play URL …/store/apps/details?id=APP, or "
                "options.app_id"
            )

    def endpoint(self) -> str:
        parts = urlsplit(self.source.url)
        lang = quote(str(self.source.options.get("lang") or "en"))
        country = quote(str(self.source.options.get("country") or "us"))
        return (
            f"{parts.scheme}://{parts.netloc}/_/PlayStoreUi/data/batchexecute"
            f"?rpcids={RPC_ID}&hl={lang}&gl={country}"
        )

    async def start(self) -> AsyncIterator[scrapy.Request]:
        yield self.token_request(None, page=1)

    def token_request(self, token: str | None, *, page: int) -> scrapy.Request:
        app = app_id(self.source)
        assert app is not None
        return scrapy.Request(
            self.endpoint(),
            method="POST",
            body=request_body(app, token),
            headers={"Content-Type": "application/x-www-form-urlencoded;charset=UTF-8"},
            callback=self.on_page,
            errback=self.on_error,
            meta={"page": page, "token": token},
            dont_filter=page == 1,
        )

    def page_request(self, url: str, *, page: int, dont_filter: bool = False) -> scrapy.Request:
        # the base spider pages by URL; here the next page is the same URL with a token
        return self.token_request(url.partition("#token=")[2] or None, page=page)

    def parse_page(self, response: Response) -> ParsedPage:
        app = app_id(self.source)
        assert app is not None
        lang = str(self.source.options.get("lang") or "") or None
        page = parse_play_reviews(response.body, app_id=app, lang=lang)
        if page.cursor:
            page.next_url = f"{self.endpoint()}#token={page.cursor}"
        return page
