"""Site profiles: otzovik and irecommend HTML, App Store and 2GIS JSON, bad input."""

import json
from datetime import UTC, datetime

import pytest
from pydantic import ValidationError

from crawlers.parsing.html_profile import parse_html
from crawlers.parsing.json_profile import parse_json, resolve
from crawlers.parsing.profile import SiteProfile, available_profiles, load_profile
from tests.crawlers.paths import FIXTURES, REALPAGES, needs_realpages

NOW = datetime(2024, 3, 15, 12, 0, tzinfo=UTC)  # 15:00 in Moscow
OTZOVIK_URL = "https://otzovik.com/reviews/sberbank_rossii/"


def test_shipped_profiles_load() -> None:
    assert {"2gis", "appstore", "irecommend", "otzovik"} <= set(available_profiles())
    for name in available_profiles():
        assert load_profile(name).name == name
    for name in ("2gis", "irecommend", "otzovik"):
        profile = load_profile(name)
        assert profile.name == name
        assert profile.verified is False  # no real page of these sites is public to check
    assert load_profile("appstore").verified is True  # against Apple's real feed, below


def test_otzovik_windows_1251_page() -> None:
    body = (FIXTURES / "otzovik_list.html").read_bytes()
    assert b"charset=windows-1251" in body and "Сбербанк".encode("cp1251") in body
    page = parse_html(body, load_profile("otzovik"), url=OTZOVIK_URL, now=NOW)
    first, second = page.items
    assert first.external_id == "15023456"
    assert first.url == "https://otzovik.com/review_15023456.html"
    assert first.title == "Заблокировали карту без объяснений"
    assert (
        first.text == "Сбербанк заблокировал карту на две недели.\nВ отделении ничего не объяснили…"
    )
    assert first.author == "ivanov_ivan"
    assert first.author_url == "https://otzovik.com/profile/ivanov_ivan/"
    assert first.rating == 1
    assert first.lang == "ru"
    assert first.published_at == datetime(2024, 3, 11, 21, 0, tzinfo=UTC)  # 12 March, Moscow
    assert first.published_precision == "day"
    assert first.business_reply == "Здравствуйте! Напишите нам номер обращения, разберёмся."
    assert second.business_reply is None
    assert second.published_raw == "вчера"
    assert second.published_at == datetime(2024, 3, 13, 21, 0, tzinfo=UTC)
    assert [(p.reason, p.detail) for p in page.problems] == [
        ("no_text", "otzovik: review 15024001 has no text")
    ]
    assert page.next_url == "https://otzovik.com/reviews/sberbank_rossii/2/"


def test_windows_1251_page_without_any_charset() -> None:
    body = (FIXTURES / "otzovik_list.html").read_bytes()
    bare = body.replace(
        b'<meta http-equiv="Content-Type" content="text/html; charset=windows-1251">', b""
    )
    assert b"charset" not in bare
    page = parse_html(
        bare, load_profile("otzovik"), url=OTZOVIK_URL, now=NOW, content_type="text/html"
    )
    assert page.items[0].title == "Заблокировали карту без объяснений"
    # The HTTP header wins over the page's own meta charset, as in browsers.
    utf8 = parse_html(
        body.decode("cp1251").encode(),
        load_profile("otzovik"),
        url=OTZOVIK_URL,
        now=NOW,
        content_type="text/html; charset=utf-8",
    )
    assert utf8.items[0].title == "Заблокировали карту без объяснений"


def test_irecommend_page() -> None:
    page = parse_html(
        (FIXTURES / "irecommend_list.html").read_bytes(),
        load_profile("irecommend"),
        url="https://irecommend.ru/content/tinkoff-bank",
        now=NOW,
    )
    first, second = page.items
    # a review's address is a slug, not a number: the slug is its id
    assert (first.external_id, second.external_id) == (
        "podderzhka-otvechaet-shablonami",
        "luchshii-bank-1",
    )
    assert (first.rating, second.rating) == (2, 5)
    assert first.url == "https://irecommend.ru/content/podderzhka-otvechaet-shablonami"
    # the teaser inside the review's link, without the link's "read all" words
    assert first.text == (
        "Писала в чат Тинькофф Банка три раза, получала одинаковые ответы. Деньги так и не вернули."
    )
    assert first.author == "Марина К."
    assert first.author_url == "https://irecommend.ru/users/marina-k"
    # the list shows the day only (dd.mm.yyyy): midnight in Moscow, and said so
    assert first.published_at == datetime(2024, 3, 14, 21, 0, tzinfo=UTC)
    assert first.published_precision == "day"
    assert first.business_reply == "Марина, здравствуйте! Передали ваш вопрос специалистам."
    assert second.published_at == datetime(2024, 3, 15, 10, 0, tzinfo=UTC)  # "2 часа назад"
    assert second.published_precision == "approximate"
    assert page.problems == []
    assert page.next_url == "https://irecommend.ru/content/tinkoff-bank?page=1"


def test_source_timezone_overrides_the_profile() -> None:
    page = parse_html(
        (FIXTURES / "irecommend_list.html").read_bytes(),
        load_profile("irecommend"),
        url="https://irecommend.ru/content/x",
        now=NOW,
        tz="Asia/Yekaterinburg",
    )
    assert page.items[0].published_at == datetime(2024, 3, 14, 19, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    "body",
    [
        b"",
        b"<html><body><div class='item' itemprop='review'>"
        b"<a class='review-title' href='/review_1.html'>",
        b"\x00\x01\x02\xff" * 100,
        b"<<<>>><div itemprop=review><div class=review-teaser>Text <b>unclosed",
    ],
)
def test_broken_html_never_raises(body: bytes) -> None:
    page = parse_html(body, load_profile("otzovik"), url=OTZOVIK_URL, now=NOW)
    assert all(p.reason in {"no_items", "no_text", "no_id"} for p in page.problems)
    assert page.problems or page.items


def test_broken_html_keeps_the_review_it_can_read() -> None:
    body = (
        "<div class='item' itemprop='review'><h3><a class='review-title' href='/review_7.html'>T"
        "<div class='review-teaser'>Сбербанк <b>плохо"
    ).encode()
    (item,) = parse_html(body, load_profile("otzovik"), url=OTZOVIK_URL, now=NOW).items
    assert (item.external_id, item.rating, item.published_at, item.author) == (
        "7",
        None,
        None,
        None,
    )
    assert item.text == "Сбербанк плохо"


def test_twenty_megabyte_page() -> None:
    review = (FIXTURES / "irecommend_list.html").read_text()
    filler = "<p>" + "x" * 1000 + "</p>\n"
    body = review.replace(
        '<div class="view-content">', '<div class="view-content">' + filler * 20_000
    )
    assert len(body) > 20_000_000
    page = parse_html(
        body.encode(), load_profile("irecommend"), url="https://irecommend.ru/c", now=NOW
    )
    assert [i.external_id for i in page.items] == [
        "podderzhka-otvechaet-shablonami",
        "luchshii-bank-1",
    ]


def test_appstore_feed() -> None:
    url = (
        "https://itunes.apple.com/ru/rss/customerreviews/page=1/id=492224193/sortby=mostrecent/json"
    )
    page = parse_json(
        (FIXTURES / "appstore_reviews.json").read_bytes(),
        load_profile("appstore"),
        url=url,
        now=NOW,
    )
    first, second = page.items
    assert first.external_id == "10998877001"
    assert first.title == "Приложение вылетает"
    assert first.text == "После обновления СберБанк Онлайн вылетает при входе."
    assert (first.rating, second.rating) == (1, 5)
    assert first.author == "Клиент2024"
    assert first.author_url == "https://itunes.apple.com/ru/reviews/id1001"
    assert first.published_at == datetime(2024, 3, 10, 19, 34, 56, tzinfo=UTC)
    assert first.raw["im:version"] == {"label": "15.3.1"}  # the API's own record is kept
    assert page.next_url == url.replace("page=1", "page=2")
    last = url.replace("page=1", "page=10")
    assert (
        parse_json(
            (FIXTURES / "appstore_reviews.json").read_bytes(),
            load_profile("appstore"),
            url=last,
            now=NOW,
        ).next_url
        is None
    )


def test_appstore_skips_the_app_entry_and_takes_a_lone_review() -> None:
    profile = load_profile("appstore")
    data = json.loads((FIXTURES / "appstore_single_with_app.json").read_text())
    (item,) = parse_json(data, profile, url=None, now=NOW).items
    assert (item.external_id, item.rating, item.title) == ("10998877003", 3, "Норм")
    data["feed"]["entry"] = data["feed"]["entry"][1]  # one review comes as an object
    assert [i.external_id for i in parse_json(data, profile, url=None, now=NOW).items] == [
        "10998877003"
    ]
    assert parse_json({"feed": {}}, profile, url=None, now=NOW).items == []


def test_2gis_api() -> None:
    url = (
        "https://public-api.reviews.2gis.com/2.0/branches/70000001020589321/reviews?limit=50&key=K"
    )
    page = parse_json(
        (FIXTURES / "2gis_reviews.json").read_bytes(), load_profile("2gis"), url=url, now=NOW
    )
    first, second = page.items
    assert first.external_id == "153492201"
    assert first.text == "Отделение Сбербанка на Ленина: очередь час, терминалы не работают."
    assert first.rating == 1
    assert first.author == "Павел"
    assert first.author_url == "https://2gis.ru/reviews/user/abc"
    assert first.business_reply == "Павел, извините за ожидание. Терминалы заменим до конца недели."
    assert first.published_at == datetime(2024, 3, 10, 2, 30, 12, 483121, tzinfo=UTC)
    assert first.lang == "ru"
    assert (second.business_reply, second.author_url) == (None, None)
    assert [(p.reason, p.detail) for p in page.problems] == [
        ("no_text", "2gis: review 153492001 has no text")
    ]
    assert page.next_url is not None and "offset_date=2024-03-01" in page.next_url


@pytest.mark.parametrize("body", [b"", b"<html>502</html>", b"[1, 2", b"null", b"{}"])
def test_bad_json_never_raises(body: bytes) -> None:
    page = parse_json(body, load_profile("2gis"), url="https://x/", now=NOW)
    assert page.items == [] and page.next_url is None


def test_cursor_and_page_param_paging() -> None:
    profile = SiteProfile.model_validate({
        "name": "api", "kind": "json", "items": "data.reviews",
        "fields": {"id": "uid", "text": "body", "rating": {"select": "score", "scale": 10}},
        "pagination": {"cursor": "data.next", "cursor_param": "after"},
    })  # fmt: skip
    body = {"data": {"next": "c2", "reviews": [{"uid": 7, "body": "<p>ok</p>", "score": 9}]}}
    page = parse_json(body, profile, url="https://api.example/r?limit=5", now=NOW)
    assert (page.items[0].external_id, page.items[0].text, page.items[0].rating) == ("7", "ok", 5)
    assert (page.cursor, page.next_url) == ("c2", "https://api.example/r?limit=5&after=c2")
    numbered = SiteProfile.model_validate(
        {**profile.model_dump(), "pagination": {"page_param": "page", "max_pages": 3}}
    )
    assert (
        parse_json(body, numbered, url="https://a/r?page=2", now=NOW).next_url
        == "https://a/r?page=3"
    )
    assert parse_json(body, numbered, url="https://a/r?page=3", now=NOW).next_url is None
    assert parse_json(body, numbered, url="https://a/r", now=NOW).next_url == "https://a/r?page=2"


def test_xpath_count_and_template_fields() -> None:
    profile = SiteProfile.model_validate({
        "name": "site", "kind": "html", "items": "xpath://article",
        "fields": {
            "id": {"select": "xpath:@data-id", "template": "site-{value}"},
            "text": "xpath:.//p",
            "rating": {"select": "i.full", "count": True},
            "url": {"select": "xpath:@data-id", "template": "/r/{value}?lang={lang}"},
        },
    })  # fmt: skip
    html = (
        "<article data-id='5'><p>Раз</p><p>Два</p>"
        "<i class='full'></i><i class='full'></i></article>"
    )
    (item,) = parse_html(
        html, profile, url="https://s.example/list", now=NOW, context={"lang": "ru"}
    ).items
    assert (item.external_id, item.text, item.rating) == ("site-5", "Раз", 2)
    assert item.url == "https://s.example/r/5?lang=ru"


@pytest.mark.parametrize(
    "bad",
    [
        {"name": "x", "kind": "html", "items": "li", "fields": {"id": "a"}},  # no text
        {"name": "x", "kind": "html", "items": "li", "fields": {"text": "p", "colour": "b"}},
        {"name": "x", "kind": "xml", "items": "li", "fields": {"text": "p"}},
        {
            "name": "x",
            "kind": "html",
            "items": "li",
            "fields": {"text": {"select": "p", "regex": "("}},
        },
    ],
)
def test_bad_profiles_fail_early(bad: dict) -> None:
    with pytest.raises(ValidationError):
        SiteProfile.model_validate(bad)


def test_resolve_paths() -> None:
    data = {"a": [{"b": {"im:c": "x"}}], "n": 0}
    assert resolve(data, "a.0.b.im:c") == "x"
    assert resolve(data, "a.-1.b.im:c") == "x"
    assert resolve(data, "a.5.b") is None
    assert resolve(data, "n") == 0
    assert resolve(data, "n.x") is None


@needs_realpages
def test_appstore_profile_reads_apples_real_feed() -> None:
    profile = load_profile("appstore")
    folder = REALPAGES / "apple_rss"
    url = (
        "https://itunes.apple.com/fr/rss/customerreviews/page=1/id=497799835/sortby=mostrecent/json"
    )
    page = parse_json(
        (folder / "customerreviews_497799835_fr_1.json").read_bytes(), profile, url=url, now=NOW
    )
    assert len(page.items) == 50 and page.problems == []
    assert len({i.external_id for i in page.items}) == 50
    assert all(i.external_id.isdigit() for i in page.items)
    assert all(i.rating in (1, 2, 3, 4, 5) for i in page.items)
    assert all(i.text and i.title and i.author for i in page.items)
    assert all(i.author_url.startswith("https://itunes.apple.com/") for i in page.items)
    assert all(i.published_at is None for i in page.items)  # the 2021 shape has no times
    assert page.next_url == url.replace("page=1/", "page=2/")
    cn = parse_json(
        (folder / "customerreviews_497799835_cn_5.json").read_bytes(),
        profile,
        url=url.replace("page=1/", "page=5/"),
        now=NOW,
    )
    assert len(cn.items) == 50 and cn.problems == []
    small = parse_json(
        (folder / "customerreviews_1510826067_gb_1.json").read_bytes(), profile, url=url, now=NOW
    )
    assert len(small.items) == 4
    past_the_end = parse_json(
        (folder / "customerreviews_1510826067_gb_2.json").read_bytes(), profile, url=url, now=NOW
    )
    assert past_the_end.items == [] and past_the_end.problems == []
