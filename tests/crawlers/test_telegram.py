"""Telegram web preview: messages, views, cursor; the real fragments of every type."""

from datetime import UTC, datetime

import pytest

from crawlers.parsing.telegram import next_page_url, parse_telegram, parse_views
from tests.crawlers.paths import FIXTURES, REALPAGES, needs_realpages

NOW = datetime(2024, 3, 15, tzinfo=UTC)
FRAGMENTS = REALPAGES / "telegram" / "tchan_fragments"


def test_channel_page() -> None:
    page = parse_telegram((FIXTURES / "telegram_channel_page.html").read_bytes(), now=NOW)
    first, second = page.items
    assert first.external_id == "bank_news/4120"
    assert first.url == "https://t.me/bank_news/4120"
    assert first.author == "bank_news"
    assert first.author_url == "https://t.me/bank_news"
    assert (
        first.text
        == "Клиенты Сбербанка жалуются на сбой приложения.\nБанк обещает исправить к вечеру."
    )
    assert first.published_at == datetime(2024, 3, 12, 7, 15, tzinfo=UTC)
    assert first.published_precision == "exact"
    assert first.raw == {"views": 12400, "edited": False}
    assert second.raw == {"views": 3100, "edited": True}
    assert [(p.reason, p.detail) for p in page.problems] == [
        ("no_text", "bank_news/4121: media without a caption")
    ]
    assert page.cursor == "4120"
    assert page.next_url == "https://t.me/s/bank_news?before=4120"


def test_broken_and_empty_pages() -> None:
    assert parse_telegram(b"", now=NOW).items == []
    page = parse_telegram(b"<div class='tgme_widget_message' data-post='x'><div", now=NOW)
    assert [p.reason for p in page.problems] == ["no_id"]
    assert page.next_url is None
    odd = parse_telegram(
        b"<div class='tgme_widget_message' data-post='ch/\xc2\xb2'></div>", now=NOW
    )
    assert [(p.reason, p.detail) for p in odd.problems] == [("no_id", "data-post 'ch/\u00b2'")]


@pytest.mark.parametrize(
    ("text", "views"),
    [("2", 2), ("1.2K", 1200), ("436.6K", 436600), ("3.1M", 3100000), ("", None), ("1.2.3K", None)],
)
def test_views(text: str, views: int | None) -> None:
    assert parse_views(text) == views


def test_next_page_url() -> None:
    assert next_page_url("bank_news", 17) == "https://t.me/s/bank_news?before=17"


EXPECTED = [
    # fragment, external id, text, UTC time, extra raw fields
    ("parse_text_message_multiline", "tchantest/62", "Bigger\ntext\nmessage\nnumber\n34",
     datetime(2023, 2, 24, 8, 1, 26, tzinfo=UTC), {"views": 2}),
    ("parse_text_message_signed_not_edited", "tchantest/79", "Signed and not edited",
     datetime(2023, 2, 24, 8, 7, 51, tzinfo=UTC), {"signed_by": "Álvaro Justen", "edited": False}),
    ("parse_signed_edited_text_message", "tchantest/5", "Hello! Signed and edited message",
     datetime(2023, 2, 24, 7, 29, 57, tzinfo=UTC), {"signed_by": "Álvaro Justen", "edited": True}),
    ("parse_forwarded_text_message", "tchantest/89", ";)",
     datetime(2023, 2, 24, 12, 13, 31, tzinfo=UTC), {"forwarded_from": "Some user"}),
    ("parse_emoji_message", "tchantest/7", "👍", datetime(2023, 2, 24, 7, 30, 53, tzinfo=UTC), {}),
    ("parse_photo_single", "tchantest/16", "Picture by telegram camera",
     datetime(2023, 2, 24, 7, 35, 28, tzinfo=UTC), {}),
    ("parse_poll", "tchantest/11", "Let's do a quick poll quizz mode\nOpt1\nOpt2\nOpt3",
     datetime(2023, 2, 24, 7, 32, 23, tzinfo=UTC), {}),
    ("parse_text_message_link_no_preview", "tchantest/24",
     "This is a message with a link\n\nhttps://brasil.io/",
     datetime(2023, 2, 24, 7, 48, 2, tzinfo=UTC), {"edited": True}),
    ("parse_message_weird_preview", "CamaradosDeputados/7334", None,
     datetime(2022, 11, 9, 22, 43, 54, tzinfo=UTC), {"views": 1200, "edited": True}),
]  # fmt: skip


@pytest.mark.parametrize(("name", "post", "text", "when", "raw"), EXPECTED)
@needs_realpages
def test_real_fragments(name: str, post: str, text: str | None, when: datetime, raw: dict) -> None:
    page = parse_telegram((FRAGMENTS / f"{name}.html").read_bytes(), now=NOW)
    (item,) = page.items
    channel, number = post.split("/")
    assert item.external_id == post
    assert item.url == f"https://t.me/{post}"
    assert item.author == channel
    if text is not None:
        assert item.text == text
    assert item.published_at == when
    assert raw.items() <= item.raw.items()
    assert page.next_url == f"https://t.me/s/{channel}?before={number}"


@pytest.mark.parametrize(
    "name",
    ["parse_sticker_message", "parse_audio_message", "parse_location_message",
     "parse_round_video_single"],
)  # fmt: skip
@needs_realpages
def test_media_without_caption_is_reported(name: str) -> None:
    page = parse_telegram((FRAGMENTS / f"{name}.html").read_bytes(), now=NOW)
    assert page.items == []
    assert [p.reason for p in page.problems] == ["no_text"]


@pytest.mark.parametrize(
    "name",
    ["parse_service_message_pinned", "parse_service_message_channel_created",
     "parse_no_posts_found", "channel_info"],
)  # fmt: skip
@needs_realpages
def test_service_messages_and_empty_pages_yield_nothing(name: str) -> None:
    page = parse_telegram((FRAGMENTS / f"{name}.html").read_bytes(), now=NOW)
    assert (page.items, page.problems) == ([], [])


@needs_realpages
def test_weird_preview_keeps_links_out_of_text_and_preview_in_raw() -> None:
    page = parse_telegram((FRAGMENTS / "parse_message_weird_preview.html").read_bytes(), now=NOW)
    (item,) = page.items
    assert "Projeto que aumenta penas para crimes sexuais contra crianças" in item.text
    assert "Open this link" not in item.text
    assert item.raw["link_preview"]["url"] == "http://bit.ly/3Tq1C4G"
