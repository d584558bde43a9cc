"""The alert buttons in Telegram: "take it" assigns the case to whoever pressed, "snooze 1 h"
sends the alert again in an hour, "open" is a plain link. Telegram delivers each press to the
bot's webhook as a `callback_query` (core.telegram.org/bots/api#callbackquery); only members
of the team's chat (checked with `getChatMember`) get anything done, and every press is
answered (`answerCallbackQuery`) so the button stops spinning."""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import httpx
from sqlalchemy.engine import Engine
from sqlmodel import Session

from core.config import Settings
from core.timeutil import utcnow
from desk.case_alerts import case_payload
from desk.cases import assign
from desk.timeline import add_event
from models import AlertDelivery, AlertKind, Case, CaseState, DeliveryStatus

logger = logging.getLogger(__name__)
MEMBERS = {"creator", "administrator", "member", "restricted"}
SNOOZE = timedelta(hours=1)
_CASE_ID = re.compile(r"[0-9]{1,18}")


@dataclass
class TelegramBot:
    token: str
    chat_id: str
    api_base: str = "https://api.telegram.org"
    timeout: float = 10.0

    def call(self, method: str, **params: Any) -> dict[str, Any]:
        url = f"{self.api_base.rstrip('/')}/bot{self.token}/{method}"
        answer = httpx.post(url, json=params, timeout=self.timeout).json()
        if not isinstance(answer, dict):
            raise ValueError(f"telegram answered {type(answer).__name__}, not an object")
        return answer

    def is_member(self, user_id: int) -> bool:
        try:
            answer = self.call("getChatMember", chat_id=self.chat_id, user_id=user_id)
        except (httpx.HTTPError, ValueError):
            logger.warning("telegram: getChatMember failed", exc_info=True)
            return False
        status = (answer.get("result") or {}).get("status")
        return bool(answer.get("ok")) and status in MEMBERS

    def answer(self, callback_id: str, text: str) -> None:
        try:
            self.call("answerCallbackQuery", callback_query_id=callback_id, text=text)
        except (httpx.HTTPError, ValueError):
            logger.warning("telegram: answerCallbackQuery failed", exc_info=True)


def person(user: dict[str, Any]) -> str:
    """How a Telegram user is named on the case: @username, else their name."""
    if user.get("username"):
        return f"telegram:@{user['username']}"
    name = " ".join(p for p in (user.get("first_name"), user.get("last_name")) if p)
    return f"telegram:{name or user.get('id')}"


def snooze(session: Session, case: Case, channel: str, who: str, now: datetime) -> AlertDelivery:
    """The case's alert once more on this channel in an hour (one reminder per press)."""
    payload = case_payload(session, case, AlertKind.reminder)
    key = f"case:{case.id}:reminder:{now.strftime('%Y%m%dT%H%M%S')}"
    payload["event_id"] = key
    delivery = AlertDelivery(
        event_key=key,
        channel=channel,
        kind=AlertKind.reminder,
        case_id=case.id,
        priority=case.priority.value,
        payload=payload,
        created_at=now,
        next_attempt_at=now + SNOOZE,
        status=DeliveryStatus.pending,
    )
    session.add(delivery)
    add_event(session, case, "snoozed", now, who, until=(now + SNOOZE).isoformat())
    return delivery


def handle_update(
    session: Session,
    update: dict[str, Any],
    bot: TelegramBot,
    *,
    channel: str = "telegram",
    now: datetime | None = None,
) -> str | None:
    """Act on one update; return what the person was told (None: not a button press)."""
    query = update.get("callback_query")
    if not isinstance(query, dict) or not isinstance(query.get("id"), str):
        return None
    sender = query.get("from")
    user: dict[str, Any] = sender if isinstance(sender, dict) else {}
    action, _, case_ref = str(query.get("data") or "").partition(":")
    if not isinstance(user.get("id"), int) or not bot.is_member(user["id"]):
        told = "Only members of the team chat can act on these alerts."
        bot.answer(query["id"], told)
        return told
    # a button's data is ours, but an update can be forged: ASCII digits that fit an id only
    case = session.get(Case, int(case_ref)) if _CASE_ID.fullmatch(case_ref) else None
    if case is None or action not in ("take", "snooze"):
        told = "This alert's case is not known here."
    elif case.state in (CaseState.closed, CaseState.dismissed):
        told = f"Case #{case.id} is {case.state.value} already."
    else:
        now = now or utcnow()
        who = person(user)
        if action == "take":
            assign(session, case, who, who, now)
            told = f"Case #{case.id} is yours, {who.removeprefix('telegram:')}."
        else:
            snooze(session, case, channel, who, now)
            told = f"Case #{case.id}: reminding you in an hour."
    bot.answer(query["id"], told)
    return told


class TelegramPoller:
    """Long polling instead of the webhook (for an install Telegram cannot reach): each tick
    asks `getUpdates` for button presses after the last one handled and acts on them. The
    offset confirms what was handled; after a restart Telegram sends the unconfirmed again."""

    def __init__(self, bot: TelegramBot, engine: Engine, offset: int | None = None) -> None:
        self.bot = bot
        self.engine = engine
        self.offset = offset

    def tick(self) -> int:
        from core.db import session_scope

        params: dict[str, Any] = {"timeout": 0, "allowed_updates": ["callback_query"]}
        if self.offset is not None:
            params["offset"] = self.offset
        try:
            answer = self.bot.call("getUpdates", **params)
        except (httpx.HTTPError, ValueError):
            logger.warning("telegram: getUpdates failed", exc_info=True)
            return 0
        result = answer.get("result") if answer.get("ok") else None
        updates = [u for u in result if isinstance(u, dict)] if isinstance(result, list) else []
        for update in updates:
            try:
                with session_scope(self.engine) as session:
                    handle_update(session, update, self.bot)
            except Exception:  # one bad update must not stop the others
                logger.exception("telegram update %s failed", update.get("update_id"))
            if isinstance(update.get("update_id"), int):  # confirmed: not sent again
                self.offset = update["update_id"] + 1
        return len(updates)


def telegram_poller(
    engine: Engine, settings: Settings, offset: int | None = None
) -> TelegramPoller | None:
    """The alert buttons' presses by long polling, when the settings ask for it."""
    token, chat = settings.alert_telegram_token, settings.alert_telegram_chat_id
    if not (settings.alert_telegram_polling and token and chat):
        return None
    bot = TelegramBot(token, chat, settings.alert_telegram_api_base)
    return TelegramPoller(bot, engine, offset)
