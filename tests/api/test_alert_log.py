"""The dashboard's alert log: with no channel set up, the desk's alerts land there (the
built-in dashboard channel), in people's words; with a channel, they go to it instead."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from fastapi.testclient import TestClient
from sqlalchemy import insert
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from core.config import Settings
from desk.worker import DeskWorker
from models import AlertChannel, AlertDelivery, ChannelKind, DeliveryStatus, Role
from tests.utils.dashboard import csrf_of, signed_in, visible_text
from tests.utils.factories import make_brand, make_mention, make_source
from tests.utils.keys import make_key


def _negative(engine: Engine, settings: Settings, external_id: str = "m1") -> int:
    """A complaint labelled negative and triaged as the labelling worker does; its case id."""
    desk = DeskWorker(engine, settings)
    with Session(engine) as session:
        brand = make_brand(session, "Acme")
        source = make_source(session, brand)
        mention = make_mention(
            session,
            source,
            external_id,
            text="Acme: курьер опоздал на два часа",
            author="Анна",
            published_at=datetime.now(UTC) - timedelta(hours=1),
        )
        mention.sentiment_label = "negative"
        desk.triage(session, mention)
        session.commit()
        assert mention.case_id is not None
        case_id = mention.case_id
    desk.deliver_now()
    return case_id


def test_with_no_channel_alerts_land_in_the_dashboards_log(
    client: TestClient, engine: Engine, settings: Settings
) -> None:
    case_id = _negative(engine, settings)
    with Session(engine) as session:
        [delivery] = session.exec(select(AlertDelivery)).all()
    assert (delivery.channel, delivery.kind.value, delivery.status) == (
        "dashboard",
        "new_case",
        DeliveryStatus.sent,
    )
    browser = signed_in(client, engine)
    ru = browser.get("/dashboard/alerts", params={"lang": "ru"})
    assert ru.status_code == 200
    text = visible_text(ru.text)
    assert "Журнал оповещений" in text and "новое обращение" in text
    assert "Канал: эта панель · доставлено" in re.sub(r"\s+", " ", text)
    assert f'href="/dashboard/cases/{case_id}"' in ru.text
    assert "Анна: Acme: курьер опоздал на два часа" in text
    assert 'id="no-alert-channels"' in ru.text  # and it says nobody is messaged
    assert "сообщений никто не получает" in text
    for raw in ("new_case", "dashboard", "sent", "pending"):
        assert not re.search(rf"\b{raw}\b", text), raw
    en = visible_text(browser.get("/dashboard/alerts", params={"lang": "en"}).text)
    assert "new case" in en and "Channel: this dashboard" in en and "delivered" in en
    assert 'id="nav-alerts"' in ru.text  # the menu leads there


def test_a_configured_channel_takes_the_alerts_instead(
    client: TestClient, engine: Engine, settings: Settings
) -> None:
    with Session(engine) as session:
        session.add(
            AlertChannel(
                name="team-hook",
                kind=ChannelKind.webhook,
                config={"url": "http://127.0.0.1:9/hook"},  # nothing listens: it fails
                secret="s",
            )
        )
        session.commit()
    _negative(engine, settings)
    with Session(engine) as session:
        [delivery] = session.exec(select(AlertDelivery)).all()
    assert (delivery.channel, delivery.status) == ("team-hook", DeliveryStatus.pending)
    page = visible_text(signed_in(client, engine).get("/dashboard/alerts?lang=en").text)
    assert "Channel: team-hook · waiting to be sent" in re.sub(r"\s+", " ", page)
    assert "ConnectError" in page  # the channel's own error, to fix it
    assert "No alert channel is set up" not in page


def test_the_log_pages_and_filters(client: TestClient, engine: Engine) -> None:
    now = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
    rows = [
        {
            "event_key": f"source:{i}:health",
            "channel": "dashboard",
            "kind": "source_health" if i % 2 else "history_import",
            "status": "sent",
            "payload": {"brand": "Acme", "text": f"alert number {i}"},
            "created_at": now + timedelta(minutes=i),
            "next_attempt_at": now,
            "attempt_log": [],
        }
        for i in range(60)
    ]
    with Session(engine) as session:
        session.execute(insert(AlertDelivery), rows)
        session.commit()
    browser = signed_in(client, engine)
    first = browser.get("/dashboard/alerts?lang=en").text
    assert first.count('class="alert-row') == 50
    assert "alert number 59" in first and "alert number 10" in first
    assert "alert number 9<" not in first
    next_url = re.search(r'href="([^"]+)" id="next-page"', first)
    assert next_url is not None
    second = browser.get(next_url.group(1).replace("&amp;", "&")).text
    assert second.count('class="alert-row') == 10 and 'id="next-page"' not in second
    imports = browser.get("/dashboard/alerts?kind=history_import&lang=en").text
    assert imports.count('class="alert-row') == 30 and "archive imported" in imports
    assert 'data-kind="source_health"' not in imports
    assert '<option value="history_import" selected>archive imported' in imports  # kept
    api = {"Authorization": f"Bearer {make_key(engine, Role.smm)}"}
    page = client.get("/api/v1/alerts", params={"kind": "source_health", "limit": 5}, headers=api)
    assert [d["payload"]["text"] for d in page.json()] == [
        f"alert number {i}" for i in (59, 57, 55, 53, 51)
    ]
    after = client.get(
        "/api/v1/alerts", params={"before": page.json()[-1]["id"], "limit": 2}, headers=api
    )
    assert [d["payload"]["text"] for d in after.json()] == ["alert number 50", "alert number 49"]
    bad = client.get("/api/v1/alerts", params={"kind": "nope"}, headers=api)
    assert bad.status_code == 422 and "new_case" in bad.text


def test_a_marketer_neither_sees_nor_opens_the_log(client: TestClient, engine: Engine) -> None:
    client.headers.pop("Authorization", None)
    client.post(
        "/dashboard/login",
        data={
            "key": make_key(engine, Role.marketer),
            "csrf_token": csrf_of(client.get("/dashboard/login").text),
        },
    )
    assert 'id="nav-alerts"' not in client.get("/dashboard/mentions").text
    refused = client.get("/dashboard/alerts", params={"lang": "en"})
    assert refused.status_code == 403 and "Not allowed" in refused.text
