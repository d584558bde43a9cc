"""A Google Maps place's reviews, newest first, through the RPC the Maps page itself calls
(`/maps/rpc/listugcposts`), paging with the token each answer carries; owner replies come as
each review's business reply.

The endpoint is undocumented. Its request (`pb=` protobuf-in-a-URL) follows what the public
scrapers send today (gosom/google-maps-scraper, 2025-12); its answers are parsed by
`crawlers.parsing.google_maps`, tested on real captured reviews. A source names the place by
its feature id (`0x…:0x…`), as `options.place_id` or inside its Maps link (`…!1s0x…:0x…`);
`url` is that link: its scheme and host are where the RPC is asked (tests point it at a local
fake)."""

from __future__ import annotations

import re
from urllib.parse import quote, urlsplit

from scrapy.http import Response

from crawlers.parsing.google_maps import parse_reviews
from crawlers.parsing.item import ParsedPage
from crawlers.spiders.base import SourceArgs, SourceSpider

FEATURE_ID = re.compile(r"(0x[0-9a-fA-F]+:0x[0-9a-fA-F]+)")
PAGE_SIZE = 20
NEWEST_FIRST = 2  # the `13m1!1e` sort: 1 most relevant, 2 newest


def place_id(source: SourceArgs) -> str | None:
    given = source.options.get("place_id")
    if isinstance(given, str) and FEATURE_ID.fullmatch(given.strip()):
        return given.strip()
    found = FEATURE_ID.search(source.url)
    return found.group(1) if found else None


def reviews_url(source: SourceArgs, token: str = "") -> str:
    """The listugcposts request for one page of the place's reviews, newest first."""
    place = place_id(source)
    assert place is not None
    parts = urlsplit(source.url)
    language = str(source.options.get("hl") or source.options.get("language") or "en")
    country = str(source.options.get("gl") or source.options.get("country") or "")
    pb = (
        f"!1m6!1s{quote(place, safe='')}!6m4!4m1!1e1!4m1!1e3"
        f"!2m2!1i{PAGE_SIZE}!2s{quote(token, safe='')}"
        "!5m2!1s!7e81!8m9!2b1!3b1!5b1!7b1!12m4!1b1!2b1!4m1!1e1!11m0"
        f"!13m1!1e{NEWEST_FIRST}"
    )
    query = f"authuser=0&hl={quote(language)}" + (f"&gl={quote(country)}" if country else "")
    return f"{parts.scheme}://{parts.netloc}/maps/rpc/listugcposts?{query}&pb={pb}"


class GoogleMapsSpider(SourceSpider):
    name = "google_maps"
    kind = "google_maps"

    @classmethod
    def check_source(cls, source: SourceArgs) -> None:
        if place_id(source) is None:
            raise ValueError(
                "google_maps needs the place's feature id (0x…:0x…): options.place_id, or a "
                "Maps link that holds it (…/data=…!1s0x…:0x…)"
            )

    def start_url(self) -> str:
        return reviews_url(self.source)

    def parse_page(self, response: Response) -> ParsedPage:
        languages = [str(self.source.options.get("hl") or "en"), "en", "ru"]
        page = parse_reviews(response.body, now=self.source.now, languages=languages)
        if page.cursor:
            page.next_url = reviews_url(self.source, page.cursor)
        return page
