"""The alert log: every alert the desk queued, where it went and whether it arrived, newest
first. With no channel set up it is where alerts land (the built-in dashboard channel)."""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response

from api.dashboard.render import render
from api.dashboard.session import signed_in
from api.deps import MAX_ROW_ID, SessionDep, SettingsDep
from desk.alerts.setup import all_channels
from desk.queries import alert_log
from models import AlertDelivery, AlertKind, DeliveryStatus, Role

router = APIRouter()
PAGE = 50


def _what(delivery: AlertDelivery) -> str:
    """The alert's own words: the mention that opened the case, or the summary it carried."""
    payload: dict[str, Any] = delivery.payload or {}
    mention = payload.get("mention") or {}
    if mention.get("text"):
        author = mention.get("author")
        return (f"{author}: " if author else "") + str(mention["text"])
    if payload.get("text"):
        return str(payload["text"])
    if payload.get("items"):  # a bundle of a storm's alerts
        return f"{len(payload['items'])} × {payload.get('kind', '')}"
    return ""


@router.get("/alerts", response_class=HTMLResponse)
def alerts(
    request: Request,
    db: SessionDep,
    settings: SettingsDep,
    kind: str = "",
    status: str = "",
    before: Annotated[int | None, Query(ge=1, le=MAX_ROW_ID)] = None,
) -> Response:
    signed_in(request, db, Role.smm)
    kinds, statuses = [k.value for k in AlertKind], [s.value for s in DeliveryStatus]
    rows = alert_log(
        db,
        kind=AlertKind(kind) if kind in kinds else None,
        status=DeliveryStatus(status) if status in statuses else None,
        before=before,
        limit=PAGE + 1,
    )
    more, rows = len(rows) > PAGE, rows[:PAGE]
    shown = {"kind": kind, "status": status}
    next_url = None
    if more and rows[-1].id is not None:
        kept = {k: v for k, v in shown.items() if v}
        next_url = "/dashboard/alerts?" + urlencode({**kept, "before": rows[-1].id})
    return render(
        request,
        "alerts.html",
        rows=[(delivery, delivery.payload.get("brand"), _what(delivery)) for delivery in rows],
        kinds=kinds,
        statuses=statuses,
        shown=shown,
        next_url=next_url,
        channels=sorted(all_channels(settings, db)),
    )
