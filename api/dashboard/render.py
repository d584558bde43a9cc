"""Rendering dashboard pages: templates, the user's language, the CSRF token, redirects."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

from fastapi import Form, Request, status
from fastapi.responses import RedirectResponse, Response
from fastapi.templating import Jinja2Templates

from api.auth import actor_name
from api.dashboard.i18n import TEXTS, language
from api.dashboard.session import csrf_token
from api.dashboard.words import reason, word
from models import ApiKey

templates = Jinja2Templates(directory=Path(__file__).with_name("templates"))
CsrfField = Annotated[str | None, Form(alias="csrf_token")]


def render(request: Request, name: str, status_code: int = 200, **context: Any) -> Response:
    lang = language(request)
    context.update(
        t=TEXTS[lang],
        lang=lang,
        csrf=csrf_token(request),
        signed_in=bool(request.session.get("key_id")),
        works_cases=request.session.get("role") in ("admin", "smm"),
        flash=request.session.pop("flash", None),
        w=lambda kind, value: word(lang, kind, value),
        why=lambda text: reason(lang, text),
    )
    return templates.TemplateResponse(request, name, context, status_code=status_code)


def back(url: str) -> RedirectResponse:
    return RedirectResponse(url, status_code=status.HTTP_303_SEE_OTHER)


def actor(key: ApiKey) -> str:
    """How the timeline names whoever acted with this key."""
    return actor_name(key)


def flash(request: Request, message: str) -> None:
    """A message the next page shows once (why an action was refused)."""
    request.session["flash"] = message
