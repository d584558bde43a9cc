"""Health, OpenAPI docs and the demo pages."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from pathlib import Path

from fastapi.testclient import TestClient
from lxml import etree, html

from api.main import create_app
from core.config import Settings
from core.db import head_revision, make_engine


def test_healthz_reports_database_and_schema(client: TestClient) -> None:
    for path in ("/healthz", "/api/v1/healthz"):
        body = client.get(path).json()
        labelling = body.pop("labelling")
        assert body == {
            "status": "ok",
            "database": "ok",
            "schema_revision": head_revision(),
            "schema_head": head_revision(),
        }
        assert (labelling["unlabelled"], labelling["set_aside"]) == (0, 0)
        assert isinstance(labelling["model_loaded"], bool)


def test_healthz_is_503_before_migrations(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'empty.db'}"
    settings = Settings(database_url=url, _env_file=None)
    with TestClient(create_app(settings, make_engine(url))) as client:
        response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["status"] == "migrations pending"


def test_openapi_lists_the_api_and_hides_the_demo(client: TestClient) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    assert {
        "/api/v1/mentions",
        "/api/v1/mentions/{mention_id}",
        "/api/v1/brands",
        "/api/v1/sources",
    } <= set(paths)
    assert not any(p.startswith("/demo") for p in paths)
    assert client.get("/docs").status_code == 200


def test_demo_review_site_pages_through_all_reviews(client: TestClient) -> None:
    ids, authors, page = [], set(), 1
    while True:
        response = client.get("/demo/reviews", params={"page": page})
        assert response.status_code == 200
        tree = html.fromstring(response.content)
        for review in tree.cssselect("article.review"):
            ids.append(review.get("data-review-id"))
            authors.add(review.cssselect(".author")[0].text)
            rating = int(review.cssselect(".rating")[0].get("data-rating"))
            assert 1 <= rating <= 5
            published = datetime.fromisoformat(review.cssselect("time")[0].get("datetime"))
            assert published.utcoffset() == timedelta(hours=3)  # Moscow, as the source says
        if not tree.cssselect("a.next"):
            break
        page += 1
    assert len(ids) == len(set(ids)) == 18
    assert page == 3
    assert client.get("/demo/reviews", params={"page": 4}).status_code == 404


def test_demo_feed_is_rss_with_recent_dates(client: TestClient) -> None:
    response = client.get("/demo/feed.xml")
    assert response.headers["content-type"].startswith("application/rss+xml")
    items = etree.fromstring(response.content).findall("./channel/item")
    assert len(items) == 14
    now = datetime.now(UTC)
    for item in items:
        published = parsedate_to_datetime(item.findtext("pubDate"))
        assert now - timedelta(days=4) < published < now
    titles = [item.findtext("title") for item in items]
    assert "Колибри запускает доставку за 15 минут в центре Москвы" in titles


def test_the_tab_shows_a_traffic_light(client: TestClient) -> None:
    icon = client.get("/favicon.ico")
    assert icon.status_code == 200
    assert icon.headers["content-type"] == "image/svg+xml"
    assert icon.text.count("<circle") == 3  # red, yellow, green
    login = client.get("/dashboard/login").text
    assert '<link rel="icon" href="/dashboard/static/favicon.svg" type="image/svg+xml">' in login
    assert client.get("/dashboard/static/favicon.svg").text == icon.text
