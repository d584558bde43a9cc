"""App Store Connect's `customerReviews` (an app you own): reviews with the team's published
responses, in JSON:API form (developer.apple.com/documentation/appstoreconnectapi).

`data[]`: `{"type": "customerReviews", "id", "attributes": {"rating", "title", "body",
"reviewerNickname", "createdDate", "territory"}, "relationships": {"response": {"data":
{"type": "customerReviewResponses", "id"}}}}`; `included[]` holds those responses
(`attributes.responseBody`, `lastModifiedDate`, `state`); `links.next` is the next page. No
real answer of this API is public: the shape is the documented one."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from crawlers.parsing.item import (
    MentionItem,
    ParsedPage,
    ParseProblem,
    add_record,
    as_dict,
    as_list,
)
from crawlers.parsing.text import normalize_space


def _when(value: Any) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo else None


def parse_customer_reviews(body: bytes | str, *, app_id: str) -> ParsedPage:
    page = ParsedPage()
    try:
        data = json.loads(body)
    except ValueError as exc:
        page.problems.append(ParseProblem("bad_json", str(exc)[:200]))
        return page
    data = as_dict(data)
    errors = as_list(data.get("errors"))
    if errors:
        first = as_dict(errors[0])
        said = first.get("detail") or first.get("title")
        page.problems.append(
            ParseProblem("api_error", f"App Store Connect {first.get('status')}: {said}")
        )
        return page
    responses = {
        item.get("id"): as_dict(item.get("attributes"))
        for item in map(as_dict, as_list(data.get("included")))
        if item.get("type") == "customerReviewResponses" and isinstance(item.get("id"), str)
    }
    for review in as_list(data.get("data")):
        add_record(page, _review, as_dict(review), responses, app_id)
    next_url = as_dict(data.get("links")).get("next")
    page.next_url = next_url if isinstance(next_url, str) else None
    return page


def _review(
    review: dict[str, Any], responses: dict[Any, dict[str, Any]], app_id: str
) -> MentionItem | ParseProblem:
    attributes = as_dict(review.get("attributes"))
    review_id = review.get("id")
    if not isinstance(review_id, str):
        return ParseProblem("no_id", str(review)[:120])
    body = attributes.get("body")
    text = normalize_space(body) if isinstance(body, str) else ""
    if not text:
        return ParseProblem("no_text", review_id)
    linked = as_dict(as_dict(as_dict(review.get("relationships")).get("response")).get("data"))
    response = responses.get(linked.get("id"))
    raw: dict[str, Any] = {"territory": attributes.get("territory")}
    reply = None
    if response and response.get("state") != "PENDING_PUBLISH":
        said = response.get("responseBody")
        reply = normalize_space(said) if isinstance(said, str) and said.strip() else None
        if isinstance(response.get("lastModifiedDate"), str):
            raw["reply_at"] = response["lastModifiedDate"]
    created = _when(attributes.get("createdDate"))
    rating = attributes.get("rating")
    author, title = attributes.get("reviewerNickname"), attributes.get("title")
    return MentionItem(
        external_id=review_id,
        url=f"https://apps.apple.com/app/id{app_id}?see-all=reviews#{review_id}",
        author=author if isinstance(author, str) else None,
        title=title if isinstance(title, str) else None,
        text=text,
        rating=rating if isinstance(rating, int) and 1 <= rating <= 5 else None,
        published_at=created,
        published_precision="exact" if created else None,
        business_reply=reply,
        raw=raw,
    )
