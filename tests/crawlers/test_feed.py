"""Feeds: RSS 2.0, RSS 1.0 and Atom; the real-feed oracle, Habr, damaged input."""

import json
from datetime import UTC, datetime

import pytest

from crawlers.parsing.feed import parse_feed
from crawlers.parsing.text import html_to_text
from tests.crawlers.paths import REALPAGES, needs_realpages

NOW = datetime(2025, 8, 10, tzinfo=UTC)

RSS = """<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/"
     xmlns:content="http://purl.org/rss/1.0/modules/content/"
     xmlns:media="http://search.yahoo.com/mrss/">
<channel><title>Банки</title><link>https://news.example.ru/</link><language>ru-RU</language>
<item>
  <title>Сбербанк &amp; клиенты</title>
  <link>https://news.example.ru/a/1?utm_source=rss</link>
  <guid isPermaLink="false">news-1</guid>
  <dc:creator><![CDATA[ivan]]></dc:creator>
  <pubDate>Tue, 12 Mar 2024 10:00:00 +0300</pubDate>
  <description><![CDATA[<p>Коротко</p>]]></description>
  <content:encoded><![CDATA[<p>Клиенты <b>Сбербанка</b> жалуются.</p>
    <p>Вторая&nbsp;строка</p>]]></content:encoded>
  <media:content url="https://img.example.ru/1.jpg" medium="image"/>
  <category>финансы</category>
</item>
<item>
  <title>Без даты</title>
  <link>https://news.example.ru/a/2</link>
  <pubDate>вчера в 14:30</pubDate>
  <author>editor@example.ru (Редактор)</author>
  <description>Текст второй новости</description>
</item>
<item>
  <title>Сломанная дата</title>
  <guid>news-3</guid>
  <pubDate>32 Foo 2024 99:99</pubDate>
  <description>Текст третьей</description>
</item>
<item><description></description></item>
</channel></rss>"""

ATOM = """<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="en">
  <title>Acme blog</title><id>urn:feed</id>
  <link rel="next" href="/feed?page=2"/>
  <author><name>Acme Team</name></author>
  <entry>
    <title type="html">Acme &lt;b&gt;launch&lt;/b&gt;</title>
    <link rel="alternate" href="/posts/1"/>
    <link rel="edit" href="/edit/1"/>
    <id>tag:acme,2024:1</id>
    <published>2024-03-12T10:15:30+01:00</published>
    <updated>2024-03-13T00:00:00Z</updated>
    <summary>Short</summary>
    <content type="xhtml">
      <div xmlns="http://www.w3.org/1999/xhtml"><p>Full <em>text</em></p></div>
    </content>
  </entry>
  <entry>
    <title>Only updated</title>
    <id>tag:acme,2024:2</id>
    <updated>2024-03-14T08:00:00Z</updated>
    <summary>Second</summary>
  </entry>
</feed>"""


def test_rss_fields() -> None:
    page = parse_feed(RSS.encode(), url="https://news.example.ru/rss", tz="Europe/Moscow", now=NOW)
    first, second, third = page.items
    assert first.external_id == "news-1"
    assert first.url == "https://news.example.ru/a/1?utm_source=rss"
    assert first.title == "Сбербанк & клиенты"
    assert first.text == "Клиенты Сбербанка жалуются.\n\nВторая строка"  # content:encoded wins
    assert first.author == "ivan"
    assert first.lang == "ru"
    assert first.published_at == datetime(2024, 3, 12, 7, 0, tzinfo=UTC)
    assert first.published_precision == "exact"
    assert first.raw["categories"] == ["финансы"]
    # No guid: the link is the identity; relative dates read in the feed's zone.
    assert second.external_id == "https://news.example.ru/a/2"
    assert second.author == "Редактор"
    assert second.published_at == datetime(2025, 8, 9, 11, 30, tzinfo=UTC)
    # A damaged date keeps the entry, with the printed date for people to see.
    assert third.external_id == "news-3"
    assert (third.published_at, third.published_precision) == (None, None)
    assert third.published_raw == "32 Foo 2024 99:99"
    assert [p.reason for p in page.problems] == ["no_id"]


def test_atom_fields_and_paging() -> None:
    page = parse_feed(ATOM, url="https://acme.example/feed", now=NOW)
    first, second = page.items
    assert first.external_id == "tag:acme,2024:1"
    assert first.url == "https://acme.example/posts/1"
    assert first.title == "Acme launch"
    assert first.text == "Full text"
    assert first.author == "Acme Team"  # the feed's author stands in
    assert first.lang == "en"
    assert first.published_at == datetime(2024, 3, 12, 9, 15, 30, tzinfo=UTC)
    assert second.published_at == datetime(2024, 3, 14, 8, 0, tzinfo=UTC)  # updated, no published
    assert second.url is None
    assert page.next_url == "https://acme.example/feed?page=2"


@pytest.mark.parametrize(
    "body",
    [b"", b"not xml at all", b"<html><body>Oops</body></html>", b"\x00\xff\xfe garbage"],
)
def test_garbage_is_a_problem_not_an_exception(body: bytes) -> None:
    page = parse_feed(body, now=NOW)
    assert page.items == []
    assert [p.reason for p in page.problems] in (["unparseable_feed"], ["not_a_feed"])


def test_truncated_feed_keeps_what_it_can() -> None:
    page = parse_feed(RSS[: RSS.index("<item>\n  <title>Сломанная")], now=NOW)
    assert [item.external_id for item in page.items] == ["news-1", "https://news.example.ru/a/2"]


DC_FEED = (
    '<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"'
    ' xmlns:dc="http://purl.org/dc/elements/1.1/"><channel><title>t</title>'
    "<item><guid>n1</guid><title>Колибри</title><dc:creator>Анна</dc:creator></item>"
    "<item><guid>n2</guid><title>Колибри снова</title><dc:creator>Олег</dc:creator></item>"
    "</channel></rss>"
).encode()


def test_a_broken_element_name_loses_that_element_not_the_feed() -> None:
    # one bad byte after "<dc:" leaves lxml's recovery a tag named "dc:", which QName refuses
    at = DC_FEED.index("<dc:creator>Олег".encode()) + len("<dc:")
    page = parse_feed(DC_FEED[:at] + b"\xff" + DC_FEED[at:], now=NOW)
    assert [(item.external_id, item.author) for item in page.items] == [
        ("n1", "Анна"),
        ("n2", None),
    ]


# --- real feeds, compared field by field with the expected parses beside them ---------------

FASTFEED = REALPAGES / "rss" / "fastfeedparser"
FEEDS = sorted(path.stem for path in FASTFEED.glob("*.xml")) if FASTFEED.is_dir() else []


def _words(text: str) -> list[str]:
    return text.replace("…", " ").replace("...", " ").split()


@pytest.mark.parametrize("name", FEEDS or ["(absent)"])
@needs_realpages
def test_real_feeds_match_expected_parse(name: str) -> None:
    expected = json.loads((FASTFEED / f"{name}.json").read_text())["entries"]
    page = parse_feed((FASTFEED / f"{name}.xml").read_bytes(), now=NOW)
    assert page.problems == []
    assert len(page.items) == len(expected)
    for item, entry in zip(page.items, expected, strict=True):
        assert item.external_id == entry["id"]
        assert item.url == entry["link"]
        # The oracle leaves doubly escaped entities (&nbsp;) in titles; we decode them.
        assert item.title == html_to_text(entry["title"])
        assert item.published_at == datetime.fromisoformat(entry["published"])
        if entry.get("author"):
            assert item.author == entry["author"]
        html = entry["content"][0]["value"] if entry.get("content") else entry["description"]
        want = _words(html_to_text(html))
        if want:  # a summary-only oracle is a truncated prefix of our full text
            assert _words(item.text)[: len(want) - 1] == want[:-1]
        else:
            assert item.text == item.title


HABR = REALPAGES / "habr_rss"


@needs_realpages
def test_habr_feed() -> None:
    page = parse_feed(
        (HABR / "habr_ru_articles_top_alltime_2025-08-09.xml").read_bytes(),
        url="https://habr.com/ru/rss/articles/top/alltime/",
        tz="Europe/Moscow",
        now=NOW,
    )
    assert page.problems == []
    assert [i.external_id for i in page.items] == [
        "https://habr.com/ru/articles/133473/",
        "https://habr.com/ru/articles/536750/",
        "https://habr.com/ru/articles/70330/",
    ]
    first = page.items[0]
    assert first.title == "[Перевод] Делаем приватный монитор из старого LCD монитора"
    assert first.author == "kfedorov"
    assert first.lang == "ru"
    # The link was split across lines by whoever saved the page; it is rejoined.
    assert first.url == (
        "https://habr.com/ru/articles/133473/"
        "?utm_source=habrahabr&utm_medium=rss&utm_campaign=133473"
    )
    assert first.published_at == datetime(2011, 11, 27, 19, 21, 13, tzinfo=UTC)
    assert first.text.startswith("Вы наконец-то можете сделать кое-что со своим старым LCD")
    assert "<" not in first.text
    assert "агент 007" in first.raw["categories"]


@needs_realpages
def test_habr_damaged_pubdate_keeps_the_mention() -> None:
    page = parse_feed(
        (HABR / "habr_ru_bad_pubdate_variant.xml").read_bytes(), tz="Europe/Moscow", now=NOW
    )
    assert page.problems == []
    (item,) = page.items
    assert item.external_id == "https://habr.com/ru/articles/133473/"
    assert item.published_at is None
    assert item.published_precision is None
    assert item.published_raw == "THIS IS A BAD DATE"
    assert item.text.startswith("Вы наконец-то")
