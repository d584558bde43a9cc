"""Google Maps review JSON: owner replies, rating-only reviews, relative dates, place pages."""

import json
from datetime import UTC, datetime

from crawlers.parsing.google_maps import NEW_REVIEWS, at, parse_place_state, parse_reviews
from tests.crawlers.paths import REALPAGES, needs_realpages

NOW = datetime(2026, 4, 27, 12, 0, tzinfo=UTC)
MAPS = REALPAGES / "google_maps"


@needs_realpages
def test_review_with_owner_reply() -> None:
    page = parse_reviews(
        (MAPS / "listugcposts_review_native_with_reply.json").read_bytes(), now=NOW
    )
    assert page.problems == []
    (item,) = page.items
    assert (
        item.external_id == "Ci9DQUlRQUNvZENodHljRjlvT2xGMmRraFdhSFowWW0xWVNURTBObEptU3pWWVgxRRAB"
    )
    assert item.author == "E. Ö."
    assert item.author_url == "https://www.google.com/maps/contrib/116111130377271376564"
    assert item.rating == 1
    assert item.lang == "de"
    assert item.text.startswith("Ich bin sehr enttäuscht vom Verhalten der Rezeption")
    assert item.business_reply is not None
    assert item.business_reply.startswith("Es tut uns sehr leid, dass Sie sich")
    assert item.business_reply.endswith("Ihr Praxisteam")
    assert item.published_at == datetime(2026, 2, 27, 10, 2, 2, 193853, tzinfo=UTC)
    assert item.published_precision == "exact"
    assert item.raw == {"relative_date": "2 months ago", "reply_at": "2026-02-28T08:22:27+00:00"}
    assert item.url is not None and item.url.startswith("https://www.google.com/maps/reviews/data=")


@needs_realpages
def test_relative_date_is_used_when_the_timestamp_is_missing() -> None:
    data = json.loads((MAPS / "listugcposts_review_native_with_reply.json").read_text())
    data[0][0][1][2] = None  # the creation time in microseconds
    (item,) = parse_reviews(data, now=NOW).items
    assert item.published_raw == "2 months ago"
    assert item.published_at == datetime(2026, 2, 27, 12, 0, tzinfo=UTC)
    assert item.published_precision == "approximate"


@needs_realpages
def test_english_review_and_rating_only_review() -> None:
    english = parse_reviews(
        (MAPS / "listugcposts_review_native_no_translation.json").read_bytes(), now=NOW
    )
    (item,) = english.items
    assert (item.author, item.rating, item.lang, item.business_reply) == (
        "Olena Kuzhel",
        5,
        "en",
        None,
    )
    assert item.text.startswith("I had been recently in gynecologist")
    assert item.published_at == datetime(2019, 4, 17, 9, 54, 51, 197416, tzinfo=UTC)
    rating_only = parse_reviews(
        (MAPS / "listugcposts_review_native_no_text.json").read_bytes(), now=NOW
    )
    assert rating_only.items == []
    assert [p.reason for p in rating_only.problems] == ["no_text"]
    assert "rating 5 only" in rating_only.problems[0].detail


@needs_realpages
def test_place_pages_2023_and_2024() -> None:
    old = parse_place_state(
        (MAPS / "place_kipriakon_limassol_app_init_state.json").read_bytes(), now=NOW
    )
    assert len(old.items) == 8 and old.problems == []
    first = old.items[0]
    assert (first.author, first.rating, first.lang) == ("Cristina Dragoi", 5, "en")
    assert first.text.startswith("The food we had was AMAZING!")
    assert first.published_at == datetime(2023, 6, 30, 11, 46, 30, 509285, tzinfo=UTC)
    greek = parse_place_state((MAPS / "place_raw2_app_init_state.json").read_bytes(), now=NOW)
    assert len(greek.items) == 8
    assert greek.items[0].raw["relative_date"] == "πριν από 2 μήνες"
    replies = [i for i in greek.items if i.business_reply]
    assert replies and replies[0].business_reply.startswith("Thank you for your positive feedback")


@needs_realpages
def test_older_flat_place_reviews() -> None:
    data = json.loads((MAPS / "place_kipriakon_limassol_app_init_state.json").read_text())
    at(data, NEW_REVIEWS[:-1])[NEW_REVIEWS[-1]] = None  # as before Google added the new shape
    page = parse_place_state(data, now=NOW)
    assert len(page.items) == 8
    first = page.items[0]
    assert (first.author, first.rating, first.lang) == ("Cristina Dragoi", 5, "en")
    assert first.author_url == "https://www.google.com/maps/contrib/116949313598899144674"
    assert first.published_at == datetime(2023, 6, 30, 11, 46, 30, 509000, tzinfo=UTC)


def test_full_response_with_prefix_and_token() -> None:
    element = ["rid1", [None, None, 1700000000000000, None, None, None, "a year ago"],
               [[4], None, None, None, None, None, None, None, None, None, None, None, None, None,
                ["ru"], [["Отличный сервис"]]]]  # fmt: skip
    body = ")]}'\n" + json.dumps([None, "NEXT", [[element, None, "t"]]])
    page = parse_reviews(body, now=NOW)
    (item,) = page.items
    assert (item.external_id, item.rating, item.lang, item.text) == (
        "rid1",
        4,
        "ru",
        "Отличный сервис",
    )
    assert item.published_at == datetime(2023, 11, 14, 22, 13, 20, tzinfo=UTC)
    assert page.cursor == "NEXT"


def test_garbage_never_raises() -> None:
    for body in (b"", b"<html>", b"[]", b"[[1, 2, 3]]", b'{"a": 1}', b")]}'\n[null]"):
        page = parse_reviews(body, now=NOW)
        assert page.items == []
        parse_place_state(body, now=NOW)
