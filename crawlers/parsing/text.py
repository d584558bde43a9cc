"""Text helpers shared by the parsers: decode bytes, turn HTML into plain text."""

from __future__ import annotations

import re

from lxml import etree
from lxml import html as lxml_html
from w3lib.encoding import (
    html_body_declared_encoding,
    http_content_type_encoding,
    read_bom,
    to_unicode,
)

_BLOCK_TAGS = frozenset((
    "p", "div", "li", "ul", "ol", "tr", "table", "h1", "h2", "h3", "h4", "h5", "h6",
    "blockquote", "pre", "section", "article", "header", "footer", "figure", "figcaption",
    "dd", "dt", "hr",
))  # fmt: skip
_DROP_TAGS = frozenset(("script", "style", "noscript", "template", "svg"))
_SPACES = re.compile(r"[^\S\n]+")
_BLANK_LINES = re.compile(r"\n{3,}")


def _guess_encoding(body: bytes) -> str:
    """Without a declared charset: UTF-8 when it decodes, else windows-1251 (RU sites)."""
    try:
        body.decode("utf-8")
    except UnicodeDecodeError:
        return "cp1251"
    return "utf-8"


def decode_body(body: bytes | str, content_type: str | None = None) -> str:
    """Decode a page by its header, BOM or meta charset, guessing when none is given."""
    if isinstance(body, str):
        return body
    # The browser's order (BOM, header, meta charset), then our guess (UTF-8, else
    # windows-1251, what Russian sites without a charset mean), spelled out because w3lib 2.6
    # deprecated the guess hook of `html_to_unicode`.
    bom_encoding, bom = read_bom(body)
    if bom_encoding is not None and bom is not None:
        return to_unicode(body[len(bom) :], bom_encoding)
    encoding = (
        http_content_type_encoding(content_type)
        or html_body_declared_encoding(body)
        or _guess_encoding(body)
    )
    return to_unicode(body, encoding)


def normalize_space(text: str) -> str:
    """Collapse runs of spaces, trim every line, and keep at most one blank line."""
    lines = (_SPACES.sub(" ", line).strip() for line in text.replace("\r", "\n").split("\n"))
    return _BLANK_LINES.sub("\n\n", "\n".join(lines)).strip()


def element_text(element: etree._Element) -> str:
    """The readable text of an HTML element: line breaks kept, scripts and styles gone."""
    parts: list[str] = []
    _collect(element, parts)
    return normalize_space("".join(parts))


def _collect(element: etree._Element, parts: list[str]) -> None:
    tag = element.tag.rsplit("}", 1)[-1].lower() if isinstance(element.tag, str) else ""
    if not isinstance(element.tag, str):  # comments and processing instructions
        if element.tail:
            parts.append(element.tail)
        return
    if tag in _DROP_TAGS or tag == "br":
        if tag == "br":
            parts.append("\n")
        if element.tail:
            parts.append(element.tail)
        return
    block = tag in _BLOCK_TAGS
    if block:
        parts.append("\n")
    if element.text:
        parts.append(element.text)
    for child in element:
        _collect(child, parts)
    if block:
        parts.append("\n")
    if element.tail:
        parts.append(element.tail)


def html_to_text(markup: str | None) -> str:
    """Plain text of an HTML fragment; plain text passes through (entities decoded)."""
    if not markup or not markup.strip():
        return ""
    if "<" not in markup and "&" not in markup:
        return normalize_space(markup)
    try:
        root = lxml_html.fragment_fromstring(markup, create_parent="div")
    except (etree.ParserError, ValueError):
        return normalize_space(re.sub(r"<[^>]*>", " ", markup))
    return element_text(root)
