"""Brand: whose mentions we collect and how fast they must be answered."""

from __future__ import annotations

from datetime import datetime

from pydantic import field_validator
from sqlmodel import Field, SQLModel

from core.timeutil import utcnow
from models.types import JSONType, UTCDateTime


def clean_terms(values: list[str]) -> list[str]:
    """Strip, drop empties and de-duplicate (case-insensitively) keeping order."""
    seen: set[str] = set()
    out: list[str] = []
    for value in values:
        term = " ".join(value.split())
        if term and term.casefold() not in seen:
            seen.add(term.casefold())
            out.append(term)
    return out


class BrandBase(SQLModel):
    name: str = Field(min_length=1, max_length=200)
    keywords: list[str] = Field(default_factory=list, sa_type=JSONType)
    exclude: list[str] = Field(default_factory=list, sa_type=JSONType)
    response_hours: int = Field(default=24, ge=1, le=24 * 90)


class Brand(BrandBase, table=True):
    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=200, unique=True, index=True)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class BrandCreate(BrandBase):
    model_config = {"extra": "forbid"}  # type: ignore[assignment]

    @field_validator("name")
    @classmethod
    def _strip_name(cls, value: str) -> str:
        value = value.strip()
        if not value:
            raise ValueError("name must not be blank")
        return value

    @field_validator("keywords", "exclude")
    @classmethod
    def _clean(cls, value: list[str]) -> list[str]:
        return clean_terms(value)


class BrandUpdate(SQLModel):
    model_config = {"extra": "forbid"}  # type: ignore[assignment]

    name: str | None = Field(default=None, min_length=1, max_length=200)
    keywords: list[str] | None = None
    exclude: list[str] | None = None
    response_hours: int | None = Field(default=None, ge=1, le=24 * 90)

    @field_validator("keywords", "exclude")
    @classmethod
    def _clean(cls, value: list[str] | None) -> list[str] | None:
        return None if value is None else clean_terms(value)


class BrandPublic(BrandBase):
    id: int
    created_at: datetime
    updated_at: datetime
