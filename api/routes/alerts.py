"""The alert delivery log."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import BaseModel

from api.auth import AdminRole, CurrentKey, SmmRole, actor_name
from api.deps import MAX_ROW_ID, SessionDep, SettingsDep
from desk.alerts.setup import configured_channels, send_test_alerts
from desk.queries import alert_log as read_alert_log
from models import AlertDeliveryPublic, DeliveryStatus

router = APIRouter(prefix="/alerts", tags=["alerts"], dependencies=[SmmRole])


class ChannelPublic(BaseModel):
    channel: str
    where: str
    ok: bool | None
    error: str | None


@router.get("/channels", response_model=list[ChannelPublic], dependencies=[AdminRole])
def channels(settings: SettingsDep) -> list[ChannelPublic]:
    """The alert channels the settings turn on, without their secrets."""
    return [
        ChannelPublic.model_validate(c, from_attributes=True) for c in configured_channels(settings)
    ]


@router.post("/test", response_model=list[ChannelPublic], dependencies=[AdminRole])
def test_alert(
    settings: SettingsDep,
    key: CurrentKey,
    channel: Annotated[str | None, Query(max_length=20)] = None,
) -> list[ChannelPublic]:
    """Send a test alert now through every channel (or `channel`), outside the outbox, and
    return what each answered (`ok`, and the channel's own error when it failed)."""
    return [
        ChannelPublic.model_validate(c, from_attributes=True)
        for c in send_test_alerts(settings, actor_name(key), channel)
    ]


@router.get("", response_model=list[AlertDeliveryPublic])
def alert_log(
    session: SessionDep,
    status: DeliveryStatus | None = None,
    case_id: Annotated[int | None, Query(ge=1, le=MAX_ROW_ID)] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> list[AlertDeliveryPublic]:
    """Newest first: what was sent where, what is waiting, what failed and why."""
    rows = read_alert_log(session, status=status, case_id=case_id, limit=limit)
    return [AlertDeliveryPublic.model_validate(d) for d in rows]
