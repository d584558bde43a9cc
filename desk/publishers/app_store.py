"""App Store Connect API `customerReviewResponses`: the developer response to a review.

Documented shape (developer.apple.com/documentation/appstoreconnectapi/customer-review-
responses): `POST /v1/customerReviewResponses` with the JSON:API body `{"data": {"type":
"customerReviewResponses", "attributes": {"responseBody"}, "relationships": {"review":
{"data": {"type": "customerReviews", "id"}}}}}`, answered 201 with the response's `id`; errors
as `{"errors": [{"status", "code", "title", "detail"}]}`. A review has one response: posting
again replaces it, so the resolution reply takes the acknowledgement's place there. The token
is an ES256 JWT from the team's API key (`core.signing`)."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

import httpx

from core.retry_after import retry_after
from core.signing import app_store_connect_token
from desk.publishers import MAX_WAIT, Published, PublishError, answer_object
from models import Mention

API = "https://api.appstoreconnect.apple.com"
RETRYABLE = {429, 500, 502, 503, 504}


@dataclass
class AppStoreConnectPublisher:
    issuer_id: str
    key_id: str
    private_key: str
    api_base: str = API
    timeout: float = 15.0
    platform: str = "App Store"
    max_length: int | None = 5970  # Apple's documented limit for a response body

    @classmethod
    def from_options(cls, options: dict[str, Any]) -> AppStoreConnectPublisher:
        return cls(
            issuer_id=str(options["issuer_id"]),
            key_id=str(options["key_id"]),
            private_key=str(options["private_key"]),
            api_base=str(options.get("connect_api_base") or API),
        )

    def publish(self, mention: Mention, text: str) -> Published:
        token = app_store_connect_token(self.issuer_id, self.key_id, self.private_key, time.time())
        body = {
            "data": {
                "type": "customerReviewResponses",
                "attributes": {"responseBody": text},
                "relationships": {
                    "review": {"data": {"type": "customerReviews", "id": mention.external_id}}
                },
            }
        }
        try:
            response = httpx.post(
                f"{self.api_base.rstrip('/')}/v1/customerReviewResponses",
                json=body,
                headers={"Authorization": f"Bearer {token}"},
                timeout=self.timeout,
            )
        except httpx.HTTPError as exc:
            raise PublishError(f"App Store Connect: {exc}", retryable=True) from exc
        answer = answer_object(response)
        if response.status_code not in (200, 201):
            errors = answer.get("errors")
            first = errors[0] if isinstance(errors, list) and errors else {}
            first = first if isinstance(first, dict) else {}
            said = first.get("detail") or first.get("title") or response.text[:200] or "no detail"
            raise PublishError(
                f"App Store Connect answered {response.status_code}: {said}",
                retryable=response.status_code in RETRYABLE,
                wait=retry_after(response.headers.get("Retry-After"), cap=MAX_WAIT) or 1.0,
            )
        data = answer.get("data")
        return Published(
            url=mention.url, platform_id=data.get("id") if isinstance(data, dict) else None
        )
