"""Rendering dashboard pages: templates, the user's language, the CSRF token, redirects."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from typing import Annotated, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from fastapi import Form, Request, status
from fastapi.responses import RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from jinja2 import pass_context
from jinja2.runtime import Context

from api.auth import actor_name
from api.dashboard.i18n import TEXTS, language
from api.dashboard.session import csrf_token
from api.dashboard.words import reason, word
from models import ApiKey

templates = Jinja2Templates(directory=Path(__file__).with_name("templates"))
# Zones offered in the header's picker; any IANA name typed in works too.
COMMON_ZONES = (
    "Europe/Kaliningrad", "Europe/Moscow", "Europe/Samara", "Asia/Yekaterinburg", "Asia/Omsk",
    "Asia/Novosibirsk", "Asia/Krasnoyarsk", "Asia/Irkutsk", "Asia/Yakutsk", "Asia/Vladivostok",
    "Asia/Magadan", "Asia/Kamchatka", "Europe/Minsk", "Europe/Kyiv", "Asia/Almaty",
    "Asia/Tashkent", "Asia/Tbilisi", "Europe/Berlin", "Europe/London", "America/New_York",
    "UTC",
)  # fmt: skip


def user_zone(request: Request) -> ZoneInfo:
    """The signed-in key's zone (kept in the session), else SVETOFOR_TIMEZONE."""
    name = request.session.get("tz") or request.app.state.settings.timezone
    try:
        return ZoneInfo(str(name))
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


@pass_context
def local(context: Context, moment: datetime | None) -> str:
    """A moment in the user's zone, with the zone shown: "2026-12-01 15:30 MSK"."""
    if moment is None:
        return ""
    shown = moment.astimezone(context["zone"])
    return shown.strftime("%Y-%m-%d %H:%M ") + (shown.tzname() or context["zone"].key)


@pass_context
def local_date(context: Context, moment: datetime | None) -> str:
    return "" if moment is None else moment.astimezone(context["zone"]).strftime("%Y-%m-%d")


MONTHS = {
    "ru": ["янв", "фев", "мар", "апр", "мая", "июн", "июл", "авг", "сен", "окт", "ноя", "дек"],
    "en": ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"],
}


@pass_context
def day_month(context: Context, day: date) -> str:
    """A chart's date in the page's language: "12 ноя", "Nov 12"."""
    month = MONTHS.get(context["lang"], MONTHS["en"])[day.month - 1]
    return f"{day.day} {month}" if context["lang"] == "ru" else f"{month} {day.day}"


templates.env.filters["local"] = local
templates.env.filters["day_month"] = day_month
templates.env.filters["local_date"] = local_date
CsrfField = Annotated[str | None, Form(alias="csrf_token")]


def render(request: Request, name: str, status_code: int = 200, **context: Any) -> Response:
    lang = language(request)
    context.update(
        t=TEXTS[lang],
        lang=lang,
        csrf=csrf_token(request),
        signed_in=bool(request.session.get("key_id")),
        works_cases=request.session.get("role") in ("admin", "smm"),
        is_admin=request.session.get("role") == "admin",
        flash=request.session.pop("flash", None),
        flash_kind=request.session.pop("flash_kind", "error"),
        w=lambda kind, value: word(lang, kind, value),
        zone=user_zone(request),
        zones=COMMON_ZONES,
        why=lambda text: reason(lang, text),
    )
    return templates.TemplateResponse(request, name, context, status_code=status_code)


def back(url: str) -> RedirectResponse:
    return RedirectResponse(url, status_code=status.HTTP_303_SEE_OTHER)


def actor(key: ApiKey) -> str:
    """How the timeline names whoever acted with this key."""
    return actor_name(key)


def flash(request: Request, message: str, kind: str = "error") -> None:
    """A message the next page shows once: why an action was refused ("error"), or what
    an action did ("ok")."""
    request.session["flash"] = message
    request.session["flash_kind"] = kind
