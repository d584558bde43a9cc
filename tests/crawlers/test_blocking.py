"""Blocking detection: statuses, CAPTCHA and challenge pages, and ordinary pages."""

import pytest
from scrapy.http import Headers

from crawlers.parsing.blocking import detect_block

YANDEX_CAPTCHA = """<!DOCTYPE html><html><head><title>Вы не робот?</title>
<script src="https://smartcaptcha.yandexcloud.net/captcha.js"></script></head>
<body><form method="post" action="/checkcaptcha?key=abc">
<div class="CheckboxCaptcha"></div></form></body></html>""".encode()
CLOUDFLARE = b"""<!DOCTYPE html><html><head><title>Just a moment...</title></head><body>
<script>window._cf_chl_opt={cvId: '3'};</script>
<script src="https://challenges.cloudflare.com/turnstile/v0/api.js"></script></body></html>"""
NOT_A_ROBOT_1251 = (
    "<html><body><h1>Подтвердите, что вы не робот</h1><img src='/captcha.png'></body></html>"
).encode("cp1251")
OTZOVIK_CAPTCHA = (
    "<html><head><title>Проверка</title></head><body><form action='/scripts/captcha/index.php'>"
    "Введите код с картинки <input name='captcha_code'></form></body></html>"
).encode("cp1251")
IRECOMMEND_BAN = (
    "<html><body><p>Ваш IP-адрес заблокирован за подозрительную активность.</p></body></html>"
).encode()


@pytest.mark.parametrize(
    ("status", "headers", "body", "reason"),
    [
        (403, {}, b"Forbidden", "http_403_forbidden"),
        (429, {"Retry-After": "30"}, b"", "http_429_too_many_requests"),
        (503, {}, b"Service Unavailable", "http_503_unavailable"),
        (507, {}, b"", "http_507_blocked"),
        (200, {}, YANDEX_CAPTCHA, "yandex_smartcaptcha"),
        (403, {}, CLOUDFLARE, "cloudflare_challenge"),
        (403, Headers({"cf-mitigated": "challenge"}), b"", "cloudflare_challenge"),
        (200, {"CF-Mitigated": "challenge"}, b"", "cloudflare_challenge"),
        (200, {"Content-Type": "text/html"}, NOT_A_ROBOT_1251, "captcha_not_a_robot"),
        (200, {}, OTZOVIK_CAPTCHA, "captcha"),
        (200, {}, IRECOMMEND_BAN, "captcha"),
        (200, {}, '<div class="g-recaptcha" data-sitekey="x"></div>', "captcha"),
    ],
)
def test_blocks_are_recognised(status: int, headers: object, body: bytes, reason: str) -> None:
    assert detect_block(status, headers, body) == reason


@pytest.mark.parametrize(
    ("status", "body"),
    [
        (200, b"<html><body>reviews</body></html>"),
        (404, b"not found"),
        (500, b"oops"),
        (301, b""),
        (200, None),
        # A big review page whose comment form carries a captcha widget is still content.
        (
            200,
            ("<div class='review'>Отзыв</div>" * 2000 + "<div class='g-recaptcha'></div>").encode(),
        ),
    ],
)
def test_ordinary_pages_are_not_blocks(status: int, body: bytes | None) -> None:
    assert detect_block(status, Headers({"Content-Type": "text/html"}), body) is None
