"""The shapes of error answers, so `/openapi.json` documents every status a route may give."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel


class Problem(BaseModel):
    """A refusal with a reason: 401, 403, 404, 409, 413, 429."""

    detail: str


class FieldProblem(BaseModel):
    loc: list[str | int]
    msg: str
    type: str


class ValidationProblem(BaseModel):
    """422: one entry per refused field, where it was given and why."""

    detail: list[FieldProblem]


def error_answers() -> dict[int | str, dict[str, Any]]:
    """The error answers every authenticated API route can give."""
    return {
        401: {"model": Problem, "description": "no API key, or a wrong or revoked one"},
        403: {"model": Problem, "description": "the key's role may not do this"},
        404: {"model": Problem, "description": "a referenced item does not exist"},
        409: {"model": Problem, "description": "it contradicts what is stored"},
        413: {"model": Problem, "description": "the body is too large"},
        422: {"model": ValidationProblem, "description": "a value is refused"},
        429: {"model": Problem, "description": "too many requests: see Retry-After"},
    }
