"""Settings an admin checks in the browser: the alert channels, with a test alert each."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import ValidationError

from api.dashboard.forms import FormText, field_problems
from api.dashboard.i18n import TEXTS, language
from api.dashboard.render import CsrfField, actor, back, flash, render
from api.dashboard.session import check_csrf, signed_in
from api.deps import RowId, SessionDep, SettingsDep
from core.errors import Conflict
from desk.alerts.channel_store import create_channel, delete_channel, get_channel, set_enabled
from desk.alerts.setup import configured_channels, send_test_alerts
from models import AlertChannelCreate, ChannelKind, Role

router = APIRouter()


def _page(
    request: Request,
    db: SessionDep,
    settings: SettingsDep,
    values: dict[str, str] | None = None,
    problems: list[str] | None = None,
) -> Response:
    return render(
        request,
        "alert_settings.html",
        status_code=422 if problems else 200,
        channels=configured_channels(settings, db),
        kinds=[k.value for k in ChannelKind],
        problems=problems or [],
        values=values or {},
    )


@router.get("/settings/alerts", response_class=HTMLResponse)
def alert_settings(request: Request, db: SessionDep, settings: SettingsDep) -> Response:
    signed_in(request, db, Role.admin)
    return _page(request, db, settings)


@router.post("/settings/alerts/channels", response_class=HTMLResponse)
def add_channel(
    request: Request,
    db: SessionDep,
    settings: SettingsDep,
    name: FormText = "",
    kind: FormText = "",
    url: FormText = "",
    chat_id: FormText = "",
    api_base: FormText = "",
    host: FormText = "",
    port: FormText = "25",
    recipients: FormText = "",
    secret: FormText = "",
    csrf: CsrfField = None,
) -> Response:
    """A new channel from the form; a refused one keeps what was typed (never the secret)."""
    signed_in(request, db, Role.admin)
    check_csrf(request, csrf)
    values = {
        "name": name, "kind": kind, "url": url, "chat_id": chat_id, "api_base": api_base,
        "host": host, "port": port, "recipients": recipients,
    }  # fmt: skip
    try:
        body = AlertChannelCreate.model_validate(
            {
                "name": name.strip(),
                "kind": kind,
                "url": url.strip() or None,
                "chat_id": chat_id.strip() or None,
                "api_base": api_base.strip(),
                "host": host.strip() or None,
                "port": port or "25",
                "recipients": [r.strip() for r in recipients.split(",") if r.strip()],
                "secret": secret,
            }
        )
        create_channel(db, body)
    except ValidationError as exc:
        return _page(request, db, settings, values, field_problems(exc.errors()))
    except Conflict as exc:
        return _page(request, db, settings, values, [str(exc)])
    flash(request, TEXTS[language(request)]["channel_saved"].format(name=body.name), "ok")
    return back("/dashboard/settings/alerts")


@router.post("/settings/alerts/channels/{channel_id}/switch")
def switch_channel(
    channel_id: RowId,
    request: Request,
    db: SessionDep,
    enabled: Annotated[str, Form(max_length=5)] = "",
    csrf: CsrfField = None,
) -> Response:
    signed_in(request, db, Role.admin)
    check_csrf(request, csrf)
    set_enabled(db, get_channel(db, channel_id), bool(enabled))
    return back("/dashboard/settings/alerts")


@router.post("/settings/alerts/channels/{channel_id}/delete")
def remove_channel(
    channel_id: RowId, request: Request, db: SessionDep, csrf: CsrfField = None
) -> Response:
    signed_in(request, db, Role.admin)
    check_csrf(request, csrf)
    delete_channel(db, get_channel(db, channel_id))
    return back("/dashboard/settings/alerts")


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
    results = send_test_alerts(settings, db, actor(key), channel or None)
    failed = [r for r in results if not r.ok]
    if failed:
        flash(request, "; ".join(f"{r.channel}: {r.error}" for r in failed))
    elif results:
        flash(
            request, words["test_sent"].format(channels=", ".join(r.channel for r in results)), "ok"
        )
    return back("/dashboard/settings/alerts")
