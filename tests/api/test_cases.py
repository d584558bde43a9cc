"""Cases API: the queue by deadline, detail with timeline, staged replies, templates, log."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine
from sqlmodel import Session

from api.main import create_app
from core.config import Settings
from desk.alerts.policy import AlertPolicy
from desk.triage import triage
from models import Role
from services.catalog import source_by_name
from services.mention_store import MentionData, upsert_mention
from tests.utils.keys import make_key

NOW = datetime.now(UTC).replace(microsecond=0)


@pytest.fixture
def cases(client: TestClient, engine: Engine) -> list[int]:
    """Three negative mentions published 20, 2 and 10 hours ago → three cases."""
    client.post("/api/v1/brands", json={"name": "Acme"})
    client.post(
        "/api/v1/sources",
        json={
            "name": "acme-reviews",
            "kind": "html",
            "url": "https://reviews.example/acme",
            "brand": "Acme",
        },
    )
    ids = []
    with Session(engine) as session:
        source = source_by_name(session, "acme-reviews")
        for i, hours in enumerate((20, 2, 10)):
            mention, _ = upsert_mention(
                session,
                source,
                MentionData(
                    external_id=f"r{i}",
                    text="Ужасный сервис",
                    author=f"user{i}",
                    lang="ru",
                    published_at=NOW - timedelta(hours=hours),
                ),
                now=NOW,
            )
            mention.sentiment_label, mention.sentiment_score = "negative", 0.8
            case = triage(session, mention, AlertPolicy(channels=("webhook",)), now=NOW)
            assert case is not None and case.id is not None
            ids.append(case.id)
        session.commit()
    return ids


def test_queue_is_sorted_by_deadline(client: TestClient, cases: list[int]) -> None:
    queue = client.get("/api/v1/cases").json()
    assert [c["id"] for c in queue] == [cases[0], cases[2], cases[1]]
    assert queue[0]["first_reply_due_at"] == (NOW + timedelta(hours=4)).isoformat().replace(
        "+00:00", "Z"
    )
    soon = (NOW + timedelta(hours=15)).isoformat()
    assert [c["id"] for c in client.get("/api/v1/cases", params={"due_before": soon}).json()] == [
        cases[0],
        cases[2],
    ]
    assert client.get("/api/v1/cases", params={"state": "resolved"}).json() == []
    assert client.get("/api/v1/cases", params={"brand": "Nope"}).status_code == 404
    assert client.get("/api/v1/cases", params={"sla": "late"}).status_code == 422


def test_staged_replies_through_the_api(client: TestClient, cases: list[int]) -> None:
    case_id = cases[1]
    promised = (NOW + timedelta(days=2)).isoformat()
    draft = client.post(
        f"/api/v1/cases/{case_id}/replies",
        json={"stage": "acknowledgement", "promised_at": promised},
    )
    assert draft.status_code == 201, draft.text
    reply = draft.json()
    assert reply["status"] == "draft" and reply["text"].startswith("user1, спасибо")
    assert (
        client.post(f"/api/v1/cases/{case_id}/replies/{reply['id']}/approve").json()["status"]
        == "approved"
    )
    posted = client.post(
        f"/api/v1/cases/{case_id}/replies/{reply['id']}/posted",
        json={"url": "https://reviews.example/acme#answer"},
    )
    assert posted.json()["posted_url"] == "https://reviews.example/acme#answer"

    case = client.get(f"/api/v1/cases/{case_id}").json()
    assert case["case"]["state"] == "acknowledged"
    assert case["case"]["first_reply_sla"] == "met"
    assert case["case"]["resolution_sla"] == "on_track"
    assert case["case"]["resolved_at"] is None
    assert [e["kind"] for e in case["timeline"]] == [
        "opened",
        "reply_drafted",
        "reply_approved",
        "reply_posted",
    ]
    assert [m["external_id"] for m in case["mentions"]] == ["r1"]

    second = client.post(
        f"/api/v1/cases/{case_id}/replies",
        json={"stage": "resolution", "text": "Исправили доставку"},
    ).json()
    client.post(f"/api/v1/cases/{case_id}/replies/{second['id']}/posted", json={})
    assert client.get(f"/api/v1/cases/{case_id}").json()["case"]["state"] == "resolved"
    assert client.post(f"/api/v1/cases/{case_id}/close").json()["state"] == "closed"


def test_reply_errors(client: TestClient, cases: list[int]) -> None:
    case_id = cases[0]
    reply = client.post(
        f"/api/v1/cases/{case_id}/replies", json={"stage": "acknowledgement", "text": "Разбираемся"}
    ).json()
    missing = client.post(f"/api/v1/cases/{case_id}/replies/{reply['id']}/posted", json={})
    assert missing.status_code == 422
    assert missing.json()["detail"] == [
        {
            "loc": ["body", "promised_at"],
            "msg": "promised_at is required when the fix takes time: say by when",
            "type": "value_error",
        }
    ]
    assert (
        client.post(f"/api/v1/cases/{case_id}/replies", json={"stage": "third"}).status_code == 422
    )
    assert client.post(f"/api/v1/cases/{case_id}/replies/999/approve").status_code == 404
    assert client.post("/api/v1/cases/999/replies", json={"stage": "resolution"}).status_code == 404
    assert client.post(f"/api/v1/cases/{case_id}/close").status_code == 409


def test_assign_prioritise_and_dismiss(client: TestClient, cases: list[int]) -> None:
    case_id = cases[2]
    updated = client.patch(
        f"/api/v1/cases/{case_id}", json={"assignee": "masha", "priority": "urgent"}
    ).json()
    assert (updated["assignee"], updated["priority"]) == ("masha", "urgent")
    assert [c["id"] for c in client.get("/api/v1/cases", params={"assignee": "masha"}).json()] == [
        case_id
    ]
    dismissed = client.post(f"/api/v1/cases/{case_id}/dismiss", json={"reason": "spam"}).json()
    assert (dismissed["state"], dismissed["dismiss_reason"]) == ("dismissed", "spam")
    assert client.post(f"/api/v1/cases/{case_id}/dismiss", json={"reason": ""}).status_code == 422


def test_templates_crud_and_validation(client: TestClient) -> None:
    defaults = client.get("/api/v1/templates").json()
    assert {t["name"] for t in defaults} == {
        "default-acknowledgement-ru",
        "default-resolution-ru",
        "default-acknowledgement-en",
        "default-resolution-en",
    }
    body = {
        "name": "short-ack",
        "stage": "acknowledgement",
        "lang": "ru",
        "body": "{author}, видим, разбираемся до {promised_date}.",
    }
    created = client.post("/api/v1/templates", json=body)
    assert created.status_code == 201
    assert client.post("/api/v1/templates", json=body).status_code == 409
    bad = client.post("/api/v1/templates", json={**body, "name": "x", "body": "Hi {nmae}"})
    assert bad.status_code == 422
    [problem] = bad.json()["detail"]
    assert (problem["loc"], problem["msg"].split(";")[0]) == (
        ["body", "body"],
        "unknown variable(s) nmae",
    )
    template_id = created.json()["id"]
    assert (
        client.patch(f"/api/v1/templates/{template_id}", json={"lang": "en"}).json()["lang"] == "en"
    )
    assert client.delete(f"/api/v1/templates/{template_id}").status_code == 204


def test_alert_log(client: TestClient, cases: list[int]) -> None:
    log = client.get("/api/v1/alerts").json()
    assert [entry["event_key"] for entry in log] == [f"case:{i}:opened" for i in reversed(cases)]
    assert {entry["status"] for entry in log} == {"pending"}
    assert len(client.get("/api/v1/alerts", params={"case_id": cases[0]}).json()) == 1


def test_a_reply_with_placeholders_cannot_go_out_and_times_are_bounded(
    client: TestClient, cases: list[int]
) -> None:
    case_id = cases[0]
    ack = client.post(
        f"/api/v1/cases/{case_id}/replies", json={"stage": "acknowledgement", "text": "Разбираемся"}
    ).json()
    client.post(
        f"/api/v1/cases/{case_id}/replies/{ack['id']}/posted", json={"needs_followup": False}
    )
    resolved = client.get(f"/api/v1/cases/{case_id}").json()["case"]
    assert (resolved["state"], resolved["resolution_sla"]) == ("resolved", "met")  # at once
    reopened = cases[1]
    draft = client.post(f"/api/v1/cases/{reopened}/replies", json={"stage": "resolution"}).json()
    assert "[что мы выяснили]" in draft["text"]
    for action in ("approve", "posted"):
        refused = client.post(f"/api/v1/cases/{reopened}/replies/{draft['id']}/{action}", json={})
        assert refused.status_code == 422, action
        [problem] = refused.json()["detail"]
        assert problem["loc"] == ["body", "text"]
        assert problem["msg"].startswith("fill in the placeholders before it goes out: [")
    ack = client.post(
        f"/api/v1/cases/{reopened}/replies", json={"stage": "acknowledgement", "text": "Видим"}
    ).json()
    future = client.post(
        f"/api/v1/cases/{reopened}/replies/{ack['id']}/posted",
        json={"posted_at": "2099-01-01T00:00:00Z", "needs_followup": False},
    )
    assert future.status_code == 422
    assert future.json()["detail"][0]["loc"] == ["body", "posted_at"]


def test_every_timeline_event_names_the_acting_key(client: TestClient, cases: list[int]) -> None:
    case_id = cases[0]
    client.patch(f"/api/v1/cases/{case_id}", json={"assignee": "anna", "priority": "high"})
    reply = client.post(
        f"/api/v1/cases/{case_id}/replies", json={"stage": "acknowledgement", "text": "Видим"}
    ).json()
    client.post(f"/api/v1/cases/{case_id}/replies/{reply['id']}/approve")
    client.post(f"/api/v1/cases/{case_id}/dismiss", json={"reason": "spam"})
    timeline = client.get(f"/api/v1/cases/{case_id}").json()["timeline"]
    acted = {e["kind"]: e["actor"] for e in timeline if e["kind"] != "opened"}
    assert acted == {
        "assigned": "test admin",
        "priority_changed": "test admin",
        "reply_drafted": "test admin",
        "reply_approved": "test admin",
        "dismissed": "test admin",
    }


def test_the_queue_pages_by_keyset(client: TestClient, cases: list[int]) -> None:
    first = client.get("/api/v1/cases", params={"limit": 2})
    assert [c["id"] for c in first.json()] == [cases[0], cases[2]]
    cursor = first.headers["X-Next-Cursor"]
    second = client.get("/api/v1/cases", params={"limit": 2, "cursor": cursor})
    assert [c["id"] for c in second.json()] == [cases[1]]
    assert "X-Next-Cursor" not in second.headers  # the last page
    bad = client.get("/api/v1/cases", params={"cursor": "nonsense"})
    assert bad.json()["detail"][0]["loc"] == ["query", "cursor"]


def test_one_draft_per_stage_unless_asked_and_drafts_can_be_edited(
    client: TestClient, cases: list[int]
) -> None:
    case_id = cases[0]
    body = {"stage": "resolution"}
    first = client.post(f"/api/v1/cases/{case_id}/replies", json=body).json()
    twice = client.post(f"/api/v1/cases/{case_id}/replies", json=body)  # a double click
    assert twice.status_code == 409
    assert twice.json()["detail"] == (
        f"reply {first['id']} is already waiting for this stage: edit it, or ask for another"
    )
    another = client.post(f"/api/v1/cases/{case_id}/replies", json={**body, "another": True})
    assert another.status_code == 201
    filled = (
        first["text"]
        .replace("[что мы выяснили]", "курьер перепутал адрес")
        .replace("[что мы изменили]", "адрес подтверждаем звонком")
    )
    edited = client.patch(f"/api/v1/cases/{case_id}/replies/{first['id']}", json={"text": filled})
    assert edited.status_code == 200 and edited.json()["text"] == filled
    assert client.post(f"/api/v1/cases/{case_id}/replies/{first['id']}/approve").status_code == 200
    late = client.patch(f"/api/v1/cases/{case_id}/replies/{first['id']}", json={"text": "x"})
    assert late.status_code == 409  # approved: no longer a draft
    timeline = client.get(f"/api/v1/cases/{case_id}").json()["timeline"]
    assert [e["kind"] for e in timeline].count("reply_edited") == 1


def test_due_before_without_an_offset_is_read_in_the_display_zone(
    settings: Settings, engine: Engine, cases: list[int]
) -> None:
    # the three cases are due 4, 22 and 14 hours from now
    moscow = settings.model_copy(update={"timezone": "Europe/Moscow"})
    with TestClient(create_app(moscow, engine)) as client:
        client.headers["Authorization"] = f"Bearer {make_key(engine, Role.smm)}"
        in_15_hours_utc = (NOW + timedelta(hours=15)).replace(tzinfo=None)
        # read as Moscow time (UTC+3), that is 12 hours from now: only the first case is due
        naive = client.get("/api/v1/cases", params={"due_before": in_15_hours_utc.isoformat()})
        assert naive.status_code == 200, naive.text
        assert [c["id"] for c in naive.json()] == [cases[0]]
        with_offset = client.get(
            "/api/v1/cases", params={"due_before": in_15_hours_utc.isoformat() + "+00:00"}
        )
        assert [c["id"] for c in with_offset.json()] == [cases[0], cases[2]]
        for moment in ("0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59", "1969-12-31"):
            refused = client.get("/api/v1/cases", params={"due_before": moment})
            assert refused.status_code == 422, moment
            assert refused.json()["detail"] == [
                {
                    "loc": ["query", "due_before"],
                    "msg": "'due_before' must be between 1970 and 2200",
                    "type": "value_error",
                }
            ]


def test_a_promised_date_needs_its_offset_and_a_real_year(
    client: TestClient, cases: list[int]
) -> None:
    case_id = cases[0]
    for moment, message in [
        ("2026-12-20T10:00:00", "Value error, naive datetime: give a time zone offset"),
        (
            "0001-01-01T00:00:00+14:00",
            "Value error, 0001-01-01T00:00:00+14:00 is outside the range of dates",
        ),
        ("1900-01-01T00:00:00Z", "Value error, must be between 1970 and 2200"),
    ]:
        refused = client.post(
            f"/api/v1/cases/{case_id}/replies",
            json={"stage": "acknowledgement", "text": "Разбираемся", "promised_at": moment},
        )
        assert refused.status_code == 422, moment
        [problem] = refused.json()["detail"]
        assert (problem["loc"], problem["msg"]) == (["body", "promised_at"], message)
    assert client.get(f"/api/v1/cases/{case_id}").json()["replies"] == []  # nothing stored
    kept = client.post(
        f"/api/v1/cases/{case_id}/replies",
        json={
            "stage": "acknowledgement",
            "text": "Разбираемся",
            "promised_at": "2026-12-20T10:00:00+03:00",
        },
    )
    assert kept.status_code == 201
    assert kept.json()["promised_at"] == "2026-12-20T07:00:00Z"
