"""API keys: stored as a hash, with a role, revocable."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlmodel import Field, SQLModel

from core.timeutil import utcnow
from models.types import EnumText, IdType, UTCDateTime


class Role(StrEnum):
    admin = "admin"  # brands, sources, keys — and everything else
    smm = "smm"  # cases, replies, templates, mentions
    marketer = "marketer"  # read-only mentions and analytics, /classify


class ApiKey(SQLModel, table=True):
    __tablename__ = "api_key"

    id: int | None = Field(default=None, primary_key=True, sa_type=IdType)
    name: str = Field(default="", max_length=200)
    role: Role = Field(sa_type=EnumText(Role))
    # The first characters of the key, shown in listings so people can tell keys apart.
    prefix: str = Field(max_length=16, index=True)
    key_hash: str = Field(max_length=64, unique=True)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    revoked_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    last_used_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    # The dashboard shows times in this zone for whoever signs in with the key
    # (SVETOFOR_TIMEZONE when unset).
    timezone: str | None = Field(default=None, max_length=64)


class ApiKeyPublic(SQLModel):
    id: int
    name: str
    role: Role
    prefix: str
    created_at: datetime
    revoked_at: datetime | None
    last_used_at: datetime | None
