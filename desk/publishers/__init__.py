"""Posting replies where the customer wrote: one adapter per platform with a reply API.

Each adapter speaks the platform's documented request and answer shapes (no real exchange
with these APIs is public: the tests talk to local fakes built from the documentation) and
says what went wrong in the platform's own words. A source whose platform has no reply API
here keeps the manual flow (post by hand, then mark posted)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

import httpx

from models import Mention, Source

# The longest wait a platform's Retry-After is taken at (publishing pauses less: MAX_PAUSE).
MAX_WAIT = 3600.0


def answer_object(response: httpx.Response) -> dict[str, Any]:
    """The answer's JSON object; {} for an empty, non-JSON or non-object body (the HTML error
    page a proxy sends, a bare list): the adapters then say what status came back."""
    try:
        answer = response.json() if response.content else {}
    except ValueError:
        return {}
    return answer if isinstance(answer, dict) else {}


@dataclass(frozen=True)
class Published:
    url: str | None  # where the reply can be seen
    platform_id: str | None  # the platform's id for it (a comment id, the review id)


class PublishError(RuntimeError):
    """The platform refused or failed; `retryable` when trying again may help (a rate
    limit, the platform's own hiccup), not for an expired token or a forbidden call."""

    def __init__(self, message: str, *, retryable: bool, wait: float = 1.0) -> None:
        super().__init__(message)
        self.retryable = retryable
        self.wait = wait


class Publisher(Protocol):
    platform: str
    max_length: int | None  # the platform's limit on a reply's length, in characters

    def publish(self, mention: Mention, text: str) -> Published: ...


def publisher_for(source: Source) -> Publisher | None:
    """The adapter for the source's platform, when it has a reply API and credentials."""
    from desk.publishers.app_store import AppStoreConnectPublisher
    from desk.publishers.google_business import GoogleBusinessPublisher
    from desk.publishers.google_play import GooglePlayPublisher
    from desk.publishers.vk import VkPublisher

    options = source.options or {}
    if source.kind == "google_play" and (
        options.get("service_account") or options.get("access_token")
    ):
        return GooglePlayPublisher.from_options(options)
    if (
        source.kind == "google_maps"
        and options.get("gbp_account")
        and options.get("gbp_location")
        and (options.get("service_account") or options.get("access_token"))
    ):
        return GoogleBusinessPublisher.from_options(options)
    if source.kind == "vk" and options.get("reply_token"):
        return VkPublisher.from_options(options)
    if source.kind == "app_store" and all(
        options.get(k) for k in ("issuer_id", "key_id", "private_key")
    ):
        return AppStoreConnectPublisher.from_options(options)
    return None
