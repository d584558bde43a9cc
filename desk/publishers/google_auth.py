"""A bearer token for Google's APIs: one given as it is, or a service account's, obtained by
the OAuth 2.0 JWT bearer flow (RFC 7523: an RS256-signed assertion posted to the key's
`token_uri`) and kept until a minute before it expires."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from typing import Any

import httpx

from core.retry_after import retry_after
from core.signing import rs256
from desk.publishers import MAX_WAIT, PublishError, answer_object


def service_account_key(value: Any) -> dict[str, Any] | None:
    """The JSON key as stored in a source's options: a mapping, or its text."""
    if isinstance(value, str):
        loaded: dict[str, Any] = json.loads(value)
        return loaded
    return value if isinstance(value, dict) else None


def signed_assertion(key: dict[str, Any], scope: str, now: float) -> str:
    """The RS256-signed JWT a service account presents for a token."""
    claims = {
        "iss": key["client_email"],
        "scope": scope,
        "aud": key["token_uri"],
        "iat": int(now),
        "exp": int(now) + 3600,
    }
    return rs256(key["private_key"], claims)


@dataclass
class GoogleToken:
    scope: str
    access_token: str | None = None
    service_account: dict[str, Any] | None = None
    timeout: float = 15.0
    _cached: tuple[str, float] | None = field(default=None, repr=False)

    def bearer(self) -> str:
        if self.access_token:
            return self.access_token
        if self._cached and self._cached[1] > time.time() + 60:
            return self._cached[0]
        key = self.service_account
        if key is None:
            raise PublishError(
                "no Google credentials: a token or a service account", retryable=False
            )
        now = time.time()
        try:
            answer = httpx.post(
                key["token_uri"],
                data={
                    "grant_type": "urn:ietf:params:oauth:grant-type:jwt-bearer",
                    "assertion": signed_assertion(key, self.scope, now),
                },
                timeout=self.timeout,
            )
        except httpx.HTTPError as exc:
            raise PublishError(f"Google sign-in: {exc}", retryable=True) from exc
        token = answer_object(answer)
        if answer.status_code != 200:
            detail = token.get("error_description") or answer.text[:200]
            raise PublishError(
                f"Google sign-in answered {answer.status_code}: {detail}", retryable=False
            )
        access, lifetime = token.get("access_token"), token.get("expires_in", 3600)
        if not isinstance(access, str) or not isinstance(lifetime, int | float):
            raise PublishError("Google sign-in answered 200 without a token", retryable=True)
        self._cached = (access, now + float(lifetime))
        return self._cached[0]


RETRYABLE = {429, 500, 502, 503, 504}


def google_error(response: httpx.Response, platform: str) -> PublishError:
    """Google's error answer (`{"error": {"code", "message", "status"}}`) in its own words."""
    error = answer_object(response).get("error")
    said = error.get("message") if isinstance(error, dict) else None
    message = said or response.text[:200] or "no message"
    return PublishError(
        f"{platform} answered {response.status_code}: {message}",
        retryable=response.status_code in RETRYABLE,
        wait=retry_after(response.headers.get("Retry-After"), cap=MAX_WAIT) or 1.0,
    )
