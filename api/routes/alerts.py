"""The alert delivery log."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query
from pydantic import BaseModel
from sqlmodel import col, select

from api.auth import SmmRole
from api.deps import SessionDep
from models import AlertDelivery, AlertKind, DeliveryStatus

router = APIRouter(prefix="/alerts", tags=["alerts"], dependencies=[SmmRole])


class AlertDeliveryPublic(BaseModel):
    id: int
    event_key: str
    channel: str
    kind: AlertKind
    case_id: int | None
    priority: str
    status: DeliveryStatus
    attempts: int
    last_error: str | None
    created_at: datetime
    next_attempt_at: datetime
    sent_at: datetime | None
    payload: dict[str, Any]

    model_config = {"from_attributes": True}


@router.get("", response_model=list[AlertDeliveryPublic])
def alert_log(
    session: SessionDep,
    status: DeliveryStatus | None = None,
    case_id: int | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> list[AlertDeliveryPublic]:
    """Newest first: what was sent where, what is waiting, what failed and why."""
    query = select(AlertDelivery).order_by(col(AlertDelivery.id).desc()).limit(limit)
    if status is not None:
        query = query.where(AlertDelivery.status == status)
    if case_id is not None:
        query = query.where(AlertDelivery.case_id == case_id)
    return [AlertDeliveryPublic.model_validate(d) for d in session.exec(query)]
