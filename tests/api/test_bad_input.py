"""Bad input is a 4xx with a field-level reason, never a 500, and stores nothing broken."""

from __future__ import annotations

import base64
import json

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from models import Mention
from services.mention_store import MentionData, upsert_mention
from tests.utils.dashboard import csrf_of, signed_in
from tests.utils.factories import BRAND, SOURCE, make_brand, make_source

TOO_BIG = 2**63


def problem(response, status: int = 422) -> dict:
    assert response.status_code == status, response.text
    [first, *_] = response.json()["detail"]
    return first


@pytest.fixture
def stored(client: TestClient) -> TestClient:
    assert client.post("/api/v1/brands", json=BRAND).status_code == 201
    assert client.post("/api/v1/sources", json=SOURCE).status_code == 201
    return client


@pytest.mark.parametrize(
    "path",
    [
        f"/api/v1/brands/{TOO_BIG}",
        f"/api/v1/sources/{TOO_BIG}",
        f"/api/v1/mentions/{TOO_BIG}",
        f"/api/v1/cases/{TOO_BIG}",
        f"/api/v1/templates/{TOO_BIG}",
        f"/api/v1/alerts?case_id={TOO_BIG}",
    ],
)
def test_ids_past_64_bits_are_422(client: TestClient, path: str) -> None:
    found = problem(client.get(path))
    assert found["msg"] == f"Input should be less than or equal to {TOO_BIG - 1}"
    # past 32 bits is a real (64-bit) id that is simply not there
    assert client.get(path.replace(str(TOO_BIG), str(2**40))).status_code in (200, 404)


def _cursor(payload: object) -> str:
    return base64.urlsafe_b64encode(json.dumps(payload).encode()).decode().rstrip("=")


_AT = "2026-01-01T00:00:00+00:00"


@pytest.mark.parametrize(
    ("route", "cursor"),
    [
        # a keyset cursor is opaque, but a client can send any base64 it likes back
        ("mentions", _cursor({"t": _AT, "id": TOO_BIG})),
        ("mentions", _cursor({"t": _AT, "id": "12"})),
        ("mentions", _cursor({"t": _AT, "id": True})),
        ("mentions", _cursor({"t": "0001-01-01T00:00:00+14:00", "id": 1})),
        ("mentions", _cursor({"t": "2026-01-01T00:00:00", "id": 1})),
        ("mentions", _cursor([_AT, 1])),
        ("mentions", "bm90IGpzb24"),
        ("cases", _cursor({"due": _AT, "id": TOO_BIG})),
        ("cases", _cursor({"due": None, "id": -1})),
        ("cases", _cursor({"due": "9999-12-31T23:59:59-14:00", "id": 1})),
        ("cases", _cursor({"due": None})),
        ("cases", '{"due": null, "id": 1e400}'),
        ("corrections", str(TOO_BIG)),
        ("corrections", "²"),  # str.isdigit() says yes, int() says no
        ("corrections", "-5"),
    ],
)
def test_forged_cursors_are_422(client: TestClient, route: str, cursor: str) -> None:
    found = problem(client.get(f"/api/v1/{route}", params={"cursor": cursor}))
    assert found == {"loc": ["query", "cursor"], "msg": "invalid cursor", "type": "value_error"}


def test_a_cursor_at_the_largest_id_is_a_page(client: TestClient) -> None:
    largest = TOO_BIG - 1
    for route, cursor in [
        ("mentions", _cursor({"t": _AT, "id": largest})),
        ("cases", _cursor({"due": None, "id": largest})),
        ("corrections", str(largest)),
    ]:
        page = client.get(f"/api/v1/{route}", params={"cursor": cursor})
        assert page.status_code == 200, (route, page.text)
        body = page.json()
        assert (body if route == "cases" else body["items"]) == []  # cases: a bare list


@pytest.mark.parametrize(
    ("path", "name"),
    [
        ("/api/v1/mentions", "from"),
        ("/api/v1/mentions", "to"),
        ("/api/v1/corrections", "from"),
        ("/api/v1/corrections", "to"),
        ("/api/v1/analytics/sentiment?brand=Acme", "to"),
        ("/api/v1/analytics/responses", "from"),
    ],
)
def test_query_times_with_no_utc_datetime_are_422(stored: TestClient, path: str, name: str) -> None:
    # 0001-01-01 at +14:00 is a valid ISO time that has no UTC datetime: it used to be a 500
    for moment in ("0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59-14:00", "0001-01-01"):
        found = problem(stored.get(path, params={name: moment}))
        assert found == {
            "loc": ["query", name],
            "msg": f"'{name}' must be between 1970 and 2200",
            "type": "value_error",
        }


def test_query_times_without_an_offset_are_read_in_the_display_zone(
    stored: TestClient,
) -> None:
    for path in ("/api/v1/mentions", "/api/v1/corrections"):
        page = stored.get(path, params={"from": "2026-01-01", "to": "2026-12-01T10:00"})
        assert page.status_code == 200, (path, page.text)
        assert page.json()["items"] == []


def test_dashboard_dates_a_form_cannot_send_are_ignored(stored: TestClient, engine: Engine) -> None:
    signed_in(stored, engine)
    for path in ("/dashboard/mentions", "/dashboard/brands"):
        for moment in ("0001-01-01", "9999-12-31", "2026-02-30", "1969-12-31"):
            for name in ("from", "to"):
                page = stored.get(path, params={name: moment})
                assert page.status_code == 200, (path, name, moment, page.text[-300:])
    # the brands page shows its default period instead: the last 30 days
    page = stored.get("/dashboard/brands", params={"from": "0001-01-01"})
    assert 'value="0001-01-01"' not in page.text


def test_dashboard_bulk_forms_with_forged_ids_change_nothing(
    stored: TestClient, engine: Engine
) -> None:
    signed_in(stored, engine)
    csrf = csrf_of(stored.get("/dashboard/").text)
    for action, extra in [
        ("bulk-undo", {}),
        ("bulk-assign", {"assignee": "me"}),
        ("bulk-assign", {"take": str(10**20)}),
        ("bulk-dismiss", {"reason": "спам"}),
    ]:
        answer = stored.post(
            f"/dashboard/cases/{action}",
            data={"case_ids": [str(TOO_BIG), str(10**20), "-3", "0"], "csrf_token": csrf, **extra},
            follow_redirects=False,
        )
        assert answer.status_code == 303, (action, answer.text[-300:])


def test_null_cannot_clear_a_required_field(stored: TestClient) -> None:
    brand_id = stored.get("/api/v1/brands").json()[0]["id"]
    refused = problem(stored.patch(f"/api/v1/brands/{brand_id}", json={"name": None}))
    assert refused["loc"] == ["body", "name"]
    assert refused["msg"] == "Value error, name cannot be null: leave it out to keep it"
    source_id = stored.get("/api/v1/sources").json()[0]["id"]
    for field in ("url", "schedule", "enabled", "options", "brand"):
        refused = problem(stored.patch(f"/api/v1/sources/{source_id}", json={field: None}))
        assert refused["loc"] == ["body", field]
    # business hours may be cleared: null means "calendar hours"
    cleared = stored.patch(f"/api/v1/brands/{brand_id}", json={"business_hours": None})
    assert cleared.status_code == 200


def test_a_brand_its_templates_point_to_is_409(stored: TestClient) -> None:
    brand_id = stored.get("/api/v1/brands").json()[0]["id"]
    source_id = stored.get("/api/v1/sources").json()[0]["id"]
    assert stored.delete(f"/api/v1/sources/{source_id}").status_code == 204
    template = {"name": "acme-ack", "stage": "acknowledgement", "lang": "ru", "body": "Видим"}
    assert stored.post("/api/v1/templates", json={**template, "brand": "Acme"}).status_code == 201
    refused = stored.delete(f"/api/v1/brands/{brand_id}")
    assert refused.status_code == 409
    assert refused.json() == {
        "detail": "brand 'Acme' still has 1 reply template(s); delete them first"
    }


@pytest.mark.parametrize(
    ("body", "where"),
    [
        ('{"source": "acme-news", "external_id": "x", "text": "bad \\ud800 text"}', "text"),
        ('{"source": "acme-news", "external_id": "x", "text": "nul \\u0000 here"}', "text"),
        ('{"source": "acme-news", "external_id": "x\\u0000", "text": "ok"}', "external_id"),
    ],
)
def test_nul_and_lone_surrogates_are_refused(stored: TestClient, body: str, where: str) -> None:
    response = stored.post(
        "/api/v1/mentions", content=body, headers={"Content-Type": "application/json"}
    )
    found = problem(response)
    assert found["loc"] == ["body", where]
    assert found["msg"] == "NUL characters and unpaired UTF-16 surrogates are not accepted"
    assert problem(stored.get("/api/v1/mentions?q=a%00b"))["loc"] == ["query"]


def test_impossible_dates_are_422_in_bodies_and_queries(stored: TestClient) -> None:
    mention = {"source": "acme-news", "external_id": "x", "text": "Acme"}
    for moment in ("0001-01-01T00:00:00Z", "1950-01-01T00:00:00Z", "9999-12-31T23:59:59Z"):
        found = problem(stored.post("/api/v1/mentions", json={**mention, "published_at": moment}))
        assert found["loc"] == ["body", "published_at"]
        assert "publication time" in found["msg"]
    found = problem(
        stored.get("/api/v1/analytics/sentiment", params={"brand": "Acme", "from": "0001-01-01"})
    )
    assert (found["loc"], found["msg"]) == (
        ["query", "from"],
        "'from' must be between 1970 and 2200",
    )
    assert stored.get("/api/v1/mentions").json()["items"] == []  # nothing was stored


def test_every_422_has_the_documented_list_shape(stored: TestClient) -> None:
    for response in (
        stored.get("/api/v1/mentions", params={"cursor": "nonsense"}),
        stored.get("/api/v1/analytics/terms", params={"brand": "Acme", "tz": "Mars/Olympus"}),
        stored.get(
            "/api/v1/analytics/sentiment",
            params={"brand": "Acme", "from": "1971-01-01", "interval": "day"},
        ),
    ):
        assert response.status_code == 422
        assert isinstance(response.json()["detail"], list), response.text


def test_text_fields_have_size_limits(stored: TestClient) -> None:
    mention = {"source": "acme-news", "external_id": "x", "text": "Acme"}
    title = problem(stored.post("/api/v1/mentions", json={**mention, "title": "t" * 2_001}))
    assert title["loc"] == ["body", "title"]
    reply = problem(
        stored.post("/api/v1/mentions", json={**mention, "business_reply": "r" * 20_001})
    )
    assert reply["loc"] == ["body", "business_reply"]
    raw = problem(stored.post("/api/v1/mentions", json={**mention, "raw": {"x": "y" * 70_000}}))
    assert raw["loc"] == ["body", "raw"]
    huge = stored.post(
        "/api/v1/mentions",
        content=json.dumps({**mention, "title": "t" * 20_000_000}),
        headers={"Content-Type": "application/json"},
    )
    assert huge.status_code == 413
    assert huge.json() == {"detail": "the body is over 2000000 bytes"}


def test_a_mention_needs_visible_text(stored: TestClient) -> None:
    mention = {"source": "acme-news", "external_id": "x"}
    for blank in ("   ", "\u200b\u200b", "\r\n\t", "\u00a0"):
        found = problem(stored.post("/api/v1/mentions", json={**mention, "text": blank}))
        assert (found["loc"], found["msg"]) == (
            ["body", "text"],
            "Value error, text has no visible characters",
        )
    assert stored.get("/api/v1/mentions").json()["items"] == []
    kept = stored.post("/api/v1/mentions", json={**mention, "text": " \u200b👎 "})
    assert kept.status_code == 201  # one emoji is something to read


def test_only_web_links_are_kept(stored: TestClient, engine: Engine) -> None:
    mention = {"source": "acme-news", "external_id": "x", "text": "Acme"}
    found = problem(stored.post("/api/v1/mentions", json={**mention, "url": "javascript:alert(1)"}))
    assert (found["loc"], found["msg"]) == (
        ["body", "url"],
        "Value error, only http:// and https:// links are accepted",
    )
    with Session(engine) as session:  # a crawl: the link is dropped, the mention kept
        source = make_source(session, make_brand(session, "Other"), "other-feed")
        upsert_mention(
            session,
            source,
            MentionData(external_id="js", text="Other", url="javascript:alert(1)"),
        )
        session.commit()
        kept = session.exec(select(Mention).where(Mention.external_id == "js")).one()
        assert (kept.text, kept.url) == ("Other", None)


def test_the_last_admin_key_cannot_be_revoked(client: TestClient) -> None:
    [admin] = [k for k in client.get("/api/v1/keys").json() if k["role"] == "admin"]
    refused = client.delete(f"/api/v1/keys/{admin['id']}")
    assert refused.status_code == 409
    assert refused.json() == {
        "detail": "this is the last admin key: create another admin key first"
    }
    second = client.post("/api/v1/keys", json={"role": "admin", "name": "second"}).json()
    assert client.delete(f"/api/v1/keys/{admin['id']}").status_code == 200
    client.headers["Authorization"] = f"Bearer {second['key']}"
    assert client.delete(f"/api/v1/keys/{second['id']}").status_code == 409


def test_dashboard_pages_carry_a_content_security_policy(client: TestClient) -> None:
    page = client.get("/dashboard/login")
    assert page.status_code == 200
    policy = page.headers["content-security-policy"]
    assert "script-src 'self'" in policy and "frame-ancestors 'none'" in policy
    assert "content-security-policy" not in client.get("/api/v1/healthz").headers
