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

import json
import time
from dataclasses import dataclass, field
from typing import Any

import httpx

from core.signing import rs256
from desk.publishers import Published, PublishError
from desk.publishers.google_play import RETRYABLE, _google_error
from models import Mention

API = "https://mybusiness.googleapis.com"
SCOPE = "https://www.googleapis.com/auth/business.manage"


@dataclass
class GoogleBusinessPublisher:
    account: str
    location: str
    access_token: str | None = None
    service_account: dict[str, Any] | None = None
    api_base: str = API
    timeout: float = 15.0
    platform: str = "Google Maps"
    max_length: int | None = 4096
    _token: tuple[str, float] | None = field(default=None, repr=False)

    @classmethod
    def from_options(cls, options: dict[str, Any]) -> GoogleBusinessPublisher:
        key = options.get("service_account")
        return cls(
            account=str(options["gbp_account"]),
            location=str(options["gbp_location"]),
            access_token=options.get("access_token"),
            service_account=json.loads(key) if isinstance(key, str) else key,
            api_base=str(options.get("reply_api_base") or API),
        )

    def bearer(self) -> str:
        if self.access_token:
            return self.access_token
        if self._token and self._token[1] > time.time() + 60:
            return self._token[0]
        key = self.service_account
        assert key is not None
        now = time.time()
        claims = {
            "iss": key["client_email"],
            "scope": SCOPE,
            "aud": key["token_uri"],
            "iat": int(now),
            "exp": int(now) + 3600,
        }
        answer = httpx.post(
            key["token_uri"],
            data={
                "grant_type": "urn:ietf:params:oauth:grant-type:jwt-bearer",
                "assertion": rs256(key["private_key"], claims),
            },
            timeout=self.timeout,
        )
        if answer.status_code != 200:
            raise PublishError(f"Google sign-in answered {answer.status_code}", retryable=False)
        token = answer.json()
        self._token = (token["access_token"], now + float(token.get("expires_in", 3600)))
        return self._token[0]

    def publish(self, mention: Mention, text: str) -> Published:
        url = (
            f"{self.api_base.rstrip('/')}/v4/accounts/{self.account}/locations/{self.location}"
            f"/reviews/{mention.external_id}/reply"
        )
        try:
            response = httpx.put(
                url,
                json={"comment": text},
                headers={"Authorization": f"Bearer {self.bearer()}"},
                timeout=self.timeout,
            )
        except httpx.HTTPError as exc:
            raise PublishError(f"Google Maps: {type(exc).__name__}: {exc}", retryable=True) from exc
        if response.status_code != 200:
            error = _google_error(response)
            raise PublishError(
                str(error).replace("Google Play", "Google Business Profile", 1),
                retryable=response.status_code in RETRYABLE,
                wait=error.wait,
            )
        return Published(url=mention.url, platform_id=mention.external_id)
