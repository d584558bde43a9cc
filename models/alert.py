"""Alert deliveries: one row per (event, channel), so an event is never alerted twice."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from pydantic import field_validator, model_validator
from sqlalchemy import Index, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from core.timeutil import utcnow
from models.types import EnumText, IdType, JSONType, UTCDateTime


class AlertKind(StrEnum):
    new_case = "new_case"
    at_risk = "at_risk"
    breached = "breached"
    digest = "digest"
    source_health = "source_health"  # a source started or stopped failing
    history_import = "history_import"  # a site's archive stored: one summary, no cases
    reminder = "reminder"  # a case alert snoozed from Telegram, sent again an hour later


class DeliveryStatus(StrEnum):
    pending = "pending"  # to send (again) at next_attempt_at
    sending = "sending"  # claimed by one process until claimed_until (then pending again)
    held = "held"  # quiet hours: goes out with the next digest
    sent = "sent"
    failed = "failed"  # retries exhausted
    digested = "digested"  # a held alert that went out inside a digest


class AlertDeliveryBase(SQLModel):
    event_key: str = Field(max_length=200)  # e.g. "case:12:breached:first_reply"
    channel: str = Field(max_length=32)  # webhook | telegram | email | slack | a stored name
    kind: AlertKind = Field(sa_type=EnumText(AlertKind))
    case_id: int | None = Field(default=None, foreign_key="case.id", index=True, sa_type=IdType)
    priority: str = Field(default="normal", max_length=16)
    status: DeliveryStatus = Field(default=DeliveryStatus.pending, sa_type=EnumText(DeliveryStatus))
    attempts: int = 0
    last_error: str | None = Field(default=None, sa_type=Text)
    payload: dict[str, Any] = Field(default_factory=dict, sa_type=JSONType)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    next_attempt_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    sent_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    # A process that claims the row to send it owns it until then; a crash lets it go.
    claimed_until: datetime | None = Field(default=None, sa_type=UTCDateTime)
    # Every attempt, oldest first: {"at", "by" (host:pid), "error" (None when it went out)}.
    attempt_log: list[dict[str, Any]] = Field(default_factory=list, sa_type=JSONType)


class AlertDelivery(AlertDeliveryBase, table=True):
    __tablename__ = "alert_delivery"
    __table_args__ = (
        UniqueConstraint("event_key", "channel", name="uq_alert_delivery_event_channel"),
        Index("ix_alert_delivery_due", "status", "next_attempt_at"),
    )

    id: int | None = Field(default=None, primary_key=True, sa_type=IdType)


class AlertDeliveryPublic(AlertDeliveryBase):
    """One line of the delivery log: what was sent where, what waits, what failed and why."""

    id: int


class ChannelKind(StrEnum):
    webhook = "webhook"
    telegram = "telegram"
    slack = "slack"
    email = "email"


# The names the environment's channels go by (SVETOFOR_ALERT_…) and the built-in dashboard
# log; stored channels take others.
SETTINGS_CHANNELS = ("webhook", "telegram", "email", "slack")
DASHBOARD_CHANNEL = "dashboard"  # the dashboard's alert log (`desk.alerts.DashboardChannel`)
RESERVED_CHANNELS = (*SETTINGS_CHANNELS, DASHBOARD_CHANNEL)


class AlertChannel(SQLModel, table=True):
    """An alert channel an admin set up in the dashboard or API, beside the ones the settings
    turn on. `secret` (the webhook's signing secret, the bot token, the SMTP password) is
    never returned by the API or shown by the dashboard."""

    __tablename__ = "alert_channel"

    id: int | None = Field(default=None, primary_key=True, sa_type=IdType)
    name: str = Field(max_length=40, unique=True)
    kind: ChannelKind = Field(sa_type=EnumText(ChannelKind))
    # webhook: url · telegram: chat_id, api_base · slack: chat_id (the channel), api_base ·
    # email: host, port, sender, recipients, username, starttls
    config: dict[str, Any] = Field(default_factory=dict, sa_type=JSONType)
    secret: str = Field(default="", sa_type=Text)
    enabled: bool = True
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class AlertChannelCreate(SQLModel):
    model_config = {"extra": "forbid"}

    name: str = Field(min_length=2, max_length=40, regex=r"^[a-z0-9][a-z0-9_-]+$")
    kind: ChannelKind
    url: str | None = Field(default=None, max_length=2000)  # webhook
    chat_id: str | None = Field(default=None, max_length=100)  # telegram chat, slack channel
    api_base: str = Field(default="", max_length=2000)  # default: the platform's own
    host: str | None = Field(default=None, max_length=255)  # email
    port: int = Field(default=25, ge=1, le=65535)
    sender: str = Field(default="svetofor@localhost", max_length=255)
    recipients: list[str] = Field(default_factory=list)
    username: str | None = Field(default=None, max_length=255)
    starttls: bool = False
    secret: str = Field(default="", max_length=500)

    @field_validator("name")
    @classmethod
    def _not_reserved(cls, value: str) -> str:
        if value in RESERVED_CHANNELS:
            raise ValueError(f"{value!r} is a built-in channel's name: choose another name")
        return value

    @model_validator(mode="after")
    def _complete(self) -> AlertChannelCreate:
        needed = {
            ChannelKind.webhook: ("url", "secret"),
            ChannelKind.telegram: ("chat_id", "secret"),
            ChannelKind.slack: ("chat_id", "secret"),
            ChannelKind.email: ("host", "recipients"),
        }[self.kind]
        missing = [name for name in needed if not getattr(self, name)]
        if missing:
            words = {
                "secret": "secret (the signing secret or the bot token)",
                "chat_id": "chat_id (the Telegram chat or the Slack channel)",
            }
            raise ValueError(
                f"a {self.kind.value} channel needs " + ", ".join(words.get(m, m) for m in missing)
            )
        if self.url is not None and not self.url.startswith(("http://", "https://")):
            raise ValueError("url must start with http:// or https://")
        return self


class AlertChannelPublic(SQLModel):
    id: int | None  # None for a channel the settings turn on
    name: str
    kind: str
    where: str  # where it sends, without secrets
    enabled: bool
    stored: bool  # set up in the dashboard or API (may be deleted there)


class TelegramAnswer(SQLModel):
    """What the bot's webhook did with an update (`told`: the answer the person saw)."""

    ok: bool
    told: str | None = None
