"""Channels and policy from the settings: a channel is on when its settings are given."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime

from sqlmodel import Session, col, select

from core.config import Settings
from core.timeutil import utcnow
from desk.alerts.channels import (
    DASHBOARD,
    Channel,
    DashboardChannel,
    DeliveryError,
    EmailChannel,
    SlackChannel,
    TelegramChannel,
    WebhookChannel,
    describe,
    test_payload,
)
from desk.alerts.policy import AlertPolicy, QuietHours
from models import AlertChannel, AlertChannelPublic, ChannelKind

TELEGRAM_API = "https://api.telegram.org"
SLACK_API = "https://slack.com/api"


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
            dashboard_url=settings.public_url,
        )
    if settings.alert_slack_token and settings.alert_slack_channel:
        channels["slack"] = SlackChannel(
            settings.alert_slack_token, settings.alert_slack_channel, settings.alert_slack_api_base
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


def channel_from_row(row: AlertChannel) -> Channel:
    """A stored channel as the object that sends through it (named as the row)."""
    config = row.config
    if row.kind == ChannelKind.webhook:
        return WebhookChannel(config["url"], row.secret, name=row.name)
    if row.kind == ChannelKind.telegram:
        return TelegramChannel(
            row.secret, config["chat_id"], config.get("api_base") or TELEGRAM_API, name=row.name
        )
    if row.kind == ChannelKind.slack:
        return SlackChannel(
            row.secret, config["chat_id"], config.get("api_base") or SLACK_API, name=row.name
        )
    return EmailChannel(
        config["host"],
        int(config.get("port", 25)),
        config.get("sender") or "svetofor@localhost",
        tuple(config.get("recipients", [])),
        config.get("username"),
        row.secret or None,
        bool(config.get("starttls")),
        name=row.name,
    )


def all_channels(settings: Settings, session: Session | None = None) -> dict[str, Channel]:
    """The settings' channels, and with a session the enabled channels stored in the
    database (the dashboard's alert settings): read afresh, so a new one works at once."""
    channels = channels_from_settings(settings)
    if session is not None:
        for row in session.exec(
            select(AlertChannel).where(col(AlertChannel.enabled)).order_by(col(AlertChannel.id))
        ):
            channels[row.name] = channel_from_row(row)
    return channels


def delivery_channels(settings: Settings, session: Session) -> dict[str, Channel]:
    """What the outbox sends through: every configured channel and the dashboard's log
    (always, so an alert queued for it before a channel was added still goes out)."""
    return {DASHBOARD: DashboardChannel(), **all_channels(settings, session)}


def alert_policy(settings: Settings, session: Session) -> AlertPolicy:
    """Which channels an alert goes to now (settings and stored), and the quiet hours. With
    none set up the dashboard's alert log takes them: an alert is never lost unseen."""
    channels = tuple(all_channels(settings, session)) or (DASHBOARD,)
    return replace(policy_from_settings(settings), channels=channels)


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


def configured_channels(settings: Settings, session: Session) -> list[AlertChannelPublic]:
    """Every channel, the settings' and the stored ones (disabled too), without secrets."""
    found = [
        AlertChannelPublic(
            id=None, name=name, kind=name, where=describe(channel), enabled=True, stored=False
        )
        for name, channel in sorted(channels_from_settings(settings).items())
    ]
    for row in session.exec(select(AlertChannel).order_by(col(AlertChannel.name))):
        found.append(
            AlertChannelPublic(
                id=row.id,
                name=row.name,
                kind=row.kind.value,
                where=describe(channel_from_row(row)),
                enabled=row.enabled,
                stored=True,
            )
        )
    return found


def send_test_alerts(
    settings: Settings,
    session: Session,
    by: str,
    only: str | None = None,
    now: datetime | None = None,
) -> list[ChannelCheck]:
    """Send a test alert through each enabled channel (or `only` that one) now, outside
    the outbox, and say what each answered."""
    payload = test_payload(now or utcnow(), by)
    results = []
    for name, channel in sorted(all_channels(settings, session).items()):
        if only is not None and name != only:
            continue
        try:
            channel.send(payload)
            results.append(ChannelCheck(name, describe(channel), True))
        except DeliveryError as exc:
            results.append(ChannelCheck(name, describe(channel), False, str(exc)))
    return results
