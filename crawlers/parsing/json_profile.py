"""JSON review APIs read through a SiteProfile: dotted field paths, next link or cursor."""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import datetime
from typing import Any
from urllib.parse import urljoin

from crawlers.parsing.fields import build_item, refine
from crawlers.parsing.item import ParsedPage, ParseProblem
from crawlers.parsing.profile import FieldSpec, SiteProfile
from crawlers.parsing.text import html_to_text
from crawlers.parsing.urls import next_by_cursor, next_by_number

_MISSING = object()


def resolve(data: Any, path: str) -> Any:
    """`a.b.0.c` into nested dicts and lists; None where any step is missing. `.` is the root."""
    node = data
    for step in path.split(".") if path not in ("", ".") else ():
        if isinstance(node, dict):
            node = node.get(step, _MISSING)
        elif (
            isinstance(node, list)
            and step.lstrip("-").isdigit()
            and -len(node) <= int(step) < len(node)
        ):
            node = node[int(step)]
        else:
            return None
        if node is _MISSING:
            return None
    return node


def _as_text(value: Any) -> str | None:
    if value is None or isinstance(value, dict | list):
        return None
    if isinstance(value, bool):
        return str(value).lower()
    return str(value)


def extract(node: Any, spec: FieldSpec, context: Mapping[str, str]) -> str | None:
    """One field's value at its path, as text (HTML in it turned to plain text)."""
    value = _as_text(resolve(node, spec.select)) if spec.select else None
    if value and "<" in value:
        value = html_to_text(value)
    return refine(value, spec, context)


def parse_json(
    body: bytes | str | Any,
    profile: SiteProfile,
    *,
    url: str | None,
    now: datetime,
    context: Mapping[str, str] | None = None,
    tz: str | None = None,
) -> ParsedPage:
    """Parse one JSON API page of reviews with a profile.

    Args:
        body: the response body (or already decoded JSON).
        profile: a `kind: json` SiteProfile.
        url: the request's address, for the next page.
        now: the reference moment for relative dates.
        tz: the source's time zone, overriding the profile's.
        context: values for field templates (e.g. app id, country).

    Returns:
        ParsedPage: reviews, problems ("bad_json", "no_id", "no_text"), the next page.
    """
    context = dict(context or {})
    result = ParsedPage()
    try:
        data = json.loads(body) if isinstance(body, bytes | str) else body
    except ValueError as error:
        result.problems.append(ParseProblem("bad_json", str(error)[:200]))
        return result
    found = resolve(data, profile.items)
    entries = found if isinstance(found, list) else [found] if isinstance(found, dict) else []
    for entry in entries:
        if any(resolve(entry, path) is not None for path in profile.skip_if):
            continue
        values: dict[str, str | None] = {
            name: extract(entry, spec, context) for name, spec in profile.fields.items()
        }
        raw = entry if isinstance(entry, dict) else {"value": entry}  # the API's own record
        item = build_item(values, profile, page_url=url, now=now, raw=raw, tz=tz)
        if isinstance(item, ParseProblem):
            result.problems.append(item)
        else:
            result.items.append(item)
    _paginate(result, data, profile, url, context)
    return result


def _paginate(
    result: ParsedPage, data: Any, profile: SiteProfile, url: str | None, context: Mapping[str, str]
) -> None:
    paging = profile.pagination
    if paging.next is not None:
        link = extract(data, paging.next, context)
        result.next_url = urljoin(url or "", link) if link else None
    elif paging.cursor is not None:
        result.cursor = extract(data, paging.cursor, context)
        result.next_url = next_by_cursor(url, paging, result.cursor) if url else None
    elif result.items and url:
        result.next_url = next_by_number(url, paging)
