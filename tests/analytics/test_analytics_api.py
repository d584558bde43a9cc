"""Analytics against hand-computed values: buckets at time-zone edges, empty periods, the
previous-period comparison, sources, share of voice, complaint terms, response KPIs, CSV."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from desk.alerts.policy import AlertPolicy
from desk.replies import draft, mark_posted
from desk.triage import triage
from models import Mention, ReplyStage, Role
from services.mention_store import MentionData, upsert_mention
from tests.utils.factories import make_brand, make_source
from tests.utils.keys import make_key

# Moscow is UTC+3 all year: 2026-11-09 21:00 UTC is already 10 November there.
MENTIONS = [
    # (source, UTC time, label, text)
    (
        "reviews",
        datetime(2026, 11, 9, 20, 59, tzinfo=UTC),
        "negative",
        "Курьер опоздал, холодный суп",
    ),
    ("reviews", datetime(2026, 11, 9, 21, 0, tzinfo=UTC), "negative", "Курьер опоздал опять"),
    ("reviews", datetime(2026, 11, 10, 8, 0, tzinfo=UTC), "positive", "Отличная доставка"),
    ("news", datetime(2026, 11, 10, 9, 0, tzinfo=UTC), "neutral", "Акме открыла склад"),
    ("news", datetime(2026, 11, 10, 20, 30, tzinfo=UTC), "positive", "Акме молодцы"),
    # nothing on 11 November (Moscow): an empty bucket
    ("reviews", datetime(2026, 11, 11, 22, 0, tzinfo=UTC), "negative", "Курьеры грубят"),
    # the previous period (7–9 Nov Moscow): two positives, one negative
    ("reviews", datetime(2026, 11, 7, 10, 0, tzinfo=UTC), "positive", "Хорошо"),
    ("reviews", datetime(2026, 11, 8, 10, 0, tzinfo=UTC), "positive", "Хорошо"),
    ("news", datetime(2026, 11, 9, 10, 0, tzinfo=UTC), "negative", "Плохо"),
]
PERIOD = {"from": "2026-11-10T00:00:00+03:00", "to": "2026-11-13T00:00:00+03:00"}


@pytest.fixture
def marketer(client: TestClient, engine: Engine) -> TestClient:
    with Session(engine) as session:
        acme = make_brand(session, "Acme", keywords=["Акме", "Acme"])
        rival = make_brand(session, "Rival")
        sources = {
            "reviews": make_source(
                session, acme, "reviews", kind="html", url="https://r.example/acme"
            ),
            "news": make_source(session, acme, "news"),
            "rival": make_source(session, rival, "rival-news"),
        }
        for i, (source, at, label, text) in enumerate(MENTIONS):
            mention, _ = upsert_mention(
                session,
                sources[source],
                MentionData(external_id=f"m{i}", text=text, published_at=at),
                now=at,
            )
            mention.sentiment_label = label
        for i in range(3):
            mention, _ = upsert_mention(
                session,
                sources["rival"],
                MentionData(
                    external_id=f"r{i}",
                    text="Rival",
                    published_at=datetime(2026, 11, 10, 12, tzinfo=UTC),
                ),
            )
            mention.sentiment_label = "neutral"
        session.commit()
    client.headers["Authorization"] = f"Bearer {make_key(engine, Role.marketer)}"
    return client


def test_daily_buckets_follow_the_requested_time_zone(marketer: TestClient) -> None:
    report = marketer.get(
        "/api/v1/analytics/sentiment", params={"brand": "Acme", "tz": "Europe/Moscow", **PERIOD}
    ).json()
    days = [
        (
            b["local_date"],
            b["negative"],
            b["neutral"],
            b["positive"],
            b["net_sentiment"],
            b["light"],
        )
        for b in report["buckets"]
    ]
    assert days == [
        ("2026-11-10", 1, 1, 2, pytest.approx(0.25), "green"),
        ("2026-11-11", 0, 0, 0, None, None),
        ("2026-11-12", 1, 0, 0, -1.0, "red"),
    ]
    assert report["buckets"][0]["start"] == "2026-11-09T21:00:00+00:00"
    assert report["buckets"][0]["shares"] == {"negative": 0.25, "neutral": 0.25, "positive": 0.5}
    totals = report["totals"]
    assert (totals["total"], totals["negative"], totals["net_sentiment"]) == (
        5,
        2,
        pytest.approx(0.0),
    )
    assert totals["light"] == "yellow"
    # The previous 3 days (7–9 Nov Moscow): 2 positive, 2 negative (20:59 UTC on the 9th).
    previous = report["previous"]
    assert (previous["positive"], previous["negative"], previous["total"]) == (2, 2, 4)
    assert report["change"]["total"] == 1
    assert report["change"]["net_sentiment"] == pytest.approx(0.0)
    assert report["change"]["shares"]["negative"] == pytest.approx(2 / 5 - 2 / 4)


def test_the_same_data_in_utc_buckets_differently(marketer: TestClient) -> None:
    report = marketer.get(
        "/api/v1/analytics/sentiment",
        params={
            "brand": "Acme",
            "tz": "UTC",
            "from": "2026-11-10T00:00:00Z",
            "to": "2026-11-12T00:00:00Z",
        },
    ).json()
    assert [(b["local_date"], b["total"]) for b in report["buckets"]] == [
        ("2026-11-10", 3),
        ("2026-11-11", 1),
    ]


def test_weeks_and_a_source_filter(marketer: TestClient) -> None:
    report = marketer.get(
        "/api/v1/analytics/sentiment",
        params={
            "brand": "Acme",
            "interval": "week",
            "source": "news",
            "tz": "Europe/Moscow",
            "from": "2026-11-02T00:00:00+03:00",
            "to": "2026-11-16T00:00:00+03:00",
        },
    ).json()
    assert [(b["local_date"], b["total"]) for b in report["buckets"]] == [
        ("2026-11-02", 0),
        ("2026-11-09", 3),
    ]


def test_csv_export(marketer: TestClient) -> None:
    response = marketer.get(
        "/api/v1/analytics/sentiment",
        params={"brand": "Acme", "tz": "Europe/Moscow", "format": "csv", **PERIOD},
    )
    assert response.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert [(r["local_date"], r["total"], r["share_negative"], r["light"]) for r in rows] == [
        ("2026-11-10", "4", "0.25", "green"),
        ("2026-11-11", "0", "", ""),
        ("2026-11-12", "1", "1.0", "red"),
    ]
    assert rows[2]["net_sentiment"] == "-1.0"  # a number: the formula guard leaves it be


def test_sources_share_of_voice_and_terms(marketer: TestClient) -> None:
    sources = marketer.get("/api/v1/analytics/sources", params={"brand": "Acme", **PERIOD})
    assert [(s["source"], s["negative"], s["total"]) for s in sources.json()] == [
        ("reviews", 2, 3),
        ("news", 0, 2),
    ]

    voice = marketer.get(
        "/api/v1/analytics/share-of-voice", params={"brand": ["Acme", "Rival"], **PERIOD}
    ).json()
    assert [(v["brand"], v["mentions"], v["share_of_voice"]) for v in voice] == [
        ("Acme", 5, 5 / 8),
        ("Rival", 3, 3 / 8),
    ]

    terms = marketer.get("/api/v1/analytics/terms", params={"brand": "Acme", **PERIOD}).json()
    # Negative mentions in the period: "Курьер опоздал опять", "Курьеры грубят".
    assert terms[0] == {"term": "курьер", "mentions": 2}
    assert {t["term"] for t in terms[1:]} == {"опоздать", "грубить"}
    assert all(t["term"] not in ("акме", "acme") for t in terms)


def test_response_kpis(marketer: TestClient, engine: Engine) -> None:
    with Session(engine) as session:
        policy = AlertPolicy()
        negative = session.exec(select(Mention).where(Mention.sentiment_label == "negative")).all()
        cases = [triage(session, m, policy, now=m.discovered_at) for m in negative]
        on_time, late = cases[0], cases[1]
        assert on_time is not None and late is not None
        reply = draft(session, on_time, ReplyStage.resolution, text="Исправили")
        mark_posted(
            session, on_time, reply, url=None, now=on_time.first_reply_start + timedelta(hours=2)
        )
        reply = draft(session, late, ReplyStage.resolution, text="Исправили")
        mark_posted(
            session, late, reply, url=None, now=late.first_reply_start + timedelta(hours=30)
        )
        session.commit()
    kpis = marketer.get(
        "/api/v1/analytics/responses",
        params={"brand": "Acme", "from": "2026-11-01T00:00:00Z", "to": "2026-12-01T00:00:00Z"},
    ).json()
    assert kpis["cases_opened"] == 4
    assert kpis["first_replies_within_deadline"] == 1
    assert kpis["median_hours_to_first_reply"] == pytest.approx(16.0)
    assert kpis["open_cases"] == 2
    weeks = marketer.get(
        "/api/v1/analytics/responses/weekly",
        params={"brand": "Acme", "from": "2026-11-01T00:00:00Z", "to": "2026-12-01T00:00:00Z"},
    ).json()
    assert [week["start"][:10] for week in weeks] == [
        "2026-11-01", "2026-11-08", "2026-11-15", "2026-11-22", "2026-11-29",
    ]  # fmt: skip
    assert sum(week["cases_opened"] for week in weeks) == 4
    assert sum(week["first_replies_within_deadline"] for week in weeks) == 1


def test_bad_parameters(marketer: TestClient) -> None:
    get = marketer.get
    assert get("/api/v1/analytics/sentiment", params={"brand": "Nope"}).status_code == 404
    assert (
        get("/api/v1/analytics/sentiment", params={"brand": "Acme", "tz": "Mars/Base"}).status_code
        == 422
    )
    assert (
        get(
            "/api/v1/analytics/sentiment",
            params={"brand": "Acme", "from": "2026-11-10T00:00:00Z", "to": "2026-11-01T00:00:00Z"},
        ).status_code
        == 422
    )
    assert (
        get(
            "/api/v1/analytics/sentiment",
            params={"brand": "Acme", "from": "2020-01-01T00:00:00Z", "to": "2026-01-01T00:00:00Z"},
        ).status_code
        == 422
    )
    assert (
        get("/api/v1/analytics/sentiment", params={"brand": "Acme", "interval": "hour"}).status_code
        == 422
    )


def test_smm_may_read_analytics_and_strangers_may_not(marketer: TestClient, engine: Engine) -> None:
    token = make_key(engine, Role.smm)
    response = marketer.get(
        "/api/v1/analytics/sentiment",
        params={"brand": "Acme"},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert response.status_code == 200
    assert (
        marketer.get(
            "/api/v1/analytics/sentiment",
            params={"brand": "Acme"},
            headers={"Authorization": "Bearer nope"},
        ).status_code
        == 401
    )


def test_csv_of_a_cyrillic_brand_downloads_with_its_name(
    client: TestClient, engine: Engine
) -> None:
    with Session(engine) as session:
        make_brand(session, "Колибри")
        session.commit()
    response = client.get(
        "/api/v1/analytics/responses", params={"brand": "Колибри", "format": "csv", **PERIOD}
    )
    assert response.status_code == 200, response.text
    assert response.headers["content-disposition"] == (
        'attachment; filename="responses-_.csv"; '
        "filename*=UTF-8''responses-%D0%9A%D0%BE%D0%BB%D0%B8%D0%B1%D1%80%D0%B8.csv"
    )
    assert response.content.startswith(b"\xef\xbb\xbfcases_opened,")  # a BOM for Excel
