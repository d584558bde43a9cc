"""Signing in with an API key, and out."""

from __future__ import annotations

from typing import Annotated
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, Response

from api.dashboard.i18n import TEXTS, language
from api.dashboard.render import CsrfField, back, flash, render
from api.dashboard.session import check_csrf, sign_in, signed_in
from api.deps import SessionDep
from models import Role
from services.keys import authenticate

router = APIRouter()


@router.get("/login", response_class=HTMLResponse)
def login_form(request: Request) -> Response:
    return render(request, "login.html", error=None)


@router.post("/login", response_class=HTMLResponse)
def login(
    request: Request, db: SessionDep, key: Annotated[str, Form()], csrf: CsrfField = None
) -> Response:
    check_csrf(request, csrf)
    found = authenticate(db, key.strip())
    if found is None:
        return render(
            request, "login.html", status_code=401, error=TEXTS[language(request)]["bad_key"]
        )
    sign_in(request, found)
    return back("/dashboard/" if found.role != Role.marketer else "/dashboard/brands")


@router.post("/logout")
def logout(request: Request, csrf: CsrfField = None) -> Response:
    check_csrf(request, csrf)
    request.session.clear()
    return back("/dashboard/login")


@router.post("/timezone")
def set_timezone(
    request: Request,
    db: SessionDep,
    timezone: Annotated[str, Form(max_length=64)],
    back_to: Annotated[str, Form(alias="next", max_length=500)] = "/dashboard/",
    csrf: CsrfField = None,
) -> Response:
    """The signed-in key's time zone for every time the dashboard shows."""
    key = signed_in(request, db)
    check_csrf(request, csrf)
    name = timezone.strip()
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        flash(request, f"unknown time zone {name!r}: use a name like Europe/Moscow")
    else:
        key.timezone = name
        db.add(key)
        request.session["tz"] = name
    # back to the page the form was on; only ever a dashboard path
    return back(back_to if back_to.startswith("/dashboard/") else "/dashboard/")
