"""The Telegram bot's webhook: presses of the alert buttons (`desk.telegram_bot`).

Telegram calls it, not a user: it carries no API key but the secret given to `setWebhook` as
`secret_token`, in `X-Telegram-Bot-Api-Secret-Token`. Register it with
`https://api.telegram.org/bot<token>/setWebhook?url=<public url>/api/v1/telegram/webhook&
secret_token=<SVETOFOR_ALERT_TELEGRAM_WEBHOOK_SECRET>`."""

from __future__ import annotations

import hmac
from typing import Annotated, Any

from fastapi import APIRouter, Body, Header, HTTPException, status

from api.deps import SessionDep, SettingsDep
from desk.telegram_bot import TelegramBot, handle_update
from models import TelegramAnswer

router = APIRouter(prefix="/telegram", tags=["alerts"])


@router.post(
    "/webhook",
    response_model=TelegramAnswer,
    responses={403: {"description": "not Telegram: the secret token is missing or wrong"}},
)
def telegram_webhook(
    session: SessionDep,
    settings: SettingsDep,
    update: Annotated[dict[str, Any], Body()],
    secret: Annotated[str | None, Header(alias="X-Telegram-Bot-Api-Secret-Token")] = None,
) -> TelegramAnswer:
    """Take or snooze a case from its alert's buttons; members of the team chat only."""
    expected = settings.alert_telegram_webhook_secret
    token, chat = settings.alert_telegram_token, settings.alert_telegram_chat_id
    if not expected or not token or not chat:
        raise HTTPException(
            status.HTTP_404_NOT_FOUND,
            "the Telegram webhook is off: set SVETOFOR_ALERT_TELEGRAM_TOKEN, _CHAT_ID and "
            "_WEBHOOK_SECRET",
        )
    if secret is None or not hmac.compare_digest(secret, expected):
        raise HTTPException(status.HTTP_403_FORBIDDEN, "wrong or missing secret token")
    bot = TelegramBot(token, chat, settings.alert_telegram_api_base)
    told = handle_update(session, update, bot)
    return TelegramAnswer(ok=True, told=told)
