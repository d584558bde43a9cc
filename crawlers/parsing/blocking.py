"""Is this response the site refusing us (status, CAPTCHA, bot challenge)? Say why."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from crawlers.parsing.text import decode_body

SNIFF_BYTES = 100_000  # challenge pages are small; a marker deep in a big page is content
SMALL_PAGE = 30_000  # generic "captcha" markers count only on pages this small

_STATUS_REASONS = {
    403: "http_403_forbidden",
    429: "http_429_too_many_requests",
    503: "http_503_unavailable",
    507: "http_507_blocked",  # otzovik answers robots with 507
}
# Markers that only ever appear on challenge pages, checked in order.
_STRONG_MARKERS: tuple[tuple[str, str], ...] = (
    ("smartcaptcha", "yandex_smartcaptcha"),
    ("showcaptcha", "yandex_smartcaptcha"),
    ("checkcaptcha", "yandex_smartcaptcha"),
    ("captcha.yandex", "yandex_smartcaptcha"),
    ("challenges.cloudflare.com", "cloudflare_challenge"),
    ("cf_chl_opt", "cloudflare_challenge"),
    ("cf-browser-verification", "cloudflare_challenge"),
    ("attention required! | cloudflare", "cloudflare_challenge"),
    ("captcha-delivery.com", "datadome_captcha"),
    ("ddos-guard", "ddos_guard_challenge"),
    ("подтвердите, что вы не робот", "captcha_not_a_robot"),
    ("подтвердите, что запросы отправляли вы", "captcha_not_a_robot"),
    ("verify you are human", "captcha_not_a_robot"),
    ("unusual traffic from your computer", "captcha_not_a_robot"),
)
# Weaker signs (a CAPTCHA form or widget) that a real review page could also carry in a
# comment form: trusted only on small pages.
_WEAK_MARKERS = re.compile(
    r"g-recaptcha|h-captcha|hcaptcha\.com|<title>[^<]*(?:captcha|капча)[^<]*</title>"
    r"|(?:name|id|class|action|src)=[\"'][^\"']*captcha|введите (?:код|символы) с картинки"
    r"|<title>\s*just a moment\.\.\.\s*</title>|я не робот|вы не робот|are you a robot"
    r"|подозрительный трафик|ваш ip[- ]адрес заблокирован|ваш ip заблокирован|доступ ограничен"
    r"|your ip (?:address )?has been (?:blocked|banned)",
)


def _header(headers: Any, name: str) -> str:
    """One header's value from Scrapy `Headers`, httpx headers or a plain dict."""
    if not headers:
        return ""
    try:
        value = headers.get(name)  # Scrapy and httpx headers ignore case here
        if value is None and isinstance(headers, Mapping):
            value = next(
                (v for k, v in headers.items() if _as_str(k).lower() == name.lower()), None
            )
    except (AttributeError, TypeError):
        return ""
    if isinstance(value, list | tuple):
        value = value[-1] if value else None
    return _as_str(value) if value is not None else ""


def _as_str(value: Any) -> str:
    return value.decode("latin-1") if isinstance(value, bytes) else str(value)


def detect_block(status: int, headers: Any, body: bytes | str | None) -> str | None:
    """Why a response is a block, or None for an ordinary page.

    Args:
        status: the HTTP status.
        headers: Scrapy `Headers`, httpx headers or a plain dict (may be None).
        body: the response body.

    Returns:
        A short reason such as "http_429_too_many_requests", "yandex_smartcaptcha",
        "cloudflare_challenge" or "captcha"; None when nothing looks like a block.
    """
    if _header(headers, "cf-mitigated").lower() == "challenge":
        return "cloudflare_challenge"
    body = body or b""
    size = len(body)
    text = decode_body(body[:SNIFF_BYTES], _header(headers, "content-type") or None).lower()
    for marker, reason in _STRONG_MARKERS:
        if marker in text:
            return reason
    if size <= SMALL_PAGE and _WEAK_MARKERS.search(text):
        return "captcha"
    return _STATUS_REASONS.get(status)
