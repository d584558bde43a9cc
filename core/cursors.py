"""Keyset-page cursors: opaque to clients, read back strictly.

A cursor is URL-safe base64 of a small JSON object the API issued. A client may send anything
back, so reading one checks every value before it reaches SQL: an id must be a JSON integer a
64-bit column can hold (SQLite raises OverflowError past it, PostgreSQL a DataError), and a time
must carry its offset and still be a datetime once moved to UTC (0001-01-01 at +14:00 is not).
Whatever fails is the 422 "invalid cursor", never a 500.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from datetime import UTC, datetime
from typing import Any

from core.errors import Invalid

MAX_ID = 2**63 - 1  # the largest value of a 64-bit signed id column
_DIGITS = re.compile(r"[0-9]{1,19}")  # ASCII only: str.isdigit() also accepts "²" and "١"


def _invalid() -> Invalid:
    return Invalid("invalid cursor", "cursor", "query")


def encode(payload: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(payload).encode()).decode().rstrip("=")


def decode(cursor: str) -> dict[str, Any]:
    """The JSON object inside a cursor; Invalid for anything that is not one."""
    try:
        payload = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    except (binascii.Error, UnicodeDecodeError, ValueError) as exc:
        raise _invalid() from exc
    if not isinstance(payload, dict):
        raise _invalid()
    return payload


def read_id(value: object) -> int:
    """A row id from a cursor: a JSON integer (not a bool, float or string) in 0..MAX_ID."""
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_ID:
        raise _invalid()
    return value


def read_time(value: object) -> datetime:
    """An aware ISO time from a cursor that stays in range once converted to UTC."""
    if not isinstance(value, str):
        raise _invalid()
    try:
        moment = datetime.fromisoformat(value)
        if moment.tzinfo is None:
            raise ValueError("naive time")
        return moment.astimezone(UTC)
    except (ValueError, OverflowError) as exc:
        raise _invalid() from exc


def read_plain_id(cursor: str) -> int:
    """A cursor that is a bare id in decimal (the corrections' pages)."""
    if not _DIGITS.fullmatch(cursor) or int(cursor) > MAX_ID:
        raise _invalid()
    return int(cursor)
