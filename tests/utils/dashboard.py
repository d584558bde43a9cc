"""Signing in to the dashboard as a browser does: the form, its CSRF token, the cookie."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine

from models import Role
from tests.utils.keys import make_key


def signed_in(client: TestClient, engine: Engine) -> TestClient:
    client.headers.pop("Authorization", None)
    form = client.get("/dashboard/login").text
    token = re.search(r'name="csrf_token" value="([^"]+)"', form)
    assert token is not None
    answer = client.post(
        "/dashboard/login",
        data={"key": make_key(engine, Role.smm), "csrf_token": token.group(1)},
        follow_redirects=False,
    )
    assert answer.status_code == 303
    return client
