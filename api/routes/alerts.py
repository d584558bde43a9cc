"""The alert delivery log, and the alert channels an admin sets up and tests."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, status
from pydantic import BaseModel

from api.auth import AdminRole, CurrentKey, SmmRole, actor_name
from api.deps import MAX_ROW_ID, RowId, SessionDep, SettingsDep
from desk.alerts.channel_store import create_channel, delete_channel, get_channel, set_enabled
from desk.alerts.setup import configured_channels, send_test_alerts
from desk.queries import alert_log as read_alert_log
from models import (
    AlertChannelCreate,
    AlertChannelPublic,
    AlertDeliveryPublic,
    AlertKind,
    DeliveryStatus,
)

router = APIRouter(prefix="/alerts", tags=["alerts"], dependencies=[SmmRole])


class ChannelPublic(BaseModel):
    channel: str
    where: str
    ok: bool | None
    error: str | None


@router.get("/channels", response_model=list[AlertChannelPublic], dependencies=[AdminRole])
def channels(settings: SettingsDep, session: SessionDep) -> list[AlertChannelPublic]:
    """Every alert channel: the settings' own and the ones stored here, never their secrets."""
    return configured_channels(settings, session)


@router.post(
    "/channels",
    response_model=AlertChannelPublic,
    status_code=status.HTTP_201_CREATED,
    dependencies=[AdminRole],
)
def add_channel(
    body: AlertChannelCreate, settings: SettingsDep, session: SessionDep
) -> AlertChannelPublic:
    """A webhook (`url`, `secret`), a Telegram bot (`chat_id`, `secret`: the token,
    `api_base`) or email (`host`, `port`, `recipients`, `sender`, `username`, `secret`: the
    password, `starttls`). New alerts go to it at once; test it with `POST /alerts/test`."""
    row = create_channel(session, body)
    return next(c for c in configured_channels(settings, session) if c.id == row.id)


class ChannelSwitch(BaseModel):
    model_config = {"extra": "forbid"}

    enabled: bool


@router.patch("/channels/{channel_id}", response_model=AlertChannelPublic, dependencies=[AdminRole])
def switch_channel(
    channel_id: RowId, body: ChannelSwitch, settings: SettingsDep, session: SessionDep
) -> AlertChannelPublic:
    set_enabled(session, get_channel(session, channel_id), body.enabled)
    return next(c for c in configured_channels(settings, session) if c.id == channel_id)


@router.delete(
    "/channels/{channel_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    response_model=None,
    dependencies=[AdminRole],
)
def remove_channel(channel_id: RowId, session: SessionDep) -> None:
    delete_channel(session, get_channel(session, channel_id))


@router.post("/test", response_model=list[ChannelPublic], dependencies=[AdminRole])
def test_alert(
    settings: SettingsDep,
    session: SessionDep,
    key: CurrentKey,
    channel: Annotated[str | None, Query(max_length=20)] = None,
) -> list[ChannelPublic]:
    """Send a test alert now through every channel (or `channel`), outside the outbox, and
    return what each answered (`ok`, and the channel's own error when it failed)."""
    return [
        ChannelPublic.model_validate(c, from_attributes=True)
        for c in send_test_alerts(settings, session, actor_name(key), channel)
    ]


@router.get("", response_model=list[AlertDeliveryPublic])
def alert_log(
    session: SessionDep,
    status: DeliveryStatus | None = None,
    case_id: Annotated[int | None, Query(ge=1, le=MAX_ROW_ID)] = None,
    kind: AlertKind | None = None,
    before: Annotated[int | None, Query(ge=1, le=MAX_ROW_ID)] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> list[AlertDeliveryPublic]:
    """Newest first: what was sent where, what is waiting, what failed and why. The next
    page: `before` the last id of this one."""
    rows = read_alert_log(
        session, status=status, case_id=case_id, kind=kind, before=before, limit=limit
    )
    return [AlertDeliveryPublic.model_validate(d) for d in rows]
