"""The alert delivery log."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from api.auth import SmmRole
from api.deps import MAX_ROW_ID, SessionDep
from desk.queries import alert_log as read_alert_log
from models import AlertDeliveryPublic, DeliveryStatus

router = APIRouter(prefix="/alerts", tags=["alerts"], dependencies=[SmmRole])


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
