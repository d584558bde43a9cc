"""Authentication by API key (Bearer) and authorisation by role."""

from __future__ import annotations

import math
from collections.abc import Callable
from datetime import timedelta
from typing import Annotated

from fastapi import Depends, HTTPException, Request, status
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from api.deps import SessionDep
from core.timeutil import utcnow
from models import ApiKey, Role
from services.keys import authenticate

bearer = HTTPBearer(auto_error=False, description="An API key from `svetofor keys create`")
TOUCH_EVERY = timedelta(minutes=1)  # last_used_at is written at most this often


def current_key(
    request: Request,
    session: SessionDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
) -> ApiKey:
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED,
            "an API key is required",
            headers={"WWW-Authenticate": "Bearer"},
        )
    key = authenticate(session, credentials.credentials)
    if key is None:
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED,
            "invalid or revoked API key",
            headers={"WWW-Authenticate": "Bearer"},
        )
    wait = request.app.state.rate_limiter.hit(key.id)
    if wait is not None:
        raise HTTPException(
            status.HTTP_429_TOO_MANY_REQUESTS,
            "rate limit exceeded",
            headers={"Retry-After": str(max(1, math.ceil(wait)))},
        )
    now = utcnow()
    if key.last_used_at is None or now - key.last_used_at > TOUCH_EVERY:
        key.last_used_at = now
        session.add(key)
    return key


def require(*roles: Role) -> Callable[[ApiKey], ApiKey]:
    """A dependency admitting these roles (admin is always admitted)."""
    allowed = {Role.admin, *roles}

    def check(key: Annotated[ApiKey, Depends(current_key)]) -> ApiKey:
        if key.role not in allowed:
            names = ", ".join(sorted(r.value for r in allowed))
            raise HTTPException(
                status.HTTP_403_FORBIDDEN,
                f"the {key.role.value} role cannot do this (needs {names})",
            )
        return key

    return check


AnyRole = Depends(require(Role.smm, Role.marketer))
SmmRole = Depends(require(Role.smm))
AdminRole = Depends(require())


CurrentKey = Annotated[ApiKey, Depends(current_key)]


def actor_name(key: ApiKey) -> str:
    """How a case's timeline names whoever acted with this key."""
    return key.name or key.prefix
