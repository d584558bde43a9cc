"""Google Play reviews from the Play Store's own `batchexecute` RPC (`UsvDTd`).

The answer is Google's envelope: an XSSI prefix, then `[["wrb.fr", "UsvDTd", "<JSON>", …], …]`
whose third element is the payload as a string: `[reviews, …, [null, next_page_token]]`. A
review is a positional array; every index used is named here, and a review that no longer fits
is a ParseProblem, never a crash (the shape follows the public google-play-scraper and the
real answers in ../shared/realpages/google_play)."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from crawlers.parsing.dates import epoch_seconds
from crawlers.parsing.google_maps import at
from crawlers.parsing.item import MentionItem, ParsedPage, ParseProblem, add_record, as_list
from crawlers.parsing.text import normalize_space

RPC_ID = "UsvDTd"
ID, AUTHOR, RATING, TEXT, CREATED, THUMBS_UP, REPLY, APP_VERSION = (
    (0,),
    (1, 0),
    (2,),
    (4,),
    (5,),
    (6,),
    (7,),
    (10,),
)
REPLY_BY, REPLY_TEXT, REPLY_AT = (0,), (1,), (2,)


def _moment(value: Any) -> datetime | None:
    """`[seconds, nanos]` as an aware UTC datetime."""
    if not isinstance(value, list) or not value or not isinstance(value[0], int):
        return None
    nanos = value[1] if len(value) > 1 and isinstance(value[1], int) else 0
    return epoch_seconds(value[0] + nanos / 1e9)


def _payload(body: bytes | str) -> Any:
    text = body.decode("utf-8") if isinstance(body, bytes) else body
    text = text.removeprefix(")]}'").strip()
    for entry in json.loads(text):
        if isinstance(entry, list) and entry[:2] == ["wrb.fr", RPC_ID]:
            if not isinstance(entry[2], str):
                raise ValueError(f"the {RPC_ID} answer carries no data (an error envelope)")
            return json.loads(entry[2])
    raise ValueError(f"no {RPC_ID} answer in the envelope")


def review_url(app_id: str, review_id: str) -> str:
    return f"https://play.google.com/store/apps/details?id={app_id}&reviewId={review_id}"


def parse_play_reviews(body: bytes | str, *, app_id: str, lang: str | None = None) -> ParsedPage:
    """Reviews (developer replies as the business reply, with their time), a `no_text`
    problem per rating-only review, and `cursor` the next page's token."""
    page = ParsedPage()
    try:
        data = _payload(body)
    except (ValueError, TypeError) as error:
        page.problems.append(ParseProblem("bad_json", str(error)[:200]))
        return page
    token = at(data, (-1, 1))
    page.cursor = token if isinstance(token, str) and token else None
    for review in as_list(at(data, (0,))):
        add_record(page, _review, review, app_id, lang)
    return page


def _review(review: Any, app_id: str, lang: str | None) -> MentionItem | ParseProblem:
    review_id, rating = at(review, ID), at(review, RATING)
    if not isinstance(review_id, str) or not review_id:
        return ParseProblem("no_id", str(review)[:120])
    text = at(review, TEXT)
    if not isinstance(text, str) or not text.strip():
        return ParseProblem("no_text", review_id)
    created = _moment(at(review, CREATED))
    reply = at(review, REPLY)
    reply_text = at(reply, REPLY_TEXT) if isinstance(reply, list) else None
    reply_at = _moment(at(reply, REPLY_AT)) if isinstance(reply, list) else None
    raw: dict[str, Any] = {
        "app_version": at(review, APP_VERSION),
        "thumbs_up": at(review, THUMBS_UP),
    }
    if isinstance(reply_text, str) and reply_text.strip():
        raw["replied_by"] = at(reply, REPLY_BY)
        if reply_at is not None:
            raw["reply_at"] = reply_at.isoformat()
    author = at(review, AUTHOR)
    return MentionItem(
        external_id=review_id,
        url=review_url(app_id, review_id),
        author=author if isinstance(author, str) else None,
        text=normalize_space(text),
        rating=rating if isinstance(rating, int) and 1 <= rating <= 5 else None,
        lang=lang,
        published_at=created,
        published_precision="exact" if created else None,
        business_reply=normalize_space(reply_text) if isinstance(reply_text, str) else None,
        raw=raw,
    )
