"""Google Business Profile API `reviews.updateReply`: the owner's reply to a Maps review.

Documented shape (developers.google.com/my-business/reference/rest/v4/accounts.locations.
reviews/updateReply): `PUT https://mybusiness.googleapis.com/v4/accounts/{account}/locations/
{location}/reviews/{reviewId}/reply` with `{"comment": …}` (4096 characters at most),
answered with `{"comment", "updateTime"}`; errors as Google's `{"error": {"code", "message",
"status"}}`. It creates the reply or replaces it: one owner reply per review, so the
resolution edits the acknowledgement there.

A `google_maps` source opts in with `options.gbp_account` and `options.gbp_location` (the
Business Profile ids) and a token (`options.access_token`, or `options.service_account` as for
Google Play, with the `business.manage` scope). The review id is the one the Maps RPC reports
(`external_id`); that it is the id this API wants is what Google's documentation implies, not
checked against a live account."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import httpx

from desk.publishers import Published, PublishError
from desk.publishers.google_auth import GoogleToken, google_error, service_account_key
from models import Mention

API = "https://mybusiness.googleapis.com"
SCOPE = "https://www.googleapis.com/auth/business.manage"


@dataclass
class GoogleBusinessPublisher:
    account: str
    location: str
    auth: GoogleToken
    api_base: str = API
    timeout: float = 15.0
    platform: str = "Google Maps"
    max_length: int | None = 4096

    @classmethod
    def from_options(cls, options: dict[str, Any]) -> GoogleBusinessPublisher:
        return cls(
            account=str(options["gbp_account"]),
            location=str(options["gbp_location"]),
            auth=GoogleToken(
                SCOPE,
                options.get("access_token"),
                service_account_key(options.get("service_account")),
            ),
            api_base=str(options.get("reply_api_base") or API),
        )

    def publish(self, mention: Mention, text: str) -> Published:
        url = (
            f"{self.api_base.rstrip('/')}/v4/accounts/{self.account}/locations/{self.location}"
            f"/reviews/{mention.external_id}/reply"
        )
        try:
            response = httpx.put(
                url,
                json={"comment": text},
                headers={"Authorization": f"Bearer {self.auth.bearer()}"},
                timeout=self.timeout,
            )
        except httpx.HTTPError as exc:
            raise PublishError(f"Google Maps: {type(exc).__name__}: {exc}", retryable=True) from exc
        if response.status_code != 200:
            raise google_error(response, "Google Business Profile")
        return Published(url=mention.url, platform_id=mention.external_id)
