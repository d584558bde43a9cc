"""RSS 2.0, RSS 1.0 (RDF) and Atom feeds → mentions; recovers from broken XML."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from datetime import datetime
from urllib.parse import urljoin

from lxml import etree

from crawlers.parsing.dates import parse_published
from crawlers.parsing.item import MentionItem, ParsedPage, ParseProblem, add_record
from crawlers.parsing.text import html_to_text, normalize_space

_XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
_RDF_ABOUT = "{http://www.w3.org/1999/02/22-rdf-syntax-ns#}about"
_LEADING_JUNK = re.compile(rb"^(?:\xef\xbb\xbf)?\s+")
_EMAIL_NAME = re.compile(r"^\S+@\S+\s*\((.+)\)$")


# Feed vocabularies whose elements we read; others (media:content, itunes:author…) are not
# the entry's own title, text or author.
_FEED_NAMESPACES = frozenset(
    (
        None,
        "http://www.w3.org/2005/Atom",
        "http://purl.org/atom/ns#",
        "http://purl.org/rss/1.0/",
        "http://purl.org/rss/1.0/modules/content/",
        "http://purl.org/dc/elements/1.1/",
        "http://purl.org/dc/terms/",
        "http://backend.userland.com/rss2",
    )
)


def _qname(element: etree._Element) -> etree.QName | None:
    """The element's qualified name; None for comments and for the broken names ("dc:")
    that lxml's recovery keeps and QName refuses."""
    if not isinstance(element.tag, str):
        return None
    try:
        return etree.QName(element.tag)
    except ValueError:
        return None


def _local(element: etree._Element) -> str:
    """The element's name without namespace; empty for foreign vocabularies and comments."""
    name = _qname(element)
    return name.localname if name is not None and name.namespace in _FEED_NAMESPACES else ""


def _any_local(element: etree._Element) -> str:
    """The element's name without namespace, whatever the namespace; "?" when it has none."""
    name = _qname(element)
    return name.localname if name is not None else "?"


def _children(element: etree._Element, *names: str) -> list[etree._Element]:
    return [child for child in element if _local(child) in names]


def _first(element: etree._Element, *names: str) -> etree._Element | None:
    """The first child with one of these local names, in the order the names are given."""
    for name in names:
        for child in element:
            if _local(child) == name:
                return child
    return None


def _text(element: etree._Element | None) -> str:
    return normalize_space("".join(element.itertext())) if element is not None else ""


def _markup(element: etree._Element) -> str:
    """The content of an element as HTML: escaped or CDATA text, or inline XHTML."""
    if len(element) and element.get("type") == "xhtml":
        return "".join(etree.tostring(child, encoding="unicode") for child in element)
    return "".join(element.itertext())


def _parse_xml(body: bytes | str) -> etree._Element | None:
    data = body.encode("utf-8") if isinstance(body, str) else body
    data = _LEADING_JUNK.sub(b"", data)  # whitespace before <?xml ...?> is fatal to libxml2
    parser = etree.XMLParser(recover=True, resolve_entities=False, no_network=True, huge_tree=True)
    try:
        return etree.fromstring(data, parser)
    except etree.XMLSyntaxError:
        return None


def _entries(root: etree._Element) -> list[etree._Element]:
    kind = etree.QName(root.tag).localname if isinstance(root.tag, str) else ""
    if kind == "feed":
        return _children(root, "entry")
    if kind == "RDF":
        return _children(root, "item")
    channel = _first(root, "channel")
    return _children(channel, "item") if channel is not None else []


def _link(entry: etree._Element, base: str | None) -> str | None:
    links = _children(entry, "link")
    for link in links:  # Atom: the alternate link, or one without rel
        if link.get("href") and link.get("rel", "alternate") == "alternate":
            return urljoin(base or "", str(link.get("href", "")).strip())
    for link in links:  # RSS: the element's text
        if text := "".join(link.itertext()).strip():
            return urljoin(base or "", "".join(text.split()))
    guid = _first(entry, "guid")
    if guid is not None and guid.get("isPermaLink", "true") == "true":
        return _text(guid) or None
    return None


def _author(entry: etree._Element, channel_author: str | None) -> str | None:
    author = _first(entry, "author", "creator")
    if author is None:
        return channel_author
    name = _first(author, "name")
    value = _text(name) if name is not None else _text(author)
    if match := _EMAIL_NAME.match(value):
        value = match.group(1)  # RSS "john@example.com (John)"
    return value or channel_author


def _channel_author(root: etree._Element) -> str | None:
    holder = root if _local(root) == "feed" else _first(root, "channel")
    if holder is None:
        return None
    author = _first(holder, "author")
    if author is None:
        return None
    name = _first(author, "name")
    return (_text(name) if name is not None else _text(author)) or None


def _lang(root: etree._Element) -> str | None:
    holder = root if _local(root) == "feed" else _first(root, "channel")
    value = root.get(_XML_LANG) or (holder.get(_XML_LANG) if holder is not None else None)
    if value is None and holder is not None:
        value = _text(_first(holder, "language")) or None
    return value.split("-")[0].lower() if value else None


def _next_url(root: etree._Element, base: str | None) -> str | None:
    for link in _children(root, "link"):  # RFC 5005 paged Atom feeds
        if link.get("rel") == "next" and link.get("href"):
            return urljoin(base or "", str(link.get("href", "")))
    return None


def parse_feed(
    body: bytes | str,
    *,
    url: str | None = None,
    tz: str = "UTC",
    now: datetime,
    languages: Sequence[str] = ("ru", "en"),
) -> ParsedPage:
    """Parse a feed into mentions: title, link, guid/id, author, text, published.

    Args:
        body: the feed as served.
        url: the feed's own address, to resolve relative links.
        tz: zone for dates printed without an offset.
        now: the reference moment for relative dates.
        languages: languages for dates printed in words.

    Returns:
        ParsedPage with one item per entry; an entry without id or text becomes a
        ParseProblem; an unreadable date leaves `published_at` None, never drops the entry.
    """
    page = ParsedPage()
    root = _parse_xml(body)
    if root is None:
        page.problems.append(ParseProblem("unparseable_feed", f"not XML: {url or ''}"))
        return page
    base = root.get("{http://www.w3.org/XML/1998/namespace}base") or url
    lang = _lang(root)
    channel_author = _channel_author(root)
    entries = _entries(root)
    root_name = _any_local(root)
    if not entries and root_name not in ("rss", "feed", "RDF"):
        page.problems.append(ParseProblem("not_a_feed", f"root element <{root_name}>"))
    for entry in entries:
        add_record(page, _item, entry, base, lang, channel_author, tz, now, languages)
    page.next_url = _next_url(root, base)
    return page


def _item(
    entry: etree._Element,
    base: str | None,
    lang: str | None,
    channel_author: str | None,
    tz: str,
    now: datetime,
    languages: Sequence[str],
) -> MentionItem | ParseProblem:
    title_el = _first(entry, "title")
    title = html_to_text(_markup(title_el)) if title_el is not None else ""
    link = _link(entry, base)
    content_el = _first(entry, "encoded", "content", "description", "summary")
    text = html_to_text(_markup(content_el)) if content_el is not None else ""
    date_el = _first(entry, "pubDate", "published", "date", "issued", "updated", "modified")
    date_raw = _text(date_el) or None
    external_id = (
        _text(_first(entry, "guid", "id"))
        or entry.get(_RDF_ABOUT)
        or link
        or _fallback_id(title, date_raw)
    )
    if not external_id:
        return ParseProblem("no_id", f"entry {title[:80]!r} has no guid, id or link")
    if not (text or title):
        return ParseProblem("no_text", f"entry {external_id} has no title or content")
    published = parse_published(date_raw, tz=tz, now=now, languages=languages)
    entry_lang = entry.get(_XML_LANG)
    return MentionItem(
        external_id=external_id,
        url=link,
        author=_author(entry, channel_author),
        title=title or None,
        text=text or title,
        lang=entry_lang.split("-")[0].lower() if entry_lang else lang,
        published_at=published.at,
        published_precision=published.precision,
        published_raw=published.raw,
        raw={
            "categories": [_text(c) for c in _children(entry, "category") if _text(c)]
            or [c.get("term") for c in _children(entry, "category") if c.get("term")],
        },
    )


def _fallback_id(title: str, date_raw: str | None) -> str | None:
    """An entry with neither guid nor link: its title and date stand for its identity."""
    if not title:
        return None
    digest = hashlib.sha1(f"{title}\n{date_raw or ''}".encode()).hexdigest()[:16]
    return f"sha1:{digest}"
