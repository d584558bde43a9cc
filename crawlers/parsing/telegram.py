"""Telegram channel web preview (t.me/s/<channel>) → mentions, and the `?before=` cursor."""

from __future__ import annotations

import re
from datetime import datetime

from parsel import Selector

from crawlers.parsing.dates import parse_published
from crawlers.parsing.item import MentionItem, ParsedPage, ParseProblem, add_record
from crawlers.parsing.text import decode_body, element_text, normalize_space

BASE_URL = "https://t.me"
_POST_NUMBER = re.compile(r"[0-9]{1,18}")  # ASCII: "²".isdigit() is True
_VIEWS = re.compile(r"^([\d.,]+)\s*([KkMm]?)$")


def parse_views(value: str | None) -> int | None:
    """Telegram's view counter ("2", "1.2K", "3M") as a number."""
    if not value or not (match := _VIEWS.match(value.strip())):
        return None
    try:
        number = float(match.group(1).replace(",", "."))
    except ValueError:  # "1.2.3K": a counter, not a number; the message stays
        return None
    return round(number * {"": 1, "k": 1_000, "m": 1_000_000}[match.group(2).lower()])


def next_page_url(channel: str, before: str | int) -> str:
    """The preview page holding the messages older than `before`."""
    return f"{BASE_URL}/s/{channel}?before={before}"


def parse_telegram(
    body: bytes | str,
    *,
    channel: str | None = None,
    now: datetime,
    content_type: str | None = None,
) -> ParsedPage:
    """Parse a t.me/s/<channel> page (or message fragments) into mentions.

    Args:
        body: the page.
        channel: the channel's username; read from the messages when not given.
        now: the reference moment (dates here always carry an offset).
        content_type: the Content-Type header, for decoding.

    Returns:
        ParsedPage: one item per message with text (service messages are skipped, media
        without a caption is a "no_text" problem), `cursor` the `before` id for older
        messages and `next_url` the page holding them.
    """
    page = ParsedPage()
    selector = Selector(text=decode_body(body, content_type) or "<html></html>")
    ids: list[int] = []
    for message in selector.css("div.tgme_widget_message[data-post]"):
        # lxml refuses some damaged markup only when it is read: one message, not the page
        add_record(page, _message, message, now, ids)
    channel = channel or _channel_of(selector, page.items)
    before = selector.css("a.tme_messages_more[data-before]::attr(data-before)").get()
    if before is None and ids and min(ids) > 1:
        before = str(min(ids))  # fragments without the "load more" link: page by the oldest
    if before is not None and channel:
        page.cursor = before
        page.next_url = next_page_url(channel, before)
    return page


def _message(message: Selector, now: datetime, ids: list[int]) -> MentionItem | ParseProblem | None:
    post = message.attrib.get("data-post", "")
    name, _, number = post.rpartition("/")
    if not name or not _POST_NUMBER.fullmatch(number):
        return ParseProblem("no_id", f"data-post {post!r}")
    ids.append(int(number))
    if "service_message" in message.attrib.get("class", ""):
        return None  # "channel created", "message pinned": not something anyone said
    return _item(message, name, number, now)


def _channel_of(selector: Selector, items: list[MentionItem]) -> str | None:
    if items and items[0].author:
        return items[0].author
    post = selector.css("div.tgme_widget_message[data-post]::attr(data-post)").get()
    return post.rpartition("/")[0] if post else None


def _item(
    message: Selector, channel: str, number: str, now: datetime
) -> MentionItem | ParseProblem:
    text_node = message.css("div.tgme_widget_message_text")
    text = element_text(text_node[0].root) if text_node else ""
    poll = message.css("div.tgme_widget_message_poll_question")
    if not text and poll:
        options = [
            normalize_space(" ".join(o.css("::text").getall()))
            for o in message.css("div.tgme_widget_message_poll_option_text")
        ]
        text = "\n".join([element_text(poll[0].root), *options])
    if not text:
        return ParseProblem("no_text", f"{channel}/{number}: media without a caption")
    stamp = message.css("a.tgme_widget_message_date time::attr(datetime)").get()
    published = parse_published(stamp, tz="UTC", now=now)
    permalink = message.css("a.tgme_widget_message_date::attr(href)").get()
    preview = message.css("a.tgme_widget_message_link_preview")
    raw: dict[str, object] = {
        "views": parse_views(message.css("span.tgme_widget_message_views::text").get()),
        "signed_by": _clean(message.css("span.tgme_widget_message_from_author::text").get()),
        "forwarded_from": _clean(
            " ".join(message.css("a.tgme_widget_message_forwarded_from_name ::text").getall())
        ),
        "edited": "edited" in " ".join(message.css("span.tgme_widget_message_meta::text").getall()),
    }
    if preview:
        raw["link_preview"] = {
            "url": preview.attrib.get("href"),
            "title": _clean(" ".join(preview.css(".link_preview_title ::text").getall())),
            "description": _clean(
                " ".join(preview.css(".link_preview_description ::text").getall())
            ),
        }
    return MentionItem(
        external_id=f"{channel}/{number}",
        url=permalink or f"{BASE_URL}/{channel}/{number}",
        author=channel,
        author_url=f"{BASE_URL}/{channel}",
        text=text,
        published_at=published.at,
        published_precision=published.precision,
        published_raw=published.raw,
        raw={key: value for key, value in raw.items() if value not in (None, "")},
    )


def _clean(value: str | None) -> str | None:
    return normalize_space(value) or None if value else None
