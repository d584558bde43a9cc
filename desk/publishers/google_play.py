"""Google Play Developer API `reviews.reply`: answer (or edit the answer to) one review.

Documented shape (developers.google.com/android-publisher/api-ref/rest/v3/reviews/reply):
`POST https://androidpublisher.googleapis.com/androidpublisher/v3/applications/{packageName}
/reviews/{reviewId}:reply` with `{"replyText": …}` (at most 350 characters), answered with
`{"result": {"replyText", "lastEdited": {"seconds", "nanos"}}}`; errors as Google's
`{"error": {"code", "message", "status"}}`. A review keeps one developer reply: a second call
replaces the first, which is how the resolution reply edits the acknowledgement.

Authentication: `options.access_token` (a bearer token), or `options.service_account` (the
service account's JSON key), exchanged for an hour's token by the OAuth 2.0 JWT bearer flow
(RFC 7523) at the key's `token_uri`, with the `androidpublisher` scope."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from typing import Any

import httpx

from core.signing import rs256
from desk.publishers import Published, PublishError
from models import Mention

API = "https://androidpublisher.googleapis.com"
SCOPE = "https://www.googleapis.com/auth/androidpublisher"
RETRYABLE = {429, 500, 502, 503, 504}


def signed_assertion(key: dict[str, Any], now: float) -> str:
    """The RS256-signed JWT a service account presents for a token."""
    claims = {
        "iss": key["client_email"],
        "scope": SCOPE,
        "aud": key["token_uri"],
        "iat": int(now),
        "exp": int(now) + 3600,
    }
    return rs256(key["private_key"], claims)


def _google_error(response: httpx.Response) -> PublishError:
    try:
        error = response.json().get("error") or {}
    except ValueError:
        error = {}
    message = error.get("message") or response.text[:200] or "no message"
    wait = float(response.headers.get("Retry-After", "1") or 1)
    return PublishError(
        f"Google Play answered {response.status_code}: {message}",
        retryable=response.status_code in RETRYABLE,
        wait=wait,
    )


@dataclass
class GooglePlayPublisher:
    package: str | None
    access_token: str | None = None
    service_account: dict[str, Any] | None = None
    api_base: str = API
    timeout: float = 15.0
    platform: str = "Google Play"
    max_length: int | None = 350
    _token: tuple[str, float] | None = field(default=None, repr=False)

    @classmethod
    def from_options(cls, options: dict[str, Any]) -> GooglePlayPublisher:
        key = options.get("service_account")
        if isinstance(key, str):
            key = json.loads(key)
        return cls(
            package=options.get("app_id"),
            access_token=options.get("access_token"),
            service_account=key,
            api_base=options.get("reply_api_base") or API,
        )

    def bearer(self) -> str:
        if self.access_token:
            return self.access_token
        if self._token and self._token[1] > time.time() + 60:
            return self._token[0]
        assert self.service_account is not None
        now = time.time()
        try:
            answer = httpx.post(
                self.service_account["token_uri"],
                data={
                    "grant_type": "urn:ietf:params:oauth:grant-type:jwt-bearer",
                    "assertion": signed_assertion(self.service_account, now),
                },
                timeout=self.timeout,
            )
        except httpx.HTTPError as exc:
            raise PublishError(f"Google sign-in: {exc}", retryable=True) from exc
        if answer.status_code != 200:
            detail = answer.json().get("error_description", "") if answer.content else ""
            raise PublishError(
                f"Google sign-in answered {answer.status_code}: {detail}", retryable=False
            )
        token = answer.json()
        self._token = (token["access_token"], now + float(token.get("expires_in", 3600)))
        return self._token[0]

    def publish(self, mention: Mention, text: str) -> Published:
        package = self.package or _package_from(mention.url)
        if not package:
            raise PublishError("the source names no app (options.app_id)", retryable=False)
        url = (
            f"{self.api_base.rstrip('/')}/androidpublisher/v3/applications/{package}"
            f"/reviews/{mention.external_id}:reply"
        )
        try:
            response = httpx.post(
                url,
                json={"replyText": text},
                headers={"Authorization": f"Bearer {self.bearer()}"},
                timeout=self.timeout,
            )
        except httpx.HTTPError as exc:
            raise PublishError(f"Google Play: {type(exc).__name__}: {exc}", retryable=True) from exc
        if response.status_code != 200:
            raise _google_error(response)
        return Published(url=mention.url, platform_id=mention.external_id)


def _package_from(url: str | None) -> str | None:
    from urllib.parse import parse_qs, urlsplit

    if not url:
        return None
    found = parse_qs(urlsplit(url).query).get("id")
    return found[0] if found else None
