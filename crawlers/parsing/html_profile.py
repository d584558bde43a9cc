"""HTML review pages read through a SiteProfile: CSS or XPath selectors per field."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from urllib.parse import urljoin

from parsel import Selector, SelectorList

from crawlers.parsing.fields import build_item, refine
from crawlers.parsing.item import ParsedPage, ParseProblem
from crawlers.parsing.profile import FieldSpec, SiteProfile
from crawlers.parsing.text import decode_body, element_text, normalize_space
from crawlers.parsing.urls import next_by_number


def select(node: Selector, expression: str) -> SelectorList[Selector]:
    """CSS by default; `xpath:` prefix for XPath."""
    if expression.startswith("xpath:"):
        return node.xpath(expression.removeprefix("xpath:").strip())
    return node.css(expression)


def extract(node: Selector, spec: FieldSpec, context: Mapping[str, str]) -> str | None:
    """One field's value: text of matched elements, or the matched text/attribute nodes."""
    if not spec.select:
        return refine(None, spec, context)
    matches = select(node, spec.select)
    if spec.count:
        return refine(str(len(matches)) if matches else None, spec, context)
    parts: list[str] = []
    for found in matches if spec.all else matches[:1]:
        if isinstance(found.root, str):  # ::text, ::attr(), @attr, text()
            parts.append(found.root)
        else:
            parts.append(element_text(found.root))
    value = normalize_space("\n".join(part for part in parts if part.strip()))
    return refine(value or None, spec, context)


def parse_html(
    body: bytes | str,
    profile: SiteProfile,
    *,
    url: str | None,
    now: datetime,
    content_type: str | None = None,
    context: Mapping[str, str] | None = None,
    tz: str | None = None,
) -> ParsedPage:
    """Parse one HTML page of reviews with a profile.

    Args:
        body: the page; bytes are decoded by header, meta charset or guess (UTF-8/1251).
        profile: a `kind: html` SiteProfile.
        url: the page's address, to resolve permalinks and the next page.
        now: the reference moment for relative dates.
        content_type: the Content-Type header, if any.
        tz: the source's time zone, overriding the profile's.
        context: values for field templates (e.g. the source's options).

    Returns:
        ParsedPage: reviews, a ParseProblem per review without id or text, the next page.
    """
    context = dict(context or {})
    result = ParsedPage()
    text = decode_body(body, content_type)
    selector = Selector(text=text if text.strip() else "<html></html>")
    for node in select(selector, profile.items):
        values: dict[str, str | None] = {
            name: extract(node, spec, context) for name, spec in profile.fields.items()
        }
        raw: dict[str, object] = {k: v for k, v in values.items() if v is not None}
        item = build_item(values, profile, page_url=url, now=now, raw=raw, tz=tz)
        if isinstance(item, ParseProblem):
            result.problems.append(item)
        else:
            result.items.append(item)
    if not result.items and not result.problems:
        result.problems.append(ParseProblem("no_items", f"{profile.name}: {profile.items!r}"))
    paging = profile.pagination
    if paging.next is not None:
        link = extract(selector, paging.next, context)
        result.next_url = urljoin(url or "", link) if link else None
    elif result.items and url:
        result.next_url = next_by_number(url, paging)
    return result
