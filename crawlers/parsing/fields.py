"""Turning the raw strings a profile selected into a MentionItem: regex, rating, date."""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from datetime import datetime
from urllib.parse import urljoin

from crawlers.parsing.dates import parse_published
from crawlers.parsing.item import MentionItem, ParseProblem
from crawlers.parsing.profile import FieldSpec, SiteProfile

_NUMBER = re.compile(r"\d+(?:[.,]\d+)?")
_URL_FIELDS = ("url", "author_url")


def refine(value: str | None, spec: FieldSpec, context: Mapping[str, str]) -> str | None:
    """Apply a field's regex and template to a selected value; empty becomes None."""
    if value is not None and spec.regex:
        match = re.search(spec.regex, value)
        value = (match.group(1) if match.groups() else match.group(0)) if match else None
    if not value and spec.default is not None:
        value = spec.default
    if value and spec.template:
        try:
            value = spec.template.format(value=value, **context)
        except (KeyError, IndexError, ValueError):
            value = None
    value = value.strip() if value else None
    return value or None


def to_rating(value: str | float | int | None, scale: float | None = None) -> int | None:
    """A mark on the site's scale (default 1–5) as 1–5; anything else is None."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, str):
        match = _NUMBER.search(value)
        if match is None:
            return None
        value = float(match.group(0).replace(",", "."))
    number = float(value) * 5 / scale if scale else float(value)
    if not math.isfinite(number):  # "9" * 400 reads as infinity: no mark at all
        return None
    rating = int(number + 0.5)  # half up: 4.5 stars is a 5, not banker's 4
    return rating if 1 <= rating <= 5 else None


def build_item(
    values: Mapping[str, str | None],
    profile: SiteProfile,
    *,
    page_url: str | None,
    now: datetime,
    raw: dict[str, object],
    tz: str | None = None,
) -> MentionItem | ParseProblem:
    """A mention from refined field values, or the problem that keeps it from being one."""
    links = {
        name: urljoin(page_url or "", values[name] or "") if values.get(name) else None
        for name in _URL_FIELDS
    }
    external_id = values.get("id") or links["url"]
    text = values.get("text") or ""
    if not external_id:
        return ParseProblem("no_id", f"{profile.name}: a review without id or permalink")
    if not text:
        return ParseProblem("no_text", f"{profile.name}: review {external_id} has no text")
    published = parse_published(
        values.get("date"), tz=tz or profile.timezone, now=now, languages=profile.languages
    )
    rating_spec = profile.fields.get("rating")
    return MentionItem(
        external_id=str(external_id),
        url=links["url"],
        author=values.get("author"),
        author_url=links["author_url"],
        title=values.get("title"),
        text=text,
        rating=to_rating(values.get("rating"), rating_spec.scale if rating_spec else None),
        lang=values.get("lang") or profile.lang,
        published_at=published.at,
        published_precision=published.precision,
        published_raw=published.raw,
        business_reply=values.get("business_reply"),
        raw=raw,
    )
