"""Telegram alerts the team can act on: the buttons an alert carries, and presses of them
delivered to the bot's webhook as Telegram does, against a local fake Bot API: a member takes
or snoozes the case, anyone else gets nothing done."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from api.main import create_app
from core.config import Settings
from desk.alerts.channels import TelegramChannel
from desk.alerts.policy import AlertPolicy
from desk.telegram_bot import TelegramPoller, telegram_poller
from desk.triage import triage
from models import AlertDelivery, AlertKind, Case, CaseEvent
from services.mention_store import MentionData, upsert_mention
from tests.utils.factories import make_brand, make_source
from tests.utils.receiver import reply, serve_handler

MEMBER, STRANGER = 4242, 666
SECRET = "hook-secret"


class BotApi:
    def __init__(self) -> None:
        self.calls: list[tuple[str, dict[str, Any]]] = []
        self.updates: list[dict[str, Any]] = []
        self.url = ""

    def answer(self, method: str, body: dict[str, Any]) -> dict[str, Any]:
        if method == "getChatMember":  # documented: a ChatMember with its status
            status = "member" if body["user_id"] == MEMBER else "left"
            return {"ok": True, "result": {"status": status, "user": {"id": body["user_id"]}}}
        if method == "answerCallbackQuery":
            return {"ok": True, "result": True}
        if method == "getUpdates":  # what was not confirmed by an offset past it
            pending = [u for u in self.updates if u["update_id"] >= body.get("offset", 0)]
            return {"ok": True, "result": pending}
        return {"ok": True, "result": {"message_id": 1, "chat": {"id": -100500}}}


@pytest.fixture
def bot_api() -> Iterator[BotApi]:
    state = BotApi()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            method = self.path.rsplit("/", 1)[-1]
            state.calls.append((method, body))
            data = json.dumps(state.answer(method, body)).encode()
            reply(self, 200, data)

        def log_message(self, *args: object) -> None:
            pass

    with serve_handler(Handler) as url:
        state.url = url
        yield state


@pytest.fixture
def bot_client(settings: Settings, engine: Engine, bot_api: BotApi) -> Iterator[TestClient]:
    wired = settings.model_copy(
        update={
            "alert_telegram_token": "123:ABC",
            "alert_telegram_chat_id": "-100500",
            "alert_telegram_api_base": bot_api.url,
            "alert_telegram_webhook_secret": SECRET,
        }
    )
    with TestClient(create_app(wired, engine)) as client:
        yield client


def a_case(engine: Engine) -> int:
    with Session(engine) as session:
        source = make_source(session, make_brand(session))
        mention, _ = upsert_mention(
            session,
            source,
            MentionData(
                external_id="m1",
                text="Курьер опоздал",
                rating=1,
                published_at=datetime.now(UTC) - timedelta(hours=1),
            ),
        )
        mention.sentiment_label, mention.sentiment_score = "negative", 0.95
        case = triage(session, mention, AlertPolicy())
        assert case is not None and case.id is not None
        session.commit()
        return case.id


def press(client: TestClient, user: dict[str, Any], data: str, secret: str = SECRET) -> Any:
    update = {
        "update_id": 1,
        "callback_query": {
            "id": "cb-1",
            "from": user,
            "message": {"message_id": 1, "chat": {"id": -100500}},
            "chat_instance": "x",
            "data": data,
        },
    }
    return client.post(
        "/api/v1/telegram/webhook", json=update, headers={"X-Telegram-Bot-Api-Secret-Token": secret}
    )


def test_a_case_alert_carries_take_snooze_and_open(bot_api: BotApi) -> None:
    channel = TelegramChannel(
        "123:ABC", "-100500", bot_api.url, dashboard_url="https://svetofor.example"
    )
    channel.send(
        {"event": "new_case", "case_id": 7, "brand": "Колибри", "event_id": "case:7:opened"}
    )
    [(method, body)] = bot_api.calls
    assert method == "sendMessage"
    [row] = body["reply_markup"]["inline_keyboard"]
    assert [button.get("callback_data") for button in row] == ["take:7", "snooze:7", None]
    assert row[2]["url"] == "https://svetofor.example/dashboard/cases/7"
    channel.send({"event": "digest", "event_id": "digest:1"})
    assert "reply_markup" not in bot_api.calls[-1][1]  # a digest has no case to act on


def test_a_member_takes_the_case_and_the_button_is_answered(
    bot_client: TestClient, engine: Engine, bot_api: BotApi
) -> None:
    case_id = a_case(engine)
    answer = press(bot_client, {"id": MEMBER, "username": "anna_smm"}, f"take:{case_id}")
    assert answer.status_code == 200
    assert answer.json() == {"ok": True, "told": f"Case #{case_id} is yours, @anna_smm."}
    with Session(engine) as session:
        case = session.get(Case, case_id)
        assert case is not None and case.assignee == "telegram:@anna_smm"
    assert (
        "answerCallbackQuery",
        {"callback_query_id": "cb-1", "text": f"Case #{case_id} is yours, @anna_smm."},
    ) in bot_api.calls


def test_snooze_sends_the_alert_again_in_an_hour(
    bot_client: TestClient, engine: Engine, bot_api: BotApi
) -> None:
    case_id = a_case(engine)
    before = datetime.now(UTC)
    told = press(bot_client, {"id": MEMBER, "first_name": "Анна"}, f"snooze:{case_id}").json()
    assert told["told"] == f"Case #{case_id}: reminding you in an hour."
    with Session(engine) as session:
        [reminder] = session.exec(
            select(AlertDelivery).where(AlertDelivery.kind == AlertKind.reminder)
        ).all()
        assert reminder.channel == "telegram"
        assert timedelta(minutes=59) < reminder.next_attempt_at - before < timedelta(minutes=61)
        assert reminder.payload["event"] == "reminder" and reminder.payload["case_id"] == case_id
        kinds = session.exec(select(CaseEvent.kind).where(CaseEvent.case_id == case_id)).all()
        assert "snoozed" in kinds


def test_strangers_and_forgers_get_nothing_done(
    bot_client: TestClient, engine: Engine, bot_api: BotApi
) -> None:
    case_id = a_case(engine)
    stranger = press(bot_client, {"id": STRANGER, "username": "mallory"}, f"take:{case_id}")
    assert stranger.json()["told"] == "Only members of the team chat can act on these alerts."
    forged = press(bot_client, {"id": MEMBER}, f"take:{case_id}", secret="guess")
    assert forged.status_code == 403 and forged.json()["detail"] == "wrong or missing secret token"
    with Session(engine) as session:
        case = session.get(Case, case_id)
        assert case is not None and case.assignee is None


def test_an_update_of_another_shape_is_answered_not_retried_forever(
    bot_client: TestClient, engine: Engine, bot_api: BotApi
) -> None:
    # a 500 would make Telegram send the same update again and again, holding up the rest
    case_id = a_case(engine)
    for data in (f"take:{2**63}", "take:\u00b2", f"take:-{case_id}", "take:"):
        answer = press(bot_client, {"id": MEMBER}, data)
        assert answer.status_code == 200, (data, answer.text)
        assert answer.json()["told"] == "This alert's case is not known here."
    odd_sender = press(bot_client, ["not", "a", "user"], f"take:{case_id}")
    assert odd_sender.status_code == 200
    assert odd_sender.json()["told"] == "Only members of the team chat can act on these alerts."
    with Session(engine) as session:
        case = session.get(Case, case_id)
        assert case is not None and case.assignee is None


def test_the_webhook_is_off_without_its_settings(client: TestClient) -> None:
    answer = client.post("/api/v1/telegram/webhook", json={"update_id": 1})
    assert answer.status_code == 404
    assert "the Telegram webhook is off" in answer.json()["detail"]


def polling_poller(settings: Settings, engine: Engine, bot_api: BotApi) -> TelegramPoller:
    """A poller for the fake Bot API, set up as the settings for long polling ask."""
    polling = settings.model_copy(
        update={
            "alert_telegram_token": "123:ABC",
            "alert_telegram_chat_id": "-100500",
            "alert_telegram_api_base": bot_api.url,
            "alert_telegram_polling": True,
        }
    )
    poller = telegram_poller(engine, polling)
    assert poller is not None
    return poller


def test_long_polling_acts_on_each_press_once(
    settings: Settings, engine: Engine, bot_api: BotApi
) -> None:
    case_id = a_case(engine)
    poller = polling_poller(settings, engine, bot_api)
    bot_api.updates = [
        {
            "update_id": 900,
            "callback_query": {
                "id": "cb-9",
                "from": {"id": MEMBER, "username": "oleg"},
                "message": {"message_id": 1, "chat": {"id": -100500}},
                "data": f"take:{case_id}",
            },
        }
    ]
    assert poller.tick() == 1
    assert poller.tick() == 0  # confirmed by the offset: not handled twice
    assert [body.get("offset") for method, body in bot_api.calls if method == "getUpdates"] == [
        None,
        901,
    ]
    with Session(engine) as session:
        case = session.get(Case, case_id)
        assert case is not None and case.assignee == "telegram:@oleg"
    assert telegram_poller(engine, settings) is None  # off unless asked for


def test_long_polling_confirms_an_update_it_cannot_act_on(
    settings: Settings, engine: Engine, bot_api: BotApi
) -> None:
    poller = polling_poller(settings, engine, bot_api)
    bot_api.updates = [
        {"update_id": 700, "callback_query": "not an object"},
        {"update_id": 701, "callback_query": {"id": "cb", "from": "x", "data": "take:1"}},
    ]
    assert poller.tick() == 2  # acted on neither, and neither stops the ticks
    assert poller.offset == 702  # both confirmed: Telegram does not send them again
    assert poller.tick() == 0
