"""Settings an admin works in the browser: alert channels listed without secrets with a test
alert each (dashboard and API), and sources added and edited with their problems shown."""

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
    assert [(c["name"], c["stored"], c["id"]) for c in listed] == [
        ("telegram", False, None),
        ("webhook", False, None),
    ]
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


def test_an_admin_adds_and_edits_sources_in_the_browser(client: TestClient, engine: Engine) -> None:
    from sqlmodel import Session

    from services.catalog import source_by_name
    from tests.utils.factories import make_brand

    with Session(engine) as session:
        make_brand(session, "Acme")
        session.commit()
    client.headers.pop("Authorization", None)
    csrf = sign_in(client, engine, Role.admin)
    form = client.get("/dashboard/sources/new").text
    assert "<option selected>feed</option>" in form and "<option>Acme</option>" in form
    good = {
        "csrf_token": csrf, "name": "acme-blog", "kind": "feed", "brand": "Acme",
        "url": "https://acme.example/feed.xml", "schedule": "15m", "timezone": "Europe/Moscow",
        "options": "", "enabled": "1",
    }  # fmt: skip
    saved = client.post("/dashboard/sources/new", data=good, follow_redirects=True)
    assert "Источник acme-blog сохранён." in saved.text
    bad = client.post(
        "/dashboard/sources/new",
        data={**good, "name": "acme-2", "url": "ftp://acme.example", "schedule": "sometimes"},
    )
    assert bad.status_code == 422
    assert "url: Value error, url must start with http:// or https://" in bad.text
    assert "schedule:" in bad.text
    assert 'value="acme-2"' in bad.text  # what was typed stays in the form
    twice = client.post("/dashboard/sources/new", data=good)
    assert twice.status_code == 422 and "source &#39;acme-blog&#39; already exists" in twice.text
    broken = client.post("/dashboard/sources/new", data={**good, "name": "x", "options": "{"})
    assert "options: not JSON" in broken.text

    with Session(engine) as session:
        source_id = source_by_name(session, "acme-blog").id
    edit = client.get(f"/dashboard/sources/{source_id}/edit").text
    assert 'value="https://acme.example/feed.xml"' in edit
    changed = client.post(
        f"/dashboard/sources/{source_id}/edit",
        data={**good, "schedule": "1h", "enabled": ""},
        follow_redirects=True,
    )
    assert "сохранён" in changed.text
    with Session(engine) as session:
        source = source_by_name(session, "acme-blog")
        assert (source.schedule, source.enabled, source.timezone) == ("1h", False, "Europe/Moscow")


def test_only_admins_edit_sources(client: TestClient, engine: Engine) -> None:
    client.headers.pop("Authorization", None)
    sign_in(client, engine, Role.smm)
    assert client.get("/dashboard/sources/new").status_code == 403
    assert 'id="add-source"' not in client.get("/dashboard/sources").text


def test_an_admin_edits_a_brands_settings_in_the_browser(
    client: TestClient, engine: Engine
) -> None:
    from sqlmodel import Session

    from services.catalog import brand_by_name
    from tests.utils.factories import make_brand

    with Session(engine) as session:
        make_brand(session, "Acme", keywords=["Acme", "Акме"])
        session.commit()
    client.headers.pop("Authorization", None)
    csrf = sign_in(client, engine, Role.admin)
    page = client.get("/dashboard/brands/Acme/settings").text
    assert 'value="Acme, Акме"' in page
    assert "Обучение начнётся с 30 исправлений (пока 0)." in page
    form = {
        "csrf_token": csrf, "keywords": "Acme, Акме, АКМЕ-доставка", "exclude": "acme jobs",
        "response_hours": "12", "resolution_days": "5", "alert_window": "0", "adaptation": "",
    }  # fmt: skip
    saved = client.post("/dashboard/brands/Acme/settings", data=form, follow_redirects=True)
    assert "Acme: сохранено." in saved.text
    with Session(engine) as session:
        brand = brand_by_name(session, "Acme")
        assert brand.keywords == ["Acme", "Акме", "АКМЕ-доставка"]
        assert (brand.response_hours, brand.alert_window, brand.adaptation) == (12, 0, False)
    refused = client.post("/dashboard/brands/Acme/settings", data={**form, "response_hours": "0"})
    assert refused.status_code == 422 and "response_hours:" in refused.text


def test_channels_stored_in_the_dashboard_take_alerts_at_once(
    client: TestClient, engine: Engine, settings: Settings, receiver: Receiver
) -> None:
    from sqlmodel import Session

    from desk.alerts.setup import alert_policy, all_channels

    client.headers.pop("Authorization", None)
    csrf = sign_in(client, engine, Role.admin)
    form = {
        "csrf_token": csrf, "name": "team-chat", "kind": "telegram", "chat_id": "-42",
        "api_base": receiver.url, "secret": "777:TOKEN",
    }  # fmt: skip
    missing = client.post("/dashboard/settings/alerts/channels", data={**form, "secret": ""})
    assert missing.status_code == 422
    assert "a telegram channel needs secret (the signing secret or the bot token)" in missing.text
    assert 'value="team-chat"' in missing.text  # kept; the secret is not echoed back
    reserved = client.post("/dashboard/settings/alerts/channels", data={**form, "name": "webhook"})
    assert "is a built-in channel&#39;s name" in reserved.text
    saved = client.post("/dashboard/settings/alerts/channels", data=form, follow_redirects=True)
    assert "Канал team-chat сохранён" in saved.text
    assert "777:TOKEN" not in saved.text and "chat -42 via" in saved.text

    with Session(engine) as session:  # new alerts go to it at once, no restart
        assert alert_policy(settings, session).channels == ("team-chat",)
        assert list(all_channels(settings, session)) == ["team-chat"]
    tested = client.post(
        "/dashboard/settings/alerts/test",
        data={"csrf_token": csrf, "channel": "team-chat"},
        follow_redirects=True,
    )
    assert "Тестовое оповещение отправлено: team-chat." in tested.text
    assert receiver.requests[-1][0] == "/bot777:TOKEN/sendMessage"

    admin = {"Authorization": f"Bearer {make_key(engine, Role.admin)}"}
    [stored] = client.get("/api/v1/alerts/channels", headers=admin).json()
    assert stored["stored"] is True and "TOKEN" not in json.dumps(stored)
    client.post(
        f"/dashboard/settings/alerts/channels/{stored['id']}/switch",
        data={"csrf_token": csrf, "enabled": ""},
    )
    with Session(engine) as session:  # switched off: the dashboard's alert log takes them
        assert all_channels(settings, session) == {}
        assert alert_policy(settings, session).channels == ("dashboard",)
    client.post(
        f"/dashboard/settings/alerts/channels/{stored['id']}/delete", data={"csrf_token": csrf}
    )
    assert client.get("/api/v1/alerts/channels", headers=admin).json() == []
    refused = client.post(
        "/api/v1/alerts/channels", headers=admin, json={"name": "hook", "kind": "webhook"}
    )
    assert refused.status_code == 422 and "a webhook channel needs url, secret" in refused.text


def test_a_slack_channel_set_up_through_the_api_sends_its_test_alert(
    client: TestClient, engine: Engine, receiver: Receiver
) -> None:
    admin = {"Authorization": f"Bearer {make_key(engine, Role.admin)}"}
    body = {"name": "team-slack", "kind": "slack", "secret": "xoxb-1"}
    refused = client.post("/api/v1/alerts/channels", json=body, headers=admin)
    assert refused.status_code == 422
    assert "a slack channel needs chat_id (the Telegram chat or the Slack channel)" in refused.text
    body |= {"chat_id": "C01RZAVQ6QM", "api_base": receiver.url + "/api"}
    created = client.post("/api/v1/alerts/channels", json=body, headers=admin)
    assert created.status_code == 201, created.text
    assert created.json()["where"] == f"channel C01RZAVQ6QM via {receiver.url}/api"
    assert "xoxb-1" not in created.text
    [tested] = client.post("/api/v1/alerts/test", headers=admin).json()
    assert (tested["channel"], tested["ok"]) == ("team-slack", True)
    [(path, headers, sent)] = receiver.requests
    assert path == "/api/chat.postMessage" and headers["Authorization"] == "Bearer xoxb-1"
    assert json.loads(sent)["text"].startswith("Svetofor test alert from")
