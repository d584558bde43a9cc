"""Alert channels an admin can check: listed without secrets, a test alert each, in the
dashboard and the API."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine

from api.main import create_app
from core.config import Settings
from models import Role
from tests.utils.dashboard import csrf_of
from tests.utils.keys import make_key
from tests.utils.receiver import Receiver, serve_receiver


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    with serve_receiver() as state:
        yield state


@pytest.fixture
def wired(settings: Settings, engine: Engine, receiver: Receiver) -> Iterator[TestClient]:
    """The app with a webhook and a Telegram bot pointing at the local receiver."""
    configured = settings.model_copy(
        update={
            "alert_webhook_url": receiver.url + "/hooks/svetofor",
            "alert_webhook_secret": "s3cret",
            "alert_telegram_token": "123:SECRET",
            "alert_telegram_chat_id": "-100500",
            "alert_telegram_api_base": receiver.url,
        }
    )
    with TestClient(create_app(configured, engine)) as client:
        yield client


def sign_in(client: TestClient, engine: Engine, role: Role) -> str:
    token = csrf_of(client.get("/dashboard/login").text)
    client.post("/dashboard/login", data={"key": make_key(engine, role), "csrf_token": token})
    return csrf_of(client.get("/dashboard/mentions").text)


def test_an_admin_sends_a_test_alert_through_each_channel(
    wired: TestClient, engine: Engine, receiver: Receiver
) -> None:
    csrf = sign_in(wired, engine, Role.admin)
    page = wired.get("/dashboard/settings/alerts").text
    assert f"POST http://127.0.0.1:{receiver.url.rsplit(':', 1)[1]}/hooks/svetofor (signed)" in page
    assert "chat -100500 via" in page
    assert "SECRET" not in page and "s3cret" not in page  # never shown back
    sent = wired.post(
        "/dashboard/settings/alerts/test",
        data={"csrf_token": csrf, "channel": "webhook"},
        follow_redirects=True,
    )
    assert "Тестовое оповещение отправлено: webhook." in sent.text
    [(path, headers, body)] = receiver.requests
    assert path == "/hooks/svetofor" and headers["X-Svetofor-Event"] == "test"
    assert json.loads(body)["text"].startswith("Svetofor test alert from test admin")

    receiver.statuses = [403]  # the bot is not in the chat, say
    failed = wired.post(
        "/dashboard/settings/alerts/test",
        data={"csrf_token": csrf, "channel": "telegram"},
        follow_redirects=True,
    )
    assert "telegram: telegram answered 403" in failed.text
    assert receiver.requests[-1][0] == "/bot123:SECRET/sendMessage"


def test_the_api_lists_channels_and_tests_them_for_admins_only(
    wired: TestClient, engine: Engine, receiver: Receiver
) -> None:
    admin = {"Authorization": f"Bearer {make_key(engine, Role.admin)}"}
    smm = {"Authorization": f"Bearer {make_key(engine, Role.smm)}"}
    listed = wired.get("/api/v1/alerts/channels", headers=admin).json()
    assert [c["channel"] for c in listed] == ["telegram", "webhook"]
    assert all(c["ok"] is None for c in listed)
    tested = wired.post("/api/v1/alerts/test", headers=admin).json()
    assert [(c["channel"], c["ok"], c["error"]) for c in tested] == [
        ("telegram", True, None),
        ("webhook", True, None),
    ]
    assert len(receiver.requests) == 2
    assert wired.post("/api/v1/alerts/test", headers=smm).status_code == 403


def test_the_settings_page_is_for_admins(client: TestClient, engine: Engine) -> None:
    client.headers.pop("Authorization", None)
    sign_in(client, engine, Role.smm)
    assert client.get("/dashboard/settings/alerts").status_code == 403
    assert 'href="/dashboard/settings/alerts"' not in client.get("/dashboard/").text
