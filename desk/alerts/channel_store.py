"""Alert channels stored in the database: set up, switched on and off, and removed by an
admin; their secrets are kept for sending and never read back out."""

from __future__ import annotations

from typing import Any

from sqlmodel import Session, select

from core.errors import Conflict, NotFound
from models import AlertChannel, AlertChannelCreate, ChannelKind


def create_channel(session: Session, data: AlertChannelCreate) -> AlertChannel:
    if session.exec(select(AlertChannel.id).where(AlertChannel.name == data.name)).first():
        raise Conflict(f"alert channel {data.name!r} already exists")
    config: dict[str, Any]
    if data.kind == ChannelKind.webhook:
        config = {"url": data.url}
    elif data.kind in (ChannelKind.telegram, ChannelKind.slack):
        config = {"chat_id": data.chat_id, "api_base": data.api_base or None}
    else:
        config = {
            "host": data.host,
            "port": data.port,
            "sender": data.sender,
            "recipients": [r.strip() for r in data.recipients if r.strip()],
            "username": data.username,
            "starttls": data.starttls,
        }
    row = AlertChannel(name=data.name, kind=data.kind, config=config, secret=data.secret)
    session.add(row)
    session.flush()
    return row


def get_channel(session: Session, channel_id: int) -> AlertChannel:
    row = session.get(AlertChannel, channel_id)
    if row is None:
        raise NotFound(f"alert channel {channel_id} not found")
    return row


def set_enabled(session: Session, row: AlertChannel, enabled: bool) -> AlertChannel:
    row.enabled = enabled
    session.add(row)
    session.flush()
    return row


def delete_channel(session: Session, row: AlertChannel) -> None:
    """Alerts already queued for it are attempted and fail with "not configured", visibly
    in the alert log; new alerts no longer go to it."""
    session.delete(row)
    session.flush()
