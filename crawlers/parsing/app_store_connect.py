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

from crawlers.parsing.item import MentionItem, ParsedPage, ParseProblem
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
    if isinstance(data, dict) and data.get("errors"):
        first = data["errors"][0]
        said = first.get("detail") or first.get("title")
        page.problems.append(
            ParseProblem("api_error", f"App Store Connect {first.get('status')}: {said}")
        )
        return page
    responses = {
        item.get("id"): item.get("attributes") or {}
        for item in data.get("included") or []
        if item.get("type") == "customerReviewResponses"
    }
    for review in data.get("data") or []:
        attributes = review.get("attributes") or {}
        review_id = review.get("id")
        if not isinstance(review_id, str):
            page.problems.append(ParseProblem("no_id", str(review)[:120]))
            continue
        text = normalize_space(str(attributes.get("body") or ""))
        if not text:
            page.problems.append(ParseProblem("no_text", review_id))
            continue
        linked = ((review.get("relationships") or {}).get("response") or {}).get("data") or {}
        response = responses.get(linked.get("id")) if isinstance(linked, dict) else None
        raw: dict[str, Any] = {"territory": attributes.get("territory")}
        reply = None
        if response and response.get("state") != "PENDING_PUBLISH":
            reply = normalize_space(str(response.get("responseBody") or "")) or None
            if response.get("lastModifiedDate"):
                raw["reply_at"] = response["lastModifiedDate"]
        created = _when(attributes.get("createdDate"))
        rating = attributes.get("rating")
        page.items.append(
            MentionItem(
                external_id=review_id,
                url=f"https://apps.apple.com/app/id{app_id}?see-all=reviews#{review_id}",
                author=attributes.get("reviewerNickname"),
                title=attributes.get("title"),
                text=text,
                rating=rating if isinstance(rating, int) and 1 <= rating <= 5 else None,
                published_at=created,
                published_precision="exact" if created else None,
                business_reply=reply,
                raw=raw,
            )
        )
    next_url = (data.get("links") or {}).get("next")
    page.next_url = next_url if isinstance(next_url, str) else None
    return page
