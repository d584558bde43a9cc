"""Google Maps reviews from its internal positional JSON (listugcposts, place page state).

The arrays are positional and Google reshuffles them without notice: every index used is
named once below, and a review whose shape no longer fits is a ParseProblem, not a crash.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from crawlers.parsing.dates import parse_published
from crawlers.parsing.item import MentionItem, ParsedPage, ParseProblem
from crawlers.parsing.text import normalize_space

_XSSI_PREFIX = ")]}'"

# listugcposts review element (and the 2024+ place page, which embeds the same entries).
# Where a field moved between versions, the alternatives are tried in order.
ID = (0,)
CREATED_MICROS = (1, 2)
RELATIVE_DATE = (1, 6)
AUTHOR_NAME = ((1, 4, 5, 0), (1, 4, 2, 1), (1, 4, 0, 4))
AUTHOR_URL = ((1, 4, 5, 2, 0), (1, 4, 0, 5), (1, 4, 2, 0))
RATING = (2, 0, 0)
LANG = ((2, 14, 0), (2, 1, 1))
TEXT = ((2, 15, 0, 0), (2, 1, 0))
REPLY_MICROS = (3, 1)
REPLY_TEXT = (3, 14, 0, 0)
PERMALINK = (4, 3, 0)
# Older place page (2023): reviews at state[6][52][0], one flat array each.
OLD_REVIEWS = (6, 52, 0)
OLD_AUTHOR_URL, OLD_AUTHOR_NAME, OLD_RELATIVE, OLD_TEXT, OLD_RATING = (
    (0, 0),
    (0, 1),
    (1,),
    (3,),
    (4,),
)
OLD_ID, OLD_PERMALINK, OLD_CREATED_MILLIS, OLD_LANG = (10,), (18,), (27,), (32,)
NEW_REVIEWS = (6, 175, 9, 0, 0)


def at(node: Any, path: Sequence[int]) -> Any:
    """node[p0][p1]…, or None as soon as a step is missing."""
    for index in path:
        if not isinstance(node, list) or not -len(node) <= index < len(node):
            return None
        node = node[index]
    return node


def first_str(node: Any, paths: Sequence[Sequence[int]]) -> str | None:
    """The first non-empty string found at any of the paths."""
    for path in paths:
        value = at(node, path)
        if isinstance(value, str) and value.strip():
            return value
    return None


def _load(body: bytes | str | Any) -> Any:
    if isinstance(body, bytes):
        body = body.decode("utf-8", "replace")
    if isinstance(body, str):
        return json.loads(body.strip().removeprefix(_XSSI_PREFIX))
    return body


def _is_entry(node: Any) -> bool:
    element = at(node, (0,))
    return isinstance(at(element, ID), str) and isinstance(at(element, (1,)), list)


def _clean_url(url: Any) -> str | None:
    if not isinstance(url, str) or not url:
        return None
    return url.replace("\\u003d", "=").replace("\\u0026", "&").split("?hl=")[0]


def _published(micros: Any, relative: Any, now: datetime, languages: Sequence[str]) -> Any:
    """The exact timestamp when there is one, else the printed "2 months ago"."""
    exact = parse_published(micros, tz="UTC", now=now) if isinstance(micros, int) else None
    if exact is not None and exact.at is not None:
        shown = normalize_space(relative) if isinstance(relative, str) else None
        return exact, shown
    text = relative if isinstance(relative, str) else None
    return parse_published(text, tz="UTC", now=now, languages=languages), text


def parse_reviews(
    body: bytes | str | Any, *, now: datetime, languages: Sequence[str] = ("en", "ru")
) -> ParsedPage:
    """Parse a listugcposts response (or a list of its review entries).

    Args:
        body: the response, with or without Google's `)]}'` prefix.
        now: the reference moment for relative dates ("2 months ago").
        languages: languages of relative dates when no timestamp is given.

    Returns:
        ParsedPage: reviews (owner replies in `business_reply`), a "no_text" problem per
        rating-only review, and `cursor` the next page token.
    """
    page = ParsedPage()
    try:
        data = _load(body)
    except ValueError as error:
        page.problems.append(ParseProblem("bad_json", str(error)[:200]))
        return page
    if isinstance(data, list) and data and all(_is_entry(entry) for entry in data):
        entries = data
    else:
        entries = at(data, (2,)) or []
        token = at(data, (1,))
        page.cursor = token if isinstance(token, str) and token else None
    for entry in entries if isinstance(entries, list) else []:
        _add(page, _review(at(entry, (0,)), now, languages))
    return page


def parse_place_state(
    body: bytes | str | Any, *, now: datetime, languages: Sequence[str] = ("en", "ru")
) -> ParsedPage:
    """Parse the reviews embedded in a place page's APP_INITIALIZATION_STATE (2023 or 2024+)."""
    page = ParsedPage()
    try:
        data = _load(body)
    except ValueError as error:
        page.problems.append(ParseProblem("bad_json", str(error)[:200]))
        return page
    new = at(data, NEW_REVIEWS)
    if isinstance(new, list) and new and all(_is_entry(entry) for entry in new):
        for entry in new:
            _add(page, _review(at(entry, (0,)), now, languages))
        return page
    old = at(data, OLD_REVIEWS)
    if not isinstance(old, list):
        page.problems.append(ParseProblem("no_items", "no reviews where the place page keeps them"))
        return page
    for review in old:
        _add(page, _old_review(review, now, languages))
    return page


def _add(page: ParsedPage, item: MentionItem | ParseProblem) -> None:
    (page.problems if isinstance(item, ParseProblem) else page.items).append(item)  # type: ignore[arg-type]


def _review(element: Any, now: datetime, languages: Sequence[str]) -> MentionItem | ParseProblem:
    review_id = at(element, ID)
    if not isinstance(review_id, str):
        return ParseProblem("no_id", "a Google Maps review without id (shape changed?)")
    rating = at(element, RATING)
    text = first_str(element, TEXT)
    if text is None:
        return ParseProblem("no_text", f"google review {review_id}: rating {rating} only")
    published, relative = _published(
        at(element, CREATED_MICROS), at(element, RELATIVE_DATE), now, languages
    )
    reply = at(element, REPLY_TEXT)
    reply_at = parse_published(at(element, REPLY_MICROS), tz="UTC", now=now)
    return MentionItem(
        external_id=review_id,
        url=_clean_url(at(element, PERMALINK)),
        author=first_str(element, AUTHOR_NAME),
        author_url=_clean_url(first_str(element, AUTHOR_URL)),
        text=text.strip(),
        rating=rating if isinstance(rating, int) and 1 <= rating <= 5 else None,
        lang=first_str(element, LANG),
        published_at=published.at,
        published_precision=published.precision,
        published_raw=published.raw,
        business_reply=reply.strip() if isinstance(reply, str) and reply.strip() else None,
        raw={
            "relative_date": relative,
            "reply_at": reply_at.at.isoformat() if reply_at.at else None,
        },
    )


def _old_review(review: Any, now: datetime, languages: Sequence[str]) -> MentionItem | ParseProblem:
    review_id = at(review, OLD_ID)
    if not isinstance(review_id, str):
        return ParseProblem("no_id", "a Google Maps review without id (shape changed?)")
    text = at(review, OLD_TEXT)
    rating = at(review, OLD_RATING)
    if not isinstance(text, str) or not text.strip():
        return ParseProblem("no_text", f"google review {review_id}: rating {rating} only")
    millis = at(review, OLD_CREATED_MILLIS)
    published, relative = _published(
        millis * 1000 if isinstance(millis, int) else None, at(review, OLD_RELATIVE), now, languages
    )
    return MentionItem(
        external_id=review_id,
        url=_clean_url(at(review, OLD_PERMALINK)),
        author=at(review, OLD_AUTHOR_NAME) or None,
        author_url=_clean_url(at(review, OLD_AUTHOR_URL)),
        text=text.strip(),
        rating=rating if isinstance(rating, int) and 1 <= rating <= 5 else None,
        lang=at(review, OLD_LANG) or None,
        published_at=published.at,
        published_precision=published.precision,
        published_raw=published.raw,
        raw={"relative_date": relative},
    )
