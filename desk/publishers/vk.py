"""VK API `wall.createComment`: answer a post or a comment on the community's wall, as the
community.

Documented shape (dev.vk.com/method/wall.createComment): `owner_id`, `post_id`, `message`,
`reply_to_comment`, `from_group` (the community's id), with a community token that may post
(`options.reply_token`; the service token that reads walls cannot); answered with
`{"response": {"comment_id": N}}`, errors as `{"error": {"error_code", "error_msg"}}`. VK keeps
every comment: the resolution reply is a second comment under the first."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import httpx

from desk.publishers import Published, PublishError, answer_object
from models import Mention

API = "https://api.vk.com/method"
VERSION = "5.199"
RETRYABLE = {6, 9, 10}  # too many requests per second, flood control, internal error
COMMENT_ID = re.compile(r"_r(\d+)$")


@dataclass
class VkPublisher:
    token: str
    api_base: str = API
    version: str = VERSION
    timeout: float = 15.0
    platform: str = "VK"
    max_length: int | None = 16_000

    @classmethod
    def from_options(cls, options: dict[str, Any]) -> VkPublisher:
        return cls(
            token=str(options["reply_token"]),
            api_base=str(options.get("api_base") or API),
            version=str(options.get("version") or VERSION),
        )

    def publish(self, mention: Mention, text: str) -> Published:
        raw = mention.raw or {}
        owner, post = raw.get("owner_id"), raw.get("post_id")
        if not isinstance(owner, int) or not isinstance(post, int):
            raise PublishError("this mention is not a VK post or comment", retryable=False)
        params: dict[str, Any] = {
            "owner_id": owner,
            "post_id": post,
            "message": text,
            "v": self.version,
            "access_token": self.token,
        }
        if owner < 0:
            params["from_group"] = -owner
        found = COMMENT_ID.search(mention.external_id)
        if found:
            params["reply_to_comment"] = int(found.group(1))
        try:
            response = httpx.post(
                f"{self.api_base.rstrip('/')}/wall.createComment", data=params, timeout=self.timeout
            )
        except httpx.HTTPError as exc:
            raise PublishError(f"VK: {type(exc).__name__}: {exc}", retryable=True) from exc
        answer = answer_object(response)
        error = answer.get("error")
        if isinstance(error, dict):
            code = error.get("error_code")
            raise PublishError(
                f"VK error {code}: {error.get('error_msg')}", retryable=code in RETRYABLE
            )
        result = answer.get("response")
        comment_id = result.get("comment_id") if isinstance(result, dict) else None
        if not isinstance(comment_id, int):
            # not retried: the comment may be up already, and a second one would be a duplicate
            said = answer or response.text[:200]
            raise PublishError(f"VK answered without a comment id: {said}", retryable=False)
        return Published(
            url=f"https://vk.com/wall{owner}_{post}?reply={comment_id}",
            platform_id=str(comment_id),
        )
