"""Every route's access: no key, bad key, revoked key, wrong role; and rate limits."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine

from api.ratelimit import RateLimiter
from core.db import session_scope
from models import Role
from services.keys import revoke
from tests.utils.backends import SQLITE_ONLY
from tests.utils.keys import make_key

# (method, path, roles allowed besides admin)
ROUTES = [
    ("GET", "/api/v1/brands", {"smm", "marketer"}),
    ("POST", "/api/v1/brands", set()),
    ("PATCH", "/api/v1/brands/1", set()),
    ("DELETE", "/api/v1/brands/1", set()),
    ("GET", "/api/v1/sources", {"smm", "marketer"}),
    ("POST", "/api/v1/sources", set()),
    ("GET", "/api/v1/mentions", {"smm", "marketer"}),
    ("GET", "/api/v1/mentions/1", {"smm", "marketer"}),
    ("POST", "/api/v1/mentions", {"smm"}),
    ("GET", "/api/v1/cases", {"smm"}),
    ("GET", "/api/v1/cases/1", {"smm"}),
    ("POST", "/api/v1/cases/1/replies", {"smm"}),
    ("GET", "/api/v1/templates", {"smm"}),
    ("POST", "/api/v1/templates", {"smm"}),
    ("GET", "/api/v1/alerts", {"smm"}),
    ("GET", "/api/v1/keys", set()),
    ("POST", "/api/v1/keys", set()),
    ("POST", "/api/v1/classify", {"smm", "marketer"}),
    ("GET", "/api/v1/analytics/sentiment", {"smm", "marketer"}),
    ("GET", "/api/v1/analytics/responses", {"smm", "marketer"}),
]


@pytest.fixture
def anonymous(client: TestClient) -> TestClient:
    del client.headers["Authorization"]
    return client


def call(client: TestClient, method: str, path: str, token: str | None = None) -> int:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    body = {} if method in ("POST", "PATCH") else None
    return client.request(method, path, headers=headers, json=body).status_code


# Called by a platform, not a user: it proves itself with the platform's own secret (the
# Telegram bot's webhook: `secret_token`), tested in tests/desk/test_telegram_bot.py.
CALLED_BY_PLATFORMS = {"/api/v1/telegram/webhook"}


def every_api_route(client: TestClient) -> list[tuple[str, str]]:
    """Every method and path under /api/v1 in the OpenAPI schema, with ids filled in."""
    routes = []
    for path, operations in client.get("/openapi.json").json()["paths"].items():
        if path in CALLED_BY_PLATFORMS:
            continue
        if path.startswith("/api/v1/") and not path.endswith("/healthz"):
            concrete = re.sub(r"\{[a-z_]+\}", "1", path)
            routes += [(method.upper(), concrete) for method in operations]
    return routes


def test_every_route_needs_a_key(anonymous: TestClient) -> None:
    served = every_api_route(anonymous)
    assert len(served) > 30
    for method, path in served:
        assert anonymous.request(method, path).status_code == 401, (method, path)
    for method, path, _ in ROUTES:
        response = anonymous.request(method, path)
        assert response.status_code == 401, (method, path)
        assert response.headers["WWW-Authenticate"] == "Bearer"
        assert call(anonymous, method, path, "svf_not-a-real-key") == 401, (method, path)


def test_the_telegram_webhook_takes_no_key_but_its_secret(anonymous: TestClient) -> None:
    answer = anonymous.post("/api/v1/telegram/webhook", json={"update_id": 1})
    assert answer.status_code == 404  # off unless its settings (and secret) are given
    assert "the Telegram webhook is off" in answer.json()["detail"]


def test_open_routes(anonymous: TestClient) -> None:
    for path in (
        "/healthz",
        "/api/v1/healthz",
        "/docs",
        "/openapi.json",
        "/demo/",
        "/demo/reviews",
        "/demo/feed.xml",
    ):
        assert anonymous.get(path).status_code == 200, path


@SQLITE_ONLY  # who may do what does not depend on the database
def test_roles(anonymous: TestClient, engine: Engine) -> None:
    tokens = {role: make_key(engine, role) for role in Role}
    for method, path, allowed in ROUTES:
        for role in (Role.smm, Role.marketer):
            status = call(anonymous, method, path, tokens[role])
            if role.value in allowed:
                assert status not in (401, 403), (method, path, role, status)
            else:
                assert status == 403, (method, path, role, status)
        assert call(anonymous, method, path, tokens[Role.admin]) not in (401, 403)


def test_wrong_role_message(anonymous: TestClient, engine: Engine) -> None:
    token = make_key(engine, Role.marketer)
    response = anonymous.get("/api/v1/cases", headers={"Authorization": f"Bearer {token}"})
    assert response.json() == {"detail": "the marketer role cannot do this (needs admin, smm)"}


def test_revoked_key_is_401(anonymous: TestClient, engine: Engine) -> None:
    token = make_key(engine, Role.smm)
    headers = {"Authorization": f"Bearer {token}"}
    assert anonymous.get("/api/v1/cases", headers=headers).status_code == 200
    keys = anonymous.get(
        "/api/v1/keys", headers={"Authorization": f"Bearer {make_key(engine, Role.admin)}"}
    )
    smm_id = next(k["id"] for k in keys.json() if k["role"] == "smm")
    with session_scope(engine) as session:
        revoke(session, smm_id)
    response = anonymous.get("/api/v1/cases", headers=headers)
    assert (response.status_code, response.json()) == (
        401,
        {"detail": "invalid or revoked API key"},
    )


def test_keys_api_creates_a_working_key_once(client: TestClient) -> None:
    created = client.post("/api/v1/keys", json={"role": "marketer", "name": "bi"}).json()
    assert created["key"].startswith("svf_") and created["prefix"] == created["key"][:10]
    listed = client.get("/api/v1/keys").json()
    assert all("key" not in k for k in listed)
    headers = {"Authorization": f"Bearer {created['key']}"}
    assert client.get("/api/v1/mentions", headers=headers).status_code == 200
    assert client.delete(f"/api/v1/keys/{created['id']}").json()["revoked_at"] is not None
    assert client.get("/api/v1/mentions", headers=headers).status_code == 401


def test_rate_limit_answers_429_with_retry_after(client: TestClient) -> None:
    client.app.state.rate_limiter = RateLimiter(per_minute=60, burst=3)
    statuses = [client.get("/api/v1/brands").status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    limited = client.get("/api/v1/brands")
    assert limited.headers["Retry-After"] == "1"


def test_token_bucket_refills() -> None:
    now = [0.0]
    limiter = RateLimiter(per_minute=60, burst=2, clock=lambda: now[0])
    assert [limiter.hit(1), limiter.hit(1)] == [None, None]
    assert limiter.hit(1) == pytest.approx(1.0)
    assert limiter.hit(2) is None  # per key
    now[0] = 1.0
    assert limiter.hit(1) is None
