"""Alerts delivered to a local webhook receiver, a local fake Telegram API and a local SMTP
server; a failing receiver is retried with backoff and logged, and the alert is not lost."""

from __future__ import annotations

import email.policy
import hashlib
import hmac
import json
import socket
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from email import message_from_bytes
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from core.db import make_engine
from desk.alerts.channels import EmailChannel, TelegramChannel, WebhookChannel
from desk.alerts.delivery import CLAIM_LEASE, MAX_ATTEMPTS, claim, deliver_due
from desk.alerts.outbox import enqueue
from desk.alerts.policy import AlertPolicy
from models import AlertDelivery, AlertKind, DeliveryStatus
from tests.crawlers.paths import REALPAGES, needs_realpages
from tests.utils.receiver import Receiver, serve_receiver

NOW = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)
PAYLOAD = {
    "event": "new_case",
    "case_id": 7,
    "brand": "Колибри",
    "priority": "high",
    "first_reply_due_at": "2026-11-23T12:00:00+00:00",
    "mention": {"author": "Анна", "text": "Курьер опоздал", "url": "https://x/1", "rating": 1},
}


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    with serve_receiver() as state:
        yield state


class Inbox:
    def __init__(self) -> None:
        self.messages: list[Any] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages.append(envelope)
        return "250 OK"


@pytest.fixture
def smtp() -> Iterator[tuple[Inbox, int]]:
    inbox = Inbox()
    with socket.socket() as probe:  # aiosmtpd checks readiness by connecting: no port 0
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    yield inbox, port
    controller.stop()


def queue(engine: Engine, channels: tuple[str, ...], key: str = "case:7:opened") -> None:
    with Session(engine) as session:
        enqueue(
            session,
            AlertPolicy(channels=channels),
            kind=AlertKind.new_case,
            event_key=key,
            payload=PAYLOAD,
            now=NOW,
            case_id=None,
        )
        session.commit()


def deliveries(engine: Engine) -> list[AlertDelivery]:
    with Session(engine) as session:
        return list(session.exec(select(AlertDelivery)))


def test_webhook_is_signed_json(engine: Engine, receiver: Receiver) -> None:
    queue(engine, ("webhook",))
    channel = WebhookChannel(receiver.url + "/hooks/svetofor", secret="s3cret")
    assert deliver_due(engine, {"webhook": channel}, now=NOW) == 1
    [(path, headers, body)] = receiver.requests
    assert path == "/hooks/svetofor"
    assert json.loads(body) == {**PAYLOAD, "event_id": "case:7:opened"}
    expected = "sha256=" + hmac.new(b"s3cret", body, hashlib.sha256).hexdigest()
    assert headers["X-Svetofor-Signature"] == expected
    assert headers["X-Svetofor-Event"] == "new_case"
    assert headers["X-Svetofor-Event-Id"] == "case:7:opened"  # receivers drop a repeat by it
    [delivery] = deliveries(engine)
    assert (delivery.status, delivery.attempts) == (DeliveryStatus.sent, 1)


def test_telegram_bot_api_message(engine: Engine, receiver: Receiver) -> None:
    queue(engine, ("telegram",))
    channel = TelegramChannel("123:ABC", "-100500", api_base=receiver.url)
    assert deliver_due(engine, {"telegram": channel}, now=NOW) == 1
    [(path, _, body)] = receiver.requests
    assert path == "/bot123:ABC/sendMessage"
    message = json.loads(body)
    assert message["chat_id"] == "-100500"
    assert message["text"].splitlines()[:3] == [
        "New case — Колибри case #7 (high)",
        "Reply due 2026-11-23T12:00:00+00:00",
        "Анна: Курьер опоздал",
    ]


def test_email_over_smtp(engine: Engine, smtp: tuple[Inbox, int]) -> None:
    inbox, port = smtp
    queue(engine, ("email",))
    channel = EmailChannel(
        "127.0.0.1", port, "svetofor@example.com", ("smm@example.com", "lead@example.com")
    )
    assert deliver_due(engine, {"email": channel}, now=NOW) == 1
    [envelope] = inbox.messages
    assert envelope.rcpt_tos == ["smm@example.com", "lead@example.com"]
    message = message_from_bytes(envelope.content, policy=email.policy.default)
    assert message["Subject"] == "[Svetofor] New case — Колибри case #7 (high)"
    assert "Курьер опоздал" in message.get_content()


def test_failing_receiver_is_retried_with_backoff_and_logged(
    engine: Engine, receiver: Receiver
) -> None:
    receiver.statuses = [500, 502]
    queue(engine, ("webhook",))
    channel = {"webhook": WebhookChannel(receiver.url, secret="k")}

    assert deliver_due(engine, channel, now=NOW) == 0
    [delivery] = deliveries(engine)
    assert (delivery.status, delivery.attempts) == (DeliveryStatus.pending, 1)
    assert delivery.last_error == "webhook answered HTTP 500"
    assert delivery.next_attempt_at == NOW + timedelta(seconds=30)

    assert deliver_due(engine, channel, now=NOW + timedelta(seconds=10)) == 0  # not yet due
    assert len(receiver.requests) == 1
    assert deliver_due(engine, channel, now=NOW + timedelta(seconds=30)) == 0
    [delivery] = deliveries(engine)
    assert delivery.next_attempt_at == NOW + timedelta(seconds=30 + 60)  # doubled

    assert deliver_due(engine, channel, now=NOW + timedelta(seconds=90)) == 1
    [delivery] = deliveries(engine)
    assert (delivery.status, delivery.attempts, delivery.last_error) == (
        DeliveryStatus.sent,
        3,
        None,
    )


def test_unreachable_receiver_gives_up_after_max_attempts(engine: Engine) -> None:
    queue(engine, ("webhook",))
    channel = {"webhook": WebhookChannel("http://127.0.0.1:9/", secret="k", timeout=1)}
    moment = NOW
    for _ in range(MAX_ATTEMPTS):
        deliver_due(engine, channel, now=moment)
        moment += timedelta(hours=2)
    [delivery] = deliveries(engine)
    assert (delivery.status, delivery.attempts) == (DeliveryStatus.failed, MAX_ATTEMPTS)
    assert delivery.last_error is not None and delivery.last_error.startswith("webhook: Connect")
    assert delivery.payload == {**PAYLOAD, "event_id": "case:7:opened"}  # kept for a resend


def test_the_same_event_is_queued_once_per_channel(engine: Engine) -> None:
    queue(engine, ("webhook", "email"))
    queue(engine, ("webhook", "email"))
    assert sorted(d.channel for d in deliveries(engine)) == ["email", "webhook"]


def test_two_delivery_loops_racing_send_each_event_once(
    db_url: str, engine: Engine, receiver: Receiver
) -> None:
    # a second instance, or `svetofor cases check` from cron beside the service
    for n in range(30):
        queue(engine, ("webhook",), key=f"case:{n}:opened")
    channel = WebhookChannel(receiver.url + "/hook", secret="s")
    start = threading.Barrier(2)
    sent: list[int] = []

    def loop() -> None:
        own = make_engine(db_url)  # its own connections, as another process has
        start.wait()
        sent.append(deliver_due(own, {"webhook": channel}, now=NOW))
        own.dispose()

    loops = [threading.Thread(target=loop) for _ in range(2)]
    for thread in loops:
        thread.start()
    for thread in loops:
        thread.join(timeout=60)
    event_ids = [json.loads(body)["event_id"] for _, _, body in receiver.requests]
    assert sorted(event_ids) == sorted(f"case:{n}:opened" for n in range(30))  # once each
    assert sum(sent) == 30
    assert {d.status for d in deliveries(engine)} == {DeliveryStatus.sent}


class Exploding:
    name = "webhook"

    def send(self, payload: dict[str, object]) -> None:
        raise KeyError("a bug in the channel")


def test_an_unexpected_exception_counts_as_an_attempt_and_gives_up(engine: Engine) -> None:
    queue(engine, ("webhook",))
    moment = NOW
    for attempt in range(1, MAX_ATTEMPTS + 1):
        assert deliver_due(engine, {"webhook": Exploding()}, now=moment) == 0
        [delivery] = deliveries(engine)
        assert delivery.attempts == attempt  # counted, not retried every tick forever
        assert delivery.last_error == "KeyError: 'a bug in the channel'"
        moment = delivery.next_attempt_at
    assert delivery.status == DeliveryStatus.failed
    assert deliver_due(engine, {"webhook": Exploding()}, now=moment + timedelta(days=1)) == 0
    assert deliveries(engine)[0].attempts == MAX_ATTEMPTS


def test_a_claim_left_by_a_dead_process_is_sent_after_its_lease(
    engine: Engine, receiver: Receiver
) -> None:
    queue(engine, ("webhook",))
    [delivery] = deliveries(engine)
    assert claim(engine, delivery.id, NOW)  # ...and the process dies before sending
    channel = WebhookChannel(receiver.url + "/hook", secret="s")
    assert deliver_due(engine, {"webhook": channel}, now=NOW) == 0  # still claimed
    assert deliver_due(engine, {"webhook": channel}, now=NOW + CLAIM_LEASE * 2) == 1
    assert len(receiver.requests) == 1


def test_an_alert_storm_is_bundled_never_dropped(engine: Engine, receiver: Receiver) -> None:
    for n in range(25):
        queue(engine, ("webhook",), key=f"case:{n}:opened")
    channel = WebhookChannel(receiver.url + "/hook", secret="s")
    assert deliver_due(engine, {"webhook": channel}, now=NOW, rate_per_minute=10) == 25
    bodies = [json.loads(body) for _, _, body in receiver.requests]
    assert len(bodies) == 11  # ten alerts, then one message for the other fifteen
    assert [b["event"] for b in bodies[:10]] == ["new_case"] * 10
    bundle = bodies[10]
    assert (bundle["event"], bundle["kind"], bundle["count"]) == ("bundle", "new_case", 15)
    assert [item["event_id"] for item in bundle["items"]] == [
        f"case:{n}:opened" for n in range(10, 25)
    ]
    assert {d.status for d in deliveries(engine)} == {DeliveryStatus.sent}
    # a minute later the channel has its budget back... but the storm's sends still count
    queue(engine, ("webhook",), key="case:99:breached:first_reply")
    later = NOW + timedelta(seconds=61)
    assert deliver_due(engine, {"webhook": channel}, now=later, rate_per_minute=10) == 1
    assert json.loads(receiver.requests[-1][2])["event_id"] == "case:99:breached:first_reply"


def test_one_delivery_at_a_time_records_every_attempt(engine: Engine, receiver: Receiver) -> None:
    """What a worker's alert task does: claim one row, send, record who tried and what came of
    it; a row another process holds, or one not yet due, is not this task's to send."""
    from desk.alerts.delivery import deliver_one, due_delivery_ids

    receiver.statuses = [503]
    queue(engine, ("webhook",))
    channel = {"webhook": WebhookChannel(receiver.url, secret="k")}
    [delivery_id] = due_delivery_ids(engine, now=NOW)

    failed = deliver_one(engine, channel, delivery_id, now=NOW)
    assert failed is not None
    assert (failed.status, failed.attempts) == (DeliveryStatus.pending, 1)
    assert failed.next_attempt_at == NOW + timedelta(seconds=30)  # the task retries then
    assert deliver_one(engine, channel, delivery_id, now=NOW + timedelta(seconds=5)) is None
    assert due_delivery_ids(engine, now=NOW + timedelta(seconds=5)) == []

    assert claim(engine, delivery_id, NOW + timedelta(seconds=30))  # another process has it
    assert deliver_one(engine, channel, delivery_id, now=NOW + timedelta(seconds=31)) is None
    assert deliver_due(engine, channel, now=NOW + timedelta(seconds=31) + CLAIM_LEASE) == 1

    [delivery] = deliveries(engine)
    assert delivery.status is DeliveryStatus.sent
    assert [entry["error"] for entry in delivery.attempt_log] == [
        "webhook answered HTTP 503",
        None,
    ]
    assert {entry["by"].rpartition(":")[2] for entry in delivery.attempt_log} == {
        str(__import__("os").getpid())
    }
    assert len(receiver.requests) == 2


def recorded_slack_answer() -> bytes:
    """Slack's own answer to chat.postMessage, from a recorded exchange in ../shared."""
    import yaml

    cassette = yaml.safe_load((REALPAGES / "slack" / "vcr_chat.postMessage_2021.yml").read_text())
    body: str = cassette["http_interactions"][0]["response"]["body"]["string"]
    return body.encode()


@needs_realpages
def test_slack_chat_post_message(engine: Engine, receiver: Receiver) -> None:
    from desk.alerts.channels import SlackChannel

    receiver.answer = lambda: (200, recorded_slack_answer())  # type: ignore[method-assign]
    queue(engine, ("slack",))
    channel = SlackChannel("xoxb-test", "C01RZAVQ6QM", api_base=receiver.url + "/api")
    assert deliver_due(engine, {"slack": channel}, now=NOW) == 1
    [(path, headers, body)] = receiver.requests
    assert path == "/api/chat.postMessage"
    assert headers["Authorization"] == "Bearer xoxb-test"
    message = json.loads(body)
    assert message["channel"] == "C01RZAVQ6QM"
    assert message["text"].splitlines()[:3] == [
        "New case — Колибри case #7 (high)",
        "Reply due 2026-11-23T12:00:00+00:00",
        "Анна: Курьер опоздал",
    ]
    assert message["text"].splitlines()[3] == "https://x/1"  # the link to act on


def test_slack_errors_are_attempts_with_slacks_reason(engine: Engine, receiver: Receiver) -> None:
    from desk.alerts.channels import SlackChannel

    answers = iter(
        [
            (200, b'{"ok": false, "error": "channel_not_found"}'),  # Slack's documented shape
            (429, b""),
        ]
    )
    receiver.answer = lambda: next(answers)  # type: ignore[method-assign]
    queue(engine, ("slack",))
    channel = {"slack": SlackChannel("xoxb-test", "C404", api_base=receiver.url)}
    assert deliver_due(engine, channel, now=NOW) == 0
    [delivery] = deliveries(engine)
    assert delivery.last_error == "slack answered 200: channel_not_found"
    assert deliver_due(engine, channel, now=NOW + timedelta(seconds=30)) == 0
    [delivery] = deliveries(engine)
    assert delivery.last_error == "slack: rate limited, retry after ? s"
    assert delivery.status is DeliveryStatus.pending
