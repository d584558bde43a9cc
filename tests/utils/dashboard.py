"""Signing in to the dashboard as a browser does: the form, its CSRF token, the cookie."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine

from models import Role
from tests.utils.keys import make_key


def csrf_of(page: str) -> str:
    """The CSRF token a rendered dashboard page carries in its forms."""
    token = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert token is not None
    return token.group(1)


def visible_text(html: str) -> str:
    """What a person reads on the page: no tags, scripts or styles."""
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S)
    return re.sub(r"<[^>]+>", " ", html)


def signed_in(client: TestClient, engine: Engine) -> TestClient:
    client.headers.pop("Authorization", None)
    answer = client.post(
        "/dashboard/login",
        data={
            "key": make_key(engine, Role.smm),
            "csrf_token": csrf_of(client.get("/dashboard/login").text),
        },
        follow_redirects=False,
    )
    assert answer.status_code == 303
    return client
