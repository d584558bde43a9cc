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

from core.signing import app_store_connect_token
from desk.publishers import Published, PublishError
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
            answer = response.json() if response.content else {}
        except (httpx.HTTPError, ValueError) as exc:
            raise PublishError(f"App Store Connect: {exc}", retryable=True) from exc
        if response.status_code not in (200, 201):
            first = (answer.get("errors") or [{}])[0]
            said = first.get("detail") or first.get("title") or "no detail"
            raise PublishError(
                f"App Store Connect answered {response.status_code}: {said}",
                retryable=response.status_code in RETRYABLE,
                wait=float(response.headers.get("Retry-After", "1") or 1),
            )
        return Published(url=mention.url, platform_id=(answer.get("data") or {}).get("id"))
