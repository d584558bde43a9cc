"""Mentions API: ingest idempotency, edits, filters and keyset pagination."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from models import Source
from services.catalog import source_by_name
from tests.utils.factories import make_brand, make_mention, make_source

T0 = datetime(2026, 10, 25, 0, 30, tzinfo=UTC)  # the night Europe/Berlin leaves summer time


@pytest.fixture
def seeded(client: TestClient) -> TestClient:
    client.post("/api/v1/brands", json={"name": "Acme", "keywords": ["Acme"]})
    client.post("/api/v1/brands", json={"name": "Globex", "keywords": ["Globex"]})
    for name, brand in (("acme-news", "Acme"), ("acme-reviews", "Acme"), ("globex-tg", "Globex")):
        client.post(
            "/api/v1/sources",
            json={
                "name": name,
                "kind": "feed",
                "brand": brand,
                "url": f"https://example.com/{name}",
            },
        )
    return client


def ingest(client: TestClient, **fields: Any) -> Any:
    body = {"source": "acme-news", "external_id": "m1", "text": "Acme delivered late", **fields}
    return client.post("/api/v1/mentions", json=body)


def test_ingest_creates_then_is_idempotent(seeded: TestClient) -> None:
    first = ingest(
        seeded,
        published_at="2026-10-25T03:30:00+03:00",
        rating=2,
        lang="en",
        author="Ann",
        url="https://example.com/m1",
    )
    assert first.status_code == 201
    assert first.headers["X-Svetofor-Outcome"] == "created"
    body = first.json()
    assert body["published_at"] == "2026-10-25T00:30:00Z"
    assert body["published_precision"] == "exact"
    assert (body["brand"], body["source"], body["rating"], body["version"]) == (
        "Acme",
        "acme-news",
        2,
        1,
    )
    assert body["sentiment"] is None

    again = ingest(
        seeded,
        published_at="2026-10-25T03:30:00+03:00",
        rating=2,
        lang="en",
        author="Ann",
        url="https://example.com/m1",
    )
    assert again.status_code == 200
    assert again.headers["X-Svetofor-Outcome"] == "unchanged"
    assert again.json()["id"] == body["id"]
    assert len(seeded.get("/api/v1/mentions").json()["items"]) == 1


def test_same_external_id_in_another_source_is_another_mention(seeded: TestClient) -> None:
    assert ingest(seeded).status_code == 201
    assert ingest(seeded, source="acme-reviews").status_code == 201
    assert len(seeded.get("/api/v1/mentions").json()["items"]) == 2


def test_edit_keeps_the_previous_version(seeded: TestClient) -> None:
    mention_id = ingest(seeded, rating=1).json()["id"]
    edited = ingest(seeded, text="Acme delivered late but apologised", rating=3)
    assert edited.status_code == 200
    assert edited.headers["X-Svetofor-Outcome"] == "updated"
    assert (edited.json()["version"], edited.json()["rating"]) == (2, 3)
    history = seeded.get(f"/api/v1/mentions/{mention_id}/revisions").json()
    assert [(r["version"], r["text"], r["rating"]) for r in history] == [
        (1, "Acme delivered late", 1)
    ]
    assert (
        seeded.get(f"/api/v1/mentions/{mention_id}").json()["text"]
        == "Acme delivered late but apologised"
    )


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"external_id": "x", "text": "t"}, "source"),
        ({"source": "acme-news", "text": "t"}, "external_id"),
        ({"source": "acme-news", "external_id": "x", "text": ""}, "text"),
        ({"source": "acme-news", "external_id": "x", "text": "t", "rating": 6}, "rating"),
        (
            {
                "source": "acme-news",
                "external_id": "x",
                "text": "t",
                "published_at": "2026-10-25T03:30:00",
            },
            "published_at",
        ),
        (
            {
                "source": "acme-news",
                "external_id": "x",
                "text": "t",
                "published_at": "yesterday-ish",
            },
            "published_at",
        ),
        ({"source": "acme-news", "external_id": "x", "text": "t", "brand": "Acme"}, "brand"),
    ],
)
def test_invalid_ingest_is_422_naming_the_field(
    seeded: TestClient, body: dict[str, Any], field: str
) -> None:
    response = seeded.post("/api/v1/mentions", json=body)
    assert response.status_code == 422
    assert [e["loc"][-1] for e in response.json()["detail"]] == [field]


def test_ingest_into_unknown_source_is_404(seeded: TestClient) -> None:
    response = ingest(seeded, source="nowhere")
    assert response.status_code == 404
    assert response.json() == {"detail": "source 'nowhere' not found"}


def _seed_mentions(engine: Engine) -> None:
    with Session(engine) as session:
        sources = {s.name: s for s in session.exec(select(Source))}
        for i in range(7):
            make_mention(
                session, sources["acme-news"], f"n{i}", published_at=T0 + timedelta(hours=i)
            )
        make_mention(session, sources["acme-reviews"], "r0", published_at=T0)
        make_mention(session, sources["globex-tg"], "g0", published_at=T0 + timedelta(hours=2))
        session.commit()


def test_filters_by_brand_source_and_time(seeded: TestClient, engine: Engine) -> None:
    _seed_mentions(engine)

    def ids(**params: Any) -> list[str]:
        response = seeded.get("/api/v1/mentions", params=params)
        assert response.status_code == 200, response.text
        return [m["external_id"] for m in response.json()["items"]]

    assert ids(brand="Globex") == ["g0"]
    assert ids(source="acme-reviews") == ["r0"]
    assert ids(
        brand="Acme", **{"from": "2026-10-25T04:30:00+02:00", "to": "2026-10-25T04:30Z"}
    ) == ["n3", "n2"]
    assert ids(sentiment="negative") == []
    assert seeded.get("/api/v1/mentions", params={"brand": "Nope"}).status_code == 404
    assert seeded.get("/api/v1/mentions", params={"sentiment": "angry"}).status_code == 422


def test_sentiment_filter_and_shape(seeded: TestClient, engine: Engine) -> None:
    with Session(engine) as session:
        mention = make_mention(session, source_by_name(session, "acme-news"), "s1")
        mention.sentiment_label, mention.sentiment_score, mention.sentiment_model = (
            "negative",
            0.93,
            "e5-small-svetofor@1",
        )
        session.add(mention)
        session.commit()
    [item] = seeded.get("/api/v1/mentions", params={"sentiment": "negative"}).json()["items"]
    assert item["sentiment"] == {
        "label": "negative",
        "score": 0.93,
        "model": "e5-small-svetofor@1",
        "uncertain": None,
        "disagreement": None,
        "source": "model",
        "model_label": None,  # set directly here; the labelling worker fills it
        "model_score": None,
        "adapter": None,
    }


def test_keyset_pages_neither_skip_nor_repeat_while_mentions_arrive(
    seeded: TestClient, engine: Engine
) -> None:
    with Session(engine) as session:
        source = source_by_name(session, "acme-news")
        # Ties on the timestamp are broken by id, so equal times cannot confuse the cursor.
        for i in range(25):
            make_mention(session, source, f"old{i}", published_at=T0 + timedelta(minutes=i // 3))
        session.commit()
        original = {f"old{i}" for i in range(25)}

        seen: list[str] = []
        cursor = None
        arrivals = 0
        while True:
            params: dict[str, Any] = {"limit": 4}
            if cursor:
                params["cursor"] = cursor
            page = seeded.get("/api/v1/mentions", params=params).json()
            seen += [m["external_id"] for m in page["items"]]
            # New mentions keep arriving between page requests: newer ones, older ones,
            # and ones with exactly the timestamp of the page boundary.
            for published in (T0 + timedelta(days=1), T0 - timedelta(days=1), T0):
                make_mention(session, source, f"new{arrivals}", published_at=published)
                arrivals += 1
            session.commit()
            cursor = page["next_cursor"]
            if cursor is None:
                break

    old_seen = [external_id for external_id in seen if external_id.startswith("old")]
    assert len(old_seen) == len(set(old_seen)) == 25
    assert set(old_seen) == original
    assert len(seen) == len(set(seen))  # nothing twice, new arrivals included


def test_bad_cursor_is_422(seeded: TestClient) -> None:
    response = seeded.get("/api/v1/mentions", params={"cursor": "not-a-cursor"})
    assert response.status_code == 422
    assert response.json() == {
        "detail": [{"loc": ["query", "cursor"], "msg": "invalid cursor", "type": "value_error"}]
    }


def test_limit_bounds(seeded: TestClient) -> None:
    assert seeded.get("/api/v1/mentions", params={"limit": 0}).status_code == 422
    assert seeded.get("/api/v1/mentions", params={"limit": 501}).status_code == 422


def test_search_finds_a_word_in_any_inflected_form(client: TestClient, engine: Engine) -> None:
    with Session(engine) as session:
        source = make_source(session, make_brand(session, "Колибри"), "reviews")
        for external_id, text in (
            ("a", "Курьер опоздал на два часа"),
            ("b", "Курьеры вежливые, но суп холодный"),
            ("c", "Доставка вовремя, спасибо"),
            ("d", "The courier was late again"),
        ):
            make_mention(session, source, external_id, text=text)
        session.commit()

    def found(q: str) -> list[str]:
        response = client.get("/api/v1/mentions", params={"q": q})
        assert response.status_code == 200, response.text
        return sorted(m["external_id"] for m in response.json()["items"])

    assert found("курьера") == ["a", "b"]  # курьер, курьеры: one lemma
    assert found("опоздавший курьер") == ["a"]  # every word must match
    assert found("холодного супа") == ["b"]
    assert found("couriers") == [] and found("courier") == ["d"]
    assert found("пицца") == []
    # an edit is searchable at once; the old words are gone
    with Session(engine) as session:
        make_mention(session, session.merge(source), "c", text="Пиццу привезли вовремя")
        session.commit()
    assert found("пицца") == ["c"] and found("доставка") == []
