"""Next-page addresses for sites that page by number or by cursor."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

from w3lib.url import add_or_replace_parameter

from crawlers.parsing.profile import Pagination


def next_by_number(url: str, paging: Pagination) -> str | None:
    """The address of the page after this one, its number read from the URL itself.

    Paging by query parameter (`?page=3`) or by a number inside the path
    (`/page=3/`, matched by `page_in_url`); None past `max_pages` or when neither is set.
    """
    if paging.page_param:
        values = parse_qs(urlsplit(url).query).get(paging.page_param)
        current = int(values[-1]) if values and values[-1].isdigit() else paging.first_page
        if _past_limit(current, paging):
            return None
        return add_or_replace_parameter(url, paging.page_param, str(current + 1))
    if paging.page_in_url:
        match = re.search(paging.page_in_url, url)
        if match is None or not match.groups() or not match.group(1).isdigit():
            return None
        current = int(match.group(1))
        if _past_limit(current, paging):
            return None
        return url[: match.start(1)] + str(current + 1) + url[match.end(1) :]
    return None


def next_by_cursor(url: str, paging: Pagination, cursor: str | None) -> str | None:
    """The address of the next page when the site hands out an opaque cursor."""
    if not cursor or not paging.cursor_param:
        return None
    return add_or_replace_parameter(url, paging.cursor_param, cursor)


def _past_limit(current: int, paging: Pagination) -> bool:
    return paging.max_pages is not None and current - paging.first_page + 1 >= paging.max_pages
