"""Dashboard sign-in: an API key exchanged for a signed, HttpOnly session cookie, and CSRF."""

from __future__ import annotations

import secrets

from fastapi import HTTPException, status
from sqlmodel import Session
from starlette.requests import Request

from models import ApiKey, Role


class SignInRequired(Exception):
    """Raised by pages when nobody (or a revoked key) is signed in: sends them to sign in."""


def csrf_token(request: Request) -> str:
    """The session's CSRF token, put into every form as a hidden field."""
    token = request.session.get("csrf")
    if not token:
        token = request.session["csrf"] = secrets.token_urlsafe(24)
    return str(token)


def check_csrf(request: Request, submitted: str | None) -> None:
    expected = request.session.get("csrf")
    if not expected or not submitted or not secrets.compare_digest(expected, submitted):
        raise HTTPException(status.HTTP_403_FORBIDDEN, "invalid CSRF token: reload the page")


def sign_in(request: Request, key: ApiKey) -> None:
    request.session.clear()
    request.session["key_id"] = key.id
    request.session["role"] = key.role.value  # which menu entries to show; access is checked
    if key.timezone:
        request.session["tz"] = key.timezone
    csrf_token(request)


def signed_in(request: Request, db: Session, *roles: Role) -> ApiKey:
    """The signed-in key (checked afresh: a revoked key signs the browser out)."""
    key_id = request.session.get("key_id")
    key = db.get(ApiKey, key_id) if key_id else None
    if key is None or key.revoked_at is not None:
        request.session.pop("key_id", None)
        raise SignInRequired()
    if roles and key.role not in (Role.admin, *roles):
        raise HTTPException(status.HTTP_403_FORBIDDEN, "forbidden")
    return key
