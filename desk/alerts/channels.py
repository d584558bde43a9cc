"""Alert channels: a signed JSON webhook, a Telegram bot, a Slack bot, email over SMTP, and
the dashboard's own alert log."""

from __future__ import annotations

import hashlib
import hmac
import json
import smtplib
from dataclasses import dataclass
from datetime import datetime
from email.message import EmailMessage
from typing import Any, Protocol
from urllib.parse import urlsplit

import httpx

from models.alert import DASHBOARD_CHANNEL


class DeliveryError(RuntimeError):
    """The channel did not accept the alert; the outbox retries later."""


class Channel(Protocol):
    name: str

    def send(self, payload: dict[str, Any]) -> None: ...


def signature(secret: str, body: bytes) -> str:
    """`sha256=<hex>` HMAC of the exact request body, as GitHub-style webhooks do."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def summary_text(payload: dict[str, Any]) -> str:
    """A short human text for chat and email."""
    if payload.get("event") == "test":
        return str(payload.get("text"))
    if payload.get("event") == "digest":
        lines = [
            f"Svetofor digest {payload.get('date')}: {payload.get('open_cases')} open, "
            f"{payload.get('breached')} breached, {payload.get('at_risk')} at risk"
        ]
        lines += [
            f"• {a.get('event')}: case {a.get('case_id')} ({a.get('brand')})"
            for a in payload.get("held", [])
        ]
        return "\n".join(lines)
    if payload.get("event") == "bundle":
        items = payload.get("items", [])
        lines = [f"Svetofor: {payload.get('count')} {payload.get('kind')} alerts at once"]
        lines += [f"• {summary_text(item).splitlines()[0]}" for item in items[:20]]
        if len(items) > 20:
            lines.append(f"… and {len(items) - 20} more")
        return "\n".join(lines)
    if payload.get("text") and payload.get("event") in ("history_import", "source_health"):
        return f"Svetofor — {payload.get('brand')}: {payload['text']}\n{payload.get('dashboard')}"
    titles = {
        "new_case": "New case",
        "at_risk": "Deadline at risk",
        "breached": "Deadline missed",
        "reminder": "Reminder (snoozed)",
    }
    mention = payload.get("mention") or {}
    text = (mention.get("text") or "")[:300]
    return (
        f"{titles.get(payload.get('event', ''), 'Alert')} — {payload.get('brand')} "
        f"case #{payload.get('case_id')} ({payload.get('priority')})\n"
        f"Reply due {payload.get('first_reply_due_at')}\n"
        f"{mention.get('author') or 'someone'}: {text}\n{mention.get('url') or ''}"
    ).strip()


@dataclass
class WebhookChannel:
    url: str
    secret: str
    timeout: float = 10.0
    name: str = "webhook"

    def send(self, payload: dict[str, Any]) -> None:
        body = json.dumps(payload, ensure_ascii=False, sort_keys=True).encode("utf-8")
        headers = {
            "Content-Type": "application/json",
            "X-Svetofor-Signature": signature(self.secret, body),
            "X-Svetofor-Event": str(payload.get("event")),
            "X-Svetofor-Event-Id": str(payload.get("event_id")),
        }
        try:
            response = httpx.post(self.url, content=body, headers=headers, timeout=self.timeout)
        except httpx.HTTPError as exc:
            raise DeliveryError(f"webhook: {type(exc).__name__}: {exc}") from exc
        if response.status_code >= 300:
            raise DeliveryError(f"webhook answered HTTP {response.status_code}")


CASE_EVENTS = ("new_case", "at_risk", "breached", "reminder")


def case_buttons(payload: dict[str, Any], dashboard_url: str | None) -> dict[str, Any] | None:
    """Telegram's inline keyboard for a case alert: take it, snooze an hour, open it (the
    bot's webhook, `desk.telegram_bot`, handles the first two)."""
    case_id = payload.get("case_id")
    if payload.get("event") not in CASE_EVENTS or not isinstance(case_id, int):
        return None
    row: list[dict[str, str]] = [
        {"text": "Беру / Take", "callback_data": f"take:{case_id}"},
        {"text": "Через 1 ч / Snooze 1 h", "callback_data": f"snooze:{case_id}"},
    ]
    if dashboard_url:
        row.append({"text": "Открыть / Open", "url": f"{dashboard_url}/dashboard/cases/{case_id}"})
    return {"inline_keyboard": [row]}


@dataclass
class TelegramChannel:
    token: str
    chat_id: str
    api_base: str = "https://api.telegram.org"
    timeout: float = 10.0
    name: str = "telegram"
    dashboard_url: str | None = None  # for the "open" button

    def send(self, payload: dict[str, Any]) -> None:
        url = f"{self.api_base.rstrip('/')}/bot{self.token}/sendMessage"
        body: dict[str, Any] = {
            "chat_id": self.chat_id,
            "text": summary_text(payload),
            "disable_web_page_preview": True,
        }
        buttons = case_buttons(payload, self.dashboard_url)
        if buttons is not None:
            body["reply_markup"] = buttons
        try:
            response = httpx.post(url, json=body, timeout=self.timeout)
            answer = response.json()
        except (httpx.HTTPError, ValueError) as exc:
            raise DeliveryError(f"telegram: {type(exc).__name__}: {exc}") from exc
        if response.status_code != 200 or not answer.get("ok"):
            raise DeliveryError(
                f"telegram answered {response.status_code}: {answer.get('description', '')}"
            )


@dataclass
class SlackChannel:
    """Slack's Web API `chat.postMessage` with a bot token; the same text as Telegram's, the
    case link unfurled by nobody (alerts stay short)."""

    token: str
    channel: str
    api_base: str = "https://slack.com/api"
    timeout: float = 10.0
    name: str = "slack"

    def send(self, payload: dict[str, Any]) -> None:
        url = f"{self.api_base.rstrip('/')}/chat.postMessage"
        body = {
            "channel": self.channel,
            "text": summary_text(payload),
            "unfurl_links": False,
            "unfurl_media": False,
        }
        headers = {"Authorization": f"Bearer {self.token}"}
        try:
            response = httpx.post(url, json=body, headers=headers, timeout=self.timeout)
            answer = response.json() if response.status_code != 429 else {}
        except (httpx.HTTPError, ValueError) as exc:
            raise DeliveryError(f"slack: {type(exc).__name__}: {exc}") from exc
        if response.status_code == 429:  # Slack's rate limit: the outbox backs off
            wait = response.headers.get("Retry-After", "?")
            raise DeliveryError(f"slack: rate limited, retry after {wait} s")
        # Slack answers HTTP 200 with {"ok": false, "error": "channel_not_found"} on failure
        if response.status_code != 200 or not answer.get("ok"):
            raise DeliveryError(
                f"slack answered {response.status_code}: {answer.get('error', 'no error given')}"
            )


@dataclass
class EmailChannel:
    host: str
    port: int
    sender: str
    recipients: tuple[str, ...]
    username: str | None = None
    password: str | None = None
    starttls: bool = False
    timeout: float = 10.0
    name: str = "email"

    def send(self, payload: dict[str, Any]) -> None:
        message = EmailMessage()
        text = summary_text(payload)
        message["Subject"] = "[Svetofor] " + text.splitlines()[0]
        message["From"] = self.sender
        message["To"] = ", ".join(self.recipients)
        message.set_content(text + "\n\n" + json.dumps(payload, ensure_ascii=False, indent=2))
        try:
            with smtplib.SMTP(self.host, self.port, timeout=self.timeout) as smtp:
                if self.starttls:
                    smtp.starttls()
                if self.username:
                    smtp.login(self.username, self.password or "")
                smtp.send_message(message)
        except (OSError, smtplib.SMTPException) as exc:
            raise DeliveryError(f"email: {type(exc).__name__}: {exc}") from exc


# The built-in channel's name: no stored channel may take it (`models.RESERVED_CHANNELS`).
DASHBOARD = DASHBOARD_CHANNEL


@dataclass
class DashboardChannel:
    """The dashboard's alert log (`/dashboard/alerts`). The outbox row is the message: once
    it is marked sent, the log shows it; nothing leaves the service. It takes the alerts
    while no other channel is set up, so a new install (the demo) still records them."""

    name: str = DASHBOARD

    def send(self, payload: dict[str, Any]) -> None:
        return None


def describe(channel: Channel) -> str:
    """Where a channel sends, without its secrets (a token or a password is never shown)."""
    if isinstance(channel, WebhookChannel):
        parts = urlsplit(channel.url)  # no user:password, no query (tokens live there)
        port = f":{parts.port}" if parts.port else ""
        return f"POST {parts.scheme}://{parts.hostname}{port}{parts.path or '/'}" + (
            " (signed)" if channel.secret else " (unsigned: set SVETOFOR_ALERT_WEBHOOK_SECRET)"
        )
    if isinstance(channel, TelegramChannel):
        return f"chat {channel.chat_id} via {channel.api_base}"
    if isinstance(channel, SlackChannel):
        return f"channel {channel.channel} via {channel.api_base}"
    if isinstance(channel, EmailChannel):
        return f"{', '.join(channel.recipients)} via {channel.host}:{channel.port}"
    if isinstance(channel, DashboardChannel):
        return "the dashboard's alert log (/dashboard/alerts)"
    return channel.name


def test_payload(now: datetime, by: str) -> dict[str, Any]:
    """What "send a test alert" sends: plainly a test, with an id like every alert."""
    return {
        "event": "test",
        "event_id": f"test:{now.isoformat()}",
        "text": f"Svetofor test alert from {by} at {now.isoformat()}: this channel works.",
        "sent_at": now.isoformat(),
    }
