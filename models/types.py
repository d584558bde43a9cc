"""Column types shared by the tables: aware-UTC datetimes and portable JSON."""

from __future__ import annotations

from datetime import UTC, datetime
from enum import StrEnum
from typing import Annotated, Any

from pydantic import AfterValidator, ValidationInfo
from sqlalchemy import JSON, BigInteger, DateTime, Integer, String
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator
from sqlmodel import SQLModel

from core.timeutil import given_time

# Deterministic constraint names, so migrations can alter them on SQLite and PostgreSQL alike.
SQLModel.metadata.naming_convention = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

# Ids are 64-bit: BIGINT on PostgreSQL; SQLite's INTEGER is 64-bit already, and only an
# "INTEGER PRIMARY KEY" is its auto-numbered rowid.
IdType = BigInteger().with_variant(Integer(), "sqlite")

# A time in a request body: its offset required, stored as UTC, 1970–2200 (a 422 otherwise).
GivenTime = Annotated[datetime, AfterValidator(given_time)]

# JSONB on PostgreSQL (indexable, compact), plain JSON text elsewhere.
JSONType = JSON().with_variant(JSONB(), "postgresql")


class UTCDateTime(TypeDecorator[datetime]):
    """Stores aware datetimes as UTC and always returns them aware.

    SQLite has no time zone type: without this, values would come back naive and
    comparisons with aware datetimes would fail or, worse, silently shift.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        moment: datetime = value
        return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


class EnumText(TypeDecorator[Any]):
    """A StrEnum stored as plain text (no native enum type to ALTER later), read back as
    the enum, so `status is Status.done` holds for loaded rows too."""

    impl = String(16)
    cache_ok = True

    def __init__(self, enum: type[StrEnum], length: int = 16) -> None:
        super().__init__(length)
        self.enum = enum

    def process_bind_param(self, value: Any, dialect: Dialect) -> str | None:
        return None if value is None else self.enum(value).value

    def process_result_value(self, value: Any, dialect: Dialect) -> StrEnum | None:
        return None if value is None else self.enum(value)


def refuse_null(value: Any, info: ValidationInfo) -> Any:
    """For PATCH bodies: leaving a field out keeps it, but `null` cannot clear a column that
    must have a value (a 422 naming the field, not a database error)."""
    if value is None:
        raise ValueError(f"{info.field_name} cannot be null: leave it out to keep it")
    return value
