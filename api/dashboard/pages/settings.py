"""Settings an admin checks in the browser: the alert channels, with a test alert each."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, Response

from api.dashboard.i18n import TEXTS, language
from api.dashboard.render import CsrfField, actor, back, flash, render
from api.dashboard.session import check_csrf, signed_in
from api.deps import SessionDep, SettingsDep
from desk.alerts.setup import configured_channels, send_test_alerts
from models import Role

router = APIRouter()


@router.get("/settings/alerts", response_class=HTMLResponse)
def alert_settings(request: Request, db: SessionDep, settings: SettingsDep) -> Response:
    signed_in(request, db, Role.admin)
    return render(request, "alert_settings.html", channels=configured_channels(settings))


@router.post("/settings/alerts/test")
def test_alert(
    request: Request,
    db: SessionDep,
    settings: SettingsDep,
    channel: Annotated[str, Form(max_length=20)] = "",
    csrf: CsrfField = None,
) -> Response:
    key = signed_in(request, db, Role.admin)
    check_csrf(request, csrf)
    words = TEXTS[language(request)]
    results = send_test_alerts(settings, actor(key), channel or None)
    failed = [r for r in results if not r.ok]
    if failed:
        flash(request, "; ".join(f"{r.channel}: {r.error}" for r in failed))
    elif results:
        flash(
            request, words["test_sent"].format(channels=", ".join(r.channel for r in results)), "ok"
        )
    return back("/dashboard/settings/alerts")
