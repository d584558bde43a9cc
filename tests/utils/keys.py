"""API keys for tests."""

from __future__ import annotations

from sqlalchemy.engine import Engine

from core.db import session_scope
from models import Role
from services.keys import create_key


def make_key(engine: Engine, role: Role) -> str:
    with session_scope(engine) as session:
        return create_key(session, role, f"test {role.value}")[1]
