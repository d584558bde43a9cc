"""VK API answers (`wall.get`, `wall.getComments`, `newsfeed.search`) as mentions.

Posts and comments are VK objects with numeric ids; with `extended=1` an answer lists the
`profiles` and `groups` its authors are. Older API versions send HTML entities and `<br>`;
a repost's text lives in `copy_history`; a deleted comment comes back as `{"deleted": true}`
(counted, never stored); a thread's replies ride inside their comment (`thread.items`,
API 5.82+). An `error` object (an expired token, too many requests) is a counted problem
that says VK's own words."""

from __future__ import annotations

import html
import json
import re
from datetime import datetime
from typing import Any

from crawlers.parsing.dates import epoch_seconds
from crawlers.parsing.item import (
    MentionItem,
    ParsedPage,
    ParseProblem,
    add_record,
    as_dict,
    as_list,
)
from crawlers.parsing.text import normalize_space

_BR = re.compile(r"<br\s*/?>", re.IGNORECASE)


def clean_text(text: Any) -> str:
    if not isinstance(text, str):
        return ""
    return normalize_space(html.unescape(_BR.sub("\n", text)))


def load(body: bytes | str) -> tuple[dict[str, Any] | None, ParseProblem | None]:
    """The answer's `response`, or the problem its `error` (or bad JSON) is."""
    try:
        data = json.loads(body)
    except ValueError as exc:
        return None, ParseProblem("bad_json", str(exc)[:200])
    if isinstance(data, dict) and isinstance(data.get("error"), dict):
        said = data["error"]
        return None, ParseProblem(
            "api_error", f"VK error {said.get('error_code')}: {said.get('error_msg')}"
        )
    response = data.get("response") if isinstance(data, dict) else None
    if not isinstance(response, dict):
        return None, ParseProblem("bad_json", "no response object")
    return response, None


def begin(body: bytes | str) -> tuple[ParsedPage, dict[str, Any] | None]:
    """A page to fill and the answer's `response`; without one, the page holds why."""
    page = ParsedPage()
    response, problem = load(body)
    if problem is not None:
        page.problems.append(problem)
    return page, response


def authors(response: dict[str, Any]) -> dict[int, tuple[str, str]]:
    """from_id → (name, page URL), users by their id, communities by minus theirs; a profile
    of another shape is left out (its posts then show no author), never a lost page."""
    found: dict[int, tuple[str, str]] = {}
    for profile in as_list(response.get("profiles")):
        user = as_dict(profile).get("id")
        if isinstance(user, int) and not isinstance(user, bool):
            parts = (as_dict(profile).get("first_name"), as_dict(profile).get("last_name"))
            name = " ".join(p for p in parts if isinstance(p, str) and p)
            found[user] = (name, f"https://vk.com/id{user}")
    for group in as_list(response.get("groups")):
        group_id = as_dict(group).get("id")
        if isinstance(group_id, int) and not isinstance(group_id, bool):
            screen = group.get("screen_name")
            page = screen if isinstance(screen, str) and screen else f"club{group_id}"
            found[-group_id] = (str(group.get("name") or page), f"https://vk.com/{page}")
    return found


def _author(record: dict[str, Any], people: dict[int, tuple[str, str]]) -> tuple[Any, Any]:
    who = record.get("from_id")
    return people.get(who, (None, None)) if isinstance(who, int) else (None, None)


def _when(value: Any) -> datetime | None:
    return epoch_seconds(value) if isinstance(value, int) and not isinstance(value, bool) else None


def post_item(
    post: dict[str, Any], people: dict[int, tuple[str, str]]
) -> MentionItem | ParseProblem:
    owner, post_id = post.get("owner_id"), post.get("id")
    if not isinstance(owner, int) or not isinstance(post_id, int):
        return ParseProblem("no_id", str(post)[:120])
    text = clean_text(post.get("text"))
    if not text and post.get("copy_history"):  # a repost: what it shares is the text
        text = clean_text(post["copy_history"][0].get("text"))
    if not text:
        return ParseProblem("no_text", f"wall{owner}_{post_id}")
    name, page = _author(post, people)
    published = _when(post.get("date"))
    raw: dict[str, Any] = {"owner_id": owner, "post_id": post_id}
    if post.get("edited"):
        raw["edited"] = post["edited"]
    return MentionItem(
        external_id=f"wall{owner}_{post_id}",
        url=f"https://vk.com/wall{owner}_{post_id}",
        author=name,
        author_url=page,
        text=text,
        published_at=published,
        published_precision="exact" if published else None,
        raw=raw,
    )


def comment_items(
    comments: list[Any], owner: int, post_id: int, people: dict[int, tuple[str, str]]
) -> list[MentionItem | ParseProblem]:
    """Comments with their thread replies; a deleted one is a problem, its replies stay."""
    found: list[MentionItem | ParseProblem] = []
    for comment in comments:
        if not isinstance(comment, dict) or not isinstance(comment.get("id"), int):
            found.append(ParseProblem("no_id", str(comment)[:120]))
            continue
        comment_id = comment["id"]
        if comment.get("deleted"):
            found.append(ParseProblem("deleted", f"wall{owner}_{post_id}_r{comment_id}"))
        elif text := clean_text(comment.get("text")):
            name, page = _author(comment, people)
            published = _when(comment.get("date"))
            parent = comment.get("reply_to_comment") or (comment.get("parents_stack") or [None])[-1]
            found.append(
                MentionItem(
                    external_id=f"wall{owner}_{post_id}_r{comment_id}",
                    url=f"https://vk.com/wall{owner}_{post_id}?reply={comment_id}",
                    author=name,
                    author_url=page,
                    text=text,
                    published_at=published,
                    published_precision="exact" if published else None,
                    raw={"owner_id": owner, "post_id": post_id, "reply_to_comment": parent},
                )
            )
        else:
            found.append(ParseProblem("no_text", f"wall{owner}_{post_id}?reply={comment_id}"))
        thread = as_dict(comment.get("thread"))
        found.extend(comment_items(as_list(thread.get("items")), owner, post_id, people))
    return found


def parse_wall(
    body: bytes | str, *, skip_from: int | None = None
) -> tuple[ParsedPage, list[dict[str, Any]], int]:
    """`wall.get`: the posts (those by `skip_from`, the community itself, are its own words,
    not mentions, and only their comments count), the posts whose comments to fetch, and the
    wall's total."""
    page, response = begin(body)
    if response is None:
        return page, [], 0
    people = authors(response)
    with_comments = []
    for post in as_list(response.get("items")):
        if not isinstance(post, dict):
            page.problems.append(ParseProblem("no_id", str(post)[:120]))
            continue
        if as_dict(post.get("comments")).get("count") and isinstance(post.get("id"), int):
            with_comments.append(post)
        if skip_from is not None and post.get("from_id") == skip_from:
            page.problems.append(
                ParseProblem("own_post", f"wall{post.get('owner_id')}_{post.get('id')}")
            )
            continue
        add_record(page, post_item, post, people)
    total = response.get("count")
    return page, with_comments, total if isinstance(total, int) else 0


def parse_comments(body: bytes | str, *, owner: int, post_id: int) -> ParsedPage:
    page, response = begin(body)
    if response is None:
        return page
    people = authors(response)
    for comment in as_list(response.get("items")):
        add_record(page, comment_items, [comment], owner, post_id, people)
    return page


def parse_search(body: bytes | str) -> ParsedPage:
    """`newsfeed.search`: posts anywhere on VK; `cursor` is its `next_from`."""
    page, response = begin(body)
    if response is None:
        return page
    people = authors(response)
    for post in as_list(response.get("items")):
        add_record(page, post_item, as_dict(post), people)
    next_from = response.get("next_from")
    page.cursor = next_from if isinstance(next_from, str) and next_from else None
    return page
