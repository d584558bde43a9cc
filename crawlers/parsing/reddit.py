"""Reddit JSON listings (search, subreddit new, comment trees) → posts and comments."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from w3lib.url import add_or_replace_parameter

from crawlers.parsing.dates import parse_published
from crawlers.parsing.item import (
    MentionItem,
    ParsedPage,
    ParseProblem,
    add_record,
    as_dict,
    as_list,
)
from crawlers.parsing.text import normalize_space

BASE_URL = "https://www.reddit.com"
_GONE = frozenset({"[deleted]", "[removed]"})
_RAW_FIELDS = (
    "name", "subreddit", "score", "num_comments", "link_id", "parent_id", "link_title",
    "permalink", "url", "edited", "over_18", "is_self", "distinguished",
)  # fmt: skip


def parse_reddit(body: bytes | str | Any, *, url: str | None = None, now: datetime) -> ParsedPage:
    """Parse a Reddit JSON response into mentions (t3 posts and t1 comments, nested too).

    Args:
        body: the response: a Listing, a [post, comments] pair, or a morechildren answer.
        url: the address it came from; the next page is this with `after=<cursor>`.
        now: the reference moment (Reddit dates are epoch seconds, so unused in practice).

    Returns:
        ParsedPage; `cursor` is the listing's `after` fullname; the ids behind "load more"
        stubs come back as one "more_children" problem (comma-separated ids).
    """
    page = ParsedPage()
    try:
        data = json.loads(body) if isinstance(body, bytes | str) else body
    except ValueError as error:
        page.problems.append(ParseProblem("bad_json", str(error)[:200]))
        return page
    more: list[str] = []
    for kind, thing in _things(data):
        if kind == "more":
            more.extend(str(child) for child in as_list(thing.get("children")))
            continue
        add_record(page, _item, kind, thing, now)
    if more:
        page.problems.append(ParseProblem("more_children", ",".join(more)[:2000]))
    after = _after(data)
    if after:
        page.cursor = after
        page.next_url = add_or_replace_parameter(url, "after", after) if url else None
    return page


def _things(node: Any) -> Iterator[tuple[str, dict[str, Any]]]:
    """Every thing in a response, depth first: listings, pairs, replies, morechildren."""
    if isinstance(node, list):
        for child in node:
            yield from _things(child)
        return
    if not isinstance(node, dict):
        return
    kind, data = node.get("kind"), node.get("data")
    if kind == "Listing" and isinstance(data, dict):
        yield from _things(data.get("children") or [])
    elif kind in ("t1", "t3", "more") and isinstance(data, dict):
        yield kind, data
        yield from _things(data.get("replies") or [])
    elif isinstance(node.get("json"), dict):  # /api/morechildren
        yield from _things(as_list(as_dict(node["json"].get("data")).get("things")))


def _after(data: Any) -> str | None:
    listings = data if isinstance(data, list) else [data]
    for listing in reversed(listings):  # comment pages: the comment listing pages on
        if isinstance(listing, dict) and listing.get("kind") == "Listing":
            after = as_dict(listing.get("data")).get("after")
            if after:
                return str(after)
    return None


def _item(kind: str, thing: dict[str, Any], now: datetime) -> MentionItem | ParseProblem | None:
    name = thing.get("name") or (f"{kind}_{thing['id']}" if thing.get("id") else None)
    if not name:
        return ParseProblem("no_id", f"{kind} without id or name")
    body = thing.get("selftext") if kind == "t3" else thing.get("body")
    body = (body or "").strip()
    if body in _GONE:
        body = ""
    title = normalize_space(thing.get("title") or "") or None if kind == "t3" else None
    if not body and not title:
        reason = "deleted" if (thing.get("body") or "").strip() in _GONE else "no_text"
        return ParseProblem(reason, f"{name} has no text")
    published = parse_published(thing.get("created_utc"), tz="UTC", now=now)
    author = thing.get("author")
    author = None if not author or author in _GONE else str(author)
    return MentionItem(
        external_id=str(name),
        url=_permalink(kind, thing),
        author=author,
        author_url=f"{BASE_URL}/user/{author}" if author else None,
        title=title,
        text=body or title or "",
        published_at=published.at,
        published_precision=published.precision,
        published_raw=published.raw,
        raw={key: thing[key] for key in _RAW_FIELDS if thing.get(key) is not None},
    )


def _permalink(kind: str, thing: dict[str, Any]) -> str | None:
    permalink = str(thing.get("permalink") or "")
    if not permalink and kind == "t1" and thing.get("link_id") and thing.get("subreddit"):
        post = str(thing["link_id"]).removeprefix("t3_")
        permalink = f"/r/{thing['subreddit']}/comments/{post}/_/{thing.get('id')}/"
    if not permalink:
        return str(thing.get("url") or "") or None
    parts = urlsplit(BASE_URL + permalink if permalink.startswith("/") else permalink)
    return str(urlunsplit((parts.scheme, parts.netloc, parts.path, "", "")))  # drop ?ref=…
