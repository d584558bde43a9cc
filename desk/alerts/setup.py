"""Channels and policy from the settings: a channel is on when its settings are given."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from core.config import Settings
from core.timeutil import utcnow
from desk.alerts.channels import (
    Channel,
    DeliveryError,
    EmailChannel,
    TelegramChannel,
    WebhookChannel,
    describe,
    test_payload,
)
from desk.alerts.policy import AlertPolicy, QuietHours


def channels_from_settings(settings: Settings) -> dict[str, Channel]:
    channels: dict[str, Channel] = {}
    if settings.alert_webhook_url:
        channels["webhook"] = WebhookChannel(
            settings.alert_webhook_url, settings.alert_webhook_secret
        )
    if settings.alert_telegram_token and settings.alert_telegram_chat_id:
        channels["telegram"] = TelegramChannel(
            settings.alert_telegram_token,
            settings.alert_telegram_chat_id,
            settings.alert_telegram_api_base,
        )
    recipients = tuple(r.strip() for r in settings.alert_email_to.split(",") if r.strip())
    if settings.alert_smtp_host and recipients:
        channels["email"] = EmailChannel(
            settings.alert_smtp_host,
            settings.alert_smtp_port,
            settings.alert_email_from,
            recipients,
            settings.alert_smtp_username,
            settings.alert_smtp_password,
            settings.alert_smtp_starttls,
        )
    return channels


def policy_from_settings(settings: Settings) -> AlertPolicy:
    quiet = (
        QuietHours.parse(settings.alert_quiet_hours, settings.alert_timezone)
        if settings.alert_quiet_hours
        else None
    )
    return AlertPolicy(channels=tuple(channels_from_settings(settings)), quiet_hours=quiet)


@dataclass(frozen=True)
class ChannelCheck:
    channel: str
    where: str  # without secrets
    ok: bool | None  # None: not tried
    error: str | None = None


def configured_channels(settings: Settings) -> list[ChannelCheck]:
    """The channels the settings turn on, described without their secrets."""
    return [
        ChannelCheck(name, describe(channel), None)
        for name, channel in sorted(channels_from_settings(settings).items())
    ]


def send_test_alerts(
    settings: Settings, by: str, only: str | None = None, now: datetime | None = None
) -> list[ChannelCheck]:
    """Send a test alert through each configured channel (or `only` that one) now, outside
    the outbox, and say what each answered."""
    payload = test_payload(now or utcnow(), by)
    results = []
    for name, channel in sorted(channels_from_settings(settings).items()):
        if only is not None and name != only:
            continue
        try:
            channel.send(payload)
            results.append(ChannelCheck(name, describe(channel), True))
        except DeliveryError as exc:
            results.append(ChannelCheck(name, describe(channel), False, str(exc)))
    return results
