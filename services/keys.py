"""API keys: created once and shown once, stored only as a SHA-256 hash."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime

from sqlmodel import Session, col, func, select

from core.errors import Conflict, NotFound
from core.timeutil import utcnow
from models import ApiKey, Role

PREFIX = "svf_"


def hash_key(token: str) -> str:
    # A plain hash suffices: keys are 256 random bits, not guessable passwords.
    return hashlib.sha256(token.encode()).hexdigest()


def create_key(session: Session, role: Role, name: str = "") -> tuple[ApiKey, str]:
    """A new key and its plaintext, which is never stored."""
    token = PREFIX + secrets.token_urlsafe(32)
    key = ApiKey(name=name, role=role, prefix=token[:10], key_hash=hash_key(token))
    session.add(key)
    session.flush()
    return key, token


def authenticate(session: Session, token: str) -> ApiKey | None:
    """The live key behind a token, or None (unknown or revoked)."""
    key = session.exec(select(ApiKey).where(ApiKey.key_hash == hash_key(token))).first()
    if key is None or key.revoked_at is not None:
        return None
    return key


def revoke(session: Session, key_id: int, now: datetime | None = None) -> ApiKey:
    key = session.get(ApiKey, key_id)
    if key is None:
        raise NotFound(f"key {key_id} not found")
    if key.revoked_at is None:
        if key.role == Role.admin and _live_admins(session) <= 1:
            raise Conflict("this is the last admin key: create another admin key first")
        key.revoked_at = now or utcnow()
        session.add(key)
    return key


def _live_admins(session: Session) -> int:
    query = select(func.count()).where(ApiKey.role == Role.admin, col(ApiKey.revoked_at).is_(None))
    return int(session.exec(query).one())


def list_keys(session: Session) -> list[ApiKey]:
    return list(session.exec(select(ApiKey).order_by(col(ApiKey.id))))


def teammates(session: Session) -> list[str]:
    """Names of the live keys that work the queue (smm and admin): whom a case can go to."""
    rows = session.exec(
        select(ApiKey.name, ApiKey.prefix)
        .where(col(ApiKey.revoked_at).is_(None), col(ApiKey.role).in_([Role.smm, Role.admin]))
        .order_by(col(ApiKey.name))
    ).all()
    return sorted({name or prefix for name, prefix in rows})
