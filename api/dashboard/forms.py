"""What the dashboard's forms share: a text field, a refused form's problems in words, and
the only places a form may send the browser back to."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Annotated, Any

from fastapi import Form

FormText = Annotated[str, Form(max_length=2000)]


def field_problems(errors: Iterable[Mapping[str, Any]], skip: int = 0) -> list[str]:
    """Pydantic's validation errors as lines a person reads: `field: what is wrong`.
    `skip`: leading parts of each location to drop ("body" for FastAPI's own)."""
    lines = []
    for error in errors:
        field = ".".join(str(part) for part in tuple(error.get("loc", ()))[skip:]) or "—"
        lines.append(f"{field}: {error.get('msg', '')}")
    return lines


def dashboard_url(value: str, default: str) -> str:
    """A page of this dashboard to return to (never another site), else `default`."""
    if value.startswith("/dashboard/") and "//" not in value and "\\" not in value:
        return value
    return default
