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

from dataclasses import dataclass
from typing import Any

import httpx

from desk.publishers import Published, PublishError
from desk.publishers.google_auth import GoogleToken, google_error, service_account_key
from models import Mention

API = "https://androidpublisher.googleapis.com"
SCOPE = "https://www.googleapis.com/auth/androidpublisher"


@dataclass
class GooglePlayPublisher:
    package: str | None
    auth: GoogleToken
    api_base: str = API
    timeout: float = 15.0
    platform: str = "Google Play"
    max_length: int | None = 350

    @classmethod
    def from_options(cls, options: dict[str, Any]) -> GooglePlayPublisher:
        return cls(
            package=options.get("app_id"),
            auth=GoogleToken(
                SCOPE,
                options.get("access_token"),
                service_account_key(options.get("service_account")),
            ),
            api_base=options.get("reply_api_base") or API,
        )

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
                headers={"Authorization": f"Bearer {self.auth.bearer()}"},
                timeout=self.timeout,
            )
        except httpx.HTTPError as exc:
            raise PublishError(f"Google Play: {type(exc).__name__}: {exc}", retryable=True) from exc
        if response.status_code != 200:
            raise google_error(response, "Google Play")
        return Published(url=mention.url, platform_id=mention.external_id)


def _package_from(url: str | None) -> str | None:
    from urllib.parse import parse_qs, urlsplit

    if not url:
        return None
    found = parse_qs(urlsplit(url).query).get("id")
    return found[0] if found else None
