"""Signing in with an API key, and out."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, Response

from api.dashboard.i18n import TEXTS, language
from api.dashboard.render import CsrfField, back, render
from api.dashboard.session import check_csrf, sign_in
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
