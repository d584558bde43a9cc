"""Alert deliveries: one row per (event, channel), so an event is never alerted twice."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

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


class DeliveryStatus(StrEnum):
    pending = "pending"  # to send (again) at next_attempt_at
    sending = "sending"  # claimed by one process until claimed_until (then pending again)
    held = "held"  # quiet hours: goes out with the next digest
    sent = "sent"
    failed = "failed"  # retries exhausted
    digested = "digested"  # a held alert that went out inside a digest


class AlertDeliveryBase(SQLModel):
    event_key: str = Field(max_length=200)  # e.g. "case:12:breached:first_reply"
    channel: str = Field(max_length=32)  # webhook | telegram | email
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
